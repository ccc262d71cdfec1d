import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { repoRoot, fixtureDataDir } from './helpers.js';

describe('README', () => {
  it('its MID-L example runs as written and prints accuracy and the cost report', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Use it in a model'));
    const code = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
    assert.ok(code, 'the README has a ts example');
    // The example is plain JavaScript apart from its fence, so it runs as an ES module.
    const file = path.join(repoRoot, 'dist', 'readme-example.mjs');
    fs.writeFileSync(file, code.replace("'../shared/data'", JSON.stringify(fixtureDataDir)));
    const r = spawnSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const accuracy = Number(/test accuracy ([\d.]+)%/.exec(r.stdout)?.[1]);
    assert.ok(accuracy > 95, `accuracy ${accuracy}`);
    assert.match(r.stdout, /MIDL\s+229,136\s+401,408\s+44\.9%/);
    assert.match(r.stdout, /saving 1\.\d\dx/);
  });
});
