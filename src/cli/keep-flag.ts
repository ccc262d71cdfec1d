/** The keep-ratio flags: one ratio in (0, 1], or a comma-separated list of them. */
import { MidlInputError } from '../errors.js';

/** One keep ratio: a number in (0, 1]; throws naming the flag otherwise. */
export function parseKeepRatio(flag: string, item: string): number {
  const v = Number(item);
  if (item.trim() === '' || !Number.isFinite(v) || !(v > 0 && v <= 1)) {
    throw new MidlInputError(`--${flag}: expected keep ratios in (0, 1], got '${item}'`);
  }
  return v;
}

/** A list of keep ratios ("0.6,0.3"), or undefined when the flag is absent. */
export function keepList(raw: unknown, flag: string): number[] | undefined {
  if (raw === undefined) return undefined;
  const items = String(raw).split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === '')) throw new MidlInputError(`--${flag}: expected a comma-separated list of keep ratios, got '${String(raw)}'`);
  return items.map((item) => parseKeepRatio(flag, item));
}

/** `--keep X` or `--keep X,Y,..` (one per hidden layer); default 0.45. */
export function keepFlag(raw: unknown): number | number[] {
  const list = keepList(raw, 'keep');
  if (list === undefined) return 0.45;
  return list.length === 1 ? list[0] : list;
}
