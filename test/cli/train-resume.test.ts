import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { loadRunCheckpoint } from '../../src/experiments/run.js';
import { fixtureDataDir, tempDir } from '../helpers.js';
import { runCli, startCli } from './cli.js';

const EPOCHS = 6;

function trainArgs(out: string): string[] {
  return [
    'train', '--dataset', 'mnist', '--model', 'dropout', '--data-dir', fixtureDataDir, '--epochs', String(EPOCHS),
    '--limit-train', '3000', '--batch-size', '64', '--seed', '5', '--out', out, '--json',
  ];
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('train --out / --resume', () => {
  it('after a SIGKILL mid-run, resumes and ends with the same weights as an uninterrupted run', async () => {
    const whole = tempDir();
    const first = await runCli(trainArgs(whole));
    assert.equal(first.code, 0, first.stderr);
    const summary = JSON.parse(first.stdout.trim().split('\n').at(-1) as string);
    assert.equal(summary.epochs, EPOCHS);
    assert.ok(summary.test_accuracy > 0.85);

    const killed = tempDir();
    const checkpoint = path.join(killed, 'checkpoint.safetensors');
    const { child, done } = startCli(trainArgs(killed));
    await waitFor(() => fs.existsSync(checkpoint), 60_000);
    child.kill('SIGKILL');
    const r = await done;
    assert.equal(r.signal, 'SIGKILL');
    const epochsDone = loadRunCheckpoint(checkpoint).meta.epochsDone;
    assert.ok(epochsDone >= 1 && epochsDone < EPOCHS, `killed after ${epochsDone} epochs`);
    assert.ok(!fs.existsSync(path.join(killed, 'model.safetensors')));
    assert.deepEqual(fs.readdirSync(killed).filter((f) => f.endsWith('.tmp')), [], 'no torn temp files');

    const resumed = await runCli([...trainArgs(killed), '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    const a = fs.readFileSync(path.join(whole, 'model.safetensors'));
    const b = fs.readFileSync(path.join(killed, 'model.safetensors'));
    assert.ok(a.equals(b), 'final weights identical, bit for bit');
  });

  it('gives identical weights for the same seed and different ones for another seed', async () => {
    const [x, y, z] = [tempDir(), tempDir(), tempDir()];
    const args = (out: string, seed: string): string[] => [
      'train', '--dataset', 'adult', '--model', 'midl', '--data-dir', fixtureDataDir, '--epochs', '1', '--limit-train', '2000', '--seed', seed, '--out', out,
    ];
    for (const [dir, seed] of [[x, '1'], [y, '1'], [z, '2']]) assert.equal((await runCli(args(dir, seed))).code, 0);
    const w = (dir: string): Buffer => fs.readFileSync(path.join(dir, 'model.safetensors'));
    assert.ok(w(x).equals(w(y)));
    assert.ok(!w(x).equals(w(z)));
  });

  it('refuses to resume a checkpoint of another configuration', async () => {
    const dir = tempDir();
    const base = ['train', '--dataset', 'adult', '--data-dir', fixtureDataDir, '--epochs', '1', '--limit-train', '500', '--out', dir];
    assert.equal((await runCli(base)).code, 0);
    const r = await runCli([...base, '--lr', '0.01', '--resume']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /checkpoint\.safetensors: written by a run with a different configuration/);
  });
});
