/** Shared test helpers. */
import * as path from 'node:path';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A data root holding a few hundred real records of each dataset (test/fixtures/data; see
 * test/fixtures/README.md), for the unit tests: present in every checkout.
 */
export const fixtureDataDir = path.join(repoRoot, 'test', 'fixtures', 'data');

/**
 * The complete datasets, for the *.data.test.ts suite only (npm run test:data): ../shared/data
 * beside the checkout, or $MIDL_SHARED_DATA. Fails loudly if absent.
 */
export function sharedDataDir(): string {
  const dir = process.env.MIDL_SHARED_DATA ?? path.resolve(repoRoot, '..', 'shared', 'data');
  if (!fs.existsSync(dir)) throw new Error(`shared data not found at ${dir} (set MIDL_SHARED_DATA)`);
  return dir;
}

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix = 'midl-test-'): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
