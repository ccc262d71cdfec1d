/**
 * Shares of a study (`midl reproduce --shard K/N`): the units split into N shares of about
 * equal estimated cost, the same split in every process; and the share of a Slurm array
 * task or a Kubernetes Indexed Job read from its environment.
 */
import { MidlInputError } from '../../errors.js';
import { unitCost } from './cost.js';
import type { StudySpec, StudyUnit } from './units.js';

/** Share `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses "K/N" (1 <= K <= N); anything else is a one-line error naming --shard. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (m === null) throw new MidlInputError(`--shard: expected K/N (e.g. 2/8) or auto, got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) {
    throw new MidlInputError(`--shard: share ${index} of ${count} does not exist (K must be 1..N), got '${text}'`);
  }
  return { index, count };
}

/**
 * The share of this process from its scheduler's environment: a Slurm array task
 * (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT, for an array
 * that is a contiguous range such as 0-7; with `count`, SLURM_ARRAY_TASK_ID + 1 of `count`,
 * so a rerun of some tasks, e.g. --array=3,5, keeps their shares) or a Kubernetes Indexed
 * Job (JOB_COMPLETION_INDEX + 1 of `count`). Returns the share and where it came from.
 */
export function shardFromEnvironment(env: NodeJS.ProcessEnv, count?: number): { shard: Shard; source: string } {
  const int = (name: string): number => {
    const raw = env[name];
    const v = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isInteger(v) || v < 0) {
      throw new MidlInputError(`--shard auto: ${name} is '${raw ?? ''}', expected a non-negative integer`);
    }
    return v;
  };
  if (env.SLURM_ARRAY_TASK_ID !== undefined) {
    const id = int('SLURM_ARRAY_TASK_ID');
    if (count !== undefined) {
      return { shard: checked(id + 1, count, 'SLURM_ARRAY_TASK_ID'), source: `Slurm array task (SLURM_ARRAY_TASK_ID=${id}, --shard-count ${count})` };
    }
    const min = int('SLURM_ARRAY_TASK_MIN');
    const total = int('SLURM_ARRAY_TASK_COUNT');
    const shard = checked(id - min + 1, total, 'SLURM_ARRAY_TASK_ID');
    return { shard, source: `Slurm array task (SLURM_ARRAY_TASK_ID=${id}, SLURM_ARRAY_TASK_MIN=${min}, SLURM_ARRAY_TASK_COUNT=${total})` };
  }
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const index = int('JOB_COMPLETION_INDEX');
    if (count === undefined) throw new MidlInputError('--shard auto: JOB_COMPLETION_INDEX is set; give the number of shares with --shard-count N');
    return { shard: checked(index + 1, count, 'JOB_COMPLETION_INDEX'), source: `Kubernetes Indexed Job (JOB_COMPLETION_INDEX=${index}, --shard-count ${count})` };
  }
  throw new MidlInputError('--shard auto: not in a Slurm array task (SLURM_ARRAY_TASK_ID unset) nor a Kubernetes Indexed Job (JOB_COMPLETION_INDEX unset)');
}

function checked(index: number, count: number, source: string): Shard {
  if (count < 1 || index < 1 || index > count) {
    throw new MidlInputError(`--shard auto: ${source} gives share ${index} of ${count}, which does not exist (array ids must run 0..N-1 with --shard-count N)`);
  }
  return { index, count };
}

/**
 * Splits the units into `count` shares: the costliest unit first, each to the share with the
 * least estimated cost so far (ties to the lower share), so every share gets about the mean.
 * Returns, per share, its units in study order.
 */
export function assignShares(spec: StudySpec, units: StudyUnit[], count: number): StudyUnit[][] {
  const costs = units.map((u) => unitCost(spec, u));
  const order = units.map((_, i) => i).sort((a, b) => costs[b] - costs[a] || a - b);
  const load = new Array<number>(count).fill(0);
  const owner = new Array<number>(units.length);
  for (const i of order) {
    let best = 0;
    for (let s = 1; s < count; s++) if (load[s] < load[best]) best = s;
    owner[i] = best;
    load[best] += costs[i];
  }
  return load.map((_, s) => units.filter((_, i) => owner[i] === s));
}

/** The units of one share, in study order. */
export function shareOf(spec: StudySpec, units: StudyUnit[], shard: Shard): StudyUnit[] {
  return assignShares(spec, units, shard.count)[shard.index - 1];
}
