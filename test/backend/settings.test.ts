/** The environment settings the backend reads: a bad value stops the process with one line naming it. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const backendModule = new URL('../../src/backend/index.js', import.meta.url).href;

function runWith(env: Record<string, string>): { status: number | null; stderr: string } {
  const script = `import(${JSON.stringify(backendModule)}).then((m) => m.backend());`;
  const r = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr };
}

describe('backend settings', () => {
  test('MIDL_GEMM accepts openblas and rejects anything else by name', () => {
    assert.equal(runWith({ MIDL_GEMM: 'openblas' }).status, 0);
    const bad = runWith({ MIDL_GEMM: 'fast' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /MIDL_GEMM: unknown kernel 'fast'/);
  });

  test('MIDL_MALLOC accepts system and rejects anything else by name', () => {
    assert.equal(runWith({ MIDL_MALLOC: 'system' }).status, 0);
    const bad = runWith({ MIDL_MALLOC: 'jemalloc' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /MIDL_MALLOC: unknown setting 'jemalloc'/);
  });

  test('MIDL_THREADS rejects a value that is not a positive integer', () => {
    const bad = runWith({ MIDL_THREADS: 'two' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /MIDL_THREADS: expected a positive integer, got 'two'/);
  });
});
