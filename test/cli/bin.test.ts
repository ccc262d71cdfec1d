import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { repoRoot } from '../helpers.js';

it('a fresh build leaves the midl bin executable', () => {
  // Inside the checkout, so the build finds node_modules as dist/ does.
  const out = fs.mkdtempSync(path.join(repoRoot, '.build-test-'));
  process.on('exit', () => fs.rmSync(out, { recursive: true, force: true }));
  const build = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-ts.mjs'), '--outDir', out], { encoding: 'utf8' });
  assert.equal(build.status, 0, build.stdout + build.stderr);
  const bin = path.join(out, 'src', 'cli', 'main.js');
  assert.ok((fs.statSync(bin).mode & 0o111) === 0o111, 'main.js is executable');
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^midl \d+\.\d+\.\d+/);
});
