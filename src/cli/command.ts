/**
 * A `midl` command is declared once (its usage, description and flags), and its parser and
 * --help text are derived from that declaration. node:util parseArgs does the tokenizing
 * (docs/dependencies.md says why); each flag's own parse() converts and checks its value.
 */
import { parseArgs } from 'node:util';
import { backend } from '../backend/index.js';
import { MidlInputError } from '../errors.js';
import { booleanFlag, numberFlag, type Flag, type RawValue } from './flags.js';

/** What every `midl` subcommand provides to the dispatcher in main.ts. */
export interface Command {
  /** The word after `midl` (for nested commands such as `data inspect`, the last word). */
  name: string;
  /** One line for `midl --help`. */
  summary: string;
  /** Full `--help` text of the command. */
  help: string;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}

/** Flags every command accepts. */
export const everyCommandFlags = {
  threads: numberFlag('threads', {
    placeholder: 'N', min: 1, integer: true,
    help: 'threads of the kernels (default: $MIDL_THREADS, else the number of cores)',
  }),
  json: booleanFlag('json', 'last line of stdout is one JSON object with the results'),
  verbose: booleanFlag('verbose', 'stack traces on errors'),
  help: booleanFlag('help', 'this text'),
};

export type FlagSet = Record<string, Flag<unknown>>;
export type FlagValues<F extends FlagSet> = { [K in keyof F]: F[K] extends Flag<infer T> ? T : never };

export interface CommandSpec<F extends FlagSet> {
  name: string;
  summary: string;
  /** The usage line(s) after 'Usage: '. */
  usage: string;
  /** What the command does, before the options. */
  description: string;
  flags: F;
  /** Text after the options, if any. */
  notes?: string;
  /** False for commands that compute nothing (the backend is then not loaded). */
  computes?: boolean;
  /** A command that takes one word after its flags (`midl report DIR`): its placeholder and help line. */
  positional?: { placeholder: string; help: string };
  /** Runs with the flags' values (and the positional word, when the command takes one). */
  run(values: FlagValues<F & typeof everyCommandFlags>, positional: string | undefined): Promise<number>;
}

/** The Options section: one line per flag (continuations indented under the help column). */
export function optionsText(flags: readonly Flag<unknown>[]): string {
  const heads = flags.map((f) => (f.name === 'help' ? '-h, --help' : `--${f.name}${f.placeholder === '' ? '' : ` ${f.placeholder}`}`));
  const width = Math.max(...heads.map((h) => h.length)) + 2;
  return flags
    .map((f, i) => {
      const [first, ...rest] = f.help.split('\n');
      return [`  ${heads[i].padEnd(width)}${first}`, ...rest.map((line) => `  ${' '.repeat(width)}${line}`)].join('\n');
    })
    .join('\n');
}

/**
 * Joins `--flag value` into `--flag=value` for flags that take a value, so a value that
 * starts with a dash (`--epochs -1`) reaches the flag's own check instead of parseArgs's
 * "ambiguous" error.
 */
function joinValues(argv: readonly string[], flags: readonly Flag<unknown>[]): string[] {
  const takesValue = new Set(flags.filter((f) => f.kind === 'string').map((f) => `--${f.name}`));
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (takesValue.has(argv[i]) && i + 1 < argv.length) out.push(`${argv[i]}=${argv[++i]}`);
    else out.push(argv[i]);
  }
  return out;
}

interface Tokens {
  raw: Map<string, RawValue>;
  positionals: string[];
}

/** Tokenizes argv against the flags; unknown flags and stray words are one-line errors. */
function tokenize(argv: readonly string[], flags: readonly Flag<unknown>[], allowPositionals = false): Tokens {
  const options = Object.fromEntries(flags.map((f) => [f.name, f.name === 'help' ? { type: f.kind, short: 'h' } : { type: f.kind }]));
  let parsed: { values: Record<string, RawValue | (string | boolean)[]>; positionals: string[] };
  try {
    parsed = parseArgs({ args: joinValues(argv, flags), options, strict: true, allowPositionals });
  } catch (err) {
    throw new MidlInputError((err instanceof Error ? err.message : String(err)).split('\n')[0].replace(/\. To specify.*$/, ''));
  }
  const raw = new Map<string, RawValue>();
  for (const [name, value] of Object.entries(parsed.values)) raw.set(name, Array.isArray(value) ? value.at(-1) : value);
  return { raw, positionals: parsed.positionals };
}

