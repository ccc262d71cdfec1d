/** BatchNorm1d / BatchNorm2d: statistics, running averages, eval mode, gradients, state names, native kernels. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Act, type Backend } from '../../src/backend/backend.js';
import { loadNativeBackend } from '../../src/backend/native.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { BatchNorm1d, BatchNorm2d, Conv2d, Sequential } from '../../src/nn/index.js';
import { relu } from '../../src/tensor/ops/activations.js';
import { Rng } from '../../src/tensor/rng.js';
import { decodeSafetensors, encodeSafetensors } from '../../src/tensor/safetensors.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randomTensor } from '../tensor/gradcheck.js';

function channelValues(t: Tensor, ch: number): number[] {
  const [n, c] = t.shape;
  const s = t.size / (n * c);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(...t.data.subarray((i * c + ch) * s, (i * c + ch + 1) * s));
  return out;
}

const meanOf = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const varOf = (v: number[]): number => meanOf(v.map((x) => (x - meanOf(v)) ** 2));

describe('BatchNorm', () => {
  it('training: each channel comes out with mean bias and std weight; running statistics move by momentum 0.1', () => {
    const rng = new Rng(1);
    const bn = new BatchNorm2d(3);
    bn.weight.data.set([1, 2, 0.5]);
    bn.bias.data.set([0, -1, 3]);
    const x = randomTensor([4, 3, 5, 5], rng, 2, 6);
    const y = bn.forward(x);
    for (let ch = 0; ch < 3; ch++) {
      const v = channelValues(y, ch);
      assert.ok(Math.abs(meanOf(v) - bn.bias.data[ch]) < 1e-4);
      assert.ok(Math.abs(Math.sqrt(varOf(v)) - bn.weight.data[ch]) < 1e-3 * bn.weight.data[ch] + 1e-4);
      const xs = channelValues(x, ch);
      const unbiased = (varOf(xs) * xs.length) / (xs.length - 1);
      assert.ok(Math.abs(bn.runningMean[ch] - 0.1 * meanOf(xs)) < 1e-5);
      assert.ok(Math.abs(bn.runningVar[ch] - (0.9 + 0.1 * unbiased)) < 1e-5);
    }
    assert.equal(bn.numBatchesTracked[0], 1);
  });

  it('eval: normalises with the running statistics and leaves them alone', () => {
    const bn = new BatchNorm1d(2, { eps: 0 });
    bn.runningMean.set([1, -2]);
    bn.runningVar.set([4, 0.25]);
    bn.weight.data.set([3, 1]);
    bn.bias.data.set([0.5, 0]);
    bn.eval();
    const y = bn.forward(Tensor.from([3, -1, 1, -2], [2, 2]));
    assert.deepEqual([...y.data], [3 * (2 / 2) + 0.5, (1 / 0.5) * 1, 0.5, 0]);
    assert.deepEqual([...bn.runningMean], [1, -2]);
    assert.equal(bn.numBatchesTracked[0], 0);
  });

  it('gradients match finite differences in training and eval mode, 1d and 2d', () => {
    const rng = new Rng(2);
    for (const training of [true, false]) {
      for (const bn of [new BatchNorm2d(3), new BatchNorm1d(4)]) {
        const shape = bn instanceof BatchNorm2d ? [3, 3, 2, 3] : [5, 4];
        rng.fillUniform(bn.weight.data, 0.5, 2);
        rng.fillUniform(bn.bias.data, -1, 1);
        rng.fillUniform(bn.runningMean, -0.5, 0.5);
        rng.fillUniform(bn.runningVar, 0.5, 2);
        bn.train(training);
        const x = randomTensor(shape, rng);
        gradcheck((t) => bn.forward(t), [x, bn.weight, bn.bias], { eps: 1e-2, atol: 3e-3, rtol: 3e-2 });
      }
    }
    const x3 = randomTensor([2, 3, 4], rng);
    gradcheck((t) => new BatchNorm1d(3).forward(t), [x3]);
  });

  it('the fused ReLU equals a ReLU after it, forward and backward', () => {
    const rng = new Rng(3);
    const x1 = randomTensor([4, 2, 3, 3], rng);
    const x2 = new Tensor(Float32Array.from(x1.data), x1.shape, true);
    const fused = new BatchNorm2d(2, { activation: 'relu' });
    const plain = new BatchNorm2d(2);
    const a = fused.forward(x1);
    const b = relu(plain.forward(x2));
    assert.deepEqual([...a.data], [...b.data]);
    const seed = rng.fillUniform(new Float32Array(a.size), -1, 1);
    a.backward(seed);
    b.backward(seed);
    for (let i = 0; i < x1.size; i++) assert.ok(Math.abs(x1.grad![i] - x2.grad![i]) < 1e-6);
    for (let i = 0; i < 2; i++) assert.ok(Math.abs(fused.weight.grad![i] - plain.weight.grad![i]) < 1e-5);
  });

  it("saves PyTorch's names and restores the running statistics through safetensors", () => {
    const rng = new Rng(4);
    const model = new Sequential(new Conv2d(1, 2, 3, { pad: 1, bias: false, rng }), new BatchNorm2d(2));
    assert.deepEqual([...model.stateDict().keys()], ['0.weight', '1.weight', '1.bias', '1.running_mean', '1.running_var', '1.num_batches_tracked']);
    model.forward(randomTensor([3, 1, 4, 4], rng));
    model.forward(randomTensor([3, 1, 4, 4], rng));
    const bytes = encodeSafetensors(model.stateDict());
    const copy = new Sequential(new Conv2d(1, 2, 3, { pad: 1, bias: false, rng }), new BatchNorm2d(2));
    copy.loadStateDict(decodeSafetensors(bytes, 'bn.safetensors').tensors);
    const [a, b] = [model.layers[1], copy.layers[1]] as BatchNorm2d[];
    assert.deepEqual([...b.runningMean], [...a.runningMean]);
    assert.deepEqual([...b.runningVar], [...a.runningVar]);
    assert.equal(b.numBatchesTracked[0], 2);
    model.eval();
    copy.eval();
    const x = randomTensor([2, 1, 4, 4], rng);
    assert.deepEqual([...copy.forward(x).data], [...model.forward(x).data]);
  });

  it('rejects bad shapes and a single value per channel in training', () => {
    assert.throws(() => new BatchNorm2d(3).forward(Tensor.zeros([2, 3])), /BatchNorm2d: expected 4-D input/);
    assert.throws(() => new BatchNorm1d(3).forward(Tensor.zeros([2, 4])), /input has 4 channels, expected 3/);
    assert.throws(() => new BatchNorm1d(3).forward(Tensor.zeros([1, 3])), /more than 1 value per channel/);
  });

  it('native moments stay exact for a channel whose mean is large against its spread', () => {
    const native: Backend = loadNativeBackend();
    const x = new Float32Array(4 * 2 * 256);
    new Rng(6).fillUniform(x, -0.01, 0.01);
    for (let i = 0; i < x.length; i++) x[i] += 1000;
    const [mean, variance, refMean, refVariance] = [0, 0, 0, 0].map(() => new Float32Array(2));
    native.channelMoments(x, 4, 2, 256, mean, variance);
    new ReferenceBackend().channelMoments(x, 4, 2, 256, refMean, refVariance);
    for (let ch = 0; ch < 2; ch++) {
      assert.ok(Math.abs(mean[ch] - refMean[ch]) < 1e-4);
      assert.ok(Math.abs(variance[ch] - refVariance[ch]) < 1e-3 * refVariance[ch], `${variance[ch]} vs ${refVariance[ch]}`);
    }
  });

  it('native kernels match the reference', () => {
    const native: Backend = loadNativeBackend();
    const reference: Backend = new ReferenceBackend();
    const rng = new Rng(5);
    const [n, c, s] = [7, 5, 300];
    const x = rng.fillUniform(new Float32Array(n * c * s), 3, 5);
    const dy = rng.fillUniform(new Float32Array(n * c * s), -1, 1);
    const scale = rng.fillUniform(new Float32Array(c), -2, 2);
    const shift = rng.fillUniform(new Float32Array(c), -1, 1);
    const results = [native, reference].map((be) => {
      const mean = new Float32Array(c);
      const variance = new Float32Array(c);
      be.channelMoments(x, n, c, s, mean, variance);
      const y = new Float32Array(x.length);
      be.channelAffine(x, n, c, s, scale, shift, Act.relu, y);
      const invstd = Float32Array.from(variance, (v) => 1 / Math.sqrt(v + 1e-5));
      const dx = new Float32Array(x.length).fill(0.5);
      const dw = new Float32Array(c);
      const db = new Float32Array(c);
      be.batchNormBackward(x, dy, y, n, c, s, mean, invstd, scale, dx, dw, db);
      return [mean, variance, y, dx, dw, db];
    });
    results[0].forEach((got, k) => {
      const want = results[1][k];
      for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-4 * (1 + Math.abs(want[i])), `output ${k}[${i}]: ${got[i]} vs ${want[i]}`);
    });
  });
});
