import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureDataDir, tempDir } from '../helpers.js';
import { runCli } from './cli.js';

function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

describe('the midl CLI on bad input', () => {
  it('names an unknown flag, a bad value and a missing required flag', async () => {
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--epoch', '2']), /--epoch/);
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--epochs', 'two']), /^midl: --epochs: expected an integer/);
    assertOneLineError(await runCli(['train', '--dataset', 'emnist']), /^midl: --dataset: expected one of mnist, cifar10/);
    assertOneLineError(await runCli(['train']), /^midl: --dataset: required/);
    assertOneLineError(await runCli(['reproduce', '--models', 'dense,sparse']), /^midl: --models: unknown model 'sparse'/);
  });

  it('names a malformed checkpoint file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken.safetensors');
    fs.writeFileSync(file, Buffer.from([1, 2, 3]));
    assertOneLineError(await runCli(['eval', '--checkpoint', file]), /broken\.safetensors: not a valid safetensors file/);
  });

  it('names a truncated data file', async () => {
    const dir = tempDir();
    for (const f of fs.readdirSync(path.join(fixtureDataDir, 'mnist'))) {
      fs.copyFileSync(path.join(fixtureDataDir, 'mnist', f), path.join(dir, f));
    }
    const labels = path.join(dir, 't10k-labels-idx1-ubyte.gz');
    fs.truncateSync(labels, fs.statSync(labels).size - 40);
    const r = await runCli(['train', '--dataset', 'mnist', '--data-dir', dir, '--epochs', '1', '--limit-train', '100']);
    assertOneLineError(r, /t10k-labels-idx1-ubyte\.gz/);
  });

  it('prints usage with --help and for an unknown command', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /reproduce/);
    const unknown = await runCli(['trian']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'trian'/);
  });
});
