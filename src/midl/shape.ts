/** The sizes docs/method.md section 2 fixes by default: neurons kept, and the rank of the shared projection. */

/** k = max(1, round(keep * n)) (half-way values round up). */
export function keptCount(keep: number, n: number): number {
  return Math.min(n, Math.max(1, Math.round(keep * n)));
}

/** The largest r with r * (d + 2n) <= n * d / 8, at least 8, at most min(d, n). */
export function defaultRank(d: number, n: number): number {
  const r = Math.floor((n * d) / 8 / (d + 2 * n));
  return Math.min(Math.min(d, n), Math.max(8, r));
}
