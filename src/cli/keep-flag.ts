/** The flags of MID-L's selection: keep ratios (`--keep X` or `--keep X,Y` per hidden layer; `--keeps LIST`), mode, budget, block size. */
import { selectionModes } from '../midl/adaptive.js';
import type { RunConfig } from '../experiments/run.js';
import { choiceFlag, listFlag, numberFlag, valueFlag, type Flag } from './flags.js';

/** One keep ratio: a number in (0, 1]. */
export function parseKeepRatio(item: string): number {
  const v = Number(item);
  if (item.trim() === '' || !Number.isFinite(v) || !(v > 0 && v <= 1)) throw new Error(`expected keep ratios in (0, 1], got '${item}'`);
  return v;
}

/** "0.45" (every hidden layer) or "0.6,0.3" (one per hidden layer). */
function parseKeeps(text: string): number | number[] {
  const list = text.split(',').map((s) => parseKeepRatio(s.trim()));
  return list.length === 1 ? list[0] : list;
}

/** The study's default keep ratio. */
export const DEFAULT_KEEP = 0.45;

export const keepRatios: Flag<number | number[] | undefined> = valueFlag('keep', parseKeeps, {
  placeholder: 'X[,X..]',
  help: `MID-L / static keep ratio in (0, 1], one for all hidden layers or one\nper hidden layer (default ${DEFAULT_KEEP})`,
});

export const keepsList = (defaultKeeps: readonly number[]): Flag<number[]> =>
  listFlag('keeps', parseKeepRatio, { placeholder: 'LIST', help: 'keep ratios in (0, 1]', default: [...defaultKeeps] });

export const midlMode = choiceFlag('midl-mode', selectionModes, {
  placeholder: 'M', help: 'MID-L selection (adaptive: a mean budget per layer, the count\nvarying per input; docs/method.md section 6)', default: 'fixed',
});

export const budget = numberFlag('budget', {
  placeholder: 'X', help: "adaptive mode's mean fraction of active neurons in (0, 1] (default: keep)", min: 1e-6, max: 1,
});

export const block = numberFlag('block', {
  placeholder: 'B', help: 'MID-L block size: select blocks of B consecutive neurons (default 1)', min: 1, integer: true,
});

/**
 * MID-L's options from --midl-mode, --budget and --block; undefined when none asks for
 * anything (fixed k per neuron), so the run's configuration stays as it was.
 */
export function midlSelection(mode: (typeof selectionModes)[number], budgetValue: number | undefined, blockSize?: number): RunConfig['midl'] | undefined {
  const options = {
    ...(mode === 'fixed' ? {} : { mode }),
    ...(budgetValue === undefined ? {} : { mode, budget: budgetValue }),
    ...(blockSize === undefined ? {} : { blockSize }),
  };
  return Object.keys(options).length === 0 ? undefined : options;
}
