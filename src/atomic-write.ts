/** Atomic file writes: a reader sees the old file or the whole new one, never a torn one. */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Writes to a temp file beside `file`, fsyncs it, then renames it over `file`. */
export function writeFileAtomic(file: string, contents: Uint8Array | string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(tmp, 'w');
  try {
    if (typeof contents === 'string') fs.writeSync(fd, contents);
    else fs.writeSync(fd, contents);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}