/** Parses argv into the flags' values, keyed as in the flag set. */
export function parseFlagValues<F extends FlagSet>(argv: readonly string[], flags: F): FlagValues<F> {
  return valuesOf(tokenize(argv, Object.values(flags)).raw, flags);
}

/** The one positional word of a command that takes one (a missing or extra word is a one-line error). */
function positionalOf(usage: string, spec: CommandSpec<FlagSet>['positional'], words: string[]): string | undefined {
  if (spec === undefined) return undefined;
  if (words.length !== 1) {
    throw new MidlInputError(`${words.length === 0 ? `${spec.placeholder}: required` : `unexpected '${words[1]}'`} (usage: ${usage})`);
  }
  return words[0];
}

function valuesOf<F extends FlagSet>(raw: Map<string, RawValue>, flags: F): FlagValues<F> {
  const entries = Object.entries(flags).map(([key, flag]) => [key, flag.parse(raw.get(flag.name))]);
  // Each value came from its own flag's parse(), so it has that flag's type.
  return Object.fromEntries(entries) as FlagValues<F>;
}

/** Builds a Command from its declaration. */
export function defineCommand<F extends FlagSet>(spec: CommandSpec<F>): Command {
  const flags = { ...spec.flags, ...everyCommandFlags };
  const names = Object.values(flags).map((f) => f.name);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined || Object.keys(spec.flags).some((key) => key in everyCommandFlags)) {
    throw new Error(`midl ${spec.name}: a flag is declared twice (--${twice ?? Object.keys(spec.flags).find((key) => key in everyCommandFlags)})`);
  }
  const argument = spec.positional === undefined ? '' : `Argument:\n  ${spec.positional.placeholder}  ${spec.positional.help}\n\n`;
  const help =
    `Usage: ${spec.usage}\n\n${spec.description.trimEnd()}\n\n${argument}Options:\n${optionsText(Object.values(flags))}\n` +
    (spec.notes === undefined ? '' : `\n${spec.notes.trimEnd()}\n`);
  return {
    name: spec.name,
    summary: spec.summary,
    help,
    async run(argv) {
      if (argv.includes('--help') || argv.includes('-h')) {
        process.stdout.write(help);
        return 0;
      }
      const { raw, positionals } = tokenize(argv, Object.values(flags), spec.positional !== undefined);
      const positional = positionalOf(spec.usage, spec.positional, positionals);
      const values = valuesOf(raw, flags);
      if (spec.computes !== false) {
        // Chosen now, before any work, so a missing native backend is reported first.
        const b = backend();
        const threads = everyCommandFlags.threads.parse(raw.get('threads'));
        if (threads !== undefined) b.setThreads(threads);
      }
      return spec.run(values, positional);
    },
  };
}

/** A command made of subcommands (`midl bench layer`, `midl data inspect`). */
export function commandGroup(name: string, summary: string, subcommands: readonly Command[]): Command {
  const width = Math.max(...subcommands.map((c) => c.name.length));
  const help =
    `Usage: midl ${name} <${subcommands.map((c) => c.name).join('|')}> [options]\n\n` +
    `${subcommands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}\n\n` +
    `Run 'midl ${name} <subcommand> --help' for its options.\n`;
  return {
    name,
    summary,
    help,
    async run(argv) {
      const [sub, ...rest] = argv;
      if (sub === undefined || sub === '--help' || sub === '-h') {
        process.stdout.write(help);
        return sub === undefined ? 2 : 0;
      }
      const command = subcommands.find((c) => c.name === sub);
      if (command === undefined) {
        throw new MidlInputError(`${name}: unknown subcommand '${sub}' (expected ${subcommands.map((c) => c.name).join(', ')})`);
      }
      return command.run(rest);
    },
  };
}
