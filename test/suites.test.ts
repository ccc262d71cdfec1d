import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from './helpers.js';

test('only *.data.test.ts files read the complete datasets; npm test needs nothing beside the checkout', () => {
  const files = fs.readdirSync(path.join(repoRoot, 'test'), { recursive: true }).map(String).filter((f) => f.endsWith('.ts'));
  assert.ok(files.some((f) => f.endsWith('.data.test.ts')), 'the data suite exists');
  const offenders = files.filter((f) => !f.endsWith('.data.test.ts') && !['helpers.ts', 'suites.test.ts'].includes(f) &&
    /sharedDataDir|shared\/data/.test(fs.readFileSync(path.join(repoRoot, 'test', f), 'utf8')));
  assert.deepEqual(offenders, [], 'these unit tests read ../shared/data: use fixtureDataDir, or rename them *.data.test.ts');
});
