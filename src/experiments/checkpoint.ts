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

export function loadCheckpoint<C, H>(file: string): LoadedCheckpoint<C, H> {
  const { tensors, metadata } = loadSafetensors(file);
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new MidlInputError(`${file}: not a midl checkpoint (format '${metadata.format ?? 'none'}', expected '${CHECKPOINT_FORMAT}')`);
  }
  let meta: CheckpointMeta<C, H>;
  try {
    meta = JSON.parse(metadata.meta ?? '') as CheckpointMeta<C, H>;
  } catch {
    throw new MidlInputError(`${file}: checkpoint metadata is not valid JSON`);
  }
  if (typeof meta !== 'object' || meta === null || !Number.isInteger(meta.epochsDone) || typeof meta.model !== 'object') {
    throw new MidlInputError(`${file}: checkpoint metadata lacks epochsDone or model`);
  }
  const model: StateDict = new Map();
  const optimizer: StateDict = new Map();
  for (const [k, v] of tensors) {
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
