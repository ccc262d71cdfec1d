/**
 * The study as independent units: every training run (dataset x variant x seed), every
 * analysis of a dataset (SMI, robustness, latency, activity, frontier) and every extra
 * training an analysis needs is a unit with a stable id derived from its configuration, so any process on any machine computes the same list, the same ids
 * and the same shares.
 */
import { createHash } from 'node:crypto';
import type { DatasetName } from '../../data/types.js';
import type { AnalysisName, AnalysisSettings } from '../analyses/index.js';
import { frontierPlan, type FrontierModel } from '../frontier.js';
import { variantApplies, type Variant } from '../models.js';
import type { RunConfig } from '../run.js';
import { canonicalJson } from '../canonical-json.js';
import { recipeFor, type Recipe } from '../recipes.js';

/** Overrides of every recipe's epochs and subsets (tests use tiny runs). */
export interface RecipeOverride {
  epochs?: number;
  limitTrain?: number;
  limitTest?: number;
}

/** What makes a study: two processes with equal specs run the same units with the same results. */
export interface StudySpec {
  datasets: DatasetName[];
  models: Variant[];
  seeds: number[];
  /** One keep ratio, or one per hidden layer. */
  keep: number | number[];
  /** MID-L's options for the midl runs (absent: fixed k; docs/method.md section 6 for adaptive). */
  midl?: RunConfig['midl'];
  quick: boolean;
  /** The --data-dir as given, or '(default locations)'. */
  data_dir: string;
  override: RecipeOverride;
  /** The analyses' settings; null when none run. */
  analyses: AnalysisSettings | null;
}

export interface RunUnit {
  kind: 'run';
  id: string;
  dataset: DatasetName;
  model: Variant;
  seed: number;
  recipe: Recipe;
}

export interface AnalysisUnit {
  kind: 'analysis';
  id: string;
  dataset: DatasetName;
  analysis: AnalysisName;
  /**
   * The ids of the units whose results it uses: the dataset's runs (whose trained models it
   * analyses) and, for the frontier, its trainings.
   */
  runs: string[];
}

/**
 * One extra training of the robustness analysis: the dataset's recipe with a share of the
 * labels flipped (labelNoise), or on a small subset for many epochs (overfitting). Extra
 * trainings are units of their own: on the image benchmarks each costs as much as a run.
 */
export interface ExtraUnit {
  kind: 'extra';
  id: string;
  dataset: DatasetName;
  model: Variant;
  seed: number;
  /** The fraction of labels flipped; absent for the overfitting training. */
  labelNoise?: number;
}

/**
 * One training of the frontier analysis (frontier.ts): `model` at `keep` (null: full width)
 * for the study's first seed, with the dataset's recipe. The points the study's own runs
 * already are (dense, dropout, and MID-L and static at the study's keep) are no unit.
 */
export interface FrontierUnit {
  kind: 'frontier';
  id: string;
  dataset: DatasetName;
  model: FrontierModel;
  keep: number | null;
  seed: number;
}

export type StudyUnit = RunUnit | AnalysisUnit | ExtraUnit | FrontierUnit;

/** A short hex digest of a value's canonical JSON. */
export function digest(value: unknown, length = 10): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** The study's key: records with different keys come from different study configurations. */
export function studyKey(spec: StudySpec): string {
  return digest(spec, 12);
}

/** The recipe a dataset's runs use: the preset, with the study's overrides. */
export function studyRecipe(spec: StudySpec, dataset: DatasetName): Recipe {
  const o = spec.override;
  const r = recipeFor(dataset, spec.quick);
  return {
    ...r, epochs: o.epochs ?? r.epochs, limitTrain: o.limitTrain ?? r.limitTrain, limitTest: o.limitTest ?? r.limitTest,
  };
}

/**
 * Every unit of the study in study order: per dataset, its runs (variant-major, then seed),
 * the frontier's trainings, its analyses, then the robustness analysis's extra trainings.
 * An id reads "<dataset>-<model>-s<seed>-<digest>" for a run, "<dataset>-<analysis>-<digest>"
 * for an analysis, "<dataset>-<model>-s<seed>-labelnoise<p>-<digest>" or
 * "...-overfitting-<digest>" for an extra training, "<dataset>-frontier-<model>-keep<k>-s<seed>-<digest>"
 * for a frontier training; the digest covers everything the unit's result depends on.
 */
