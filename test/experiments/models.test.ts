import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetNames } from '../../src/data/types.js';
import { MIDLConv2d } from '../../src/midl/conv.js';
import { costReport } from '../../src/midl/cost.js';
import { MIDL } from '../../src/midl/layer.js';
import { buildModel, hiddenLayerCount, keepPerLayer, variants } from '../../src/experiments/models.js';
import { BatchNorm2d } from '../../src/nn/batchnorm.js';
import { Conv2d } from '../../src/nn/conv.js';
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

describe('the image benchmarks\' CNN', () => {
  it('has convolution units of a bias-free convolution then BatchNorm2d with ReLU, in every variant', () => {
    const units = (variant: (typeof variants)[number]): string[] => {
      const model = buildModel('cifar10', [3, 32, 32], 10, { variant, keep: 0.5, dropout: 0.2, rng: new Rng(1) });
      return model.layers.slice(0, 11).map((m) => {
        if (m instanceof Conv2d) return m.bias === null ? 'conv' : 'conv+bias';
        if (m instanceof MIDLConv2d) return `midlconv(${m.activation})`;
        if (m instanceof BatchNorm2d) return `bn(${m.activation})`;
        return m.constructor.name;
      });
    };
    const block = (conv: string): string[] => [conv, 'bn(relu)'];
    const dense = [...block('conv'), ...block('conv'), 'MaxPool2d', ...block('conv'), ...block('conv'), 'MaxPool2d', 'Flatten'];
    for (const variant of ['dense', 'dropout', 'static', 'midl'] as const) assert.deepEqual(units(variant), dense, variant);
    // midl-conv: the same units, MIDLConv2d without its own activation after the first.
    const m = 'midlconv(none)';
    assert.deepEqual(units('midl-conv'), [...block('conv'), ...block(m), 'MaxPool2d', ...block(m), ...block(m), 'MaxPool2d', 'Flatten']);
  });

  it('costs the same FLOPs with batch norm as its convolutions and dense layers alone (folded at inference)', () => {
    const model = buildModel('cifar10', [3, 32, 32], 10, { variant: 'dense', keep: 1, dropout: 0, rng: new Rng(1) });
    const mac = (inC: number, outC: number, pixels: number): number => 2 * 9 * inC * outC * pixels;
    const convs = mac(3, 32, 1024) + mac(32, 32, 1024) + mac(32, 64, 256) + mac(64, 64, 256);
    const dense = 2 * (4096 * 512 + 512 * 10);
    const flops = costReport(model, [3, 32, 32]).flopsPerExample;
    assert.ok(Math.abs(flops / (convs + dense) - 1) < 0.01, `${flops} vs ${convs + dense}`);
  });
});
