/**
 * native/allocator.cc: on glibc the addon makes malloc keep freed memory, so eval forwards,
 * which take fresh output arrays, stop faulting their pages in again; users who tuned
 * malloc themselves, or set MIDL_MALLOC=system, keep glibc's own behaviour.
 * Each case runs in a child process: the setting is made once, when the addon loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

const onGlibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header
  .glibcVersionRuntime !== undefined;

/** Runs `body` in a child with the given environment; returns the last line it printed, parsed. */
function inChild<T>(body: string, env: Record<string, string> = {}): T {
  const href = (p: string) => JSON.stringify(new URL(p, import.meta.url).href);
  const script = `
    import { loadNativeBackend } from ${href('../../src/backend/native.js')};
    import { Linear } from ${href('../../src/nn/linear.js')};
    import { Rng } from ${href('../../src/tensor/rng.js')};
    import { Tensor, noGrad } from ${href('../../src/tensor/tensor.js')};
    const native = loadNativeBackend();
    ${body}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (!('MIDL_MALLOC' in env)) delete childEnv.MIDL_MALLOC;
  if (!('GLIBC_TUNABLES' in env)) delete childEnv.GLIBC_TUNABLES;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: childEnv }).toString();
  return JSON.parse(out.trim().split('\n').pop() as string) as T;
}

const report = 'console.log(JSON.stringify(native.allocator));';

test('allocator: tuned by default on glibc; left alone with MIDL_MALLOC=system or the user\'s own malloc tunables', () => {
  assert.equal(inChild<string>(report), onGlibc ? 'midl' : 'system');
  assert.equal(inChild<string>(report, { MIDL_MALLOC: 'system' }), 'system');
  assert.equal(inChild<string>(report, { GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }), 'system');
});

test('allocator: eval forwards at batch 256 no longer fault their 512 KB outputs in', { skip: !onGlibc && 'glibc only' }, () => {
  // With glibc's defaults this child saw 40-78 faults per forward (128 pages per output).
  const faultsPerForward = inChild<number>(`
    const rng = new Rng(1);
    const layer = new Linear(784, 512, { activation: 'relu', rng }).eval();
    const x = new Tensor(rng.fillNormal(new Float32Array(256 * 784)), [256, 784]);
    for (let i = 0; i < 200; i++) noGrad(() => layer.forward(x));
    const before = process.resourceUsage().minorPageFault;
    for (let i = 0; i < 300; i++) noGrad(() => layer.forward(x));
    console.log(JSON.stringify((process.resourceUsage().minorPageFault - before) / 300));`);
  assert.ok(faultsPerForward < 8, `${faultsPerForward.toFixed(1)} page faults per forward`);
});
