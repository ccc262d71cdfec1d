import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { defineCommand, parseFlagValues } from '../../src/cli/command.js';
import { choiceFlag, listFlag, noneOr, numberFlag, numberItem, optionalListFlag, stringFlag, valueFlag } from '../../src/cli/flags.js';
import { MidlInputError } from '../../src/errors.js';
import { tempDir } from '../helpers.js';
import { runCli } from './cli.js';

function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

const flags = {
  epochs: numberFlag('epochs', { placeholder: 'N', help: 'epochs', min: 1, integer: true }),
  shift: numberFlag('shift', { placeholder: 'X', help: 'shift', default: 0 }),
  model: choiceFlag('model', ['dense', 'midl'], { placeholder: 'M', help: 'model', default: 'dense' }),
  name: stringFlag('name', { placeholder: 'S', help: 'name' }),
  levels: listFlag('levels', numberItem({ min: 0, max: 1 }), { placeholder: 'LIST', help: 'levels', default: [0.2], none: true }),
  layers: optionalListFlag('layers', (s) => s, { placeholder: 'LIST', help: 'layers' }),
  subset: noneOr(numberFlag('subset', { placeholder: 'X', help: 'subset', min: 0, max: 1, default: 0.1 })),
};

describe('flag declarations', () => {
  it('derive defaults, conversions and absent values', () => {
    const v = parseFlagValues([], flags);
    assert.deepEqual(v, { epochs: undefined, shift: 0, model: 'dense', name: undefined, levels: [0.2], layers: undefined, subset: 0.1 });
    const w = parseFlagValues(['--epochs', '3', '--levels', 'none', '--layers', 'a,b', '--subset', 'none', '--model=midl'], flags);
    assert.equal(w.epochs, 3);
    assert.deepEqual(w.levels, []);
    assert.deepEqual(w.layers, ['a', 'b']);
    assert.equal(w.subset, null);
    assert.equal(w.model, 'midl');
  });

  it('take negative values as values and check them against the range', () => {
    assert.equal(parseFlagValues(['--shift', '-2.5'], flags).shift, -2.5);
    assert.equal(parseFlagValues(['--name', '-x'], flags).name, '-x');
    assert.throws(() => parseFlagValues(['--epochs', '-1'], flags), { message: '--epochs: expected an integer in 1..inf, got -1' });
    assert.throws(() => parseFlagValues(['--epochs', '2.5'], flags), { message: '--epochs: expected an integer in 1..inf, got 2.5' });
    assert.throws(() => parseFlagValues(['--epochs', 'two'], flags), { message: "--epochs: expected an integer in 1..inf, got 'two'" });
    assert.throws(() => parseFlagValues(['--levels', '0.2,-0.1'], flags), { message: '--levels: -0.1 is not a number in 0..1' });
  });

  it('name the flag of every user error', () => {
    assert.throws(() => parseFlagValues(['--epoch', '2'], flags), (e: Error) => e instanceof MidlInputError && /--epoch/.test(e.message));
    assert.throws(() => parseFlagValues(['--model', 'x'], flags), { message: "--model: expected one of dense, midl, got 'x'" });
    assert.throws(() => parseFlagValues(['stray'], flags), MidlInputError);
    assert.throws(() => parseFlagValues(['--epochs'], flags), /--epochs/);
  });
});

