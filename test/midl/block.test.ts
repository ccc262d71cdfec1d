import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../src/nn/linear.js';
import { MIDL } from '../../src/midl/layer.js';
import { midlKernels, referenceMidlKernels } from '../../src/midl/kernels.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { sigmoidValue } from '../../src/tensor/ops/activations.js';
import { gradcheck, randomTensor } from '../tensor/gradcheck.js';
import { eachBackend, maxDiff } from './backends.js';

const rng = new Rng(77);



// [d, n, blockSize, batch, keep, threshold]: odd widths, k = 1, k = all, batch 1, b = n,
// block sizes that are and are not multiples of 4, batches past the few-rows products.
const cases: Array<[number, number, number, number, number, number]> = [
  [37, 96, 32, 1, 0.45, 0], [37, 96, 32, 7, 0.45, 0], [101, 64, 16, 70, 0.5, 0], [20, 12, 12, 3, 0.5, 0],
  [33, 30, 3, 9, 1e-6, 0], [33, 30, 3, 9, 1, 0], [45, 40, 8, 33, 0.6, 0.5], [784, 128, 32, 20, 0.45, 0],
];

describe('MIDL with block selection', () => {
  it('rejects a block size that does not divide the width', () => {
    assert.throws(() => new MIDL(10, 12, { blockSize: 5 }), /blockSize must be a positive integer dividing outFeatures = 12, got 5/);
    assert.throws(() => new MIDL(10, 12, { blockSize: 0 }), /blockSize/);
  });

  it('the study rejects a block size that does not divide its hidden widths, naming --block', async () => {
    const { buildModel } = await import('../../src/experiments/models.js');
    const { MidlInputError } = await import('../../src/errors.js');
    const build = (blockSize: number) => buildModel('mnist', [1, 28, 28], 10, { variant: 'midl', keep: 0.45, dropout: 0, rng: new Rng(1), midl: { blockSize } });
    assert.throws(() => build(7), (e: unknown) => e instanceof MidlInputError && /--block: 7 does not divide the model's hidden width 512/.test(e.message));
    assert.equal(build(32).layers.filter((m) => m instanceof MIDL).length, 2);
  });

  it('scores n/b blocks and keeps round(keep * n/b) of them', () => {
    const layer = new MIDL(12, 64, { rank: 3, blockSize: 16, keep: 0.45, rng });
    assert.deepEqual(layer.gate.weight.shape, [4, 3]);
    assert.deepEqual(layer.light.weight.shape, [64, 3]);
    assert.equal(layer.currentBlocks(), 2);
    assert.equal(layer.currentK(), 32);
    assert.equal(layer.inferenceMacs(32), 3 * 12 + 3 * 4 + 3 * 64 + 32 * 12);
  });

  it('sparse inference equals dense-then-mask, selecting whole blocks', () => {
    eachBackend((be) => {
      for (const [d, n, b, B, keep, threshold] of cases) {
        const layer = new MIDL(d, n, { blockSize: b, keep, threshold, rng: new Rng(d + n) }).eval();
        const x = randomTensor([B, d], rng);
        layer.selectionCounts = new Float64Array(n);
        const sparse = layer.forward(x).data.slice();
        const tally = layer.selectionCounts.slice();
        layer.inference = 'masked';
        const masked = layer.forward(x).data;
        const where = `${be.name} d=${d} n=${n} b=${b} B=${B} keep=${keep}`;
        assert.ok(maxDiff(sparse, masked) < 1e-5, `${where}: ${maxDiff(sparse, masked)}`);
        for (let j = 0; j < n; j++) assert.equal(tally[j], tally[j - (j % b)], `${where}: neuron ${j} counted with its block`);
        const blocks = layer.currentBlocks();
        if (threshold === 0) assert.equal(layer.activity.meanActive(), blocks * b, where);
      }
    });
  });

  it('native block kernels match the reference ones', () => {
    const kernels = midlKernels();
    if (kernels.name !== 'native') return;
    for (const [d, n, b, B, keep, tau] of cases) {
      const layer = new MIDL(d, n, { blockSize: b, rng: new Rng(n) });
      const params = {
        projWeight: layer.proj.weight.data, gateWeight: layer.gate.weight.data, gateBias: (layer.gate.bias as Tensor).data,
        lightWeight: layer.light.weight.data, lightBias: (layer.light.bias as Tensor).data, weight: layer.weight.data, bias: layer.bias.data,
      };
      const k = Math.max(1, Math.round((keep * n) / b));
      const x = randomTensor([B, d], rng).data;
      const run = (impl: typeof kernels) => {
        const y = new Float32Array(B * n), counts = new Int32Array(B), sel = new Int32Array(B * k);
        impl.blockInference(impl.blockPlan(d, n, layer.rank, b, params), x, B, k, tau, 1, y, counts, sel);
        return { y, counts, sel };
      };
      const nat = run(kernels), ref = run(referenceMidlKernels());
      assert.ok(maxDiff(nat.y, ref.y) < 1e-5, `d=${d} n=${n} b=${b} B=${B}`);
      assert.deepEqual([...nat.counts], [...ref.counts]);
      for (let i = 0; i < B; i++) assert.deepEqual([...nat.sel.subarray(i * k, i * k + nat.counts[i])], [...ref.sel.subarray(i * k, i * k + ref.counts[i])]);
    }
  });

  it('trains: finite differences for the full path and light head, the STE formula summed over each block for the gate', () => {
    const layer = new MIDL(7, 8, { rank: 3, blockSize: 4, keep: 0.5, activation: 'none', rng });
    const x = randomTensor([4, 7], rng);
    gradcheck(() => layer.forward(x), [layer.weight, layer.bias, layer.light.weight, layer.light.bias as Tensor], { eps: 1e-3 });
    for (const p of layer.parameters()) p.grad = null;
    const seed = Float32Array.from({ length: 32 }, () => rng.uniform() - 0.5);
    layer.forward(x).backward(seed);
    const expected = new Float64Array(2);
    noGrad(() => {
      const z = layer.proj.forward(x);
      const pre = layer.gate.forward(z);
      const light = layer.light.forward(z);
      const full = new Linear(7, 8, { rng: new Rng(0) });
      full.weight.data.set(layer.weight.data);
      (full.bias as Tensor).data.set(layer.bias.data);
      const f = full.forward(x);
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 8; j++) {
          const q = Math.floor(j / 4);
          const a = sigmoidValue(pre.data[i * 2 + q]);
          expected[q] += seed[i * 8 + j] * (f.data[i * 8 + j] - light.data[i * 8 + j]) * a * (1 - a);
        }
      }
    });
    const got = layer.gate.bias?.grad as Float32Array;
    expected.forEach((e, q) => assert.ok(Math.abs(got[q] - e) < 1e-5, `gate.bias[${q}]: ${got[q]} vs ${e}`));
  });

  it('round-trips its state dict', () => {
    const a = new MIDL(20, 32, { blockSize: 8, rng: new Rng(5) }).eval();
    const b = new MIDL(20, 32, { blockSize: 8, rng: new Rng(6) }).eval();
    b.loadStateDict(a.stateDict());
    const x = randomTensor([3, 20], rng);
    // Equal up to rounding: the copies' alignment can change the order of the kernels' sums.
    assert.ok(maxDiff(b.forward(x).data, a.forward(x).data) < 1e-6);
    assert.throws(() => new MIDL(20, 32, { blockSize: 4 }).loadStateDict(a.stateDict()), /gate\.weight/);
  });
});
