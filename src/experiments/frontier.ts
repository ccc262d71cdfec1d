/**
 * The accuracy-FLOPs frontier (docs/experiments.md, "Frontier"): at each keep ratio, MID-L
 * (fixed k), MID-L's adaptive preset at the same budget, static sparsity, and a dense model
 * whose hidden widths are narrowed to MID-L's FLOPs; plus the dense and dropout models at full
 * width. Each point is one trained run; the verdict says, per keep, which is most accurate at
 * (about) equal FLOPs, by how much, with the spread over seeds.
 */
import type { Dataset } from '../data/types.js';
import { costReport } from '../midl/cost.js';
import { Rng } from '../tensor/rng.js';
import { buildModel, type ModelConfig, type Variant } from './models.js';
import { recipeFor } from './recipes.js';
import { mean, sampleStd } from './report/stats.js';
import { frontierModels, type FrontierModel, type FrontierPoint, type FrontierVerdict } from './results.js';
import { runTraining, type RunConfig, type RunHooks } from './run.js';

export { frontierModels, type FrontierModel, type FrontierPoint, type FrontierVerdict };

/** The models compared at each keep (dense and dropout run once, at full width). */
const perKeep: FrontierModel[] = ['midl', 'adaptive', 'static', 'narrow'];

export const defaultFrontierKeeps = [0.15, 0.25, 0.35, 0.45, 0.65];

export interface FrontierSettings {
  keeps: number[];
  seeds: number[];
  quick: boolean;
  /** Overrides of the recipe's epochs and training/test subsets. */
  override?: { epochs?: number; limitTrain?: number; limitTest?: number };
}

/** FLOPs per example of the study's model for a dataset, before any evaluation (fixed k). */
function plannedFlops(data: Dataset, c: Omit<ModelConfig, 'rng'>): number {
  return costReport(buildModel(data.name, data.inputShape, data.numClasses, { ...c, rng: new Rng(0) }), data.inputShape).flopsPerExample;
}

/**
 * The hidden-width scale at which the dense model costs `flops` per example (bisection; the
 * cost grows with the scale). Widths round to integers, so the match is to within a neuron.
 */
export function matchingScale(data: Dataset, flops: number): number {
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < 30; i++) {
    const mid = (lo + hi) / 2;
    if (plannedFlops(data, { variant: 'dense', keep: 1, dropout: 0, hiddenScale: mid }) > flops) hi = mid;
    else lo = mid;
  }
  return lo;
}

/** The training configuration of one frontier point. */
function pointConfig(data: Dataset, s: FrontierSettings, model: FrontierModel, keep: number | null, seed: number): RunConfig {
  const recipe = recipeFor(data.name, s.quick);
  const variant: Variant = model === 'adaptive' ? 'midl' : model === 'narrow' ? 'dense' : model;
  const ratio = keep ?? 0.45;
  return {
    dataset: data.name, model: variant, seed, epochs: s.override?.epochs ?? recipe.epochs, batchSize: recipe.batchSize,
    lr: recipe.lr, weightDecay: recipe.weightDecay, keep: ratio, dropout: 0.2, schedule: recipe.schedule, augment: recipe.augment,
    limitTrain: s.override?.limitTrain ?? recipe.limitTrain, limitTest: s.override?.limitTest ?? recipe.limitTest, labelNoise: 0,
    finetuneEpochs: variant === 'static' ? recipe.staticFinetuneEpochs : 0,
    ...(model === 'adaptive' ? { midl: { mode: 'adaptive' as const, budget: ratio } } : {}),
    ...(model === 'narrow' ? { hiddenScale: matchingScale(data, plannedFlops(data, { variant: 'midl', keep: ratio, dropout: 0 })) } : {}),
  };
}

/** Every (model, keep, seed) of the frontier, in the order they train. */
export function frontierPlan(s: FrontierSettings): Array<{ model: FrontierModel; keep: number | null; seed: number }> {
  const plan: Array<{ model: FrontierModel; keep: number | null; seed: number }> = [];
  for (const seed of s.seeds) {
    for (const model of ['dense', 'dropout'] as const) plan.push({ model, keep: null, seed });
    for (const keep of s.keeps) for (const model of perKeep) plan.push({ model, keep, seed });
  }
  return plan;
}

