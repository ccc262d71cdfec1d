/**
 * The study's results assembled from its unit records, in study order whatever order they
 * were written in: runs, skipped datasets, analyses, and the configuration they record.
 * With every record present the results are the same whichever processes ran the units.
 */
import type { Analyses, StudyResults } from '../results.js';
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
}

/** Assembles the study from its records (at least one); the machine is the first record's. */
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
  }
  const pending = spec.datasets.filter((d) => missing.some((u) => u.dataset === d));
  if (pending.length > 0) results.pending_datasets = pending;
  return { results, missing };
}
