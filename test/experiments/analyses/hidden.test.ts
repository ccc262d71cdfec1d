import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { captureHidden, hiddenLayers, pickLayers, withForwardHook } from '../../../src/experiments/analyses/hidden.js';
import { buildModel, mlp, type Variant } from '../../../src/experiments/models.js';
import { MIDL } from '../../../src/midl/layer.js';
import { toStaticSparse } from '../../../src/midl/static-sparse.js';
import type { Sequential } from '../../../src/nn/sequential.js';
import { Rng } from '../../../src/tensor/rng.js';
import { Tensor, noGrad } from '../../../src/tensor/tensor.js';

function mnistModel(variant: Variant): Sequential {
  return buildModel('mnist', [1, 28, 28], 10, { variant, keep: 0.45, dropout: 0.2, rng: new Rng(1) });
}

function randomSplit(count: number, features: number, classes: number, rng: Rng): { x: Float32Array; y: Int32Array; count: number } {
  const x = rng.fillNormal(new Float32Array(count * features));
  const y = Int32Array.from({ length: count }, () => rng.int(classes));
  return { x, y, count };
}

function assertClose(actual: Float32Array, expected: Float32Array): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-5, `value ${i}: ${v} vs ${expected[i]}`));
}

describe('hidden layers', () => {
  it('names hidden layers by position, whatever the variant', () => {
    const paths = (variant: Variant): string[][] => hiddenLayers(mnistModel(variant)).map((l) => [l.name, l.path]);
    assert.deepEqual(paths('dense'), [['hidden1', '1'], ['hidden2', '2']]);
    assert.deepEqual(paths('dropout'), [['hidden1', '1'], ['hidden2', '3']]);
    assert.deepEqual(paths('midl'), [['hidden1', '1'], ['hidden2', '2']]);
    const sparse = mnistModel('dense');
    toStaticSparse(sparse, 0.45);
    assert.deepEqual(hiddenLayers(sparse).map((l) => l.path), ['1', '2']);
    // The CNN: four convolution units (convolution, batch norm) and two pools before Flatten.
    const cnn = buildModel('cifar10', [3, 32, 32], 10, { variant: 'midl', keep: 0.45, dropout: 0.2, rng: new Rng(1) });
    assert.deepEqual(hiddenLayers(cnn).map((l) => [l.name, l.path, l.width]), [['hidden1', '11', 512]]);
    assert.deepEqual(pickLayers(mnistModel('dropout'), ['3']).map((l) => l.name), ['hidden2']);
    assert.throws(() => pickLayers(mnistModel('dense'), ['hidden9']), /no hidden layer 'hidden9'/);
  });

  it('captures the eval-mode output of each hidden layer, batch by batch', () => {
    const rng = new Rng(3);
    const model = mlp(6, [5, 4], 3, { variant: 'dropout', keep: 0.5, dropout: 0.5, rng });
    const split = randomSplit(7, 6, 3, rng);
    const layers = hiddenLayers(model);
    const { representations, labels } = captureHidden(model, split, [6], layers, 3);
    assert.deepEqual([...labels], [...split.y]);
    const x = new Tensor(split.x, [7, 6]);
    const h1 = noGrad(() => model.layers[1].forward(model.layers[0].forward(x)));
    const h2 = noGrad(() => model.layers[3].forward(h1));
    // Batches of 3 against one batch of 7: the GEMM may round differently.
    assertClose(representations[0].values, h1.data);
    assertClose(representations[1].values, h2.data);
    assert.equal(representations[1].d, 4);
  });

  it('restores the hooked forward methods, even after a throw', () => {
    const model = mnistModel('dense');
    const layer = model.layers[1];
    assert.throws(() => withForwardHook([layer], () => undefined, () => {
      throw new Error('boom');
    }), /boom/);
    assert.equal(Object.hasOwn(layer, 'forward'), false);
  });

  it('MIDL counts each neuron selection when asked, and costs nothing otherwise', () => {
    const layer = new MIDL(12, 10, { keep: 0.3, rng: new Rng(2) });
    assert.equal(layer.selectionCounts, null);
    layer.eval();
    layer.selectionCounts = new Float64Array(10);
    layer.forward(new Tensor(new Rng(4).fillNormal(new Float32Array(5 * 12)), [5, 12]));
    assert.equal(layer.selectionCounts.reduce((s, c) => s + c, 0), 5 * 3);
    assert.ok(layer.selectionCounts.every((c) => c <= 5));
  });
});
