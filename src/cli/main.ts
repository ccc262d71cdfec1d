#!/usr/bin/env node
/**
 * The `midl` command: dispatches to a subcommand; turns user errors into one line
 * on stderr and a non-zero exit code (stack traces only with --verbose).
 */
import { MidlInputError } from '../errors.js';
import type { Command } from './command.js';
import { benchCommand } from './commands/bench.js';
import { dataCommand } from './commands/data.js';
import { doctorCommand } from './commands/doctor.js';
import { evalCommand } from './commands/eval.js';
import { frontierCommand } from './commands/frontier.js';
import { reportCommand } from './commands/report.js';
import { reproduceCommand } from './commands/reproduce.js';
import { robustnessCommand } from './commands/robustness.js';
import { smiCommand } from './commands/smi.js';
import { trainCommand } from './commands/train.js';

const commands: Command[] = [reproduceCommand, reportCommand, trainCommand, evalCommand, smiCommand, robustnessCommand, benchCommand, dataCommand, frontierCommand, doctorCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `Usage: midl <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'midl <command> --help' for a command's options.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write('midl 0.1.0\n');
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(`midl: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

const verbose = process.argv.includes('--verbose');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    if (verbose) process.stderr.write(`${e.stack ?? e.message}\n`);
    else if (e instanceof MidlInputError) process.stderr.write(`midl: ${e.message}\n`);
    else process.stderr.write(`midl: ${e.message} (internal error; run with --verbose for the stack trace)\n`);
    process.exitCode = e instanceof MidlInputError ? 2 : 1;
  },
);
