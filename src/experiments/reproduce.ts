/**
 * The study (docs/method.md section 4): every dataset x model x seed trained and evaluated,
 * latency measured, the analyses run, and the results written as results.json, results.md
 * and report.html. Each unit (a run, an analysis of a dataset, or an analysis's extra
 * training) leaves its own record in
 * DIR/records/<id>.json and the results are assembled from the records, so the study can be
 * split into shares run by independent processes (`--shard K/N`), a killed study rerun with
 * resume skips what is done and resumes a half-trained run mid-way, and `midl report DIR`
 * assembles whatever is there.
 */
import * as fs from 'node:fs';
import { loadDataset } from '../data/load.js';
import type { Dataset, DatasetName } from '../data/types.js';
import { MidlInputError } from '../errors.js';
import type { AnalysisSettings } from './analyses/index.js';
import type { Variant } from './models.js';
import type { StudyResults } from './results.js';
import type { RunConfig, RunHooks } from './run.js';
import { writeReport } from './report/write.js';
import { assembleStudy } from './study/assemble.js';
import { Claims } from './study/claims.js';
import {
  executeAnalysis, executeExtra, executeFrontier, executeRun, frontierLabel, skippedRecord, type UnitContext,
} from './study/execute.js';
import { readAllRecords, readRecord, recordFile, recordsDir, writeRecord, type UnitRecord } from './study/records.js';
import { shareOf, type Shard } from './study/shards.js';
import { studyKey, studyUnits, type RecipeOverride, type StudySpec, type StudyUnit } from './study/units.js';

export interface StudyOptions {
  datasets: DatasetName[];
  models: Variant[];
  seeds: number[];
  /** One keep ratio, or one per hidden layer (every dataset's model must have that many). */
  keep: number | number[];
  /** MID-L's selection for the midl runs (default: fixed k; docs/method.md section 6 for adaptive). */
  midl?: RunConfig['midl'];
  quick: boolean;
  dataRoot?: string;
  outDir: string;
  resume: boolean;
  /** Overrides every recipe's epochs and subsets (tests use tiny runs). */
  override?: RecipeOverride;
  /** The analyses run on each dataset's trained models (none when absent). */
  analyses?: AnalysisSettings;
  /** Run only this share of the units; the others' records come from other processes. */
  shard?: Shard;
  /** Called after a dataset's units (before its progress report is written). */
  afterDataset?: (dataset: DatasetName) => void | Promise<void>;
  /** Progress: a run starting, and its training hooks. */
  onRunStart?: (label: string, index: number, total: number) => RunHooks | undefined;
  /** Progress of the analyses' extra trainings. */
  onAnalysisRunStart?: (label: string) => RunHooks | undefined;
  log?: (line: string) => void;
}

/** How long to wait between looks at a unit another live process is running. */
const WAIT_MS = 2000;

export function studySpec(o: StudyOptions): StudySpec {
  const override = Object.fromEntries(Object.entries(o.override ?? {}).filter(([, v]) => v !== undefined));
  return {
    datasets: o.datasets, models: o.models, seeds: o.seeds, keep: o.keep, midl: o.midl, quick: o.quick,
    data_dir: o.dataRoot ?? '(default locations)', override, analyses: o.analyses ?? null,
  };
}

function labelOf(u: StudyUnit): string {
  if (u.kind === 'analysis') return `${u.dataset} ${u.analysis} analysis`;
  if (u.kind === 'frontier') return frontierLabel(u);
  const run = `${u.dataset} ${u.model} seed ${u.seed}`;
  if (u.kind === 'run') return run;
  return u.labelNoise === undefined ? `${run} overfitting` : `${run} with ${Math.round(u.labelNoise * 100)}% labels flipped`;
}

/** Runs the units of one process in order, each at most once across all processes (claims). */
class UnitRunner {
  private data: { name: DatasetName; data: Dataset | null; reason: string } | null = null;
  private index = 0;
  readonly claims: Claims;

  /** Without resume: the records DIR held when this process started (id to mtime), not to be reused. */
  private readonly earlier = new Map<string, number>();

  constructor(private readonly c: UnitContext, private readonly o: StudyOptions, private readonly total: number) {
    this.claims = new Claims(c.outDir);
    if (!c.resume) for (const r of readAllRecords(c.outDir)) this.earlier.set(r.id, this.mtime(r.id) as number);
  }

