import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetNames } from '../../src/data/types.js';
import { MIDL } from '../../src/midl/layer.js';
import { buildModel, hiddenLayerCount, keepPerLayer } from '../../src/experiments/models.js';
import { Rng } from '../../src/tensor/rng.js';

const shapes = { mnist: [1, 28, 28], cifar10: [3, 32, 32], cifar100: [3, 32, 32], svhn: [3, 32, 32], adult: [108], imdb: [10000] } as const;

describe('the study models with per-layer keep', () => {
  it('hiddenLayerCount is the number of MID-L layers of each dataset\'s model, each with its own keep', () => {
    for (const dataset of datasetNames) {
      const hidden = hiddenLayerCount(dataset);
      const keep = Array.from({ length: hidden }, (_, i) => 0.2 + 0.3 * i);
      const model = buildModel(dataset, [...shapes[dataset]], 10, { variant: 'midl', keep, dropout: 0, rng: new Rng(1) });
      const layers = model.namedModules().map(([, m]) => m).filter((m): m is MIDL => m instanceof MIDL);
      assert.deepEqual(layers.map((m) => m.keep), keep, dataset);
    }
  });

  it('a keep list of the wrong length names --keep and the count', () => {
    assert.deepEqual(keepPerLayer(0.3, 2), [0.3, 0.3]);
    assert.throws(() => keepPerLayer([0.3], 2), /--keep: this model has 2 hidden layer\(s\), got 1 keep ratios/);
  });

  it('hiddenScale narrows the hidden widths', () => {
    const model = buildModel('adult', [108], 2, { variant: 'dense', keep: 1, dropout: 0, rng: new Rng(1), hiddenScale: 0.5 });
    assert.deepEqual(model.parameters().filter((p) => p.shape.length === 2).map((p) => p.shape), [[128, 108], [128, 128], [2, 128]]);
  });
});
