/** Runs the README's MID-L example ("Use it in a model") with a given data root; returns its output. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, tempDir } from './helpers.js';

export function runReadmeExample(dataRoot: string): { accuracy: number; stdout: string } {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it in a model'));
  const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(code, 'the README has a ts example');
  assert.match(code, /trainingLoss\(/, "the example's loop follows the training protocol (keepWarmupEpochs, gatePenalty)");
  // The example is plain JavaScript apart from its fence, so it runs as an ES module.
  const file = path.join(tempDir(), 'readme-example.mjs');
  fs.writeFileSync(file, code.replace("from 'midl'", `from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist', 'src', 'index.js')).href)}`));
  const r = spawnSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, MIDL_DATA_DIR: dataRoot } });
  assert.equal(r.status, 0, r.stderr);
  return { accuracy: Number(/test accuracy ([\d.]+)%/.exec(r.stdout)?.[1]), stdout: r.stdout };
}
