import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { dataCommand } from '../../src/cli/commands/data.js';
import { MidlInputError } from '../../src/errors.js';
import { fixtureDataDir } from '../helpers.js';

/** Runs the command with stdout captured. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const write = process.stdout.write.bind(process.stdout);
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += chunk.toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    return { code: await dataCommand.run(argv), out };
  } finally {
    process.stdout.write = write;
  }
}

test('data inspect --json ends stdout with one JSON object', async () => {
  const { code, out } = await run(['inspect', '--dataset', 'svhn', '--data-dir', fixtureDataDir, '--json']);
  assert.equal(code, 0);
  const summary = JSON.parse(out.trim().split('\n').at(-1)!);
  assert.equal(summary.dataset, 'svhn');
  assert.equal(summary.train, 15);
  assert.equal(summary.test, 2);
  assert.equal(summary.num_classes, 10);
  assert.deepEqual(summary.input_shape, [3, 32, 32]);
  assert.deepEqual(summary.class_counts.train, [0, 2, 3, 0, 0, 1, 2, 1, 3, 3]);
  assert.deepEqual(summary.class_counts.test, [0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
  assert.equal(summary.files.length, 2);
});

test('data inspect prints a table; --help; user errors are MidlInputErrors', async () => {
  const { out } = await run(['inspect', '--dataset', 'svhn', '--data-dir', fixtureDataDir]);
  assert.match(out, /train\s+15 examples/);
  assert.match(out, /^6\s+2\s+1$/m);
  assert.match((await run(['inspect', '--help'])).out, /Usage: midl data inspect/);
  await assert.rejects(run(['inspect', '--dataset', 'nope']), (e: Error) => e instanceof MidlInputError && /--dataset/.test(e.message));
  await assert.rejects(run(['frobnicate']), MidlInputError);
  await assert.rejects(run(['inspect', '--dataset', 'mnist', '--data-dir', '/nonexistent-dir']), /not found/);
});
