/** results.json without the fields that measure time or the machine (they differ run to run). */
const TIMING_FIELDS = new Set([
  'machine', 'started_at', 'finished_at', 'latency_ms', 'train_seconds', 'load_average', 'other_cpu', 'seconds',
  'median_ms', 'p95_ms', 'peak_rss_bytes',
]);

export function withoutTimings(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => withoutTimings(v, key));
  if (typeof value !== 'object' || value === null) return value;
  // A latency record's rounds timed within its budget are a timing too.
  const timed = key === 'latency';
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => !TIMING_FIELDS.has(k) && !(timed && k === 'runs'))
      .map(([k, v]) => [k, withoutTimings(v, k)]),
  );
}
