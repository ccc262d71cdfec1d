/**
 * report.html: one self-contained page (inline CSS and SVG, no scripts, fonts or URLs)
 * that opens offline and reads like a short paper section.
 */
import type { StudyResults } from '../results.js';
import { evaluateClaims, type Claim, type ClaimId } from './claims.js';
import { describeConfig, describeLimits, describeMachine, describeScale, describeTime, inProgress, timingCaution } from './format.js';
import { analysisPlots, renderSvg, resultPlots, type Plot } from './plots.js';
import { summarizeRuns } from './summary.js';
import { analysisTables, resultsTable, TABLE_NOTE, type Table } from './tables.js';
import { REPORT_CSS } from './style.js';

/** Each analysis section and the claims of the abstract it tests. */
const ANALYSIS_CLAIMS: Record<string, ClaimId[]> = {
  'per-layer': ['active-neurons'],
  smi: ['smi-informativeness', 'smi-selectivity'],
  'label-noise': ['label-noise'],
  'input-noise': ['input-noise'],
  overfitting: ['overfitting'],
  latency: ['latency', 'memory'],
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function statusClass(claim: Claim): string {
  return `badge status-${claim.status.replace(' ', '-')}`;
}

function claimItem(claim: Claim): string {
  return (
    `<li class="claim"><span class="${statusClass(claim)}">${escapeHtml(claim.status)}</span>` +
    `<div><p class="claim-text">${escapeHtml(claim.claim)}</p><p class="evidence">${escapeHtml(claim.evidence)}</p></div></li>`
  );
}

function htmlTable(table: Table, highlightModel = true): string {
  const cell = (tag: string, text: string, i: number): string =>
    `<${tag}${i >= table.numericFrom ? ' class="num"' : ''}>${escapeHtml(text)}</${tag}>`;
  const head = `<tr>${table.header.map((h, i) => cell('th', h, i)).join('')}</tr>`;
  const body = table.rows
    .map((row) => {
      const midl = highlightModel && row[1] === 'midl' ? ' class="midl"' : '';
      return `<tr${midl}>${row.map((c, i) => cell('td', c, i)).join('')}</tr>`;
    })
    .join('\n');
  const note = table.note === undefined ? '' : `<p class="note">${escapeHtml(table.note)}</p>`;
  return `<div class="table-wrap"><table><thead>${head}</thead><tbody>\n${body}\n</tbody></table></div>${note}`;
}

async function figure(plot: Plot): Promise<string> {
  return `<figure id="plot-${escapeHtml(plot.id)}"><figcaption>${escapeHtml(plot.title)}</figcaption>${await renderSvg(plot)}</figure>`;
}

function runSummary(results: StudyResults): string {
  const rows: [string, string][] = [
    ['Machine', describeMachine(results.machine)],
    ['Config', describeConfig(results)],
    ['Examples used', describeLimits(results)],
    ['When', describeTime(results)],
    ['Scale', `${results.config.quick ? 'quick (--quick)' : 'full'}${inProgress(results) ? ', in progress' : ''}`],
  ];
  const items = rows.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('');
  const showBanner = results.config.quick || inProgress(results);
  const banner = showBanner ? `<p class="banner">${escapeHtml(describeScale(results))}</p>` : '';
  return `${banner}<dl class="run-summary">${items}</dl>`;
}

async function analysisSections(results: StudyResults, claims: readonly Claim[]): Promise<string[]> {
  const plots = analysisPlots(results);
  const sections = analysisTables(results).map(async ({ id, table }) => {
    const tested = claims.filter((c) => (ANALYSIS_CLAIMS[id] ?? []).includes(c.id));
    const figures = await Promise.all((plots.get(id) ?? []).map(figure));
    const intro = `<p class="tests">Tests the abstract's claim${tested.length > 1 ? 's' : ''}:</p>`;
    return (
      `<section id="${escapeHtml(id)}"><h2>${escapeHtml(table.title)}</h2>` +
      (tested.length > 0 ? `${intro}<ul class="claims">${tested.map(claimItem).join('')}</ul>` : '') +
      figures.join('') +
      `${htmlTable(table)}</section>`
    );
  });
  return Promise.all(sections);
}

function skippedSection(results: StudyResults): string {
  if (results.skipped.length === 0) return '';
  const items = results.skipped.map((s) => `<li><strong>${escapeHtml(s.dataset)}</strong>: ${escapeHtml(s.reason)}</li>`).join('');
  return `<section id="skipped"><h2>Skipped</h2><ul class="skipped">${items}</ul></section>`;
}

/** The whole report page. */
export async function renderHtml(results: StudyResults): Promise<string> {
  const summaries = summarizeRuns(results);
  const caution = timingCaution(results);
  const claims = evaluateClaims(results, summaries);
  const figures = await Promise.all(resultPlots(results, summaries).map(figure));
  const analyses = await analysisSections(results, claims);
  const title = results.config.quick ? 'MID-L study results (quick run)' : 'MID-L study results';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="subtitle">A reproduction of MID-L: Matrix-Interpolated Dropout Layer with Layer-wise Neuron Selection
(arXiv 2505.11416): dense, dropout, static-sparsity and MID-L models on each dataset.</p>
${runSummary(results)}
</header>
<section id="claims">
<h2>Headline claims of the abstract</h2>
<ul class="claims">${claims.map(claimItem).join('\n')}</ul>
</section>
<section id="results">
<h2>Results</h2>
${htmlTable(resultsTable(summaries))}
<p class="note">${escapeHtml(TABLE_NOTE)}</p>
${caution === null ? '' : `<p class="banner">${escapeHtml(caution)}</p>`}
${figures.join('\n')}
</section>
${analyses.join('\n')}
${skippedSection(results)}
<footer>Generated by midl from results.json (accuracies stored as fractions, shown in %; FLOPs = 2 x MACs per example).</footer>
</main>
</body>
</html>
`;
}
