import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { add, mul, sum } from '../../src/tensor/ops/index.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';

describe('autograd', () => {
  it('adds the gradients of a tensor used twice (x * x, and a diamond)', () => {
    const x = Tensor.from([1, -2, 3], [3], { requiresGrad: true });
    sum(mul(x, x)).backward();
    assert.deepEqual([...(x.grad as Float32Array)], [2, -4, 6]);
    const y = Tensor.from([1, 2], [2], { requiresGrad: true });
    const h = mul(y, Tensor.from([3, 3], [2]));
    sum(add(h, mul(h, y))).backward();
    // d/dy (3y + 3y^2) = 3 + 6y
    assert.deepEqual([...(y.grad as Float32Array)], [9, 15]);
  });

  it('records nothing inside noGrad and for inputs that need no gradient', () => {
    const x = Tensor.from([1, 2], [2], { requiresGrad: true });
    const inside = noGrad(() => mul(x, x));
    assert.equal(inside.node, null);
    assert.equal(inside.requiresGrad, false);
    const constant = mul(Tensor.from([1], [1]), Tensor.from([2], [1]));
    assert.equal(constant.node, null);
  });

  it('refuses backward from a non-scalar without a seed', () => {
    const x = Tensor.from([1, 2], [2], { requiresGrad: true });
    assert.throws(() => mul(x, x).backward(), /seed/);
  });

  it('releases intermediate gradients after the pass and keeps the leaves', () => {
    const x = Tensor.from([1, 2], [2], { requiresGrad: true });
    const h = mul(x, x);
    sum(h).backward();
    assert.equal(h.grad, null);
    assert.ok(x.grad !== null);
  });
});
