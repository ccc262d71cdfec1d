import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StudyResults } from '../../../src/experiments/results.js';
import { findSummary, summarizeRuns } from '../../../src/experiments/report/summary.js';
import { evaluateClaims, type ClaimStatus } from '../../../src/experiments/report/claims.js';
import { mean, pooledStd, sampleStd } from '../../../src/experiments/report/stats.js';
import { syntheticResults } from './synthetic.js';

function near(actual: number | null | undefined, expected: number, tolerance = 1e-9): void {
  assert.ok(actual !== null && actual !== undefined && Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);
}

/** The status of one claim after changing the synthetic results. */
function statusAfter(id: string, change: (r: StudyResults) => void = () => {}): ClaimStatus {
  const results = syntheticResults();
  change(results);
  const claim = evaluateClaims(results).find((c) => c.id === id);
  assert.ok(claim, `no claim ${id}`);
  return claim.status;
}

function midlRuns(r: StudyResults, dataset?: string): StudyResults['runs'] {
  return r.runs.filter((run) => run.model === 'midl' && (dataset === undefined || run.dataset === dataset));
}

test('statistics: sample std and pooled std by hand', () => {
  near(mean([1, 2, 3, 4]), 2.5);
  near(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
  assert.equal(sampleStd([3]), null);
  // (2 * 1^2 + 1 * 0.5^2) / 3 degrees of freedom.
  near(pooledStd([1, 2, 3], [1, 1.5]), Math.sqrt((2 + 0.125) / 3));
  assert.equal(pooledStd([1], [2]), null);
});

test('summaries group runs by dataset and model in study order', () => {
  const summaries = summarizeRuns(syntheticResults());
  assert.deepEqual(
    summaries.slice(0, 5).map((s) => `${s.dataset}/${s.model}`),
    ['mnist/dense', 'mnist/dropout', 'mnist/static', 'mnist/midl', 'adult/dense'],
  );
  assert.equal(summaries.length, 12);
});

test('summaries: mean, sample std, saving and sizes by hand', () => {
  const summaries = summarizeRuns(syntheticResults());
  const midl = findSummary(summaries, 'mnist', 'midl');
  const dense = findSummary(summaries, 'mnist', 'dense');
  assert.ok(midl && dense);
  // MID-L accuracies 0.971, 0.981, 0.991; dense 0.975, 0.980, 0.985.
  near(midl.accuracy.mean, 0.981);
  near(midl.accuracy.std, 0.01);
  near(dense.accuracy.mean, 0.98);
  near(dense.accuracy.std, 0.005);
  near(midl.active_ratio, 0.45);
  near(midl.flops_per_example, 802_816 / 1.75, 1e-6);
  near(midl.flops_saving, 1.75);
  near(dense.flops_saving, 1);
  assert.equal(midl.params, 600_116);
  // From the latency analysis (0.8 * (0.15 + 0.035)), not the run's own 0.16 ms.
  near(midl.latency_ms.get(1) ?? NaN, 0.148);
  assert.deepEqual([midl.param_bytes, midl.activation_bytes_per_example], [2_400_000, 3_600]);
  const adult = findSummary(summaries, 'adult', 'midl');
  assert.ok(adult);
  assert.deepEqual([adult.latency_ms.size, adult.param_bytes], [0, null]);
  near(midl.train_seconds, 50);
  assert.deepEqual([midl.train_examples, midl.test_examples, midl.epochs, midl.seeds], [60_000, 10_000, 3, [1, 2, 3]]);
});

test('every claim is confirmed by the synthetic results except memory (MID-L adds parameters)', () => {
  const statuses = Object.fromEntries(evaluateClaims(syntheticResults()).map((c) => [c.id, c.status]));
  assert.deepEqual(statuses, {
    'active-neurons': 'confirmed',
    flops: 'confirmed',
    accuracy: 'confirmed',
    'smi-informativeness': 'confirmed',
    'smi-selectivity': 'confirmed',
    'label-noise': 'confirmed',
    'input-noise': 'confirmed',
    overfitting: 'confirmed',
    latency: 'confirmed',
    memory: 'partly',
  });
});

test('active-neuron claim: the best dataset must reach 55% after rounding', () => {
  const setActive = (mnist: number, others: number) => (r: StudyResults) =>
    midlRuns(r).forEach((run) => (run.active_ratio = run.dataset === 'mnist' ? mnist : others));
  assert.equal(statusAfter('active-neurons', setActive(0.5, 0.6)), 'not confirmed');
  assert.equal(statusAfter('active-neurons', setActive(0.454, 0.6)), 'confirmed');
  assert.equal(statusAfter('active-neurons', setActive(0.456, 0.6)), 'not confirmed');
});

test('FLOPs claim: confirmed by the mean, partly by the best dataset only', () => {
  const setSaving = (mnist: number, others: number) => (r: StudyResults) =>
    midlRuns(r).forEach((run) => (run.flops_per_example = run.dense_flops_per_example / (run.dataset === 'mnist' ? mnist : others)));
  assert.equal(statusAfter('flops', setSaving(1.66, 1.66)), 'confirmed');
  assert.equal(statusAfter('flops', setSaving(1.8, 1.4)), 'partly');
  assert.equal(statusAfter('flops', setSaving(1.6, 1.6)), 'not confirmed');
  const evidence = evaluateClaims(syntheticResults()).find((c) => c.id === 'flops')?.evidence;
  assert.match(evidence ?? '', /mean 1\.75x, best 1\.75x \(mnist\)/);
});

test('accuracy claim: tolerance is the larger of 0.3 points and the pooled std', () => {
  // mnist: dense mean 0.980, pooled std sqrt((2*0.01^2 + 2*0.005^2) / 4) = 0.0079.
  const shiftMidl = (dataset: string | undefined, by: number) => (r: StudyResults) =>
    midlRuns(r, dataset).forEach((run) => (run.test_accuracy += by));
  assert.equal(statusAfter('accuracy', shiftMidl('mnist', -0.008)), 'confirmed'); // mean 0.973 >= 0.9721
  assert.equal(statusAfter('accuracy', shiftMidl('mnist', -0.01)), 'partly'); // mean 0.971 < 0.9721
  assert.equal(statusAfter('accuracy', shiftMidl(undefined, -0.02)), 'not confirmed');
  // One seed: no spread, so "maintained" cannot be claimed outright.
  assert.equal(statusAfter('accuracy', (r) => (r.runs = r.runs.filter((run) => run.seed === 2))), 'partly');
});

test('analysis claims flip when MID-L falls behind dense', () => {
  const smiOf = (r: StudyResults, model: string, layer: string) =>
    r.analyses!.smi!.find((s) => s.model === model && s.layer === layer)!;
  // dense 0.400 ± 0.010, so MID-L passes down to 0.400 - 0.010 * sqrt(2) = 0.3859.
  assert.equal(statusAfter('smi-informativeness', (r) => (smiOf(r, 'midl', 'hidden1').smi = 0.39)), 'confirmed');
  assert.equal(statusAfter('smi-informativeness', (r) => (smiOf(r, 'midl', 'hidden1').smi = 0.38)), 'partly');
  assert.equal(
    statusAfter('smi-selectivity', (r) => r.analyses!.smi!.forEach((s) => s.per_neuron && (s.per_neuron = { selected_most: [0.1], selected_least: [0.3] }))),
    'not confirmed',
  );
  const lowerLabelNoise = (r: StudyResults) =>
    r.analyses!.robustness!.label_noise.forEach((x) => x.model === 'midl' && x.noise === 0.4 && (x.test_accuracy = 0.85));
  assert.equal(statusAfter('label-noise', lowerLabelNoise), 'partly');
  const lowerInputNoise = (r: StudyResults) =>
    r.analyses!.robustness!.input_noise.forEach((x) => x.model === 'midl' && (x.test_accuracy -= 0.05));
  assert.equal(statusAfter('input-noise', lowerInputNoise), 'not confirmed');
  const overfit = (r: StudyResults) =>
    r.analyses!.robustness!.overfitting.forEach((x) => x.model === 'midl' && (x.final_test_accuracy = 0.8));
  assert.equal(statusAfter('overfitting', overfit), 'not confirmed');
  const slowBigBatch = (r: StudyResults) =>
    r.analyses!.latency!.forEach((x) => x.model === 'midl' && x.batch === 256 && (x.median_ms = 20));
  assert.equal(statusAfter('latency', slowBigBatch), 'partly');
});

test('claims without data are "not measured"; latency never falls back to the runs\' own timings', () => {
  const noAnalyses = (r: StudyResults) => delete r.analyses;
  for (const id of ['smi-informativeness', 'smi-selectivity', 'label-noise', 'input-noise', 'overfitting', 'memory']) {
    assert.equal(statusAfter(id, noAnalyses), 'not measured', id);
  }
  assert.equal(statusAfter('latency', noAnalyses), 'not measured');
  const noMidl = (r: StudyResults) => (r.runs = r.runs.filter((run) => run.model !== 'midl'));
  for (const id of ['active-neurons', 'flops', 'accuracy']) assert.equal(statusAfter(id, noMidl), 'not measured', id);
});

test('an accuracy on too few test examples is shown as such and never counts as maintained', () => {
  const results = syntheticResults();
  // SVHN's 17-image sample leaves 2 test images; here adult's runs are tested on 2.
  results.runs.forEach((r) => r.dataset === 'adult' && (r.test_examples = 2));
  const summaries = summarizeRuns(results);
  assert.equal(findSummary(summaries, 'adult', 'midl')?.too_few_test_examples, true);
  assert.equal(findSummary(summaries, 'mnist', 'midl')?.too_few_test_examples, false);
  const accuracy = evaluateClaims(results).find((c) => c.id === 'accuracy');
  assert.ok(accuracy);
  assert.equal(accuracy.status, 'partly');
  assert.doesNotMatch(accuracy.evidence, /adult [\d.]+% vs/);
  assert.match(accuracy.evidence, /not counted, fewer than 100 test examples: adult \(2 test examples\)/);
  results.runs.forEach((r) => (r.test_examples = 2));
  assert.equal(evaluateClaims(results).find((c) => c.id === 'accuracy')?.status, 'not measured');
});