  private mtime(id: string): number | null {
    try {
      return fs.statSync(recordFile(this.c.outDir, id)).mtimeMs;
    } catch {
      return null;
    }
  }

  /**
   * The unit's finished record if this process may use it: any with resume; otherwise only
   * one written since this process started (by another process of the same study). A
   * dataset skipped earlier is tried again: its files may be there now.
   */
  private reusable(id: string): UnitRecord | null {
    const mtime = this.mtime(id);
    if (mtime === null || this.earlier.get(id) === mtime) return null;
    const r = readRecord(this.c.outDir, id);
    return r?.skipped === undefined ? r : null;
  }

  private async dataset(name: DatasetName): Promise<Dataset | null> {
    if (this.data?.name !== name) {
      this.data = { name, data: null, reason: '' };
      try {
        this.data.data = await loadDataset(name, { dataDir: this.o.dataRoot });
      } catch (err) {
        this.data.reason = (err as Error).message;
        this.c.log(`skipping ${name}: ${this.data.reason}`);
      }
    }
    return this.data.data;
  }

  /** One of this process's units: its record, made here unless done already. */
  async own(u: StudyUnit): Promise<UnitRecord> {
    this.index++;
    return this.ensure(u, `[${this.index}/${this.total}] ${labelOf(u)}`);
  }

  /**
   * The unit's record: a reusable one; else made here under a claim, or awaited while a
   * live process holds the claim.
   */
  private async ensure(u: StudyUnit, label: string): Promise<UnitRecord> {
    let waiting = false;
    for (;;) {
      const done = this.reusable(u.id);
      if (done !== null) {
        this.c.log(`${label}: already finished, reused`);
        return done;
      }
      if (this.claims.tryClaim(u.id)) {
        try {
          const meanwhile = this.reusable(u.id);
          if (meanwhile !== null) return meanwhile;
          const record = await this.execute(u, label);
          writeRecord(this.c.outDir, record);
          return record;
        } finally {
          this.claims.release(u.id);
        }
      }
      if (!waiting) this.c.log(`${label}: running in another process (${JSON.stringify(this.claims.owner(u.id))}), waiting`);
      waiting = true;
      await new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    }
  }

  /** The dataset in memory now (switching costs a load). */
  get loaded(): DatasetName | undefined {
    return this.data?.name;
  }

  /** Whether the unit can run now: every run it needs is finished, or free to run here. */
  ready(u: StudyUnit): boolean {
    if (u.kind !== 'analysis') return true;
    return u.runs.every((id) => {
      if (this.reusable(id) !== null) return true;
      const owner = this.claims.owner(id);
      return owner === null || this.claims.isStale(owner);
    });
  }

  private async execute(u: StudyUnit, label: string): Promise<UnitRecord> {
    const data = await this.dataset(u.dataset);
    if (data === null) return skippedRecord(this.c, u.id, (this.data as { reason: string }).reason);
    if (u.kind === 'run') {
      const record = executeRun(this.c, u, data, this.o.onRunStart?.(labelOf(u), this.index, this.total));
      const run = record.run as { test_accuracy: number; active_ratio: number };
      this.c.log(`${label}: test accuracy ${(100 * run.test_accuracy).toFixed(2)}%, active ${(100 * run.active_ratio).toFixed(1)}%`);
      return record;
    }
    if (u.kind === 'extra') {
      const record = executeExtra(this.c, u, data);
      const r = record.analyses?.robustness;
      const accuracy = r?.label_noise[0]?.test_accuracy ?? r?.overfitting[0]?.final_test_accuracy ?? 0;
      this.c.log(`${label}: test accuracy ${(100 * accuracy).toFixed(2)}%`);
      return record;
    }
    if (u.kind === 'frontier') {
      const record = executeFrontier(this.c, u, data);
      this.c.log(`${label}: test accuracy ${(100 * (record.frontier_point?.test_accuracy ?? 0)).toFixed(2)}%`);
      return record;
    }
    const units = studyUnits(this.c.spec);
    const runs: UnitRecord[] = [];
    for (const id of u.runs) {
      const dep = units.find((d) => d.id === id) as StudyUnit;
      runs.push(await this.ensure(dep, `${labelOf(dep)} (needed by ${labelOf(u)})`));
    }
    const skipped = runs.find((r) => r.skipped !== undefined);
    if (skipped !== undefined) return skippedRecord(this.c, u.id, skipped.skipped as string);
    return executeAnalysis(this.c, u, data, runs);
  }
}

