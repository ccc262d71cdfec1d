/**
 * Every CLI flag is declared once, as a Flag: its name, value placeholder, help line,
 * default and range. Parsing (node:util parseArgs underneath), validation messages and
 * the Options section of --help are all derived from these declarations.
 */
import { MidlInputError } from '../errors.js';

/** What parseArgs hands over for one flag: a string value, true for a boolean flag, or nothing. */
export type RawValue = string | boolean | undefined;

export interface Flag<T> {
  /** The long name, without the dashes: 'batch-size'. */
  readonly name: string;
  /** 'boolean' flags take no value. */
  readonly kind: 'string' | 'boolean';
  /** The value's placeholder in --help: 'N', 'LIST', 'DIR'. */
  readonly placeholder: string;
  /** The help text; '\n' starts a continuation line. */
  readonly help: string;
  /** Converts and checks the raw value; throws a MidlInputError naming the flag. */
  parse(raw: RawValue): T;
}

/** A copy of the flag with another help line (a shared flag whose meaning a command narrows). */
export function withHelp<T>(flag: Flag<T>, help: string): Flag<T> {
  return { ...flag, help };
}

function fail(name: string, problem: string): never {
  throw new MidlInputError(`--${name}: ${problem}`);
}

function describeRaw(raw: string): string {
  return raw.trim() !== '' && Number.isFinite(Number(raw)) ? raw : `'${raw}'`;
}

function stringValue(name: string, raw: RawValue): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') fail(name, 'expected a value');
  return raw;
}

interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
}

function rangeText(o: NumberRange): string {
  return `${o.integer ? 'an integer' : 'a number'} in ${o.min ?? '-inf'}..${o.max ?? 'inf'}`;
}

/** Parses one number against a range; returns the problem instead of throwing. */
function checkNumber(raw: string, o: NumberRange): number | string {
  const v = Number(raw);
  const ok =
    raw.trim() !== '' && Number.isFinite(v) && (o.integer !== true || Number.isInteger(v)) &&
    (o.min === undefined || v >= o.min) && (o.max === undefined || v <= o.max);
  return ok ? v : `expected ${rangeText(o)}, got ${describeRaw(raw)}`;
}

interface Described {
  placeholder: string;
  help: string;
}

/** A number flag with a default (the default is shown in --help unless the help says it). */
export function numberFlag(name: string, o: Described & NumberRange & { default: number }): Flag<number>;
/** A number flag without a default: undefined when absent. */
export function numberFlag(name: string, o: Described & NumberRange): Flag<number | undefined>;
export function numberFlag(name: string, o: Described & NumberRange & { default?: number }): Flag<number | undefined> {
  return {
    name, kind: 'string', placeholder: o.placeholder, help: withDefault(o.help, o.default),
    parse(raw) {
      const text = stringValue(name, raw);
      if (text === undefined) return o.default;
      const v = checkNumber(text, o);
      return typeof v === 'number' ? v : fail(name, v);
    },
  };
}

function withDefault(help: string, value: unknown): string {
  return value === undefined || help.includes('(default') ? help : `${help} (default ${String(value)})`;
}

/** A string flag: undefined when absent, or required. */
export function stringFlag(name: string, o: Described & { required: true }): Flag<string>;
export function stringFlag(name: string, o: Described & { default: string }): Flag<string>;
export function stringFlag(name: string, o: Described): Flag<string | undefined>;
export function stringFlag(name: string, o: Described & { required?: boolean; default?: string }): Flag<string | undefined> {
  return {
    name, kind: 'string', placeholder: o.placeholder, help: o.required ? `${o.help} (required)` : withDefault(o.help, o.default),
    parse(raw) {
      const text = stringValue(name, raw);
      if (text === undefined && o.required) fail(name, 'required');
      if (text === '') fail(name, 'expected a value, got an empty one');
      return text ?? o.default;
    },
  };
}

