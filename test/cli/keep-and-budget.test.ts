import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadResults } from '../../src/experiments/results.js';
import { fixtureDataDir, tempDir } from '../helpers.js';
import { runCli } from './cli.js';

function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

interface LayerJson { active_ratio: number; std: number; k: number }

async function trainJson(args: string[]): Promise<{ active_ratio: number; per_layer_active: LayerJson[] }> {
  const r = await runCli(['train', '--dataset', 'mnist', '--model', 'midl', '--data-dir', fixtureDataDir, '--json', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
}

describe('midl train: per-layer keep and the adaptive budget', () => {
  it('rejects a keep of 0, 1.5 or x, a list of the wrong length and a bad budget or mode, in one line', async () => {
    for (const bad of ['0', '1.5', 'x', '0.5,']) {
      assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--keep', bad]), /^midl: --keep: expected/);
    }
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--keep', '0.6,0.3,0.2']), /^midl: --keep: this model has 2 hidden layer\(s\), got 3/);
    assertOneLineError(await runCli(['train', '--dataset', 'cifar10', '--keep', '0.6,0.3']), /^midl: --keep: this model has 1 hidden layer\(s\), got 2/);
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--budget', '2']), /^midl: --budget: expected a number/);
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--midl-mode', 'topk']), /^midl: --midl-mode: expected one of fixed, adaptive/);
  });

  it('gives each MID-L layer its own k, which the cost report shows', async () => {
    const r = await trainJson(['--keep', '0.6,0.3', '--epochs', '1', '--limit-train', '200']);
    assert.deepEqual(r.per_layer_active.map((l) => l.k), [307, 154]);
    assert.deepEqual(r.per_layer_active.map((l) => l.active_ratio), [307 / 512, 154 / 512]);
  });

  it('adaptive mode keeps the mean under the budget on a small real run, with counts varying per input', async () => {
    const r = await trainJson(['--midl-mode', 'adaptive', '--budget', '0.45', '--epochs', '4', '--batch-size', '64']);
    assert.ok(r.active_ratio <= 0.45, `mean active ${r.active_ratio}`);
    for (const l of r.per_layer_active) {
      assert.ok(l.active_ratio <= 0.45 && l.active_ratio > 0.3, `layer mean ${l.active_ratio}`);
      assert.ok(l.std > 0.01, `per-example std ${l.std}`);
      assert.equal(l.k, 461, 'the per-input cap: round(2 * 0.45 * 512)');
    }
  });

  it('reproduce takes a per-layer keep list, checked against every dataset before training', async () => {
    assertOneLineError(await runCli(['reproduce', '--datasets', 'adult,cifar10', '--keep', '0.6,0.3']), /^midl: --keep: this model has 1 hidden layer\(s\), got 2/);
    const out = tempDir();
    const r = await runCli([
      'reproduce', '--quick', '--datasets', 'adult', '--models', 'midl,static', '--keep', '0.6,0.3', '--epochs', '1',
      '--limit-train', '300', '--limit-test', '100', '--data-dir', fixtureDataDir, '--out', out, '--no-analyses',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const results = loadResults(path.join(out, 'results.json'));
    assert.deepEqual(results.config.keep, [0.6, 0.3]);
    for (const run of results.runs) assert.deepEqual(run.per_layer_active?.map((l) => l.k), [154, 77], run.model);
  });

  it('reproduce trains the adaptive preset for its MID-L runs, and the claims judge and name it', async () => {
    assertOneLineError(await runCli(['reproduce', '--midl-mode', 'topk']), /^midl: --midl-mode: expected one of fixed, adaptive/);
    const out = tempDir();
    const r = await runCli([
      'reproduce', '--quick', '--datasets', 'adult', '--models', 'dense,midl', '--midl-mode', 'adaptive', '--budget', '0.45', '--epochs', '2',
      '--limit-train', '2000', '--limit-test', '400', '--data-dir', fixtureDataDir, '--out', out, '--no-analyses',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const results = loadResults(path.join(out, 'results.json'));
    const midl = results.runs.find((x) => x.model === 'midl');
    assert.equal(midl?.midl_mode, 'adaptive');
    assert.equal(midl?.midl_budget, 0.45);
    assert.ok((midl?.per_layer_active ?? []).some((l) => l.min < l.max), 'the count varies per input');
    const md = fs.readFileSync(path.join(out, 'results.md'), 'utf8');
    assert.match(md, /Up to 55% average reduction in active neurons[^\n]*adaptive, budget 0\.45/);
  });
});
