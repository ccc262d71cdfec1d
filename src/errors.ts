/**
 * An error caused by the user's input (a file, a flag, a checkpoint), as opposed to a bug.
 * Its message is one line that names the file or flag and the problem; the CLI prints just
 * that line (no stack trace unless --verbose) and exits non-zero.
 */
export class MidlInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MidlInputError';
  }
}
