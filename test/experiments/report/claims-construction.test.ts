import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateClaims } from '../../../src/experiments/report/claims.js';
import type { StudyResults } from '../../../src/experiments/results.js';
import { syntheticResults } from './synthetic.js';

function claimOf(results: StudyResults, id: string): { status: string; evidence: string } {
  const claim = evaluateClaims(results).find((c) => c.id === id);
  assert.ok(claim, `no claim ${id}`);
  return claim;
}

/** The synthetic study with every MID-L layer keeping the same count for every input. */
function fixedK(): StudyResults {
  const results = syntheticResults();
  for (const run of results.runs.filter((r) => r.model === 'midl')) {
    run.per_layer_active = (run.per_layer_active ?? [{ layer: '1', active_ratio: run.active_ratio, min: 0, max: 0 }]).map((l) => ({ ...l, min: l.active_ratio, max: l.active_ratio }));
  }
  return results;
}

test('a reduction a fixed k sets is not marked confirmed: the claim says it is set by construction, with the keep', () => {
  for (const id of ['active-neurons', 'flops']) {
    const claim = claimOf(fixedK(), id);
    assert.equal(claim.status, 'not measured');
    assert.match(claim.evidence, /set by construction/);
    assert.match(claim.evidence, /keep 0\.45, k fixed per input/);
  }
});

test('counts that vary per input are judged, naming the adaptive budget behind each figure', () => {
  const results = syntheticResults();
  for (const run of results.runs.filter((r) => r.model === 'midl')) run.midl_budget = 0.45;
  const claim = claimOf(results, 'active-neurons');
  assert.notEqual(claim.status, 'not measured');
  assert.match(claim.evidence, /adaptive, budget 0\.45/);
});
