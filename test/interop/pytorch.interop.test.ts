import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset, DatasetName } from '../../src/data/types.js';
import { batchFrom } from '../../src/experiments/latency.js';
import type { Variant } from '../../src/experiments/models.js';
import { recipeFor } from '../../src/experiments/recipes.js';
import { runTraining } from '../../src/experiments/run.js';
import { saveSafetensors } from '../../src/tensor/safetensors.js';
import { noGrad } from '../../src/tensor/tensor.js';
import { repoRoot, fixtureDataDir, tempDir } from '../helpers.js';

/** Debian's python3 (python3-torch installs there), not a pyenv python3 that may come first on PATH. */
const PYTHON = '/usr/bin/python3';
const compareScript = path.join(repoRoot, 'interop', 'pytorch', 'compare.py');

interface Comparison {
  max_abs_diff: number;
  argmax_agreement: number;
  rows: number;
}

/** Trains a small model in midl, saves 32 inputs and midl's eval outputs, runs them in PyTorch. */
function compareInPyTorch(data: Dataset, model: Variant, limitTrain: number): Comparison {
  const recipe = recipeFor(data.name, false);
  const out = tempDir();
  const r = runTraining(data, {
    dataset: data.name, model, seed: 2, epochs: 1, batchSize: 32, lr: recipe.lr, weightDecay: 0, keep: 0.45, dropout: 0.2,
    limitTrain, limitTest: 64, labelNoise: 0, finetuneEpochs: model === 'static' ? 1 : 0,
  }, { outDir: out });
  const x = batchFrom(data.test, data.inputShape, 32);
  r.model.eval();
  const y = noGrad(() => r.model.forward(x));
  const tensor = (t: typeof x): { dtype: 'F32'; shape: number[]; data: Float32Array } => ({ dtype: 'F32', shape: [...t.shape], data: t.data });
  const caseFile = path.join(out, 'case.safetensors');
  saveSafetensors(caseFile, new Map([['x', tensor(x)], ['y', tensor(y)]]));
  const run = spawnSync(PYTHON, [compareScript, path.join(out, 'final.safetensors'), caseFile], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '');
}

describe('midl checkpoints in PyTorch (interop/pytorch)', () => {
  it(`${PYTHON} imports torch (npm run test:interop needs Debian's python3-torch)`, () => {
    const r = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${PYTHON} cannot import torch: apt-get install python3-torch\n${r.stderr}`);
  });

  const cases: [DatasetName, Variant, number][] = [
    ['adult', 'dense', 400], ['adult', 'dropout', 400], ['adult', 'static', 400], ['adult', 'midl', 400],
    ['mnist', 'midl', 300], ['svhn', 'midl', 15], ['svhn', 'static', 15],
  ];
  for (const [dataset, model, limit] of cases) {
    it(`${dataset} ${model}: PyTorch's outputs match midl's on the same inputs`, async (t) => {
      const data = await loadDataset(dataset, { dataDir: fixtureDataDir });
      const c = compareInPyTorch(data, model, limit);
      t.diagnostic(`max abs diff ${c.max_abs_diff}`);
      assert.equal(c.rows, 32);
      assert.equal(c.argmax_agreement, 1, JSON.stringify(c));
      assert.ok(c.max_abs_diff < 1e-3, JSON.stringify(c));
    });
  }
});
