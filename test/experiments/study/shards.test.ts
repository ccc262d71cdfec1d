import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datasetNames } from '../../../src/data/types.js';
import { MidlInputError } from '../../../src/errors.js';
import { analysisSettings } from '../../../src/experiments/analyses/index.js';
import { variants } from '../../../src/experiments/models.js';
import { unitCost } from '../../../src/experiments/study/cost.js';
import { assignShares, parseShard, shardFromEnvironment } from '../../../src/experiments/study/shards.js';
import { studyUnits, type StudySpec } from '../../../src/experiments/study/units.js';

/** The default study: every dataset and variant, three seeds, every analysis. */
function fullStudy(quick = false): StudySpec {
  return {
    datasets: [...datasetNames], models: [...variants], seeds: quick ? [1] : [1, 2, 3], keep: 0.45, quick,
    data_dir: '(default locations)', override: {}, analyses: analysisSettings(quick),
  };
}

describe('study units', () => {
  it('have unique ids that depend on their configuration only', () => {
    const spec = fullStudy();
    const units = studyUnits(spec);
    assert.equal(new Set(units.map((u) => u.id)).size, units.length);
    assert.deepEqual(studyUnits(fullStudy()).map((u) => u.id), units.map((u) => u.id));
    const runIds = (s: StudySpec): string[] => studyUnits(s).filter((u) => u.kind === 'run').map((u) => u.id);
    // Another keep ratio: other runs. Fewer datasets or other analyses: the same runs.
    assert.notDeepEqual(runIds({ ...spec, keep: 0.3 }), runIds(spec));
    assert.deepEqual(runIds({ ...spec, datasets: ['adult'] }), runIds(spec).filter((id) => id.startsWith('adult-')));
    assert.deepEqual(runIds({ ...spec, analyses: null }), runIds(spec));
    assert.match(units[0].id, /^mnist-dense-s1-[0-9a-f]{10}$/);
  });

  it('make each frontier training a unit, except the points the study\'s own runs are', () => {
    const spec = fullStudy();
    const units = studyUnits(spec);
    const frontier = units.filter((u) => u.kind === 'frontier' && u.dataset === 'mnist');
    // 5 keeps x (midl, adaptive, static, narrow), less MID-L and static at the study's keep 0.45;
    // dense and dropout at full width are the study's own runs.
    assert.equal(frontier.length, 5 * 4 - 2);
    assert.ok(frontier.every((u) => u.kind === 'frontier' && u.seed === 1 && u.keep !== null && !(u.keep === 0.45 && (u.model === 'midl' || u.model === 'static'))));
    assert.match(frontier[0].id, /^mnist-frontier-midl-keep0\.15-s1-[0-9a-f]{10}$/);
    const analysis = units.find((u) => u.kind === 'analysis' && u.dataset === 'mnist' && u.analysis === 'frontier');
    assert.ok(analysis?.kind === 'analysis');
    for (const u of frontier) assert.ok(analysis.runs.includes(u.id), u.id);
    // A study of MID-L's adaptive selection trains its own fixed-k MID-L point; one without dropout trains dropout.
    const adaptive = studyUnits({ ...spec, datasets: ['mnist'], models: ['dense', 'midl'], midl: { mode: 'adaptive' } });
    const models = adaptive.filter((u) => u.kind === 'frontier').map((u) => `${u.kind === 'frontier' ? u.model : ''} ${u.kind === 'frontier' ? u.keep : ''}`);
    assert.ok(models.includes('midl 0.45') && models.includes('static 0.45') && models.includes('dropout null') && !models.includes('dense null'));
    assert.deepEqual(studyUnits({ ...spec, analyses: analysisSettings(false, ['smi']) }).filter((u) => u.kind === 'frontier'), []);
  });

  it('estimate a CNN run at many MLP runs', () => {
    const spec = fullStudy();
    const cost = (id: string): number => unitCost(spec, studyUnits(spec).find((u) => u.id.startsWith(id)) as never);
    assert.ok(cost('cifar10-dense-s1') > 10 * cost('mnist-dense-s1'));
    assert.ok(cost('mnist-dense-s1') > cost('adult-dense-s1'));
  });
});

describe('shares', () => {
  for (const quick of [false, true]) {
    it(`split the ${quick ? 'quick' : 'full'} study into 2..8 shares, each unit once, none above 1.3x the mean cost`, () => {
      const spec = fullStudy(quick);
      const units = studyUnits(spec);
      for (let n = 2; n <= 8; n++) {
        const shares = assignShares(spec, units, n);
        assert.deepEqual(shares.flat().map((u) => u.id).sort(), units.map((u) => u.id).sort());
        const costs = shares.map((s) => s.reduce((sum, u) => sum + unitCost(spec, u), 0));
        const mean = costs.reduce((a, b) => a + b) / n;
        assert.ok(Math.max(...costs) <= 1.3 * mean, `${n} shares: ${costs.map((c) => (c / mean).toFixed(2)).join(' ')}`);
      }
    });
  }

  it('parse K/N and refuse shares that do not exist', () => {
    assert.deepEqual(parseShard('2/3'), { index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', 'x', '1/0', '1/2/3', '-1/3']) {
      assert.throws(() => parseShard(bad), (e: Error) => e instanceof MidlInputError && /^--shard: /.test(e.message) && !e.message.includes('\n'));
    }
  });

  it('come from a Slurm array task or a Kubernetes Indexed Job', () => {
    const slurm = shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '5', SLURM_ARRAY_TASK_MIN: '4', SLURM_ARRAY_TASK_COUNT: '3' });
    assert.deepEqual(slurm.shard, { index: 2, count: 3 });
    assert.match(slurm.source, /Slurm array task/);
    // A rerun of task 2 alone (--array=2) with --shard-count keeps its share.
    assert.deepEqual(shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_COUNT: '1' }, 3).shard, { index: 3, count: 3 });
    const k8s = shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }, 4);
    assert.deepEqual(k8s.shard, { index: 1, count: 4 });
    assert.match(k8s.source, /Kubernetes Indexed Job/);
    assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '0' }), /--shard-count/);
    assert.throws(() => shardFromEnvironment({ JOB_COMPLETION_INDEX: '4' }, 4), /share 5 of 4/);
    assert.throws(() => shardFromEnvironment({}), /not in a Slurm array task/);
    assert.throws(() => shardFromEnvironment({ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_COUNT: '3' }), /SLURM_ARRAY_TASK_MIN/);
  });
});
