import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { loadDataset } from '../../src/data/load.js';
import { loadResults } from '../../src/experiments/results.js';
import { runTraining } from '../../src/experiments/run.js';
import { repoRoot, fixtureDataDir, tempDir } from '../helpers.js';
import { runCli, type CliResult } from './cli.js';

/**
 * Runs one exported Command in a child process, as `midl <command>` would once main.ts (or
 * `midl bench`) dispatches to it.
 */
function runCommand(file: string, exported: string, args: string[]): Promise<CliResult> {
  const url = pathToFileURL(path.join(repoRoot, 'dist', 'src', 'cli', 'commands', file)).href;
  const script = `const m = await import(${JSON.stringify(url)}); process.exitCode = await m.${exported}.run(process.argv.slice(1));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

function lastJson(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

/** bench layer --phases rows: every part timed, and fixed_ratio their sum (all but the full path) over dense. */
function assertPhases(phases: Record<string, number>[], batches: number[]): void {
  assert.deepEqual(phases.map((p) => p.batch), batches);
  const parts = ['projection_us', 'gate_head_us', 'light_head_us', 'topk_us', 'sigmoid_us'];
  for (const p of phases) {
    assert.deepEqual(Object.keys(p).sort(), ['batch', 'dense_us', 'fixed_ratio', 'full_path_us', 'midl_us', ...parts].sort());
    for (const key of ['dense_us', 'midl_us', 'full_path_us', ...parts]) assert.ok(p[key] > 0, key);
    const fixed = parts.reduce((sum, key) => sum + p[key], 0);
    assert.ok(Math.abs(p.fixed_ratio - fixed / p.dense_us) < 1e-9, String(p.fixed_ratio));
  }
}

describe('analysis commands', () => {
  it('bench model --json: latency and memory per model and batch size', async () => {
    const r = await runCommand('bench-model.js', 'benchModelCommand', [
      '--dataset', 'adult', '--epochs', '0', '--batch', '1,8', '--budget-ms', '20', '--data-dir', fixtureDataDir, '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.equal(out.dataset, 'adult');
    const records = out.latency as Record<string, unknown>[];
    assert.deepEqual(records.map((x) => [x.model, x.batch]), [
      ['dense', 1], ['static', 1], ['midl', 1], ['dense', 8], ['static', 8], ['midl', 8],
    ]);
    const fields = [
      'dataset', 'model', 'batch', 'median_ms', 'p95_ms', 'runs', 'param_bytes', 'param_bytes_read_per_example',
      'activation_bytes_per_example', 'activation_bytes_written_per_example', 'peak_rss_bytes', 'load_average', 'other_cpu',
    ];
    for (const x of records) assert.deepEqual(Object.keys(x).sort(), [...fields].sort());
  });

  it('bench layer --phases --json: dense, sparse, masked and dense-k times per batch size, the FLOPs ratio, the parts', async () => {
    const r = await runCommand('bench.js', 'benchCommand', [
      'layer', '--in', '40', '--out', '20', '--keep', '0.25', '--batch', '1,3', '--phases', '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.deepEqual([out.in, out.out, out.keep], [40, 20, 0.25]);
    const results = out.results as Record<string, number>[];
    assert.deepEqual(results.map((x) => x.batch), [1, 3]);
    for (const x of results) {
      assert.deepEqual(Object.keys(x).sort(), ['batch', 'dense_k_ms', 'dense_ms', 'flops_ratio', 'midl_masked_ms', 'midl_sparse_ms']);
      for (const key of ['dense_ms', 'midl_sparse_ms', 'midl_masked_ms', 'dense_k_ms']) assert.ok(x[key] > 0, key);
      // rank 8 (the minimum), k = 5 of 20: (8 * 40 + 2 * 8 * 20 + 5 * 40) / (40 * 20)
      assert.ok(Math.abs(x.flops_ratio - (8 * 40 + 2 * 8 * 20 + 5 * 40) / 800) < 1e-12, String(x.flops_ratio));
    }
    assert.match(r.stdout, /where the time goes/);
    assertPhases(out.phases as Record<string, number>[], [1, 3]);
  });

  it('bench layer --checkpoint and bench model --checkpoints: trained models from midl train --out; clear errors', async () => {
    const data = await loadDataset('adult', { dataDir: fixtureDataDir });
    const dirs = { midl: tempDir(), dense: tempDir() };
    for (const model of ['midl', 'dense'] as const) {
      runTraining(data, {
        dataset: 'adult', model, seed: 1, epochs: 1, batchSize: 64, lr: 1e-3, weightDecay: 0, keep: 0.45, dropout: 0.2,
        limitTrain: 300, limitTest: 100, labelNoise: 0,
      }, { outDir: dirs[model] });
    }
    const checkpoint = (model: 'midl' | 'dense'): string[] => ['--checkpoint', path.join(dirs[model], 'final.safetensors')];
    const common = ['--data-dir', fixtureDataDir, '--batch', '1,3'];
    const r = await runCommand('bench.js', 'benchCommand', ['layer', ...checkpoint('midl'), ...common, '--phases', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    assert.equal(out.dataset, 'adult');
    type LayerJson = { layer: string; in: number; out: number; keep: number; results: Record<string, number>[]; phases: Record<string, number>[] };
    const layers = out.layers as LayerJson[];
    assert.deepEqual(layers.map((l) => [l.in, l.out, l.keep]), [[data.inputShape[0], 256, 0.45], [256, 256, 0.45]]);
    for (const l of layers) {
      assert.match(r.stdout, new RegExp(`adult layer ${l.layer}: ${l.in} -> ${l.out}`));
      assert.deepEqual(l.results.map((x) => x.batch), [1, 3]);
      for (const x of l.results) for (const key of ['dense_ms', 'midl_sparse_ms', 'midl_masked_ms', 'dense_k_ms']) assert.ok(x[key] > 0, key);
      assertPhases(l.phases, [1, 3]);
    }
    const dense = await runCommand('bench.js', 'benchCommand', ['layer', ...checkpoint('dense'), ...common]);
    assert.notEqual(dense.code, 0);
    assert.match(dense.stderr, /--checkpoint: .*final\.safetensors holds a dense model, with no MID-L layer/);
    const sized = await runCommand('bench.js', 'benchCommand', ['layer', ...checkpoint('midl'), '--in', '10']);
    assert.notEqual(sized.code, 0);
    assert.match(sized.stderr, /--in: not with --checkpoint/);
    const file = (model: 'midl' | 'dense'): string => path.join(dirs[model], 'final.safetensors');
    const modelArgs = ['--dataset', 'adult', '--data-dir', fixtureDataDir, '--batch', '1', '--budget-ms', '20'];
    const both = await runCommand('bench-model.js', 'benchModelCommand', [
      ...modelArgs, '--checkpoints', `dense=${file('dense')},midl=${file('midl')}`, '--json',
    ]);
    assert.equal(both.code, 0, both.stderr);
    assert.deepEqual((lastJson(both.stdout).latency as { model: string }[]).map((x) => x.model), ['dense', 'midl']);
    const swapped = await runCommand('bench-model.js', 'benchModelCommand', [...modelArgs, '--checkpoints', `midl=${file('dense')}`]);
    assert.notEqual(swapped.code, 0);
    assert.match(swapped.stderr, /final\.safetensors: a dense model, given as midl/);
  });

  it('smi --json: SMI per hidden layer of a checkpoint, per-neuron groups for MID-L', async () => {
    const out = tempDir();
    const data = await loadDataset('adult', { dataDir: fixtureDataDir });
    runTraining(data, {
      dataset: 'adult', model: 'midl', seed: 1, epochs: 1, batchSize: 64, lr: 1e-3, weightDecay: 0, keep: 0.45, dropout: 0.2,
      limitTrain: 300, limitTest: 100, labelNoise: 0,
    }, { outDir: out });
    const args = ['--checkpoint', path.join(out, 'final.safetensors'), '--directions', '8', '--examples', '300', '--data-dir', fixtureDataDir];
    const r = await runCommand('smi.js', 'smiCommand', [...args, '--layer', 'hidden2', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const records = lastJson(r.stdout).smi as Record<string, unknown>[];
    assert.equal(records.length, 1);
    assert.equal(records[0].layer, 'hidden2');
    assert.equal(records[0].examples, 300);
    assert.equal((records[0].per_neuron as { selected_most: number[] }).selected_most.length, 64);
    assert.match(r.stdout, /least-selected neurons/);
    const bad = await runCommand('smi.js', 'smiCommand', [...args, '--layer', 'hidden7']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--layer: no hidden layer 'hidden7'/);
  });

  it('robustness --json: label noise, input noise and overfitting records', async () => {
    const r = await runCommand('robustness.js', 'robustnessCommand', [
      '--dataset', 'adult', '--seeds', '1', '--models', 'dense,midl', '--epochs', '1', '--limit-train', '300', '--limit-test', '200',
      '--label-noise', '0.4', '--input-noise', '0.2', '--subset', '0.01', '--overfit-epochs', '2', '--data-dir', fixtureDataDir, '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = lastJson(r.stdout);
    const pairs = (key: string, level: string): unknown[][] =>
      (out[key] as Record<string, unknown>[]).map((x) => [x.model, x[level]]);
    assert.deepEqual(pairs('label_noise', 'noise'), [['dense', 0], ['dense', 0.4], ['midl', 0], ['midl', 0.4]]);
    assert.deepEqual(pairs('input_noise', 'sigma'), [['dense', 0], ['dense', 0.2], ['midl', 0], ['midl', 0.2]]);
    assert.deepEqual(pairs('overfitting', 'epochs'), [['dense', 2], ['midl', 2]]);
  });

  it('reproduce puts the analyses into results.json and the report', async () => {
    const out = tempDir();
    const args = [
      'reproduce', '--quick', '--datasets', 'adult', '--models', 'dense,midl', '--epochs', '1', '--limit-train', '300', '--limit-test', '200',
      '--data-dir', fixtureDataDir, '--out', out,
    ];
    const r = await runCli(args);
    assert.equal(r.code, 0, r.stderr);
    const results = loadResults(path.join(out, 'results.json'));
    const analyses = results.analyses;
    assert.ok(analyses?.smi && analyses.robustness && analyses.latency);
    assert.deepEqual(analyses.smi.map((s) => `${s.model} ${s.layer}`), ['dense hidden1', 'dense hidden2', 'midl hidden1', 'midl hidden2']);
    assert.ok(analyses.smi.filter((s) => s.model === 'midl').every((s) => s.per_neuron !== undefined));
    assert.deepEqual(analyses.robustness.label_noise.map((x) => [x.model, x.noise]), [['dense', 0], ['dense', 0.4], ['midl', 0], ['midl', 0.4]]);
    assert.deepEqual(analyses.robustness.input_noise.map((x) => [x.model, x.sigma]), [['dense', 0], ['dense', 0.2], ['midl', 0], ['midl', 0.2]]);
    assert.equal(analyses.robustness.overfitting.length, 2);
    assert.deepEqual([...new Set(analyses.latency.map((x) => x.batch))], [1, 64]);
    assert.deepEqual((results.config.analyses as { analyses: string[] }).analyses, ['smi', 'robustness', 'latency', 'activity', 'frontier']);
    assert.deepEqual(analyses.activity?.map((x) => `${x.model} ${x.layer} ${x.overall.examples}`), ['midl 1 200', 'midl 2 200']);
    for (const x of analyses.activity ?? []) {
      assert.equal(x.correct.examples + x.wrong.examples, 200);
      assert.equal(x.per_class.reduce((sum, c) => sum + c.examples, 0), 200);
      assert.equal(x.overall.min, x.k, 'fixed k: every example keeps k');
    }
    assert.equal(analyses.frontier?.points.length, 2 + 4 * 2, 'dense, dropout, and four models at each of the quick keeps');
    assert.deepEqual(analyses.frontier?.verdicts.map((v) => v.keep), [0.25, 0.45]);
    const studyMidl = results.runs.find((x) => x.model === 'midl');
    const reused = analyses.frontier?.points.find((p) => p.model === 'midl' && p.keep === 0.45);
    assert.equal(reused?.test_accuracy, studyMidl?.test_accuracy, 'the study\'s own MID-L run is the frontier\'s point at its keep');
    const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
    assert.ok(html.includes('id="plot-activity"') && html.includes('id="plot-frontier"'), 'the activity and frontier plots');
    for (const title of ['Sliced mutual information', 'Robustness: label noise', 'Robustness: overfitting', 'Inference latency and memory', 'Active neurons per example', 'Accuracy against FLOPs']) {
      assert.ok(html.includes(title), title);
    }

    const both = await runCli([...args, '--no-analyses', '--analyses', 'smi']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--no-analyses: cannot be combined with --analyses/);
    const unknown = await runCli([...args, '--analyses', 'smi,speed']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--analyses: unknown analysis 'speed'/);
  });
});
