/** Validation of results.json against its types (results-types.ts); results.ts re-exports it. */
import * as fs from 'node:fs';
import { MidlInputError } from '../errors.js';
import { MODEL_KINDS, type ModelKind, type StudyResults } from './results-types.js';

type Json = Record<string, unknown>;
interface Range {
  /** Exclusive lower bound. */
  above?: number;
  min?: number;
  max?: number;
  integer?: boolean;
}
const FRACTION: Range = { min: 0, max: 1 };
const COUNT: Range = { min: 0, integer: true };
const POSITIVE_COUNT: Range = { min: 1, integer: true };
const NON_NEGATIVE: Range = { min: 0 };
const POSITIVE: Range = { above: 0 };

/** Walks a parsed results.json; the first problem throws with its file and path. */
class Checker {
  constructor(private readonly file: string) {}

  fail(path: string, problem: string): never {
    throw new MidlInputError(`${this.file}: ${path || 'top level'}: ${problem}`);
  }

  object(value: unknown, path: string): Json {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.fail(path, `expected an object, got ${describe(value)}`);
    }
    return value as Json;
  }

  present(obj: Json, key: string, path: string): unknown {
    if (!(key in obj) || obj[key] === undefined) this.fail(at(path, key), 'missing');
    return obj[key];
  }

  number(obj: Json, key: string, path: string, range: Range = {}): void {
    const value = this.present(obj, key, path);
    this.numberValue(value, at(path, key), range);
  }

  numberValue(value: unknown, path: string, range: Range): void {
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (range.above === undefined || value > range.above) &&
      (range.min === undefined || value >= range.min) &&
      (range.max === undefined || value <= range.max) &&
      (!range.integer || Number.isInteger(value));
    if (!ok) this.fail(path, `expected ${rangeText(range)}, got ${describe(value)}`);
  }

  nullableCount(obj: Json, key: string, path: string): void {
    const value = this.present(obj, key, path);
    if (value !== null) this.numberValue(value, at(path, key), COUNT);
  }

  string(obj: Json, key: string, path: string): void {
    const value = this.present(obj, key, path);
    if (typeof value !== 'string' || value === '') {
      this.fail(at(path, key), `expected a non-empty string, got ${describe(value)}`);
    }
  }

  timestamp(obj: Json, key: string, path: string): void {
    this.string(obj, key, path);
    if (Number.isNaN(Date.parse(obj[key] as string))) {
      this.fail(at(path, key), `expected an ISO 8601 time, got ${describe(obj[key])}`);
    }
  }

  boolean(obj: Json, key: string, path: string): void {
    const value = this.present(obj, key, path);
    if (typeof value !== 'boolean') this.fail(at(path, key), `expected true or false, got ${describe(value)}`);
  }

  model(obj: Json, key: string, path: string): void {
    const value = this.present(obj, key, path);
    if (!MODEL_KINDS.includes(value as ModelKind)) {
      this.fail(at(path, key), `expected one of ${MODEL_KINDS.join(', ')}, got ${describe(value)}`);
    }
  }

  /** Checks an array field, calling each(item, itemPath) on every element. */
  array(obj: Json, key: string, path: string, each: (item: unknown, itemPath: string) => void): void {
    const value = this.present(obj, key, path);
    if (!Array.isArray(value)) this.fail(at(path, key), `expected an array, got ${describe(value)}`);
    value.forEach((item, i) => each(item, `${at(path, key)}[${i}]`));
  }

  /** Checks an object-valued map field (e.g. epochs per dataset). */
  map(obj: Json, key: string, path: string, each: (item: unknown, itemPath: string) => void): void {
    const value = this.object(this.present(obj, key, path), at(path, key));
    for (const [name, item] of Object.entries(value)) each(item, at(at(path, key), name));
  }
}

