import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Adam, AdamW, SGD, clipGradNorm, cosineSchedule, stepSchedule } from '../../src/optim/index.js';
import { Tensor } from '../../src/tensor/tensor.js';

function param(values: number[]): Tensor {
  return Tensor.from(values, [values.length], { requiresGrad: true });
}

/** Adam by the book, in float64, for comparison. */
function adamByHand(p: number, grads: number[], lr: number, wd: number, decoupled: boolean): number {
  let m = 0;
  let v = 0;
  grads.forEach((g0, i) => {
    const t = i + 1;
    const g = decoupled ? g0 : g0 + wd * p;
    m = 0.9 * m + 0.1 * g;
    v = 0.999 * v + 0.001 * g * g;
    if (decoupled) p -= lr * wd * p;
    p -= (lr * (m / (1 - 0.9 ** t))) / (Math.sqrt(v / (1 - 0.999 ** t)) + 1e-8);
  });
  return p;
}

describe('optimizers', () => {
  for (const [name, make, wd, decoupled] of [
    ['Adam', (ps: Tensor[]) => new Adam(ps, { lr: 0.1 }), 0, false],
    ['Adam with L2', (ps: Tensor[]) => new Adam(ps, { lr: 0.1, weightDecay: 0.5 }), 0.5, false],
    ['AdamW', (ps: Tensor[]) => new AdamW(ps, { lr: 0.1, weightDecay: 0.5 }), 0.5, true],
  ] as const) {
    it(`${name} matches the update rule step by step`, () => {
      const p = param([1.5]);
      const opt = make([p]);
      const grads = [0.3, -1.2, 0.05, 2];
      for (const g of grads) {
        opt.zeroGrad();
        (p.grad as Float32Array)[0] = g;
        opt.step();
      }
      assert.ok(Math.abs(p.data[0] - adamByHand(1.5, grads, 0.1, wd, decoupled)) < 1e-5);
    });
  }

  it('SGD with momentum and Nesterov follows torch.optim.SGD', () => {
    for (const nesterov of [false, true]) {
      const p = param([1]);
      const opt = new SGD([p], { lr: 0.1, momentum: 0.9, nesterov, weightDecay: 0.01 });
      let x = 1;
      let buf = 0;
      [0.5, -0.2, 0.7].forEach((g, i) => {
        opt.zeroGrad();
        (p.grad as Float32Array)[0] = g;
        opt.step();
        const d = g + 0.01 * x;
        buf = i === 0 ? d : 0.9 * buf + d;
        x -= 0.1 * (nesterov ? d + 0.9 * buf : buf);
      });
      assert.ok(Math.abs(p.data[0] - x) < 1e-6, `nesterov=${nesterov}`);
    }
  });

  it('minimizes a quadratic', () => {
    const p = param([3, -2]);
    const opt = new Adam([p], { lr: 0.1 });
    for (let i = 0; i < 300; i++) {
      opt.zeroGrad();
      (p.grad as Float32Array).set([2 * p.data[0], 2 * p.data[1]]);
      opt.step();
    }
    assert.ok(Math.abs(p.data[0]) < 0.05 && Math.abs(p.data[1]) < 0.05);
  });

  it('keeps parameters as views into one flat buffer and restores its state', () => {
    const a = param([1, 2]);
    const b = param([3]);
    const opt = new Adam([a, b], { lr: 0.01 });
    assert.equal(a.data.buffer, opt.flatParams.buffer);
    assert.deepEqual([...opt.flatParams], [1, 2, 3]);
    (a.grad as Float32Array).set([1, 1]);
    opt.step();
    const copy = new Adam([param([0, 0]), param([0])], { lr: 0.5 });
    copy.loadStateDict(opt.stateDict());
    assert.equal(copy.stepCount, 1);
    assert.ok(Math.abs(copy.lr - 0.01) < 1e-9);
  });

  it('schedules and clips', () => {
    const cos = cosineSchedule(1, 10);
    assert.equal(cos.lrAt(0), 1);
    assert.ok(Math.abs(cos.lrAt(5) - 0.5) < 1e-12);
    assert.ok(Math.abs(cos.lrAt(10)) < 1e-12);
    const step = stepSchedule(1, 3, 0.5);
    assert.deepEqual([0, 2, 3, 6].map((e) => step.lrAt(e)), [1, 1, 0.5, 0.25]);
    const p = param([0, 0]);
    const opt = new SGD([p], { lr: 1 });
    (p.grad as Float32Array).set([3, 4]);
    assert.equal(clipGradNorm(opt, 1), 5);
    assert.ok(Math.abs(Math.hypot(...(p.grad as Float32Array)) - 1) < 1e-5);
  });
});
