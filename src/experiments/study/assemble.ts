/**
 * The study's results assembled from its unit records, in study order whatever order they
 * were written in: runs, skipped datasets, analyses, and the configuration they record.
 * With every record present the results are the same whichever processes ran the units.
 */
import type { LabelNoiseStudyRecord } from '../analyses/robustness.js';
import type { Analyses, LabelNoiseRecord, RunRecord, StudyResults } from '../results.js';
import type { UnitRecord } from './records.js';
import { studyUnits, type StudySpec, type StudyUnit } from './units.js';

export interface Assembly {
  results: StudyResults;
  /** The units without a record, in study order. */
  missing: StudyUnit[];
}

function mergeAnalyses(into: Analyses, from: Analyses): void {
  if (from.smi !== undefined) (into.smi ??= []).push(...from.smi);
  if (from.robustness !== undefined) {
    const r = (into.robustness ??= { label_noise: [], input_noise: [], overfitting: [] });
    r.label_noise.push(...from.robustness.label_noise);
    r.input_noise.push(...from.robustness.input_noise);
    r.overfitting.push(...from.robustness.overfitting);
  }
  if (from.latency !== undefined) (into.latency ??= []).push(...from.latency);
  if (from.activity !== undefined) (into.activity ??= []).push(...from.activity);
  if (from.frontier !== undefined) {
    const f = (into.frontier ??= { points: [], verdicts: [] });
    f.points.push(...from.frontier.points);
    f.verdicts.push(...from.frontier.verdicts);
  }
}

/** Assembles the study from its records (at least one); the machine is the first record's. */
/**
 * The label-noise study's reference points: each run with extra trainings, with no label
 * flipped, before the noisy trainings of the same model and seed (noise 0 in the plots).
 */
function addCleanReferences(units: StudyUnit[], results: StudyResults): void {
  const label = results.analyses?.robustness?.label_noise;
  if (label === undefined) return;
  const seen = new Set<string>();
  const ordered: LabelNoiseRecord[] = [];
  for (const u of units) {
    if (u.kind !== 'extra' || u.labelNoise === undefined) continue;
    const key = `${u.model}/${u.seed}`;
    if (!seen.has(key)) {
      seen.add(key);
      const run = results.runs.find((r) => r.dataset === u.dataset && r.model === u.model && r.seed === u.seed);
      if (run !== undefined) ordered.push(cleanReference(run));
    }
    const noisy = label.find((l) => l.dataset === u.dataset && l.model === u.model && l.seed === u.seed && l.noise === u.labelNoise);
    if (noisy !== undefined) ordered.push(noisy);
  }
  const others = label.filter((l) => l.dataset !== units[0]?.dataset);
  label.splice(0, label.length, ...others, ...ordered);
}

function cleanReference(run: RunRecord): LabelNoiseStudyRecord {
  return {
    dataset: run.dataset, model: run.model, seed: run.seed, noise: 0, test_accuracy: run.test_accuracy,
    epochs: run.epochs, train_examples: run.train_examples, test_examples: run.test_examples,
  };
}

export function assembleStudy(spec: StudySpec, records: Map<string, UnitRecord>): Assembly {
  const units = studyUnits(spec);
  const present = units.map((u) => records.get(u.id)).filter((r): r is UnitRecord => r !== undefined);
  if (present.length === 0) throw new Error('assembleStudy: no records of the study');
  const times = (key: 'started_at' | 'finished_at'): string[] => present.map((r) => r[key]).sort();
  const results: StudyResults = {
    machine: present[0].machine,
    config: {
      datasets: spec.datasets, models: spec.models, seeds: spec.seeds, keep: spec.keep, quick: spec.quick,
      data_dir: spec.data_dir, epochs: {}, limits: {},
    },
    started_at: times('started_at')[0],
    finished_at: times('finished_at')[present.length - 1],
    runs: [],
    skipped: [],
  };
  const missing = units.filter((u) => !records.has(u.id));
  for (const dataset of spec.datasets) {
    const own = units.filter((u) => u.dataset === dataset).map((u) => records.get(u.id)).filter((r) => r !== undefined);
    const skipped = own.find((r) => r.skipped !== undefined);
    if (skipped !== undefined) {
      results.skipped.push({ dataset, reason: skipped.skipped as string });
      continue;
    }
    for (const r of own) {
      if (r.run !== undefined) {
        results.runs.push(r.run);
        if (r.dataset_config !== undefined && results.config.epochs[dataset] === undefined) {
          results.config.epochs[dataset] = r.dataset_config.epochs;
          results.config.limits[dataset] = r.dataset_config.limits;
        }
      }
      if (r.analyses !== undefined) {
        results.config.analyses = spec.analyses;
        mergeAnalyses((results.analyses ??= {}), r.analyses);
      }
    }
    addCleanReferences(units.filter((u) => u.dataset === dataset), results);
  }
  const pending = spec.datasets.filter((d) => missing.some((u) => u.dataset === d));
  if (pending.length > 0) results.pending_datasets = pending;
  return { results, missing };
}
