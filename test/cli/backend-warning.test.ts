import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, fixtureDataDir, tempDir } from '../helpers.js';

/** A copy of dist/ with no native addon beside it (as after a failed native build). */
function installWithoutAddon(): string {
  const root = tempDir('midl-no-addon-');
  fs.cpSync(path.join(repoRoot, 'dist', 'src'), path.join(root, 'dist', 'src'), { recursive: true });
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(root, 'node_modules'));
  fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(root, 'package.json'));
  return root;
}

describe('a missing native backend', () => {
  const root = installWithoutAddon();
  const cli = path.join(root, 'dist', 'src', 'cli', 'main.js');
  const env = { ...process.env, MIDL_BACKEND: '' };

  it('is reported on stderr when the backend is chosen, before any work', () => {
    const r = spawnSync(process.execPath, [cli, 'train', '--dataset', 'adult', '--epochs', '1', '--limit-train', '300', '--data-dir', fixtureDataDir], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const warning = r.stderr.indexOf('the native backend did not load');
    const firstEpoch = r.stderr.indexOf('epoch 1/1');
    assert.ok(warning >= 0, r.stderr);
    assert.ok(firstEpoch > warning, `the warning comes before the training's progress:\n${r.stderr}`);
  });

  it('is named by midl doctor, with the reason', () => {
    const r = spawnSync(process.execPath, [cli, 'doctor', '--json'], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '');
    assert.equal(report.backend, 'reference');
    assert.match(report.reference_reason, /midl_native\.node is missing/);
    assert.equal(report.addon, null);
  });
});
