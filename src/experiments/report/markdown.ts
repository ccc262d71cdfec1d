/** results.md and the plain-text table printed to a terminal. */
import type { StudyResults } from '../results.js';
import { evaluateClaims, type Claim } from './claims.js';
import { describeConfig, describeLimits, describeMachine, describeScale, describeTime, timingCaution } from './format.js';
import { summarizeRuns } from './summary.js';
import { analysisTables, resultsTable, TABLE_NOTE, type Table } from './tables.js';

function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function markdownTable(table: Table): string {
  const line = (cells: string[]): string => `| ${cells.map(markdownCell).join(' | ')} |`;
  const rule = table.header.map((_, i) => (i >= table.numericFrom ? '---:' : ':---'));
  const lines = [line(table.header), `|${rule.join('|')}|`, ...table.rows.map(line)];
  return table.note === undefined ? lines.join('\n') : `${lines.join('\n')}\n\n${table.note}`;
}

function claimLine(claim: Claim): string {
  return `- **${claim.status}**: ${claim.claim}. ${claim.evidence}`;
}

/** results.md: header, the paper-style table, the claims, the analyses and what was skipped. */
export function renderMarkdown(results: StudyResults): string {
  const summaries = summarizeRuns(results);
  const caution = timingCaution(results);
  const parts = [
    '# MID-L study results',
    [
      `- Machine: ${describeMachine(results.machine)}`,
      `- Config: ${describeConfig(results)}`,
      `- Examples used: ${describeLimits(results)}`,
      `- When: ${describeTime(results)}`,
      `- Scale: ${results.config.quick ? `**${describeScale(results)}**` : describeScale(results)}`,
    ].join('\n'),
    '## Results',
    markdownTable(resultsTable(summaries)),
    TABLE_NOTE,
    ...(caution === null ? [] : [`**${caution}**`]),
    '## Headline claims of the abstract',
    evaluateClaims(results, summaries).map(claimLine).join('\n'),
    ...analysisTables(results).flatMap(({ table }) => [`## ${table.title}`, markdownTable(table)]),
  ];
  if (results.skipped.length > 0) {
    parts.push('## Skipped', results.skipped.map((s) => `- ${s.dataset}: ${s.reason}`).join('\n'));
  }
  return `${parts.join('\n\n')}\n`;
}

/** A table as aligned plain-text columns (numbers right-aligned). */
export function textTable(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i >= table.numericFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const lines = [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)];
  return table.note === undefined ? lines.join('\n') : `${lines.join('\n')}\n${table.note}`;
}

/** The paper-style results table for a terminal. */
export function formatResultsTable(results: StudyResults): string {
  return textTable(resultsTable(summarizeRuns(results)));
}