/** Where a frontier training checkpoints (to resume it) and its progress hooks. */
export interface FrontierIo {
  outDir?: string;
  resume?: boolean;
  hooks?: RunHooks;
}

/** Trains one point of the frontier: `model` at `keep` (null: full width) with `seed`. */
export function trainFrontierPoint(
  data: Dataset, s: FrontierSettings, point: { model: FrontierModel; keep: number | null; seed: number }, io: FrontierIo = {},
): FrontierPoint {
  const { model, keep, seed } = point;
  const cfg = pointConfig(data, s, model, keep, seed);
  const r = runTraining(data, cfg, io);
  return {
    dataset: data.name, model, keep, seed, test_accuracy: r.testAccuracy, flops_per_example: r.cost.flopsPerExample,
    active_ratio: r.cost.activeRatio, hidden_scale: cfg.hiddenScale ?? 1, epochs: cfg.epochs, train_examples: r.train.count,
  };
}

/** Trains every point of the frontier on one dataset, in plan order (`midl frontier`). */
export function runFrontier(
  data: Dataset, s: FrontierSettings, onRunStart?: (label: string, index: number, total: number) => RunHooks | undefined,
): FrontierPoint[] {
  const plan = frontierPlan(s);
  return plan.map((point, i) => {
    const label = `${data.name} ${point.model}${point.keep === null ? '' : ` keep ${point.keep}`} seed ${point.seed}`;
    return trainFrontierPoint(data, s, point, { hooks: onRunStart?.(label, i + 1, plan.length) });
  });
}

/** One model's points at one keep, summarized over seeds. */
export interface FrontierSummary {
  model: FrontierModel;
  keep: number | null;
  seeds: number;
  accuracy: number;
  /** Sample standard deviation of the accuracy over seeds (null for one seed). */
  accuracy_std: number | null;
  flops_per_example: number;
  active_ratio: number;
}

/** The points grouped by (model, keep): mean accuracy, its spread, mean FLOPs. */
export function summarizeFrontier(points: FrontierPoint[]): FrontierSummary[] {
  const groups = new Map<string, FrontierPoint[]>();
  for (const p of points) {
    const key = `${p.model} ${p.keep}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  return [...groups.values()].map((g) => ({
    model: g[0].model, keep: g[0].keep, seeds: g.length,
    accuracy: mean(g.map((p) => p.test_accuracy)), accuracy_std: sampleStd(g.map((p) => p.test_accuracy)),
    flops_per_example: mean(g.map((p) => p.flops_per_example)), active_ratio: mean(g.map((p) => p.active_ratio)),
  }));
}

const pts = (fraction: number): string => (100 * fraction).toFixed(2);
const mflops = (flops: number): string => (flops / 1e6).toFixed(3);

/** Per keep: the most accurate of the FLOPs-comparable models, by how much, against the spread over seeds. */
export function frontierVerdicts(dataset: string, points: FrontierPoint[]): FrontierVerdict[] {
  const summaries = summarizeFrontier(points.filter((p) => p.dataset === dataset));
  const keeps = [...new Set(summaries.map((s) => s.keep).filter((k): k is number => k !== null))];
  return keeps.flatMap((keep) => {
    const ranked = summaries.filter((s) => s.keep === keep).sort((a, b) => b.accuracy - a.accuracy);
    if (ranked.length < 2) return [];
    const [best, second] = ranked;
    const margin = 100 * (best.accuracy - second.accuracy);
    const spreads = [best.accuracy_std, second.accuracy_std].filter((v): v is number => v !== null);
    const spread = spreads.length === 0 ? null : 100 * Math.max(...spreads);
    const within = spread === null ? 'one seed, no spread' : margin <= spread ? `within the spread over seeds (${spread.toFixed(2)} points)` : `beyond the spread over seeds (${spread.toFixed(2)} points)`;
    const each = ranked.map((s) => `${s.model} ${pts(s.accuracy)}% at ${mflops(s.flops_per_example)} MFLOPs`).join(', ');
    return [{
      dataset, keep, best: best.model, runner_up: second.model, margin_points: margin, spread_points: spread,
      text: `${dataset} keep ${keep}: ${best.model} most accurate, +${margin.toFixed(2)} points over ${second.model}, ${within}; ${each}`,
    }];
  });
}
