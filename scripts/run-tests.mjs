#!/usr/bin/env node
// Runs the compiled tests of one suite with node --test (build first: tsc -p tsconfig.json).
//   node scripts/run-tests.mjs unit      every other test/**/*.test.ts (needs nothing beside the checkout)
//   node scripts/run-tests.mjs data      every test/**/*.data.test.ts (needs the complete datasets, see README)
//   node scripts/run-tests.mjs interop   every test/**/*.interop.test.ts (needs Debian's python3-torch)
// The list comes from the TypeScript sources, so a stale file left in dist/ by a renamed test never runs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const suite = process.argv[2];
const suites = ['unit', 'data', 'interop'];
if (!suites.includes(suite)) {
  console.error(`usage: node scripts/run-tests.mjs ${suites.join('|')}`);
  process.exit(2);
}
/** The suite a test file belongs to: its name's last part before .test.ts, when that names a suite. */
const suiteOf = (f) => suites.find((s) => s !== 'unit' && f.endsWith(`.${s}.test.ts`)) ?? 'unit';
const files = fs.readdirSync(path.join(repo, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts') && suiteOf(f) === suite)
  .sort()
  .map((f) => path.join(repo, 'dist', 'test', f.replace(/\.ts$/, '.js')));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
