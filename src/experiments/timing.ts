/** Timing of short calls: batched samples and their median, robust to timer resolution. */

/** Median time of one call of fn, in microseconds: calls are batched so each sample lasts >= sampleMs. */
export function medianMicros(fn: () => void, samples = 15, sampleMs = 3): number {
  for (let i = 0; i < 3; i++) fn();
  let calls = 1;
  for (;;) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    const elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (elapsedMs >= sampleMs) break;
    calls *= elapsedMs > 0 ? Math.min(10, Math.ceil((sampleMs * 1.5) / elapsedMs)) : 10;
  }
  const times: number[] = [];
  for (let s = 0; s < samples; s++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e3 / calls);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}
