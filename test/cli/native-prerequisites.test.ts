import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { repoRoot, tempDir } from '../helpers.js';

/** scripts/native-prerequisites.mjs (plain JavaScript, run by the install step). */
async function prerequisites(): Promise<{ missingPrerequisites(env: NodeJS.ProcessEnv): string[] }> {
  return import(pathToFileURL(path.join(repoRoot, 'scripts', 'native-prerequisites.mjs')).href);
}

it('the install step names a missing compiler, make and python3', async () => {
  const { missingPrerequisites } = await prerequisites();
  const missing = missingPrerequisites({ PATH: tempDir() });
  assert.equal(missing.length, 3, missing.join('\n'));
  assert.match(missing[0], /no C\+\+ compiler.*build-essential/);
  assert.match(missing[1], /no make/);
  assert.match(missing[2], /no python3/);
});

it('the install step names missing OpenBLAS headers', async () => {
  const { missingPrerequisites } = await prerequisites();
  // A compiler that sees no system headers, as on a machine without libopenblas-dev.
  const cxx = path.join(tempDir(), 'c++');
  fs.writeFileSync(cxx, '#!/bin/sh\nexec c++ -nostdinc "$@"\n', { mode: 0o755 });
  const missing = missingPrerequisites({ ...process.env, CXX: cxx });
  assert.deepEqual(missing.length, 1, missing.join('\n'));
  assert.match(missing[0], /OpenBLAS headers \(cblas\.h\).*libopenblas-dev/);
  assert.deepEqual(missingPrerequisites(process.env), [], 'this machine builds the addon');
});
