import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BudgetThreshold, adaptiveCap, budgetMargin, kthLargest, thresholdMomentum } from '../../src/midl/adaptive.js';
import { MIDL } from '../../src/midl/layer.js';
import { costReport } from '../../src/midl/cost.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { randomTensor } from '../tensor/gradcheck.js';

const rng = new Rng(77);

describe('adaptive selection (docs/method.md section 6)', () => {
  it('kthLargest agrees with a sort, ties included', () => {
    for (const [length, levels] of [[1, 3], [7, 2], [100, 5], [1000, 1000]] as const) {
      const values = Float32Array.from({ length }, () => rng.int(levels) / levels);
      const sorted = [...values].sort((a, b) => b - a);
      for (const count of [1, Math.ceil(length / 2), length]) assert.equal(kthLargest(values, count), sorted[count - 1], `length ${length} count ${count}`);
    }
    const signed = Float32Array.of(-2.5, 0.75, -0.001, 3, -7, 0.75, 1e-30);
    const order = [...signed].sort((a, b) => b - a);
    for (let count = 1; count <= signed.length; count++) assert.equal(kthLargest(signed.subarray(0), count), order[count - 1], 'negative values too');
    assert.equal(kthLargest(signed.subarray(2, 5), 1), 3, 'a view into a larger array');
    assert.throws(() => kthLargest(Float32Array.of(1, 2), 3), RangeError);
  });

  it('the running threshold starts at the first cut-off, then averages with momentum', () => {
    const t = new BudgetThreshold();
    assert.equal(t.running(), null);
    const alpha = Float32Array.from({ length: 100 }, (_, i) => i / 100);
    const first = t.batchCutoff(alpha, 0.5);
    assert.equal(first, alpha[100 - Math.round(budgetMargin * 50)]);
    assert.equal(t.running(), first);
    const second = t.batchCutoff(alpha.map((v) => v / 2), 0.5);
    assert.ok(Math.abs((t.running() as number) - (thresholdMomentum * first + (1 - thresholdMomentum) * second)) < 1e-6);
  });

  it('trains on the batch budget, then keeps a varying count per input at eval, the same on every kernel', () => {
    const layer = new MIDL(24, 40, { mode: 'adaptive', budget: 0.3, rng });
    assert.equal(layer.currentK(), adaptiveCap(0.3, 40));
    assert.equal(adaptiveCap(0.3, 40), 24);
    assert.equal(adaptiveCap(0.6, 40), 40, 'the cap is at most n');
    const x = randomTensor([64, 24], rng);
    layer.eval();
    layer.forward(x);
    assert.equal(layer.activity.min, 12, 'before training: round(budget * n) per input');
    assert.equal(layer.activity.max, 12);
    layer.train();
    const y = layer.forward(x);
    y.backward(new Float32Array(y.size).fill(1));
    assert.ok(layer.gate.weight.grad !== null, 'the gates learn through the budget mask');
    layer.eval();
    const counts: number[][] = [];
    for (const inference of ['auto', 'gather', 'neuron', 'masked'] as const) {
      layer.inference = inference;
      layer.activity.reset();
      for (let i = 0; i < 64; i += 16) layer.forward(new Tensor(x.data.slice(i * 24, (i + 16) * 24), [16, 24]));
      counts.push([...layer.activity.histogram]);
    }
    for (const c of counts.slice(1)) assert.deepEqual(c, counts[0], 'every kernel keeps the same per-input counts');
    const mean = layer.activity.meanActive() / 40;
    const aimed = Math.round(budgetMargin * 0.3 * 64 * 40) / (64 * 40);
    assert.ok(Math.abs(mean - aimed) <= 2 / (64 * 40), `on the batch it learned from, the mean is the aimed budget: ${mean} vs ${aimed}`);
    assert.ok(layer.activity.max > layer.activity.min, 'the count varies per input');
    assert.ok(layer.activity.stdActive() > 0);
    const report = costReport(new Sequential(layer), [24]);
    assert.equal(report.layers[0].k, 24);
    assert.ok((report.layers[0].stdActive as number) > 0);
  });

  it('saves its threshold with the model, and rejects a budget outside (0, 1] and an unknown mode', () => {
    const a = new MIDL(8, 16, { mode: 'adaptive', budget: 0.5, rng });
    a.forward(randomTensor([4, 8], rng));
    const state = a.stateDict().get('budget_threshold');
    assert.ok(state !== undefined && Number.isFinite(state.data[0]));
    assert.equal(new MIDL(8, 16, { rng }).stateDict().has('budget_threshold'), false, 'fixed mode has no threshold');
    const b = new MIDL(8, 16, { mode: 'adaptive', budget: 0.5, rng });
    b.loadStateDict(a.stateDict());
    const x = randomTensor([32, 8], rng);
    a.eval();
    b.eval();
    a.forward(x);
    b.forward(x);
    assert.deepEqual([...b.lastActiveCounts], [...a.lastActiveCounts], 'a loaded layer selects as the saved one did');
    assert.throws(() => new MIDL(8, 16, { mode: 'adaptive', budget: 0 }), /budget must be in \(0, 1\]/);
    assert.throws(() => new MIDL(8, 16, { mode: 'adaptive', budget: 1.5 }), /budget/);
    assert.throws(() => new MIDL(8, 16, { mode: 'topk' as 'fixed' }), /mode/);
  });
});
