/** The few statistics the report needs. */

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n - 1 in the denominator); null for fewer than two values. */
export function sampleStd(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  const squares = values.reduce((sum, v) => sum + (v - m) ** 2, 0);
  return Math.sqrt(squares / (values.length - 1));
}

/** Pooled standard deviation of two samples; null when neither has a spread. */
export function pooledStd(a: readonly number[], b: readonly number[]): number | null {
  const sa = sampleStd(a);
  const sb = sampleStd(b);
  const dof = (sa === null ? 0 : a.length - 1) + (sb === null ? 0 : b.length - 1);
  if (dof === 0) return null;
  const sum = (sa === null ? 0 : (a.length - 1) * sa ** 2) + (sb === null ? 0 : (b.length - 1) * sb ** 2);
  return Math.sqrt(sum / dof);
}

/** Groups items by a string key, keeping first-seen order. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
