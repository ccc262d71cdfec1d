import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { repoRoot, tempDir } from '../helpers.js';

/** The ```ts example of the doc comment just above `marker` in a source file, without the comment's ' * '. */
function docExample(source: string, marker: string): string {
  const text = fs.readFileSync(path.join(repoRoot, source), 'utf8');
  const end = text.indexOf(marker);
  assert.ok(end > 0, `${source} has ${marker}`);
  const comment = text.slice(text.lastIndexOf('/**', end), end);
  const code = /```ts\n([\s\S]*?)\n\s*\*\s*```/.exec(comment)?.[1];
  assert.ok(code, `the doc comment above ${marker} has a ts example`);
  return code.split('\n').map((line) => line.replace(/^\s*\* ?/, '')).join('\n');
}

/** Runs an example as an ES module (it is plain JavaScript apart from its fence), importing midl from dist/. */
function runExample(code: string): string {
  const file = path.join(tempDir(), 'example.mjs');
  fs.writeFileSync(file, code.replaceAll("from 'midl'", `from ${JSON.stringify(pathToFileURL(path.join(repoRoot, 'dist', 'src', 'index.js')).href)}`));
  const r = spawnSync(process.execPath, [file], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

describe('doc comment examples', () => {
  it("MIDL's example trains with trainingLoss, runs sparsely in eval mode and prints the cost report", () => {
    const out = runExample(docExample('src/midl/layer.ts', 'export class MIDL extends Module'));
    const m = /loss ([\d.]+) -> ([\d.]+); output \[64,4\]; k = 32/.exec(out);
    assert.ok(m, out);
    assert.ok(Number(m[2]) < Number(m[1]) / 2, `the loss falls: ${m[1]} -> ${m[2]}`);
    // The eval forward kept 32 of 128 neurons for every example; rank 8 (the minimum): 8*32 + 2*8*128 + 32*32 MACs.
    assert.match(out, /MIDL\s+3,328\s+4,096\s+32\s+25\.0%/);
  });
});
