/**
 * The study (docs/method.md section 4): every dataset x model x seed trained and evaluated,
 * latency measured, and the results written as results.json, results.md and report.html.
 * Each finished run leaves DIR/runs/<dataset>-<model>-s<seed>/run.json, so a killed
 * study rerun with resume skips what is done and resumes a half-trained run mid-way.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../data/load.js';
import type { Dataset, DatasetName } from '../data/types.js';
import { writeFileAtomic } from '../atomic-write.js';
import { batchFrom, measureLatency } from './latency.js';
import { describeMachine, otherCpuMeter } from './machine.js';
import type { Variant } from './models.js';
import { recipeFor } from './recipes.js';
import { loadResults, type RunRecord, type SkippedDataset, type StudyResults } from './results.js';
import type { Sequential } from '../nn/sequential.js';
import { modelFromCheckpoint, runSummary, runTraining, type RunConfig, type RunHooks, type RunOutcome } from './run.js';
import { writeReport } from './report/write.js';

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
  override?: { epochs?: number; limitTrain?: number; limitTest?: number };
  /** Called after a dataset's runs with its trained models; the analyses hook in here. */
  afterDataset?: (data: Dataset, runs: TrainedRun[], results: StudyResults) => void | Promise<void>;
  /** Progress: a run starting, and its training hooks. */
  onRunStart?: (label: string, index: number, total: number) => RunHooks | undefined;
  log?: (line: string) => void;
}

/** A trained model of the study and the configuration it was trained with. */
export interface TrainedRun {
  config: RunConfig;
  model: Sequential;
}

function runDirName(dataset: string, model: string, seed: number): string {
  return `${dataset}-${model}-s${seed}`;
}

/** A finished run's record from an earlier (killed) study, when resuming. */
function finishedRecord(dir: string): RunRecord | null {
  const file = path.join(dir, 'record.json');
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord;
  } catch {
    return null;
  }
}

function latencyOf(r: RunOutcome, inputShape: number[]): { batch1: number; batch256: number } {
  return {
    batch1: measureLatency(r.model, batchFrom(r.test, inputShape, 1)).median_ms,
    batch256: measureLatency(r.model, batchFrom(r.test, inputShape, 256)).median_ms,
  };
}

/** When a resumed study first started: the start recorded in its last written results, if any. */
function previousStart(outDir: string): string | null {
  const file = path.join(outDir, 'results.json');
  if (!fs.existsSync(file)) return null;
  try {
    return loadResults(file).started_at;
  } catch {
    return null;
  }
}

export async function runStudy(o: StudyOptions): Promise<StudyResults> {
  const log = o.log ?? ((): void => undefined);
  const started = (o.resume ? previousStart(o.outDir) : null) ?? new Date().toISOString();
  const results: StudyResults = {
    machine: describeMachine(),
    config: {
      datasets: o.datasets, models: o.models, seeds: o.seeds, keep: o.keep, quick: o.quick,
      data_dir: o.dataRoot ?? '(default locations)', epochs: {}, limits: {},
    },
    started_at: started,
    finished_at: started,
    runs: [],
    skipped: [],
  };
  const total = o.datasets.length * o.models.length * o.seeds.length;
  let index = 0;
  for (const name of o.datasets) {
    let data: Dataset;
    try {
      data = await loadDataset(name, { dataDir: o.dataRoot });
    } catch (err) {
      const reason = (err as Error).message;
      results.skipped.push({ dataset: name, reason } satisfies SkippedDataset);
      log(`skipping ${name}: ${reason}`);
      index += o.models.length * o.seeds.length;
      continue;
    }
    const recipe = { ...recipeFor(name, o.quick), ...withoutUndefined(o.override ?? {}) };
    results.config.epochs[name] = recipe.epochs;
    // The examples actually used: a limit larger than the data found is no limit.
    const used = (limit: number | null, count: number): number | null => (limit === null || limit >= count ? null : limit);
    results.config.limits[name] = { train: used(recipe.limitTrain, data.train.count), test: used(recipe.limitTest, data.test.count) };
    const trained: TrainedRun[] = [];
    for (const model of o.models) {
      for (const seed of o.seeds) {
        index++;
        const dir = path.join(o.outDir, 'runs', runDirName(name, model, seed));
        const done = o.resume ? finishedRecord(dir) : null;
        const label = `${name} ${model} seed ${seed}`;
        if (done !== null) {
          log(`[${index}/${total}] ${label}: already finished, reused`);
          results.runs.push(done);
          trained.push(modelFromCheckpoint(path.join(dir, 'final.safetensors')));
          continue;
        }
        const hooks = o.onRunStart?.(label, index, total);
        const otherCpu = otherCpuMeter();
        const r = runTraining(data, {
          dataset: name, model, seed, epochs: recipe.epochs, batchSize: recipe.batchSize, lr: recipe.lr,
          weightDecay: recipe.weightDecay, keep: o.keep, dropout: 0.2, limitTrain: recipe.limitTrain,
          limitTest: recipe.limitTest, labelNoise: 0, finetuneEpochs: model === 'static' ? recipe.staticFinetuneEpochs : 0,
          ...(model === 'midl' && o.midl !== undefined ? { midl: o.midl } : {}),
        }, { outDir: dir, resume: o.resume, hooks });
        const record = {
          ...runSummary(r), latency_ms: latencyOf(r, data.inputShape), load_average: os.loadavg()[0], other_cpu: otherCpu() ?? undefined,
        } as RunRecord;
        writeFileAtomic(path.join(dir, 'record.json'), `${JSON.stringify(record, null, 2)}\n`);
        results.runs.push(record);
        trained.push({ config: r.config, model: r.model });
        log(`[${index}/${total}] ${label}: test accuracy ${(100 * r.testAccuracy).toFixed(2)}%, active ${(100 * r.cost.activeRatio).toFixed(1)}%`);
      }
    }
    await o.afterDataset?.(data, trained, results);
    // Report what is done so far: a long study shows its progress, and a stop loses nothing.
    const pending = o.datasets.slice(o.datasets.indexOf(name) + 1);
    if (pending.length > 0 && results.runs.length > 0) {
      results.finished_at = new Date().toISOString();
      await writeReport({ ...results, pending_datasets: pending }, o.outDir);
    }
  }
  results.finished_at = new Date().toISOString();
  if (results.runs.length === 0) {
    throw new Error(`no dataset could run: ${results.skipped.map((s) => `${s.dataset} (${s.reason})`).join('; ')}`);
  }
  await writeReport(results, o.outDir);
  return results;
}

function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