/**
 * A flag whose value parseValue converts (throwing an Error whose message says what is
 * wrong): undefined when absent. For values of their own form, such as a shard 'K/N'.
 */
export function valueFlag<T>(name: string, parseValue: (text: string) => T, o: Described): Flag<T | undefined> {
  return {
    name, kind: 'string', placeholder: o.placeholder, help: o.help,
    parse(raw) {
      const text = stringValue(name, raw);
      if (text === undefined) return undefined;
      try {
        return parseValue(text);
      } catch (err) {
        return fail(name, err instanceof Error ? err.message : String(err));
      }
    },
  };
}

/** An on/off flag. */
export function booleanFlag(name: string, help: string): Flag<boolean> {
  return { name, kind: 'boolean', placeholder: '', help, parse: (raw) => raw === true };
}

/** Parses an item that must be one of the choices; the error says which were expected. */
export function oneOf<T extends string>(choices: readonly T[], what: string): (item: string) => T {
  return (item) => {
    const found = choices.find((c) => c === item);
    if (found === undefined) throw new Error(`unknown ${what} '${item}' (expected ${choices.join(', ')})`);
    return found;
  };
}

/** A flag whose value is one of the choices: required, or with a default. */
export function choiceFlag<T extends string>(name: string, choices: readonly T[], o: Described & { required: true }): Flag<T>;
export function choiceFlag<T extends string>(name: string, choices: readonly T[], o: Described & { default: T }): Flag<T>;
export function choiceFlag<T extends string>(
  name: string, choices: readonly T[], o: Described & { required?: true; default?: T },
): Flag<T> {
  const list = choices.join(', ');
  return {
    name, kind: 'string', placeholder: o.placeholder,
    help: o.required ? `${o.help}: ${list} (required)` : withDefault(`${o.help}: ${list}`, o.default),
    parse(raw) {
      const text = stringValue(name, raw);
      if (text === undefined) return o.default ?? fail(name, `required (one of ${list})`);
      return choices.find((c) => c === text) ?? fail(name, `expected one of ${list}, got '${text}'`);
    },
  };
}

/** Parses an item of a list as a number in a range (for list flags). */
export function numberItem(o: NumberRange): (item: string) => number {
  return (item) => {
    const v = checkNumber(item, o);
    if (typeof v === 'string') throw new Error(v.replace(/^expected (.*), got (.*)$/, '$2 is not $1'));
    return v;
  };
}

/**
 * A comma-separated list flag, each item checked by parseItem (which throws on a bad item).
 * With none set, the word 'none' gives the empty list.
 */
export function listFlag<T>(
  name: string, parseItem: (item: string) => T, o: Described & { default: readonly T[]; defaultText?: string; none?: boolean },
): Flag<T[]> {
  const shown = o.defaultText ?? o.default.join(',');
  return {
    name, kind: 'string', placeholder: o.placeholder, help: withDefault(o.help, shown === '' ? undefined : shown),
    parse(raw) {
      const text = stringValue(name, raw);
      if (text === undefined) return [...o.default];
      if (o.none === true && text === 'none') return [];
      const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '');
      if (items.length === 0) fail(name, `expected a comma-separated list, got '${text}'`);
      return items.map((item) => {
        try {
          return parseItem(item);
        } catch (err) {
          return fail(name, err instanceof Error ? err.message : String(err));
        }
      });
    },
  };
}

/** A list flag whose absence is told apart from its default (undefined when absent). */
export function optionalListFlag<T>(name: string, parseItem: (item: string) => T, o: Described): Flag<T[] | undefined> {
  const list = listFlag(name, parseItem, { ...o, default: [] });
  return { ...list, parse: (raw) => (raw === undefined ? undefined : list.parse(raw)) };
}

/** The flag, or null when its value is the word 'none' (a part of a study to skip). */
export function noneOr<T>(flag: Flag<T>): Flag<T | null> {
  return { ...flag, parse: (raw) => (raw === 'none' ? null : flag.parse(raw)) };
}
