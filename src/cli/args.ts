/**
 * Flag parsing for every command, on node's util.parseArgs, with errors that name the flag.
 */
import { parseArgs } from 'node:util';
import { MidlInputError } from '../errors.js';

export type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

/** Flags every command accepts. */
export const commonFlags: FlagSpec = {
  help: { type: 'boolean', short: 'h' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean' },
};

/** Parses argv against spec (plus the common flags); unknown flags and stray words are errors. */
export function parseFlags(argv: string[], spec: FlagSpec): Record<string, string | boolean | undefined> {
  try {
    const { values } = parseArgs({ args: argv, options: { ...commonFlags, ...spec }, strict: true, allowPositionals: false });
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new MidlInputError((err as Error).message.split('\n')[0].replace(/\. To specify.*$/, ''));
  }
}

/** A number flag, checked to lie in [min, max]; integer when asked. */
export function numberFlag(
  values: Record<string, unknown>, name: string, fallback: number,
  o: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  const bad =
    typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) ||
    (o.integer === true && !Number.isInteger(v)) ||
    (o.min !== undefined && v < o.min) || (o.max !== undefined && v > o.max);
  if (bad) {
    const range = `${o.min ?? '-inf'}..${o.max ?? 'inf'}`;
    throw new MidlInputError(`--${name}: expected ${o.integer ? 'an integer' : 'a number'} in ${range}, got '${String(raw)}'`);
  }
  return v;
}

/** A comma-separated list flag, each item checked by parse (which throws on a bad item). */
export function listFlag<T>(values: Record<string, unknown>, name: string, fallback: T[], parse: (item: string) => T): T[] {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const items = String(raw).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw new MidlInputError(`--${name}: expected a comma-separated list, got '${String(raw)}'`);
  return items.map((item) => {
    try {
      return parse(item);
    } catch (err) {
      throw new MidlInputError(`--${name}: ${(err as Error).message}`);
    }
  });
}

/** A flag that must be one of the given choices. */
export function choiceFlag<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!choices.includes(raw as T)) {
    throw new MidlInputError(`--${name}: expected one of ${choices.join(', ')}, got '${String(raw)}'`);
  }
  return raw as T;
}

/** A flag that must be given and be one of the choices. */
export function requiredChoice<T extends string>(values: Record<string, unknown>, name: string, choices: readonly T[]): T {
  if (values[name] === undefined) throw new MidlInputError(`--${name}: required (one of ${choices.join(', ')})`);
  return choiceFlag(values, name, choices, choices[0]);
}