/** The path of a field: "runs[2].history[0].epoch"; the top level is the empty path. */
function at(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function rangeText(range: Range): string {
  const kind = range.integer ? 'an integer' : 'a number';
  if (range.above !== undefined && range.max !== undefined) return `${kind} in (${range.above}, ${range.max}]`;
  if (range.above !== undefined) return `${kind} > ${range.above}`;
  if (range.min !== undefined && range.max !== undefined) return `${kind} in [${range.min}, ${range.max}]`;
  if (range.min !== undefined) return `${kind} >= ${range.min}`;
  return kind;
}

function checkMachine(c: Checker, value: unknown, path: string): void {
  const m = c.object(value, path);
  for (const key of ['cpu', 'node', 'backend', 'os']) c.string(m, key, path);
  c.number(m, 'cores', path, POSITIVE_COUNT);
  c.number(m, 'threads', path, POSITIVE_COUNT);
  c.number(m, 'memory_gib', path, NON_NEGATIVE);
}

function checkConfig(c: Checker, value: unknown, path: string): void {
  const cfg = c.object(value, path);
  c.array(cfg, 'datasets', path, (item, p) => {
    if (typeof item !== 'string' || item === '') c.fail(p, `expected a dataset name, got ${describe(item)}`);
  });
  c.array(cfg, 'models', path, (item, p) => {
    if (!MODEL_KINDS.includes(item as ModelKind)) c.fail(p, `expected one of ${MODEL_KINDS.join(', ')}, got ${describe(item)}`);
  });
  c.array(cfg, 'seeds', path, (item, p) => c.numberValue(item, p, { integer: true }));
  if (Array.isArray(cfg.keep)) c.array(cfg, 'keep', path, (item, p) => c.numberValue(item, p, { above: 0, max: 1 }));
  else c.number(cfg, 'keep', path, { above: 0, max: 1 });
  c.boolean(cfg, 'quick', path);
  c.string(cfg, 'data_dir', path);
  c.map(cfg, 'epochs', path, (item, p) => c.numberValue(item, p, POSITIVE_COUNT));
  c.map(cfg, 'limits', path, (item, p) => {
    const limit = c.object(item, p);
    c.nullableCount(limit, 'train', p);
    c.nullableCount(limit, 'test', p);
  });
}

function checkRun(c: Checker, value: unknown, path: string): void {
  const run = c.object(value, path);
  c.string(run, 'dataset', path);
  c.model(run, 'model', path);
  c.number(run, 'seed', path, { integer: true });
  c.number(run, 'epochs', path, COUNT);
  c.number(run, 'train_examples', path, COUNT);
  c.number(run, 'test_examples', path, COUNT);
  c.number(run, 'test_accuracy', path, FRACTION);
  c.number(run, 'active_ratio', path, FRACTION);
  c.number(run, 'flops_per_example', path, POSITIVE);
  c.number(run, 'dense_flops_per_example', path, POSITIVE);
  c.number(run, 'params', path, COUNT);
  const latency = c.object(c.present(run, 'latency_ms', path), at(path, 'latency_ms'));
  c.number(latency, 'batch1', at(path, 'latency_ms'), NON_NEGATIVE);
  c.number(latency, 'batch256', at(path, 'latency_ms'), NON_NEGATIVE);
  c.number(run, 'train_seconds', path, NON_NEGATIVE);
  c.array(run, 'history', path, (item, p) => {
    const epoch = c.object(item, p);
    c.number(epoch, 'epoch', p, COUNT);
    c.number(epoch, 'train_loss', p, NON_NEGATIVE);
    c.number(epoch, 'train_accuracy', p, FRACTION);
    c.number(epoch, 'test_accuracy', p, FRACTION);
  });
  if (run.per_layer_active !== undefined) {
    c.array(run, 'per_layer_active', path, (item, p) => {
      const layer = c.object(item, p);
      c.string(layer, 'layer', p);
      for (const key of ['active_ratio', 'min', 'max']) c.number(layer, key, p, FRACTION);
    });
  }
}

function checkSkipped(c: Checker, value: unknown, path: string): void {
  const skipped = c.object(value, path);
  c.string(skipped, 'dataset', path);
  c.string(skipped, 'reason', path);
}

/** The fields every analysis record starts with. */
function checkSubject(c: Checker, value: unknown, path: string, seeded: boolean): Json {
  const record = c.object(value, path);
  c.string(record, 'dataset', path);
  c.model(record, 'model', path);
  if (seeded) c.number(record, 'seed', path, { integer: true });
  return record;
}

function checkSmi(c: Checker, value: unknown, path: string): void {
  const r = checkSubject(c, value, path, false);
  c.string(r, 'layer', path);
  c.number(r, 'smi', path);
  c.number(r, 'stderr', path, NON_NEGATIVE);
  c.number(r, 'directions', path, POSITIVE_COUNT);
  c.number(r, 'examples', path, POSITIVE_COUNT);
  if (r.per_neuron === undefined) return;
  const neurons = c.object(r.per_neuron, at(path, 'per_neuron'));
  for (const key of ['selected_most', 'selected_least']) {
    c.array(neurons, key, at(path, 'per_neuron'), (item, p) => c.numberValue(item, p, {}));
  }
}

function checkRobustness(c: Checker, value: unknown, path: string): void {
  const rob = c.object(value, path);
  c.array(rob, 'label_noise', path, (item, p) => {
    const r = checkSubject(c, item, p, true);
    c.number(r, 'noise', p, FRACTION);
    c.number(r, 'test_accuracy', p, FRACTION);
  });
  c.array(rob, 'input_noise', path, (item, p) => {
    const r = checkSubject(c, item, p, true);
    c.number(r, 'sigma', p, NON_NEGATIVE);
    c.number(r, 'test_accuracy', p, FRACTION);
  });
  c.array(rob, 'overfitting', path, (item, p) => {
    const r = checkSubject(c, item, p, true);
    c.number(r, 'subset', p, { above: 0, max: 1 });
    c.number(r, 'epochs', p, COUNT);
    for (const key of ['train_accuracy', 'best_test_accuracy', 'final_test_accuracy']) c.number(r, key, p, FRACTION);
    c.number(r, 'gap', p, { min: -1, max: 1 });
    c.array(r, 'history', p, (point, pp) => {
      const e = c.object(point, pp);
      c.number(e, 'epoch', pp, COUNT);
      c.number(e, 'train_accuracy', pp, FRACTION);
      c.number(e, 'test_accuracy', pp, FRACTION);
    });
  });
}

function checkLatency(c: Checker, value: unknown, path: string): void {
  const r = checkSubject(c, value, path, false);
  c.number(r, 'batch', path, POSITIVE_COUNT);
  c.number(r, 'median_ms', path, NON_NEGATIVE);
  c.number(r, 'p95_ms', path, NON_NEGATIVE);
  for (const key of ['param_bytes', 'activation_bytes_per_example', 'peak_rss_bytes']) c.number(r, key, path, COUNT);
}

function checkAnalyses(c: Checker, value: unknown, path: string): void {
  const analyses = c.object(value, path);
  if (analyses.smi !== undefined) c.array(analyses, 'smi', path, (item, p) => checkSmi(c, item, p));
  if (analyses.robustness !== undefined) checkRobustness(c, analyses.robustness, at(path, 'robustness'));
  if (analyses.latency !== undefined) c.array(analyses, 'latency', path, (item, p) => checkLatency(c, item, p));
}

/**
 * Checks that obj has the shape of results.json and returns it typed. Throws a
 * MidlInputError "<file>: <path>: <problem>" for the first problem found.
 */
export function validateResults(obj: unknown, file: string): StudyResults {
  const c = new Checker(file);
  const root = c.object(obj, '');
  checkMachine(c, c.present(root, 'machine', ''), 'machine');
  checkConfig(c, c.present(root, 'config', ''), 'config');
  c.timestamp(root, 'started_at', '');
  c.timestamp(root, 'finished_at', '');
  c.array(root, 'runs', '', (item, p) => checkRun(c, item, p));
  c.array(root, 'skipped', '', (item, p) => checkSkipped(c, item, p));
  if (root.analyses !== undefined) checkAnalyses(c, root.analyses, 'analyses');
  return root as StudyResults;
}

/** Reads and validates a results.json file. */
export function loadResults(file: string): StudyResults {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MidlInputError(`${file}: cannot read results: ${(err as Error).message.split('\n')[0]}`);
  }
  return validateResults(parsed, file);
}
