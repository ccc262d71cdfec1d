import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/load.js';
import { runTraining } from '../../src/experiments/run.js';
import { sharedDataDir } from '../helpers.js';

describe('learning on real data', () => {
  it('the 784-512-512-10 MLP reaches at least 95% MNIST test accuracy in one short run', async () => {
    const data = await loadDataset('mnist', { dataDir: sharedDataDir() });
    const r = runTraining(data, {
      dataset: 'mnist', model: 'dense', seed: 1, epochs: 1, batchSize: 128, lr: 1e-3, weightDecay: 0,
      keep: 0.45, dropout: 0.2, limitTrain: null, limitTest: 5000, labelNoise: 0,
    });
    assert.ok(r.testAccuracy >= 0.95, `test accuracy ${r.testAccuracy}`);
    assert.equal(r.cost.activeRatio, 1);
    assert.ok(r.history[0].train_loss < 0.5);
  });

  it('MID-L at keep 0.45 learns too, with 45% of its neurons active and fewer FLOPs', async () => {
    const data = await loadDataset('adult', { dataDir: sharedDataDir() });
    const base = { dataset: 'adult' as const, seed: 1, epochs: 2, batchSize: 256, lr: 1e-3, weightDecay: 0, keep: 0.45, dropout: 0.2, limitTrain: null, limitTest: null, labelNoise: 0 };
    const dense = runTraining(data, { ...base, model: 'dense' });
    const midl = runTraining(data, { ...base, model: 'midl' });
    assert.ok(dense.testAccuracy > 0.83, `dense ${dense.testAccuracy}`);
    assert.ok(midl.testAccuracy > dense.testAccuracy - 0.02, `midl ${midl.testAccuracy} vs dense ${dense.testAccuracy}`);
    assert.ok(Math.abs(midl.cost.activeRatio - 115 / 256) < 1e-9);
    assert.ok(midl.cost.flopsSaving > 1.5);
  });

  it('fine-tuning a static-sparse model after fixing its neurons recovers accuracy', async () => {
    const data = await loadDataset('mnist', { dataDir: sharedDataDir() });
    const base = { dataset: 'mnist' as const, model: 'static' as const, seed: 3, epochs: 1, batchSize: 128, lr: 1e-3, weightDecay: 0, keep: 0.45, dropout: 0.2, limitTrain: 6000, limitTest: 2000, labelNoise: 0 };
    const plain = runTraining(data, base);
    const tuned = runTraining(data, { ...base, finetuneEpochs: 1 });
    assert.equal(tuned.history.length, 2);
    assert.equal(tuned.cost.activeRatio, plain.cost.activeRatio);
    assert.ok(tuned.testAccuracy > plain.testAccuracy, `fine-tuned ${tuned.testAccuracy} vs ${plain.testAccuracy}`);
  });
});
