/**
 * The study on a real one-node Slurm cluster (`npm run test:cluster`, entry test/cluster/run.mjs):
 * a tiny study as a 3-task array plus the merge job must equal a single-process run; then a
 * task killed mid-run, rerun alone, and merged again: complete, equal, no record corrupt.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readAllRecords } from '../../src/experiments/study/records.js';
import { cliPath, runCli } from '../cli/cli.js';
import { withoutTimings } from '../experiments/study/timings.js';
import { fixtureDataDir, repoRoot } from '../helpers.js';
import { SlurmCluster } from './slurm.js';

const TASKS = 3;
const JOB_TIMEOUT_MS = 90_000;

/** Two datasets, two variants, one seed, a few hundred examples, and the quick analyses. */
function studyArgs(out: string): string[] {
  return [
    '--quick', '--datasets', 'adult,mnist', '--models', 'dense,midl', '--seeds', '1', '--epochs', '2',
    '--limit-train', '800', '--limit-test', '300', '--data-dir', fixtureDataDir, '--out', out,
  ];
}

function resultsOf(dir: string): unknown {
  return withoutTimings(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')));
}

export function clusterTests(): void {
  describe('the study on a one-node Slurm cluster', () => {
    const cluster = new SlurmCluster();
    const script = (name: string): string => path.join(repoRoot, 'scripts', 'slurm', name);
    const single = path.join(cluster.dir, 'single');
    before(async () => {
      cluster.env.MIDL = `${process.execPath} ${cliPath}`;
      await cluster.start();
    });
    after(async () => {
      await cluster.stop();
      assert.ok(!fs.existsSync(cluster.dir), 'the temporary folder is gone');
      await cluster.until(() => cluster.processes().length === 0, 10_000, `no process left (${cluster.processes().join(', ')})`);
    });

    /** Submits the array (or the given tasks of it) and the merge job after it; their ids. */
    const submit = (out: string, array: string, extra: string[] = []): { array: string; merge: string } => {
      const job = cluster.sbatch([`--array=${array}`, '--cpus-per-task=1', `--output=${cluster.dir}/task-%A_%a.out`,
        script('reproduce.sbatch'), ...extra, ...studyArgs(out)]);
      const merge = cluster.sbatch([`--dependency=afterany:${job}`, `--output=${cluster.dir}/report-%j.out`, script('report.sbatch'), out]);
      return { array: job, merge };
    };

    it('runs the study as a 3-task array and a merge job, equal to a single process', async () => {
      assert.ok(cluster.processes().length >= 3, 'the daemons run, and the final check that none is left can see them');
      const out = path.join(cluster.dir, 'array');
      const jobs = submit(out, `0-${TASKS - 1}`);
      // The tasks get one CPU each (MIDL_THREADS=1); so does the reference: SMI's sums are split by thread.
      process.env.MIDL_THREADS = '1';
      const reference = await runCli(['reproduce', ...studyArgs(single)]);
      assert.equal(reference.code, 0, reference.stderr);
      await cluster.wait([jobs.array, jobs.merge], JOB_TIMEOUT_MS);
      const log = fs.readFileSync(path.join(cluster.dir, `task-${jobs.array}_1.out`), 'utf8');
      assert.match(log, /share 2\/3 from the Slurm array task \(SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_COUNT=3\)/);
      assert.equal(cluster.exitCode(jobs.merge), 0, fs.readFileSync(path.join(cluster.dir, `report-${jobs.merge}.out`), 'utf8'));
      assert.deepEqual(resultsOf(out), resultsOf(single));
    });

    it('survives a task killed mid-run: rerun alone, the merge is complete and equal', async () => {
      const out = path.join(cluster.dir, 'killed');
      const jobs = submit(out, `0-${TASKS - 1}`);
      // The first run a task claims: kill that task's process while it trains.
      const claims = path.join(out, 'claims');
      let victim: { pid: number; task: string } | null = null;
      await cluster.until(() => {
        const file = fs.existsSync(claims) ? fs.readdirSync(claims).find((f) => /-s1-[0-9a-f]+\.claim$/.test(f)) : undefined;
        if (file === undefined) return false;
        try {
          const pid = (JSON.parse(fs.readFileSync(path.join(claims, file), 'utf8')) as { pid: number }).pid;
          const task = /SLURM_ARRAY_TASK_ID=(\d+)/.exec(fs.readFileSync(`/proc/${pid}/environ`, 'latin1'));
          if (task === null) return false;
          victim = { pid, task: task[1] };
          return true;
        } catch {
          return false;
        }
      }, JOB_TIMEOUT_MS, 'a task to claim a run');
      const { pid, task } = victim as unknown as { pid: number; task: string };
      process.kill(pid, 'SIGKILL');
      await cluster.wait([jobs.array, jobs.merge], JOB_TIMEOUT_MS);
      // The other tasks take over the killed task's runs that their analyses need (its claims
      // are stale); what only it would have run is missing, and the merge says so.
      const first = cluster.exitCode(jobs.merge);
      const report = fs.readFileSync(path.join(cluster.dir, `report-${jobs.merge}.out`), 'utf8');
      assert.ok(first === 3 || first === 0, report);
      if (first === 3) assert.match(report, /units have no record yet/);

      const rerun = submit(out, task, ['--shard-count', String(TASKS)]);
      await cluster.wait([rerun.array, rerun.merge], JOB_TIMEOUT_MS);
      assert.equal(cluster.exitCode(rerun.merge), 0, fs.readFileSync(path.join(cluster.dir, `report-${rerun.merge}.out`), 'utf8'));
      assert.deepEqual(resultsOf(out), resultsOf(single));
      const records = readAllRecords(out);
      assert.deepEqual(records.map((r) => r.id).sort(), readAllRecords(single).map((r) => r.id).sort(), 'no run lost');
      assert.deepEqual(fs.readdirSync(claims), [], 'no claim left');
    });
  });
}
