/** Number and run-description formatting shared by the text, Markdown and HTML reports. */
import type { MachineInfo, StudyResults } from '../results.js';
import type { RunSummary } from './summary.js';

/** A fraction as a percentage with one decimal: 0.9785 -> "97.9%". */
export function pct(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** A count with a metric suffix: 458300 -> "458.3 k". */
export function formatCount(value: number): string {
  const units: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  for (const [scale, suffix] of units) {
    if (Math.abs(value) >= scale) return `${(value / scale).toFixed(1)} ${suffix}`;
  }
  return String(Math.round(value));
}

/** Bytes in binary units: 1572864 -> "1.5 MiB". */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [[2 ** 30, 'GiB'], [2 ** 20, 'MiB'], [2 ** 10, 'KiB']];
  for (const [scale, suffix] of units) {
    if (bytes >= scale) return `${(bytes / scale).toFixed(1)} ${suffix}`;
  }
  return `${Math.round(bytes)} B`;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Milliseconds with three significant digits. */
export function formatMs(ms: number): string {
  return ms.toPrecision(3);
}

/** Mean ± sample std of accuracy in percent; no spread with one seed. */
export function formatAccuracy(summary: RunSummary): string {
  const m = (summary.accuracy.mean * 100).toFixed(2);
  return summary.accuracy.std === null ? m : `${m} ± ${(summary.accuracy.std * 100).toFixed(2)}`;
}

export function describeMachine(machine: MachineInfo): string {
  return (
    `${machine.cpu}, ${machine.cores} cores, ${machine.memory_gib.toFixed(1)} GiB, ${machine.os}; ` +
    `Node ${machine.node}, backend ${machine.backend} with ${machine.threads} thread${machine.threads === 1 ? '' : 's'}`
  );
}

export function describeConfig(results: StudyResults): string {
  const c = results.config;
  const epochs = Object.entries(c.epochs).map(([d, e]) => `${d} ${e}`).join(', ');
  return (
    `datasets ${c.datasets.join(', ')}; models ${c.models.join(', ')}; seeds ${c.seeds.join(', ')}; ` +
    `keep ratio ${c.keep}; epochs ${epochs || 'n/a'}`
  );
}

/** Whether these are the files a running study writes after each dataset (not its final ones). */
export function inProgress(results: StudyResults): boolean {
  return (results.pending_datasets ?? []).length > 0;
}

/** Whether the numbers are from --quick, in words a reader cannot miss. */
export function describeScale(results: StudyResults): string {
  const scale = results.config.quick
    ? 'Quick run (--quick): small-configuration numbers (reduced data, epochs and seeds), not comparable with the paper\'s.'
    : 'Full run (not --quick).';
  if (!inProgress(results)) return scale;
  return `${scale} In progress: written after each dataset; still to run: ${(results.pending_datasets ?? []).join(', ')} ` +
    '(a stopped study continues with the same command and --resume).';
}

/** A time as "2025-06-01 10:00:00 UTC". */
function formatTime(iso: string): string {
  return `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function describeTime(results: StudyResults): string {
  const seconds = (Date.parse(results.finished_at) - Date.parse(results.started_at)) / 1000;
  return `${formatTime(results.started_at)} to ${formatTime(results.finished_at)} (${formatSeconds(Math.max(seconds, 0))})`;
}

/** The per-dataset example limits: "mnist 5,000 train / 1,000 test; adult all / all". */
export function describeLimits(results: StudyResults): string {
  const count = (n: number | null): string => (n === null ? 'all' : n.toLocaleString('en-US'));
  const limits = Object.entries(results.config.limits).map(([d, l]) => `${d} ${count(l.train)} train / ${count(l.test)} test`);
  return limits.length > 0 ? limits.join('; ') : 'whole datasets';
}

/** Above this many cores kept busy by other processes, a timing counts as taken on a busy machine. */
export const OTHER_CPU_LIMIT = 0.25;

/**
 * A caution when timings were taken on a busy machine, or null: the report's latency and
 * train-time figures are then indicative only. A record is busy when other processes kept
 * more than OTHER_CPU_LIMIT cores busy (other_cpu) or, in records from before that was
 * measured, when the 1-minute load average exceeded half the cores (which the study's own
 * training can reach, so older records may be flagged when nothing else ran).
 */
export function timingCaution(results: StudyResults): string | null {
  const isBusy = (r: { load_average?: number; other_cpu?: number }): boolean =>
    typeof r.other_cpu === 'number'
      ? r.other_cpu > OTHER_CPU_LIMIT
      : typeof r.load_average === 'number' && r.load_average > results.machine.cores / 2;
  const runs = results.runs.filter(isBusy);
  const latency = (results.analyses?.latency ?? []).filter(isBusy);
  if (runs.length + latency.length === 0) return null;
  const parts = [
    runs.length > 0 ? `${runs.length} of ${results.runs.length} runs` : '',
    latency.length > 0 ? `${latency.length} of ${results.analyses?.latency?.length} latency measurements` : '',
  ].filter((p) => p !== '');
  const flagged = [...runs, ...latency];
  const others = flagged.flatMap((r) => (typeof r.other_cpu === 'number' ? [r.other_cpu] : []));
  const loads = flagged.flatMap((r) => (typeof r.other_cpu !== 'number' && typeof r.load_average === 'number' ? [r.load_average] : []));
  const cores = results.machine.cores;
  const evidence = [
    others.length > 0 ? `other processes kept up to ${Math.max(...others).toFixed(1)} of ${cores} cores busy` : '',
    loads.length > 0 ? `1-minute load average up to ${Math.max(...loads).toFixed(1)} on ${cores} cores` : '',
  ].filter((e) => e !== '').join('; ');
  return `Timing caution: ${parts.join(' and ')} were timed on a busy machine (${evidence}); those latency and ` +
    'train-time figures are indicative only.';
}
