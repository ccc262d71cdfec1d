/** Checks of the folders a command is given, made before any work so a bad one costs nothing. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MidlInputError } from '../errors.js';

/** Creates the output folder (and its parents) and checks it is writable; one line naming the flag otherwise. */
export function prepareOutDir(dir: string, flag = 'out'): string {
  const full = path.resolve(dir);
  try {
    fs.mkdirSync(full, { recursive: true });
    fs.accessSync(full, fs.constants.W_OK);
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    const blocker = firstExisting(full);
    const why =
      blocker !== null && !fs.statSync(blocker).isDirectory() ? `${blocker} is a file, not a folder`
        : code === 'EACCES' || code === 'EROFS' ? 'not writable'
          : err instanceof Error ? err.message : String(err);
    throw new MidlInputError(`--${flag}: cannot write to ${dir}: ${why}`);
  }
  return full;
}

/** The path itself or its nearest existing ancestor. */
function firstExisting(p: string): string | null {
  for (let at = p; ; at = path.dirname(at)) {
    if (fs.existsSync(at)) return at;
    if (path.dirname(at) === at) return null;
  }
}

/** A --data-dir that names a file (not a folder) is refused with a message saying so. */
export function checkDataDir(dir: string | undefined): string | undefined {
  if (dir !== undefined && fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new MidlInputError(`--data-dir: ${dir} is a file; a directory is expected (the folder holding the dataset's files)`);
  }
  return dir;
}