export function studyUnits(spec: StudySpec): StudyUnit[] {
  const units: StudyUnit[] = [];
  for (const dataset of spec.datasets) {
    const recipe = studyRecipe(spec, dataset);
    const runs: RunUnit[] = [];
    for (const model of spec.models.filter((m) => variantApplies(m, dataset))) {
      for (const seed of spec.seeds) {
        const config = { dataset, model, seed, recipe, keep: spec.keep, midl: model === 'midl' ? spec.midl : undefined };
        runs.push({ kind: 'run', id: `${dataset}-${model}-s${seed}-${digest(config)}`, dataset, model, seed, recipe });
      }
    }
    units.push(...runs);
    const frontier = frontierUnits(spec, dataset);
    units.push(...frontier);
    const settings = spec.analyses;
    for (const analysis of settings?.analyses ?? []) {
      const runIds = [...runs, ...(analysis === 'frontier' ? frontier : [])].map((r) => r.id);
      const config = { dataset, analysis, settings: settings?.[analysis], override: spec.override, runs: runIds };
      units.push({ kind: 'analysis', id: `${dataset}-${analysis}-${digest(config)}`, dataset, analysis, runs: runIds });
    }
    units.push(...extraUnits(spec, dataset));
  }
  return units;
}

/** The robustness analysis's extra trainings of a dataset: per model and seed, each label noise then overfitting. */
function extraUnits(spec: StudySpec, dataset: DatasetName): ExtraUnit[] {
  const s = spec.analyses;
  if (s === null || !s.analyses.includes('robustness') || !s.robustness.training_datasets.includes(dataset)) return [];
  const r = s.robustness;
  const models = spec.models.filter((m) => r.models.includes(m) && variantApplies(m, dataset));
  const seeds = r.seeds === 'first' ? spec.seeds.slice(0, 1) : spec.seeds;
  const base = {
    recipe: studyRecipe(spec, dataset), keep: spec.keep, subset: r.subset, overfitting_epochs: r.overfitting_epochs, override: spec.override,
  };
  const units: ExtraUnit[] = [];
  for (const model of models) {
    for (const seed of seeds) {
      const name = `${dataset}-${model}-s${seed}`;
      for (const labelNoise of r.label_noise) {
        const id = `${name}-labelnoise${labelNoise}-${digest({ ...base, dataset, model, seed, labelNoise })}`;
        units.push({ kind: 'extra', id, dataset, model, seed, labelNoise });
      }
      units.push({ kind: 'extra', id: `${name}-overfitting-${digest({ ...base, dataset, model, seed })}`, dataset, model, seed });
    }
  }
  return units;
}

/**
 * Whether the study's own run of the first seed is the frontier's point: dense and dropout at
 * full width; MID-L with fixed k (no other selection options) and static at the study's one keep.
 */
function studyRunIsPoint(spec: StudySpec, model: FrontierModel, keep: number | null): boolean {
  if (!(spec.models as string[]).includes(model)) return false;
  if (model === 'dense' || model === 'dropout') return true;
  const atKeep = typeof spec.keep === 'number' && spec.keep === keep;
  if (model === 'static') return atKeep;
  const fixedK = spec.midl === undefined || Object.entries(spec.midl).every(([k, v]) => v === undefined || (k === 'mode' && v === 'fixed'));
  return model === 'midl' && atKeep && fixedK;
}

/** The frontier's trainings of a dataset (first seed, plan order) that no study run stands for. */
function frontierUnits(spec: StudySpec, dataset: DatasetName): FrontierUnit[] {
  const s = spec.analyses;
  if (s === null || !s.analyses.includes('frontier') || spec.seeds.length === 0) return [];
  const recipe = studyRecipe(spec, dataset);
  return frontierPlan({ keeps: s.frontier.keeps, seeds: spec.seeds.slice(0, 1), quick: spec.quick })
    .filter((p) => !studyRunIsPoint(spec, p.model, p.keep))
    .map(({ model, keep, seed }) => {
      const at = keep === null ? 'full' : `keep${keep}`;
      const id = `${dataset}-frontier-${model}-${at}-s${seed}-${digest({ dataset, model, keep, seed, recipe })}`;
      return { kind: 'frontier', id, dataset, model, keep, seed };
    });
}
