/** SGD with optional momentum, Nesterov momentum and L2 weight decay (torch.optim.SGD semantics). */
import type { StateDict } from '../nn/module.js';
import type { Tensor } from '../tensor/tensor.js';
import { Optimizer, scalarEntry, stateArray } from './optimizer.js';

export interface SgdOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  private readonly velocity: Float32Array;

  constructor(params: Tensor[], o: SgdOptions) {
    super(params, o.lr);
    this.momentum = o.momentum ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
    if (this.nesterov && this.momentum <= 0) throw new RangeError('SGD: Nesterov momentum needs momentum > 0');
    this.velocity = new Float32Array(this.flatParams.length);
  }

  step(): void {
    this.stepCount++;
    const p = this.flatParams;
    const g = this.flatGrads;
    const buf = this.velocity;
    const mu = this.momentum;
    for (let i = 0; i < p.length; i++) {
      let d = g[i] + this.weightDecay * p[i];
      if (mu !== 0) {
        buf[i] = this.stepCount === 1 ? d : mu * buf[i] + d;
        d = this.nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] -= this.lr * d;
    }
  }

  stateDict(): StateDict {
    return new Map([
      ['momentum_buffer', { dtype: 'F32', shape: [this.velocity.length], data: this.velocity }],
      ['step', scalarEntry(this.stepCount)],
      ['lr', scalarEntry(this.lr)],
    ]);
  }

  loadStateDict(state: StateDict, source = 'optimizer state'): void {
    this.velocity.set(stateArray(state, 'momentum_buffer', this.velocity.length, source));
    this.stepCount = stateArray(state, 'step', 1, source)[0];
    this.lr = stateArray(state, 'lr', 1, source)[0];
  }
}
