import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frontierModels, frontierVerdicts, type FrontierPoint } from '../../src/experiments/frontier.js';
import { fixtureDataDir } from '../helpers.js';
import { runCli } from './cli.js';

function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got: ${r.stderr}`);
  assert.match(lines[0], pattern);
}

describe('midl frontier', () => {
  it('rejects a keep of 0, 1.5 or x in --keeps, in one line', async () => {
    for (const bad of ['0', '0.25,1.5', 'x']) {
      assertOneLineError(await runCli(['frontier', '--dataset', 'mnist', '--keeps', bad]), /^midl: --keeps: expected keep ratios in \(0, 1\]/);
    }
    assertOneLineError(await runCli(['frontier', '--keeps', '0.5']), /^midl: --dataset: required/);
  });

  it('writes a point per (model, keep, seed) with accuracy and FLOPs, the narrow dense model at MID-L\'s FLOPs', async () => {
    const r = await runCli([
      'frontier', '--dataset', 'adult', '--keeps', '0.25,0.5', '--seeds', '1,2', '--epochs', '1',
      '--limit-train', '400', '--limit-test', '200', '--data-dir', fixtureDataDir, '--json',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { points: FrontierPoint[]; verdicts: Array<{ keep: number; text: string }> };
    assert.equal(out.points.length, 2 * (2 + 4 * 2));
    for (const seed of [1, 2]) {
      for (const model of ['dense', 'dropout'] as const) assert.equal(out.points.filter((p) => p.model === model && p.keep === null && p.seed === seed).length, 1);
      for (const keep of [0.25, 0.5]) {
        for (const model of frontierModels.filter((m) => m !== 'dense' && m !== 'dropout')) {
          const found = out.points.filter((p) => p.model === model && p.keep === keep && p.seed === seed);
          assert.equal(found.length, 1, `${model} keep ${keep} seed ${seed}`);
          assert.ok(found[0].test_accuracy > 0 && found[0].test_accuracy <= 1 && found[0].flops_per_example > 0);
        }
        const at = (model: string): FrontierPoint => out.points.find((p) => p.model === model && p.keep === keep && p.seed === seed) as FrontierPoint;
        assert.ok(Math.abs(at('narrow').flops_per_example / at('midl').flops_per_example - 1) < 0.02, 'narrow dense matches MID-L\'s FLOPs');
        assert.ok(at('narrow').hidden_scale < 1);
        assert.ok(at('static').flops_per_example < at('midl').flops_per_example, 'static skips the low-rank parts');
      }
    }
    const full = out.points.find((p) => p.model === 'dense') as FrontierPoint;
    assert.ok(out.points.filter((p) => p.model !== 'dense' && p.model !== 'dropout').every((p) => p.flops_per_example < full.flops_per_example));
    assert.deepEqual(out.verdicts.map((v) => v.keep), [0.25, 0.5]);
  });

  it('names the most accurate model and whether its margin exceeds the spread over seeds', () => {
    const point = (model: FrontierPoint['model'], seed: number, acc: number): FrontierPoint => ({
      dataset: 'mnist', model, keep: 0.45, seed, test_accuracy: acc, flops_per_example: 1e6, active_ratio: 0.45, hidden_scale: 1, epochs: 1, train_examples: 10,
    });
    const points = [point('midl', 1, 0.97), point('midl', 2, 0.975), point('static', 1, 0.95), point('static', 2, 0.951)];
    const [v] = frontierVerdicts('mnist', points);
    assert.equal(v.best, 'midl');
    assert.equal(v.runner_up, 'static');
    assert.ok(Math.abs(v.margin_points - 2.2) < 1e-9);
    assert.match(v.text, /beyond the spread over seeds/);
  });
});
