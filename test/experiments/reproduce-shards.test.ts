import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { fixtureDataDir, tempDir } from '../helpers.js';
import { runCli } from '../cli/cli.js';
import { withoutTimings } from './study/timings.js';

/** A tiny study with every kind of unit: runs, analyses, adult's extra trainings and the frontier's trainings. */
function tinyStudy(out: string): string[] {
  return [
    'reproduce', '--quick', '--datasets', 'adult,mnist', '--models', 'dense,midl', '--seeds', '1', '--epochs', '1',
    '--limit-train', '300', '--limit-test', '200', '--data-dir', fixtureDataDir, '--out', out,
  ];
}

function resultsOf(dir: string): unknown {
  return withoutTimings(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')));
}

function assertOneLine(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
}

describe('midl reproduce --shard and midl report', () => {
  it('three shares run at once, merged, equal the single-process study; missing units are listed', async () => {
    const single = tempDir();
    const sharded = tempDir();
    const one = await runCli(tinyStudy(single));
    assert.equal(one.code, 0, one.stderr);

    // Shares 1 and 2 at once: the report lists what share 3 has not run, with exit code 3.
    const first = await Promise.all([1, 2].map((k) => runCli([...tinyStudy(sharded), '--shard', `${k}/3`])));
    for (const r of first) assert.equal(r.code, 0, r.stderr);
    const partial = await runCli(['report', sharded]);
    assert.equal(partial.code, 3, partial.stderr);
    const missing = partial.stderr.split('\n').filter((l) => l.startsWith('  ')).map((l) => l.trim());
    assert.ok(missing.length > 0);
    for (const id of missing) assert.ok(!fs.existsSync(path.join(sharded, 'records', `${id}.json`)), id);
    assert.match(fs.readFileSync(path.join(sharded, 'results.md'), 'utf8'), /still to run/);

    // Share 3, and share 1 again with --resume (nothing to do), at once.
    const rest = await Promise.all([
      runCli([...tinyStudy(sharded), '--shard', '3/3']),
      runCli([...tinyStudy(sharded), '--shard', '1/3', '--resume']),
    ]);
    for (const r of rest) assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(rest[1].stderr, /test accuracy/, 'a resumed share reuses its records');
    const merged = await runCli(['report', sharded]);
    assert.equal(merged.code, 0, merged.stderr);
    assert.deepEqual(resultsOf(sharded), resultsOf(single));
    assert.deepEqual(fs.readdirSync(path.join(sharded, 'claims')), [], 'every claim released');
    // The frontier's trainings ran as units of the shares, and its points are in the merged results.
    const frontierRecords = fs.readdirSync(path.join(sharded, 'records')).filter((f) => /^(adult|mnist)-frontier-[a-z]+-(full|keep)/.test(f));
    assert.equal(frontierRecords.length, 2 * 8, frontierRecords.join(' '));
    const frontier = (resultsOf(sharded) as { analyses: { frontier: { points: Array<{ dataset: string }> } } }).analyses.frontier;
    for (const dataset of ['adult', 'mnist']) assert.equal(frontier.points.filter((p) => p.dataset === dataset).length, 2 + 4 * 2, dataset);
  });

  it('refuses shares that do not exist, auto outside an array, and records of two studies', async () => {
    const out = tempDir();
    for (const [shard, pattern] of [['0/3', /--shard: share 0 of 3/], ['4/3', /--shard: share 4 of 3/], ['x', /--shard: expected K\/N/]] as const) {
      assertOneLine(await runCli([...tinyStudy(out), '--shard', shard]), pattern);
    }
    const env = { ...process.env };
    for (const name of ['SLURM_ARRAY_TASK_ID', 'JOB_COMPLETION_INDEX']) delete process.env[name];
    try {
      assertOneLine(await runCli([...tinyStudy(out), '--shard', 'auto']), /--shard auto: not in a Slurm array task/);
    } finally {
      Object.assign(process.env, env);
    }
    assertOneLine(await runCli([...tinyStudy(out), '--shard-count', '3']), /--shard-count: only with --shard auto/);

    const study = [...tinyStudy(out), '--datasets', 'adult', '--no-analyses'];
    assert.equal((await runCli([...study, '--shard', '1/2'])).code, 0);
    // Records that were there before it started: rerun without --resume, reused with it.
    assert.match((await runCli([...study, '--shard', '1/2'])).stderr, /test accuracy/);
    assert.doesNotMatch((await runCli([...study, '--shard', '1/2', '--resume'])).stderr, /test accuracy/);
    assertOneLine(await runCli([...study, '--keep', '0.3', '--shard', '2/2']), /holds records of another study configuration/);
    // Records of another study copied in: the merge refuses them.
    const other = tempDir();
    assert.equal((await runCli([...tinyStudy(other), '--datasets', 'adult', '--no-analyses', '--keep', '0.3', '--shard', '2/2'])).code, 0);
    for (const f of fs.readdirSync(path.join(other, 'records'))) fs.copyFileSync(path.join(other, 'records', f), path.join(out, 'records', f));
    assertOneLine(await runCli(['report', out]), /records from 2 different study configurations/);
    // A fresh study without --shard or --resume replaces the records DIR held.
    const fresh = await runCli([...study, '--keep', '0.3']);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal((await runCli(['report', out])).code, 0);
    assertOneLine(await runCli(['report', tempDir()]), /no study records/);
  });
});
