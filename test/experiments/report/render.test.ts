import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatResultsTable, renderMarkdown } from '../../../src/experiments/report/markdown.js';
import { escapeHtml, renderHtml } from '../../../src/experiments/report/html.js';
import { writeReport } from '../../../src/experiments/report/write.js';
import { validateResults } from '../../../src/experiments/results.js';
import { tempDir } from '../../helpers.js';
import { syntheticResults } from './synthetic.js';

const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr']);

/**
 * A small well-formedness check: every non-void element is closed in order. Style
 * contents and the doctype are skipped; SVG elements may self-close ("<path/>").
 */
function assertBalancedTags(html: string): void {
  const body = html.replace(/<style>[\s\S]*?<\/style>/g, '').replace(/<!DOCTYPE html>/i, '');
  const open: string[] = [];
  for (const match of body.matchAll(/<(\/?)([a-zA-Z][\w:-]*)((?:"[^"]*"|'[^']*'|[^'">])*)>/g)) {
    const [, closing, rawName, rest] = match;
    const name = rawName.toLowerCase();
    if (closing) {
      const top = open.pop();
      assert.equal(top, name, `</${name}> closes <${top}> at offset ${match.index}`);
    } else if (!VOID_ELEMENTS.has(name) && !rest.trimEnd().endsWith('/')) {
      open.push(name);
    }
  }
  assert.deepEqual(open, [], 'unclosed elements');
  assert.ok(!/<(?![a-zA-Z/!])/.test(body), 'a stray "<" that is not a tag');
}

test('escapeHtml escapes markup characters', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;');
});