describe('a command declaration', () => {
  const shard = valueFlag('shard', (text) => {
    const m = /^(\d+)\/(\d+)$/.exec(text);
    if (m === null) throw new Error(`expected K/N, got '${text}'`);
    return [Number(m[1]), Number(m[2])];
  }, { placeholder: 'K/N', help: 'run shard K of N' });
  let seen: { dir?: string; shard?: number[] } = {};
  const command = defineCommand({
    name: 'report', summary: 'a test command', usage: 'midl report DIR [options]', description: 'Reads DIR.',
    flags: { shard }, computes: false, positional: { placeholder: 'DIR', help: 'a results folder' },
    async run(v, dir) {
      seen = { dir, shard: v.shard };
      return 0;
    },
  });

  it('derives its help from the flags, with the shared ones', () => {
    for (const line of ['Usage: midl report DIR [options]', 'DIR  a results folder', '--shard K/N', '--threads N', '--json', '--verbose', '-h, --help']) {
      assert.ok(command.help.includes(line), line);
    }
  });

  it('refuses a flag declared twice', () => {
    const seed = numberFlag('seed', { placeholder: 'S', help: 'seed', default: 1 });
    const declare = (flags: Record<string, typeof seed>) => () =>
      defineCommand({ name: 'x', summary: '', usage: 'midl x', description: '', flags, async run() { return 0; } });
    assert.throws(declare({ seed, otherSeed: seed }), /--seed/);
    assert.throws(declare({ json: seed }), /--json/);
  });

  it('passes its positional word and custom values, and names what is wrong', async () => {
    assert.equal(await command.run(['results', '--shard', '2/3']), 0);
    assert.deepEqual(seen, { dir: 'results', shard: [2, 3] });
    await assert.rejects(command.run(['--shard', '2/3']), { message: 'DIR: required (usage: midl report DIR [options])' });
    await assert.rejects(command.run(['a', 'b']), /unexpected 'b'/);
    await assert.rejects(command.run(['a', '--shard', 'x']), { message: "--shard: expected K/N, got 'x'" });
  });
});

describe('the midl CLI flags', () => {
  it('reject negative numbers with the range, for every numeric flag', async () => {
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--epochs', '-1']), /^midl: --epochs: expected an integer in 1\.\.inf, got -1$/);
    assertOneLineError(await runCli(['eval', '--checkpoint', 'x', '--input-noise', '-0.5']), /^midl: --input-noise: expected a number in 0\.\.inf, got -0\.5$/);
    assertOneLineError(await runCli(['train', '--dataset', 'mnist', '--lr', '-1']), /^midl: --lr: expected a number/);
    assertOneLineError(await runCli(['reproduce', '--limit-test', '-3']), /^midl: --limit-test: expected an integer in 1\.\.inf, got -3$/);
    assertOneLineError(await runCli(['bench', 'model', '--dataset', 'adult', '--budget-ms', '-5']), /^midl: --budget-ms: expected a number/);
    assertOneLineError(await runCli(['robustness', '--dataset', 'adult', '--label-noise', '-0.1']), /^midl: --label-noise: -0\.1 is not a number/);
  });

  it('list in --help every flag a command accepts', async () => {
    const reproduce = (await runCli(['reproduce', '--help'])).stdout;
    for (const flag of ['--epochs N', '--limit-train N', '--limit-test N', '--threads N', '--json', '--verbose']) assert.ok(reproduce.includes(flag), flag);
    const evalHelp = (await runCli(['eval', '--help'])).stdout;
    for (const flag of ['--verbose', '--json', '--checkpoint FILE', '--data-dir DIR', '--limit-test N']) assert.ok(evalHelp.includes(flag), flag);
    const train = (await runCli(['train', '--help'])).stdout;
    assert.match(train, /final\.safetensors/);
    assert.match(train, /--data-dir DIR/);
  });

  it('refuse an unusable --out before any work', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    const out = path.join(file, 'sub');
    const train = await runCli(['train', '--dataset', 'adult', '--epochs', '1', '--data-dir', dir, '--out', out]);
    assertOneLineError(train, /^midl: --out: cannot write to .*a-file\/sub: .*a-file is a file, not a folder$/);
    assertOneLineError(await runCli(['reproduce', '--datasets', 'adult', '--out', out]), /^midl: --out: .*a-file is a file/);
  });

  it('say when --data-dir is a file', async () => {
    const file = path.join(tempDir(), 'data.bin');
    fs.writeFileSync(file, 'x');
    assertOneLineError(await runCli(['train', '--dataset', 'adult', '--data-dir', file]), /^midl: --data-dir: .*data\.bin is a file; a directory is expected/);
  });

  it('midl doctor names the backend, kernel, threads and libraries', async () => {
    const r = await runCli(['doctor', '--json', '--threads', '1']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    assert.ok(['native', 'reference'].includes(report.backend));
    assert.equal(report.threads, 1);
    if (report.backend === 'native') {
      assert.match(report.addon, /midl_native\.node$/);
      assert.match(report.gemm_kernel, /midl-avx512|openblas/);
    }
    assert.match(r.stdout, /^backend\s+/m);
  });
});
