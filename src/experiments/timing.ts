/** Timing of short calls: batched samples and their medians, robust to timer resolution. */

/** How many calls of fn make a batch lasting at least sampleMs (after a short warm-up). */
function callsPerSample(fn: () => void, sampleMs: number): number {
  for (let i = 0; i < 3; i++) fn();
  let calls = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (elapsedMs >= sampleMs) return calls;
    calls *= elapsedMs > 0 ? Math.min(10, Math.ceil((sampleMs * 1.5) / elapsedMs)) : 10;
  }
}

/**
 * Median time of one call of each fn, in microseconds, measured side by side: every round
 * times one batch of each fn in turn, so a machine that speeds up or slows down while
 * this runs (a shared VM does) moves all of them alike and their ratios stay meaningful.
 */
export function sideBySideMicros(fns: Array<() => void>, samples = 15, sampleMs = 3): number[] {
  const calls = fns.map((fn) => callsPerSample(fn, sampleMs));
  const times = fns.map((): number[] => []);
  for (let s = 0; s < samples; s++) {
    fns.forEach((fn, f) => {
      const start = process.hrtime.bigint();
      for (let i = 0; i < calls[f]; i++) fn();
      times[f].push(Number(process.hrtime.bigint() - start) / 1e3 / calls[f]);
    });
  }
  return times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)]);
}