test('results.md has the header, a row per dataset and model, the claims and the analyses', () => {
  const md = renderMarkdown(syntheticResults());
  assert.match(md, /^# MID-L study results/);
  assert.match(md, /Machine: Intel\(R\) Xeon\(R\) CPU @ 2\.20GHz, 2 cores/);
  assert.match(md, /\*\*Quick run \(--quick\): small-configuration numbers/);
  // Latency and memory from the side-by-side latency analysis (the run's own 0.160 ms is not used).
  assert.match(md, /\| mnist \| midl \| 98\.10 ± 1\.00 \| 45\.0% \| 458\.8 k \| 1\.75x \| 600\.1 k \| 0\.148 \| 7\.29 \| 2\.3 MiB \| 3\.5 KiB \| 50\.0 s \| 60,000 \/ 10,000 \| 3 \| 3 \|/);
  assert.match(md, /\| adult \| dense \| 85\.00 ± 0\.50 \| 100\.0% \| .* \| - \| - \| - \| - \| /);
  assert.match(md, /\| Latency b=1 \(ms\) \| Latency b=256 \(ms\) \| Param\. memory \| Activations \/ ex\. \|/);
  assert.equal(md.match(/^\| (mnist|adult|imdb) \| (dense|dropout|static|midl) \| \d+\.\d\d ± \d+\.\d\d \| \d+\.\d% \|/gm)?.length, 12);
  assert.match(md, /- \*\*confirmed\*\*: 1\.7x FLOPs savings\. mean 1\.75x/);
  assert.match(md, /- \*\*partly\*\*: Favorable memory usage/);
  for (const title of ['Sliced mutual information', 'Robustness: label noise', 'Robustness: input noise', 'Robustness: overfitting', 'Inference latency and memory']) {
    assert.match(md, new RegExp(`^## ${title.replace(/[()]/g, '\\$&')}$`, 'm'));
  }
  assert.match(md, /^## Skipped\n\n- cifar10: files not found/m);
});

test('a full run says so and has no analyses sections when none were run', () => {
  const results = syntheticResults();
  results.config.quick = false;
  delete results.analyses;
  const md = renderMarkdown(results);
  assert.match(md, /Scale: Full run/);
  assert.doesNotMatch(md, /Sliced mutual information|Robustness/);
});

test('runs timed on a busy machine get a caution; quiet ones none', async () => {
  const results = syntheticResults();
  assert.doesNotMatch(renderMarkdown(results), /Timing caution/);
  results.runs[0].load_average = 0.4;
  results.runs[1].load_average = 3.5;
  const md = renderMarkdown(results);
  assert.match(md, /Timing caution: 1 of \d+ runs were timed on a busy machine \(1-minute load average up to 3\.5 on 2 cores\)/);
  assert.match(await renderHtml(results), /<p class="banner">Timing caution: 1 of \d+ runs/);
  results.analyses!.latency![0].load_average = 4;
  assert.match(renderMarkdown(results), /1 of \d+ runs and 1 of \d+ latency measurements were timed .* up to 4\.0 on 2 cores/);
});

test('other processes\' CPU, where measured, decides busy instead of the load average', () => {
  const results = syntheticResults();
  results.runs[0].load_average = 2.1; // the study's own two training threads
  results.runs[0].other_cpu = 0.02;
  assert.doesNotMatch(renderMarkdown(results), /Timing caution/);
  results.analyses!.latency![0].load_average = 0.1;
  results.analyses!.latency![0].other_cpu = 1.3;
  assert.match(
    renderMarkdown(results),
    /Timing caution: 1 of \d+ latency measurements were timed on a busy machine \(other processes kept up to 1\.3 of 2 cores busy\)/,
  );
});

test('the terminal table is aligned plain text', () => {
  const lines = formatResultsTable(syntheticResults()).split('\n');
  assert.equal(lines.length, 2 + 12);
  assert.match(lines[0], /^Dataset\s+Model\s+Test acc\. \(%\)/);
  const column = lines[0].indexOf('Saving') + 'Saving'.length;
  for (const line of lines.slice(2)) assert.match(line.slice(column - 5, column), /\d\.\d\dx/);
  assert.ok(!lines.some((l) => l.includes('|')));
});

test('report.html is well-formed, self-contained, escaped, and embeds one SVG per plot', async () => {
  const html = await renderHtml(syntheticResults());
  assertBalancedTags(html);
  assert.match(html, /^<!DOCTYPE html>/);
  assert.doesNotMatch(html, /<script|<link|@import|url\(\s*["']?https?:/i);
  assert.doesNotMatch(html, /\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i, 'an external src or href');
  const figures = [...html.matchAll(/<figure id="plot-([\w-]+)">([\s\S]*?)<\/figure>/g)];
  assert.deepEqual(figures.map((f) => f[1]), [
    'accuracy-vs-active', 'flops-saving', 'training-curves', 'smi', 'smi-neurons', 'label-noise', 'input-noise', 'overfitting',
    'latency',
  ]);
  for (const [, id, inner] of figures) assert.equal(inner.match(/<svg[\s>]/g)?.length, 1, `one svg in ${id}`);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.equal(new Set(ids).size, ids.length, 'element ids are unique across the inlined SVGs');
  assert.match(html, /<span class="badge status-partly">partly<\/span>/);
  assert.match(html, /&#60;run `midl data fetch` &#38; retry&#62;/, 'the skip reason is escaped');
  assert.match(html, /Quick run \(--quick\)/);
});

test('a study where every dataset was skipped still renders, with every claim "not measured"', async () => {
  const results = syntheticResults();
  results.runs = [];
  delete results.analyses;
  const html = await renderHtml(results);
  assertBalancedTags(html);
  assert.doesNotMatch(html, /<svg/);
  assert.equal(html.match(/class="badge status-not-measured"/g)?.length, 10);
  assert.match(renderMarkdown(results), /## Skipped\n\n- cifar10/);
});

test('writeReport writes the three files and leaves no temporary files', async () => {
  const dir = path.join(tempDir(), 'out');
  const results = syntheticResults();
  const written = await writeReport(results, dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['report.html', 'results.json', 'results.md']);
  assert.deepEqual(written.map((f) => path.basename(f)), ['results.json', 'results.md', 'report.html']);
  const json = fs.readFileSync(path.join(dir, 'results.json'), 'utf8');
  assert.match(json, /^\{\n {2}"machine": \{\n/, 'pretty-printed');
  assert.deepEqual(validateResults(JSON.parse(json), 'results.json'), results);
  // A second write replaces the files in place.
  await writeReport(results, dir);
  assert.deepEqual(fs.readdirSync(dir).sort(), ['report.html', 'results.json', 'results.md']);
});

test('the process peak RSS is given once per dataset, under the latency table, not as a model\'s own memory', async () => {
  const md = renderMarkdown(syntheticResults());
  assert.doesNotMatch(md, /\| Peak RSS \|/);
  assert.equal(md.match(/Peak RSS of the process/g)?.length, 1);
  assert.match(md, /Peak RSS of the process .*: mnist 171\.7 MiB\./);
  assert.match(await renderHtml(syntheticResults()), /<p class="note">Peak RSS of the process [^<]*mnist 171\.7 MiB\.<\/p>/);
});

test('an accuracy on too few test examples is marked in the table', () => {
  const results = syntheticResults();
  results.runs.forEach((r) => r.dataset === 'adult' && (r.test_examples = 2));
  const table = formatResultsTable(results);
  assert.match(table, /^adult\s+midl\s+[\d.]+ ± [\d.]+ \(too few test ex\.\)/m);
  assert.doesNotMatch(table, /^mnist .*too few/m);
});
