/**
 * Adam and AdamW, one fused pass over all parameters per step.
 *
 * ```ts
 * const opt = new Adam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
import { backend } from '../backend/index.js';
import type { StateDict } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, scalarEntry, stateArray } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
}

export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly m: Float32Array;
  private readonly v: Float32Array;

  constructor(params: Tensor[], o: AdamOptions = {}, private readonly decoupled = false) {
    super(params, o.lr ?? 1e-3);
    [this.beta1, this.beta2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? (decoupled ? 1e-2 : 0);
    this.m = new Float32Array(this.flatParams.length);
    this.v = new Float32Array(this.flatParams.length);
  }

  step(): void {
    this.stepCount++;
    backend().adamStep(this.flatParams, this.flatGrads, this.m, this.v, {
      lr: this.lr, beta1: this.beta1, beta2: this.beta2, eps: this.eps,
      weightDecay: this.weightDecay, decoupled: this.decoupled, step: this.stepCount,
    });
  }

  stateDict(): StateDict {
    return new Map([
      ['exp_avg', { dtype: 'F32', shape: [this.m.length], data: this.m }],
      ['exp_avg_sq', { dtype: 'F32', shape: [this.v.length], data: this.v }],
      ['step', scalarEntry(this.stepCount)],
      ['lr', scalarEntry(this.lr)],
    ]);
  }

  loadStateDict(state: StateDict, source = 'optimizer state'): void {
    this.m.set(stateArray(state, 'exp_avg', this.m.length, source));
    this.v.set(stateArray(state, 'exp_avg_sq', this.v.length, source));
    this.stepCount = stateArray(state, 'step', 1, source)[0];
    this.lr = stateArray(state, 'lr', 1, source)[0];
  }
}

/** AdamW: Adam with decoupled weight decay (default 0.01, as PyTorch). */
export class AdamW extends Adam {
  constructor(params: Tensor[], o: AdamOptions = {}) {
    super(params, o, true);
  }
}