/**
 * A fresh study (no --resume, no --shard) replaces the one DIR held, as it replaces its
 * result files; otherwise DIR may hold records of this study only.
 */
function prepareOutDir(o: StudyOptions, spec: StudySpec): void {
  if (!o.resume && o.shard === undefined) fs.rmSync(recordsDir(o.outDir), { recursive: true, force: true });
  else checkSameStudy(o.outDir, spec);
}

/** Refuses an output directory holding records of another study configuration. */
function checkSameStudy(outDir: string, spec: StudySpec): void {
  const key = studyKey(spec);
  const other = readAllRecords(outDir).find((r) => r.study !== key);
  if (other !== undefined) {
    throw new MidlInputError(`${outDir}: holds records of another study configuration (e.g. ${other.id}); use another --out`);
  }
}

/** The study as far as its records go; results.pending_datasets names the datasets with units missing. */
function assembled(spec: StudySpec, outDir: string): StudyResults | null {
  const records = new Map<string, UnitRecord>();
  for (const u of studyUnits(spec)) {
    const r = readRecord(outDir, u.id);
    if (r !== null) records.set(u.id, r);
  }
  return records.size === 0 ? null : assembleStudy(spec, records).results;
}

/** The whole study in one process: dataset by dataset, with a progress report after each. */
async function runInStudyOrder(runner: UnitRunner, units: StudyUnit[], spec: StudySpec, o: StudyOptions): Promise<void> {
  for (const [i, u] of units.entries()) {
    await runner.own(u);
    if (units[i + 1]?.dataset === u.dataset) continue;
    await o.afterDataset?.(u.dataset);
    // Report what is done so far: a long study shows its progress, and a stop loses nothing.
    const partial = assembled(spec, o.outDir);
    if (partial?.pending_datasets !== undefined && partial.runs.length > 0) await writeReport(partial, o.outDir);
  }
}

/**
 * A share: its trainings first, then its analyses, each as soon as the runs it needs (which
 * other shares may be training) are done, so a share waits only when nothing else is left;
 * among the units ready, those of the dataset in memory first.
 */
async function runShare(runner: UnitRunner, units: StudyUnit[]): Promise<void> {
  const pending = [...units.filter((u) => u.kind !== 'analysis'), ...units.filter((u) => u.kind === 'analysis')];
  while (pending.length > 0) {
    const ready = pending.filter((u) => runner.ready(u));
    const pick = ready.find((u) => u.dataset === runner.loaded) ?? ready[0] ?? pending[0];
    const next = pending.indexOf(pick);
    await runner.own(pending.splice(next, 1)[0]);
  }
}

export async function runStudy(o: StudyOptions): Promise<StudyResults> {
  const log = o.log ?? ((): void => undefined);
  const spec = studySpec(o);
  prepareOutDir(o, spec);
  const all = studyUnits(spec);
  const context: UnitContext = { spec, outDir: o.outDir, resume: o.resume, log, onAnalysisRunStart: o.onAnalysisRunStart };
  const mine = o.shard === undefined ? all : shareOf(spec, all, o.shard);
  const runner = new UnitRunner(context, o, mine.length);
  try {
    if (o.shard === undefined) await runInStudyOrder(runner, mine, spec, o);
    else await runShare(runner, mine);
  } finally {
    await runner.claims.close();
  }
  const results = assembled(spec, o.outDir) as StudyResults;
  if (results.pending_datasets !== undefined) {
    const missing = all.filter((u) => readRecord(o.outDir, u.id) === null).length;
    log(`share done; ${missing} of ${all.length} units of the study still to run elsewhere; 'midl report ${o.outDir}' assembles them when all are done`);
    return results;
  }
  if (results.runs.length === 0) {
    throw new Error(`no dataset could run: ${results.skipped.map((s) => `${s.dataset} (${s.reason})`).join('; ')}`);
  }
  await writeReport(results, o.outDir);
  return results;
}
