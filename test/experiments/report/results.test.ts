import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadResults, validateResults } from '../../../src/experiments/results.js';
import { MidlInputError } from '../../../src/errors.js';
import { tempDir } from '../../helpers.js';
import { syntheticResults } from './synthetic.js';

/** Asserts that validating the changed results fails with a one-line message matching all patterns. */
function assertRejected(change: (r: Record<string, any>) => void, ...patterns: RegExp[]): void {
  const results = syntheticResults() as Record<string, any>;
  change(results);
  assert.throws(
    () => validateResults(results, 'out/results.json'),
    (err: Error) => {
      assert.ok(err instanceof MidlInputError, `expected MidlInputError, got ${err.name}`);
      assert.ok(!err.message.includes('\n'), `message is one line: ${err.message}`);
      assert.match(err.message, /^out\/results\.json: /);
      for (const p of patterns) assert.match(err.message, p);
      return true;
    },
  );
}

test('the synthetic results are valid and come back unchanged', () => {
  const results = syntheticResults();
  assert.equal(validateResults(results, 'results.json'), results);
});

test('a missing field is named with its path', () => {
  assertRejected((r) => delete r.runs[5].test_accuracy, /runs\[5\]\.test_accuracy: missing/);
  assertRejected((r) => delete r.machine, /machine: missing/);
  assertRejected((r) => delete r.runs[0].latency_ms.batch256, /runs\[0\]\.latency_ms\.batch256: missing/);
  assertRejected((r) => delete r.config.quick, /config\.quick: missing/);
});

test('a field of the wrong type or range is named with what was expected', () => {
  assertRejected((r) => (r.machine.cores = '2'), /machine\.cores: expected an integer >= 1, got "2"/);
  assertRejected((r) => (r.runs[1].model = 'cnn'), /runs\[1\]\.model: expected one of dense, dropout, static, midl, midl-conv, got "cnn"/);
  assertRejected((r) => (r.runs[2].test_accuracy = 97.5), /runs\[2\]\.test_accuracy: expected a number in \[0, 1\], got 97\.5/);
  assertRejected((r) => (r.runs[0].history[1].epoch = 1.5), /runs\[0\]\.history\[1\]\.epoch: expected an integer/);
  assertRejected((r) => (r.started_at = 'yesterday'), /started_at: expected an ISO 8601 time/);
  assertRejected((r) => (r.config.limits.mnist.train = -1), /config\.limits\.mnist\.train/);
  assertRejected((r) => (r.runs = {}), /runs: expected an array, got \{\}/);
  assertRejected((r) => (r.runs[3].flops_per_example = 0), /runs\[3\]\.flops_per_example: expected a number > 0, got 0/);
  assertRejected((r) => (r.config.keep = 0), /config\.keep: expected a number in \(0, 1\], got 0/);
});

test('optional analyses are checked when present and may be absent', () => {
  assertRejected((r) => (r.analyses.latency[0].batch = 0), /analyses\.latency\[0\]\.batch: expected an integer >= 1/);
  assertRejected((r) => delete r.analyses.robustness.overfitting[1].gap, /analyses\.robustness\.overfitting\[1\]\.gap: missing/);
  assertRejected((r) => (r.analyses.smi[2].per_neuron.selected_most = [0.1, 'x']), /analyses\.smi\[2\]\.per_neuron\.selected_most\[1\]/);
  const bare = syntheticResults();
  delete bare.analyses;
  assert.doesNotThrow(() => validateResults(bare, 'results.json'));
});

test('loadResults names the file when it is not JSON', () => {
  const file = path.join(tempDir(), 'results.json');
  fs.writeFileSync(file, '{"machine": ');
  assert.throws(() => loadResults(file), (err: Error) => err instanceof MidlInputError && err.message.startsWith(`${file}: cannot read results`));
  fs.writeFileSync(file, JSON.stringify(syntheticResults()));
  assert.equal(loadResults(file).runs.length, 36);
});
