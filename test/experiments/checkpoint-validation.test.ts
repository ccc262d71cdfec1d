import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { loadDataset } from '../../src/data/load.js';
import type { Dataset } from '../../src/data/types.js';
import { MidlInputError } from '../../src/errors.js';
import { loadRunCheckpoint, modelFromCheckpoint, runTraining, type RunConfig } from '../../src/experiments/run.js';
import { loadSafetensors, saveSafetensors } from '../../src/tensor/safetensors.js';
import { runCli } from '../cli/cli.js';
import { fixtureDataDir, tempDir } from '../helpers.js';

const config: RunConfig = {
  dataset: 'adult', model: 'midl', seed: 3, epochs: 2, batchSize: 64, lr: 1e-3, weightDecay: 0, keep: 0.45, dropout: 0.2,
  limitTrain: 400, limitTest: 200, labelNoise: 0,
};

/** A copy of the checkpoint with its metadata (parsed 'meta') and tensors edited. */
function edited(file: string, edit: (meta: Record<string, any>, tensors: ReturnType<typeof loadSafetensors>['tensors']) => void, format?: string): string {
  const { tensors, metadata } = loadSafetensors(file);
  const meta = JSON.parse(metadata.meta ?? '{}');
  edit(meta, tensors);
  const out = path.join(tempDir(), 'edited.safetensors');
  saveSafetensors(out, tensors, { format: format ?? metadata.format ?? '', meta: JSON.stringify(meta) });
  return out;
}

function rejects(file: string, pattern: RegExp): void {
  assert.throws(() => modelFromCheckpoint(file), (e: Error) => e instanceof MidlInputError && pattern.test(e.message) && e.message.includes(file) && !e.message.includes('\n'));
}

describe('checkpoints on load', () => {
  let data: Dataset;
  let final: string;
  before(async () => {
    data = await loadDataset('adult', { dataDir: fixtureDataDir });
    const out = tempDir();
    runTraining(data, { ...config, epochs: 1 }, { outDir: out });
    final = path.join(out, 'final.safetensors');
  });

  it('load when intact', () => {
    assert.equal(modelFromCheckpoint(final).config.dataset, 'adult');
  });

  it('refuse metadata naming an unknown dataset, variant, a keep out of range, a bad shape or format version', () => {
    rejects(edited(final, (m) => void (m.config.dataset = 'foo')), /checkpoint metadata config\.dataset: expected one of mnist.*got "foo"/);
    rejects(edited(final, (m) => void (m.config.model = 'sparse')), /config\.model: expected one of dense, dropout/);
    rejects(edited(final, (m) => void (m.config.keep = 5)), /config\.keep: expected a number in \(0, 1\], got 5/);
    rejects(edited(final, (m) => void (m.model.inputShape = [0])), /model\.inputShape\[0\]: expected an integer/);
    rejects(edited(final, (m) => void delete m.model.numClasses), /model\.numClasses: expected an integer .* got nothing/);
    rejects(edited(final, (m) => void (m.model.numClasses = 7)), /tensor '.*bias' is F32 \[2\], the model expects F32 \[7\]/);
    rejects(edited(final, () => undefined, 'midl-checkpoint-0'), /not a midl checkpoint \(format 'midl-checkpoint-0'/);
  });

  it('refuse weights holding NaN, naming the tensor', () => {
    const nan = edited(final, (_m, tensors) => {
      const [name, t] = [...tensors].find(([k]) => k.endsWith('weight'))!;
      t.data[5] = NaN;
      assert.ok(name.startsWith('model.'));
    });
    rejects(nan, /tensor 'model\.[\w.]*weight' holds a non-finite value \(NaN at index 5\)/);
  });

  it('turn into one line and exit code 2 in the CLI', async () => {
    const r = await runCli(['eval', '--checkpoint', edited(final, (m) => void (m.config.dataset = 'foo')), '--data-dir', fixtureDataDir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr.trim(), /^midl: .*edited\.safetensors: checkpoint metadata config\.dataset: expected one of/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('a non-finite loss stops training at its epoch and step, keeping the last good checkpoint', () => {
    const out = tempDir();
    // The first run stops (as if killed) after epoch 1's checkpoint.
    assert.throws(() => runTraining(data, config, { outDir: out, hooks: { onEpochStart: (e) => { if (e === 2) throw new Error('stop'); } } }), /stop/);
    const x = new Float32Array(data.train.x?.length ?? 0).fill(NaN);
    const poisoned: Dataset = { ...data, train: { x, y: data.train.y, count: data.train.count } };
    const checkpoint = path.join(out, 'checkpoint.safetensors');
    assert.throws(
      () => runTraining(poisoned, config, { outDir: out, resume: true }),
      (e: Error) => e instanceof MidlInputError && /loss became NaN at epoch 2, step 1 .*last good checkpoint is .*checkpoint\.safetensors/.test(e.message),
    );
    const kept = loadRunCheckpoint(checkpoint);
    assert.equal(kept.meta.epochsDone, 1);
    assert.ok(fs.existsSync(checkpoint));
  });
});
