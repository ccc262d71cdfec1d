import { describe, it } from 'node:test';
import {
  add, affine, avgPool2d, binaryCrossEntropyWithLogits, conv2d, crossEntropy, div, dropout, embedding,
  embeddingBagMean, flatten, gelu, globalAvgPool2d, linear, matmul, maxPool2d, mean, mseLoss, mul,
  relu, reshape, sigmoid, sub, sum, tanh,
} from '../../src/tensor/ops/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { awayFromZero, gradcheck, randomTensor } from './gradcheck.js';

const rng = new Rng(42);

describe('finite-difference gradients of every op', () => {
  it('add, sub, mul, div with broadcasting (same shape, row, scalar, general)', () => {
    for (const bShape of [[3, 4], [4], [1], [3, 1]]) {
      const a = randomTensor([3, 4], rng);
      const b = randomTensor(bShape, rng, 0.5, 1.5);
      gradcheck(add, [a, b]);
      gradcheck(sub, [a, b]);
      gradcheck(mul, [a, b]);
      gradcheck(div, [a, b]);
    }
  });

  it('affine, sum, mean, reshape, flatten', () => {
    gradcheck((x) => affine(x, 2.5, -1), [randomTensor([5], rng)]);
    gradcheck(sum, [randomTensor([2, 3], rng)]);
    gradcheck(mean, [randomTensor([2, 3], rng)]);
    gradcheck((x) => reshape(x, [3, -1]), [randomTensor([2, 3, 2], rng)]);
    gradcheck(flatten, [randomTensor([2, 3, 2, 2], rng)]);
  });

  it('relu, sigmoid, tanh, gelu', () => {
    gradcheck(relu, [awayFromZero([17], rng)]);
    gradcheck(sigmoid, [randomTensor([17], rng, -4, 4)]);
    gradcheck(tanh, [randomTensor([17], rng, -2, 2)]);
    gradcheck(gelu, [randomTensor([17], rng, -3, 3)]);
  });

  it('matmul and the fused linear layer (with and without bias, ReLU)', () => {
    gradcheck(matmul, [randomTensor([3, 5], rng), randomTensor([5, 2], rng)]);
    gradcheck((x, w, b) => linear(x, w, b), [randomTensor([4, 6], rng), randomTensor([3, 6], rng), randomTensor([3], rng)]);
    gradcheck((x, w) => linear(x, w, null), [randomTensor([1, 6], rng), randomTensor([3, 6], rng)]);
    // Inputs chosen so no pre-activation sits near the ReLU kink.
    const x = Tensor.from([1, 0.5, -0.25, 2], [2, 2], { requiresGrad: true });
    const w = Tensor.from([0.5, -1, 1, 0.25, -0.75, 0.5], [3, 2], { requiresGrad: true });
    const b = Tensor.from([0.3, -0.2, 0.1], [3], { requiresGrad: true });
    gradcheck((xx, ww, bb) => linear(xx, ww, bb, 'relu'), [x, w, b]);
  });

  it('conv2d (stride, padding, bias) and pooling', () => {
    const x = randomTensor([2, 3, 5, 5], rng);
    const w = randomTensor([4, 3, 3, 3], rng);
    const b = randomTensor([4], rng);
    gradcheck((xx, ww, bb) => conv2d(xx, ww, bb, { stride: 1, pad: 1 }), [x, w, b]);
    gradcheck((xx, ww) => conv2d(xx, ww, null, { stride: 2, pad: 0 }), [x, w]);
    const distinct = Tensor.zeros([1, 2, 4, 4], { requiresGrad: true });
    rng.permutation(32).forEach((v, i) => (distinct.data[i] = v / 8));
    gradcheck((xx) => maxPool2d(xx, 2), [distinct]);
    gradcheck((xx) => avgPool2d(xx, 3, 2, 1), [randomTensor([1, 2, 5, 5], rng)]);
    gradcheck(globalAvgPool2d, [randomTensor([2, 3, 2, 2], rng)]);
  });

  it('embedding and embedding bag (repeated ids, an empty bag)', () => {
    const table = randomTensor([6, 3], rng);
    gradcheck((t) => embedding(t, Int32Array.of(1, 4, 1, 0)), [table]);
    gradcheck((t) => embeddingBagMean(t, Int32Array.of(2, 2, 5, 0, 3), Int32Array.of(0, 3, 3, 5)), [table]);
  });

  it('losses: cross-entropy (with label smoothing), BCE with logits, MSE', () => {
    const labels = Int32Array.of(0, 2, 1);
    gradcheck((z) => crossEntropy(z, labels), [randomTensor([3, 4], rng, -2, 2)]);
    gradcheck((z) => crossEntropy(z, labels, 0.1), [randomTensor([3, 4], rng, -2, 2)]);
    gradcheck((z) => binaryCrossEntropyWithLogits(z, Float32Array.of(0, 1, 1, 0.3)), [randomTensor([4], rng, -3, 3)]);
    gradcheck((p) => mseLoss(p, Float32Array.of(0.5, -1, 2)), [randomTensor([3], rng)]);
  });

  it('dropout with a fixed mask', () => {
    gradcheck((x) => dropout(x, 0.3, new Rng(5)), [randomTensor([20], rng)]);
  });
});
