import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadDataset } from '../../../src/data/load.js';
import type { Dataset } from '../../../src/data/types.js';
import { hiddenLayers } from '../../../src/experiments/analyses/hidden.js';
import { distribution, neuronGroups, smiOfModel, smiSampleProblem } from '../../../src/experiments/analyses/smi-study.js';
import { runTraining, type RunConfig } from '../../../src/experiments/run.js';
import { MIDL } from '../../../src/midl/layer.js';
import { Rng } from '../../../src/tensor/rng.js';
import { fixtureDataDir } from '../../helpers.js';

describe('SMI of trained models', () => {
  let data: Dataset;
  before(async () => {
    data = await loadDataset('mnist', { dataDir: fixtureDataDir });
  });

  const config = (model: RunConfig['model']): RunConfig => ({
    dataset: 'mnist', model, seed: 1, epochs: 1, batchSize: 64, lr: 1e-3, weightDecay: 0, keep: 0.45, dropout: 0.2,
    limitTrain: 400, limitTest: 300, labelNoise: 0,
  });
  const settings = { directions: 24, examples: 250, seed: 1, neuronShare: 0.25 };

  it('gives finite, non-negative-ish SMI per hidden layer and per-neuron groups for MID-L', () => {
    const run = runTraining(data, config('midl'));
    const records = smiOfModel(run.model, { dataset: 'mnist', model: 'midl', seed: 1 }, run.test, data.inputShape, settings);
    assert.deepEqual(records.map((r) => [r.layer, r.module, r.width]), [['hidden1', '1', 512], ['hidden2', '2', 512]]);
    for (const r of records) {
      assert.ok(Number.isFinite(r.smi) && r.smi > -0.05, `smi ${r.smi}`);
      assert.ok(Number.isFinite(r.stderr) && r.stderr >= 0);
      assert.equal(r.directions, 24);
      assert.equal(r.examples, 250);
      const groups = r.per_neuron;
      assert.ok(groups !== undefined);
      for (const key of ['selected_most', 'selected_least', 'neurons_most', 'neurons_least', 'selection_rate_most', 'selection_rate_least'] as const) {
        assert.equal(groups[key].length, 128, key);
      }
      assert.ok(groups.selected_most.every((v) => Number.isFinite(v) && v > -0.1));
      assert.ok(Math.min(...groups.selection_rate_most) >= Math.max(...groups.selection_rate_least));
      assert.ok(Math.abs(groups.summary.selected_most.mean - groups.selected_most.reduce((s, v) => s + v, 0) / 128) < 1e-12);
    }
    assert.ok(hiddenLayers(run.model).every((l) => (l.module as MIDL).selectionCounts === null), 'the recording is switched off again');
    const again = smiOfModel(run.model, { dataset: 'mnist', model: 'midl', seed: 1 }, run.test, data.inputShape, settings);
    assert.deepEqual(again, records, 'seeded: the same directions and selections');
  });

  it('measures one layer of a dense model, without per-neuron groups', () => {
    const run = runTraining(data, config('dense'));
    const records = smiOfModel(run.model, { dataset: 'mnist', model: 'dense', seed: 1 }, run.test, data.inputShape, settings, ['hidden2']);
    assert.equal(records.length, 1);
    assert.equal(records[0].layer, 'hidden2');
    assert.equal(records[0].per_neuron, undefined);
  });
});

describe('neuron groups', () => {
  it('puts the most-selected neurons first and measures their label information', () => {
    const rng = new Rng(5);
    const n = 400;
    const d = 8;
    const labels = Int32Array.from({ length: n }, () => rng.int(2));
    const values = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) values[i * d + j] = rng.normal() + (j === 5 ? 3 * labels[i] : 0);
    }
    const selections = Float64Array.from([10, 0, 3, 3, 1, 400, 2, 0]);
    const layer = { name: 'hidden1', path: '1', module: null as never, width: d };
    const groups = neuronGroups({ layer, values, n, d }, labels, selections, 0.25);
    assert.deepEqual(groups.neurons_most, [5, 0]);
    assert.deepEqual(groups.neurons_least, [7, 1]);
    assert.deepEqual(groups.selection_rate_most, [1, 10 / n]);
    assert.ok(groups.selected_most[0] > 0.3, `informative neuron: ${groups.selected_most[0]}`);
    assert.ok(Math.abs(groups.selected_least[0]) < 0.05);
  });

  it('refuses a test sample without two labels seen twice', () => {
    const split = (y: number[]): { x: Float32Array; y: Int32Array; count: number } => ({ x: new Float32Array(y.length), y: Int32Array.from(y), count: y.length });
    const s = { directions: 2, examples: 10, seed: 1, neuronShare: 0.25 };
    assert.match(smiSampleProblem(split([6, 7]), s) ?? '', /2 test examples hold 0 label/);
    assert.match(smiSampleProblem(split([0, 0, 0, 1]), s) ?? '', /hold 1 label/);
    assert.equal(smiSampleProblem(split([0, 1, 0, 1]), s), null);
  });

  it('summarizes a distribution by mean and quartiles', () => {
    assert.deepEqual(distribution([5, 1, 4, 2, 3]), { mean: 3, min: 1, q1: 2, median: 3, q3: 4, max: 5 });
  });
});
