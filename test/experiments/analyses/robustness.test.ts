import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDataset } from '../../../src/data/load.js';
import type { Dataset } from '../../../src/data/types.js';
import { inputNoiseRecords, labelNoiseRecord, overfittingRecord, planConfig, type TrainingPlan } from '../../../src/experiments/analyses/robustness.js';
import { runTraining } from '../../../src/experiments/run.js';
import { fixtureDataDir } from '../../helpers.js';

const plan: TrainingPlan = {
  epochs: 1, batchSize: 64, lr: 1e-3, weightDecay: 0, limitTrain: 300, limitTest: 200, keep: 0.45, dropout: 0.2,
};

const isFraction = (v: number): boolean => Number.isFinite(v) && v >= 0 && v <= 1;

describe('robustness on real data (adult, tiny)', () => {
  let data: Dataset;
  before(async () => {
    data = await loadDataset('adult', { dataDir: fixtureDataDir });
  });

  it('label noise: trains on flipped labels, tests on clean ones', () => {
    const r = labelNoiseRecord(data, plan, 'midl', 1, 0.4);
    assert.deepEqual([r.dataset, r.model, r.seed, r.noise, r.epochs, r.train_examples, r.test_examples], ['adult', 'midl', 1, 0.4, 1, 300, 200]);
    assert.ok(isFraction(r.test_accuracy));
  });

  it('input noise: every model of a seed sees the same noisy inputs; sigma 0 is the clean accuracy', () => {
    const runs = (['dense', 'midl'] as const).map((model) => {
      const r = runTraining(data, planConfig('adult', model, 1, plan));
      return { config: r.config, model: r.model, clean: r.testAccuracy };
    });
    const records = inputNoiseRecords(data, runs, [0, 0.5]);
    assert.deepEqual(records.map((r) => [r.model, r.sigma]), [['dense', 0], ['dense', 0.5], ['midl', 0], ['midl', 0.5]]);
    assert.equal(records[0].test_accuracy, runs[0].clean);
    assert.equal(records[2].test_accuracy, runs[1].clean);
    assert.ok(records.every((r) => isFraction(r.test_accuracy) && r.test_examples === 200));
    assert.deepEqual(inputNoiseRecords(data, runs, [0, 0.5]), records, 'seeded noise');
  });

  it('overfitting: a small subset for several epochs, with the curves and the gap', () => {
    const r = overfittingRecord(data, plan, 'dense', 1, 0.01, 3);
    assert.equal(r.train_examples, Math.round(0.01 * data.train.count));
    assert.equal(r.test_examples, 200);
    assert.equal(r.epochs, 3);
    assert.deepEqual(r.history.map((e) => e.epoch), [1, 2, 3]);
    assert.equal(r.final_test_accuracy, r.history[2].test_accuracy);
    assert.ok(r.best_test_accuracy >= Math.max(...r.history.map((e) => e.test_accuracy)));
    assert.ok(Math.abs(r.gap - (r.train_accuracy - r.final_test_accuracy)) < 1e-12);
    assert.ok([r.train_accuracy, r.best_test_accuracy, r.final_test_accuracy].every(isFraction));
  });
});
