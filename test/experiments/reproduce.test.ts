import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runStudy } from '../../src/experiments/reproduce.js';
import { loadResults } from '../../src/experiments/results.js';
import { fixtureDataDir, tempDir } from '../helpers.js';
import { runCli } from '../cli/cli.js';

describe('midl reproduce (tiny)', () => {
  it('writes results.json, results.md and report.html, skips what is missing, and resumes', async () => {
    const out = tempDir();
    const args = [
      'reproduce', '--datasets', 'mnist,adult,cifar10', '--models', 'dense,midl', '--seeds', '1', '--epochs', '1',
      '--limit-train', '300', '--limit-test', '200', '--data-dir', fixtureDataDir, '--out', out, '--no-analyses',
    ];
    // cifar10 is hidden: a data root holding only mnist and adult.
    const root = tempDir();
    fs.symlinkSync(path.join(fixtureDataDir, 'mnist'), path.join(root, 'mnist'));
    fs.symlinkSync(path.join(fixtureDataDir, 'adult'), path.join(root, 'adult'));
    args[args.indexOf(fixtureDataDir)] = root;
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /mnist\s+midl/);
    const results = loadResults(path.join(out, 'results.json'));
    assert.equal(results.runs.length, 4);
    for (const run of results.runs) {
      assert.equal(run.train_examples, 300);
      assert.equal(run.test_examples, 200);
      assert.ok(run.latency_ms.batch1 > 0 && run.latency_ms.batch256 > 0);
      if (run.model === 'midl') {
        assert.ok(run.active_ratio < 0.46);
        assert.ok(run.flops_per_example < run.dense_flops_per_example);
      } else assert.equal(run.active_ratio, 1);
    }
    assert.deepEqual(results.skipped.map((s) => s.dataset), ['cifar10']);
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    assert.match(md, /adult/);
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.match(html, /^<!DOCTYPE html>/i);
    assert.ok((html.match(/<svg/g) ?? []).length >= 2, 'plots embedded as SVG');
    assert.ok(!/(src|href)="https?:/.test(html), 'no external resources');

    const again = await runCli([...args, '--resume']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((again.stderr.match(/already finished, reused/g) ?? []).length, 4);
    // A resumed study keeps the time it first started.
    assert.equal(loadResults(path.join(out, 'results.json')).started_at, results.started_at);
  });

  it('writes the report after each dataset, marked in progress until the last', async () => {
    const out = tempDir();
    const seenOnDisk: Array<{ datasets: string[]; pending: string[] | undefined; markdownSaysSo: boolean }> = [];
    const results = await runStudy({
      datasets: ['adult', 'mnist'], models: ['dense'], seeds: [1], keep: 0.45, quick: true, dataRoot: fixtureDataDir,
      outDir: out, resume: false, override: { epochs: 1, limitTrain: 200, limitTest: 100 },
      afterDataset: () => {
        const file = path.join(out, 'results.json');
        if (!fs.existsSync(file)) return;
        const partial = loadResults(file);
        const markdownSaysSo = /still to run: mnist/.test(fs.readFileSync(path.join(out, 'results.md'), 'utf8'));
        seenOnDisk.push({ datasets: partial.runs.map((r) => r.dataset), pending: partial.pending_datasets, markdownSaysSo });
      },
    });
    // When mnist finished, the files on disk held adult's run and named mnist as pending.
    assert.deepEqual(seenOnDisk, [{ datasets: ['adult'], pending: ['mnist'], markdownSaysSo: true }]);
    assert.doesNotMatch(fs.readFileSync(path.join(out, 'results.md'), 'utf8'), /still to run/);
    assert.equal(results.pending_datasets, undefined);
    const final = loadResults(path.join(out, 'results.json'));
    assert.equal(final.pending_datasets, undefined);
    assert.deepEqual(final.runs.map((r) => r.dataset), ['adult', 'mnist']);
  });
});
