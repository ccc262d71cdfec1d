/** What every `midl` subcommand provides to the dispatcher in main.ts. */
export interface Command {
  /** The word after `midl` (for nested commands such as `data inspect`, the first word). */
  name: string;
  /** One line for `midl --help`. */
  summary: string;
  /** Full `--help` text of the command. */
  help: string;
  /** Runs with the arguments after the command's name; resolves to the exit code. */
  run(argv: string[]): Promise<number>;
}
