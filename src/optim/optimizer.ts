/**
 * Optimizer base. At construction it moves every parameter's values and gradient into
 * two flat buffers (the tensors keep views into them), so an update is one pass over
 * one array, zeroing gradients is one fill, and no gradient is allocated per step.
 */
import type { StateDict } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';

export abstract class Optimizer {
  readonly params: Tensor[];
  /** All parameter values, back to back. */
  readonly flatParams: Float32Array;
  /** All gradients, laid out like flatParams. */
  readonly flatGrads: Float32Array;
  lr: number;
  stepCount = 0;

  constructor(params: Tensor[], lr: number) {
    if (params.length === 0) throw new RangeError('optimizer: no parameters to optimize');
    if (!(lr > 0)) throw new RangeError(`optimizer: learning rate must be > 0, got ${lr}`);
    this.params = params;
    this.lr = lr;
    const total = params.reduce((n, p) => n + p.size, 0);
    this.flatParams = new Float32Array(total);
    this.flatGrads = new Float32Array(total);
    let at = 0;
    for (const p of params) {
      this.flatParams.set(p.data, at);
      p.data = this.flatParams.subarray(at, at + p.size);
      p.grad = this.flatGrads.subarray(at, at + p.size);
      at += p.size;
    }
  }

  zeroGrad(): void {
    this.flatGrads.fill(0);
  }

  /** Applies one update from the current gradients. */
  abstract step(): void;

  /** The optimizer's own state (moments, step count, lr), for checkpoints. */
  abstract stateDict(): StateDict;

  abstract loadStateDict(state: StateDict, source?: string): void;
}

/** Reads a float32 state entry of a given length, or fails naming the key. */
export function stateArray(state: StateDict, key: string, length: number, source: string): Float32Array {
  const e = state.get(key);
  if (e === undefined) throw new Error(`${source}: missing optimizer tensor '${key}'`);
  if (e.dtype !== 'F32' || e.data.length !== length) {
    throw new Error(`${source}: optimizer tensor '${key}' has ${e.data.length} ${e.dtype} values, expected ${length} F32`);
  }
  return e.data as Float32Array;
}

export function scalarEntry(v: number): { dtype: 'F32'; shape: number[]; data: Float32Array } {
  return { dtype: 'F32', shape: [1], data: Float32Array.of(v) };
}
