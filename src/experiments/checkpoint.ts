/**
 * Training checkpoints: one safetensors file holding the model (`model.<name>`), the
 * optimizer (`optimizer.<name>`), and in its metadata the run's configuration, the
 * epochs finished, the RNG states and the history, so a killed run resumes exactly.
 * Written atomically at the end of every epoch.
 */
import { MidlInputError } from '../errors.js';
import type { AnyModule } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { RngState } from '../tensor/rng.js';
import { loadSafetensors, saveSafetensors } from '../tensor/safetensors.js';
import type { StateDict } from '../tensor/state.js';

export const CHECKPOINT_FORMAT = 'midl-checkpoint-1';

export type SavedRng = { s: RngState; spareNormal: number | null };

export interface CheckpointMeta<C, H> {
  config: C;
  epochsDone: number;
  rngs: Record<string, SavedRng>;
  history: H[];
  trainSeconds: number;
  /** Model facts needed to rebuild it (input shape, classes, whether static-sparse). */
  model: { inputShape: number[]; numClasses: number; staticSparse: boolean };
}

export function saveCheckpoint<C, H>(file: string, model: AnyModule, opt: Optimizer | null, meta: CheckpointMeta<C, H>): void {
  const tensors: StateDict = new Map();
  for (const [k, v] of model.stateDict()) tensors.set(`model.${k}`, v);
  if (opt !== null) for (const [k, v] of opt.stateDict()) tensors.set(`optimizer.${k}`, v);
  saveSafetensors(file, tensors, { format: CHECKPOINT_FORMAT, meta: JSON.stringify(meta) });
}

export interface LoadedCheckpoint<C, H> {
  meta: CheckpointMeta<C, H>;
  model: StateDict;
  optimizer: StateDict;
}

/**
 * Checks a checkpoint's metadata field by field; the first problem throws a one-line
 * MidlInputError naming the file and the field ("config.keep: expected a number in (0, 1], got 5").
 */
export class MetaChecker {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw new MidlInputError(`${this.file}: checkpoint metadata ${field}: ${problem}`);
  }

  object(field: string, value: unknown): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, `expected an object, got ${show(value)}`);
    return Object.fromEntries(Object.entries(value));
  }

  /** A number in [min, max] (or (above, max] when above is given); an integer when asked. */
  number(field: string, value: unknown, o: { min?: number; above?: number; max?: number; integer?: boolean }): number {
    const ok =
      typeof value === 'number' && Number.isFinite(value) && (o.integer !== true || Number.isInteger(value)) &&
      (o.min === undefined || value >= o.min) && (o.above === undefined || value > o.above) && (o.max === undefined || value <= o.max);
    if (!ok) {
      const low = o.above !== undefined ? `(${o.above}` : `[${o.min ?? '-inf'}`;
      this.fail(field, `expected ${o.integer ? 'an integer' : 'a number'} in ${low}, ${o.max ?? 'inf'}], got ${show(value)}`);
    }
    return value;
  }

  oneOf<T extends string>(field: string, value: unknown, choices: readonly T[]): T {
    const found = choices.find((c) => c === value);
    return found ?? this.fail(field, `expected one of ${choices.join(', ')}, got ${show(value)}`);
  }

  boolean(field: string, value: unknown): boolean {
    if (typeof value !== 'boolean') this.fail(field, `expected true or false, got ${show(value)}`);
    return value;
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function checkRng(c: MetaChecker, field: string, value: unknown): SavedRng {
  const rng = c.object(field, value);
  if (!Array.isArray(rng.s) || rng.s.length !== 4) c.fail(`${field}.s`, `expected 4 integers, got ${show(rng.s)}`);
  const s = rng.s.map((v: unknown, i: number) => c.number(`${field}.s[${i}]`, v, { min: 0, max: 2 ** 32 - 1, integer: true }));
  const spareNormal = rng.spareNormal === null ? null : c.number(`${field}.spareNormal`, rng.spareNormal, {});
  return { s: [s[0], s[1], s[2], s[3]], spareNormal };
}

/** The metadata's own fields, checked and typed (the config is the caller's to check). */
function checkMeta<C, H>(c: MetaChecker, raw: Record<string, unknown>, config: C): CheckpointMeta<C, H> {
  const model = c.object('model', raw.model);
  if (!Array.isArray(model.inputShape) || model.inputShape.length === 0) {
    c.fail('model.inputShape', `expected a non-empty array, got ${show(model.inputShape)}`);
  }
  const history = raw.history;
  if (!Array.isArray(history)) c.fail('history', `expected an array, got ${show(history)}`);
  const rngs = c.object('rngs', raw.rngs);
  return {
    config,
    epochsDone: c.number('epochsDone', raw.epochsDone, { min: 0, integer: true }),
    rngs: Object.fromEntries(Object.entries(rngs).map(([name, v]) => [name, checkRng(c, `rngs.${name}`, v)])),
    // The per-epoch records midl wrote; only reported back, never computed with.
    history: history as H[],
    trainSeconds: c.number('trainSeconds', raw.trainSeconds, { min: 0 }),
    model: {
      inputShape: model.inputShape.map((d: unknown, i: number) => c.number(`model.inputShape[${i}]`, d, { min: 1, integer: true })),
      numClasses: c.number('model.numClasses', model.numClasses, { min: 2, integer: true }),
      staticSparse: c.boolean('model.staticSparse', model.staticSparse),
    },
  };
}

/** The first non-finite value of a tensor, or null. */
function firstNonFinite(data: Float32Array | Int32Array): { index: number; value: number } | null {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return { index: i, value: data[i] };
  return null;
}

/**
 * Reads a checkpoint, refusing a wrong format version, malformed metadata and tensors that
 * hold NaN or infinity. checkConfig checks and types the run's configuration.
 */
export function loadCheckpoint<C, H>(file: string, checkConfig: (c: MetaChecker, config: unknown) => C): LoadedCheckpoint<C, H> {
  const { tensors, metadata } = loadSafetensors(file);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new MidlInputError(`${file}: not a midl checkpoint (format '${metadata.format ?? 'none'}', expected '${CHECKPOINT_FORMAT}')`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata.meta ?? '');
  } catch {
    throw new MidlInputError(`${file}: checkpoint metadata is not valid JSON`);
  }
  const c = new MetaChecker(file);
  const raw = c.object('(top level)', parsed);
  const meta = checkMeta<C, H>(c, raw, checkConfig(c, raw.config));
  const model: StateDict = new Map();
  const optimizer: StateDict = new Map();
  for (const [k, v] of tensors) {
    const bad = firstNonFinite(v.data);
    if (bad !== null) throw new MidlInputError(`${file}: tensor '${k}' holds a non-finite value (${bad.value} at index ${bad.index})`);
    if (k.startsWith('model.')) model.set(k.slice('model.'.length), v);
    else if (k.startsWith('optimizer.')) optimizer.set(k.slice('optimizer.'.length), v);
  }
  return { meta, model, optimizer };
}

/** Loads a state dict into a model, turning a mismatch into a one-line error naming the file. */
export function restoreModel(model: AnyModule, state: StateDict, file: string): void {
  try {
    model.loadStateDict(state, file);
  } catch (err) {
    throw new MidlInputError((err as Error).message);
  }
}
