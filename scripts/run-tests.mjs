#!/usr/bin/env node
// Runs the compiled tests of one suite with node --test (build first: tsc -p tsconfig.json).
//   node scripts/run-tests.mjs unit   every test/**/*.test.ts except *.data.test.ts (needs nothing beside the checkout)
//   node scripts/run-tests.mjs data   every test/**/*.data.test.ts (needs the complete datasets, see README)
// The list comes from the TypeScript sources, so a stale file left in dist/ by a renamed test never runs.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const suite = process.argv[2];
if (suite !== 'unit' && suite !== 'data') {
  console.error('usage: node scripts/run-tests.mjs unit|data');
  process.exit(2);
}
const isData = (f) => f.endsWith('.data.test.ts');
const files = fs.readdirSync(path.join(repo, 'test'), { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.test.ts') && isData(f) === (suite === 'data'))
  .sort()
  .map((f) => path.join(repo, 'dist', 'test', f.replace(/\.ts$/, '.js')));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
