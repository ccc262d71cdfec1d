/** Shared by the native/reference parity tests (test/backend, test/midl): inputs and comparisons. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Backend } from '../../src/backend/backend.js';
import { loadNativeBackend } from '../../src/backend/native.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { Rng } from '../../src/tensor/rng.js';

export const native: Backend = loadNativeBackend();
export const reference: Backend = new ReferenceBackend();
export const rng = new Rng(20250517);
export const defaultThreads = native.getThreads();

export function uniform(n: number, low = -1, high = 1): Float32Array {
  return rng.fillUniform(new Float32Array(n), low, high);
}

/** Values drawn from a few levels, so ties are common. */
export function levels(n: number, count: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(count) - Math.floor(count / 2);
  return out;
}

export function ints(n: number, below: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(below);
  return out;
}

/** A copy of data living at a non-zero byteOffset inside a larger buffer. */
export function offsetView<T extends Float32Array | Int32Array>(data: T): T {
  const offset = 3;
  const Ctor = data.constructor as new (n: number) => T;
  const buffer = new Ctor(data.length + offset + 2);
  buffer.set(data, offset);
  return buffer.subarray(offset, offset + data.length) as T;
}

/** |actual - expected| <= tol * (1 + |expected|) everywhere (NaN must match NaN). */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!(Math.abs(a - e) <= tol * (1 + Math.abs(e))) && a !== e) {
      assert.fail(`${what}: element ${i} is ${a}, expected ${e}`);
    }
  }
}

/** Runs fn at 1 thread, the default, and (with `odd`) 3 threads, whose parts split unevenly. */
export function forThreadCounts(fn: (threads: number) => void, odd = false): void {
  for (const threads of new Set(odd ? [1, defaultThreads, 3] : [1, defaultThreads])) {
    native.setThreads(threads);
    try {
      fn(threads);
    } finally {
      native.setThreads(defaultThreads);
    }
  }
}

/**
 * Runs a module script in a child process with MIDL_GEMM=openblas (the GEMM kernel is chosen
 * when the addon loads) and asserts it ran on OpenBLAS and matched: the script prints
 * { kernel, worst } as its last line, worst being its largest difference from the reference.
 */
export function assertOpenblasMatches(script: string): void {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, MIDL_GEMM: 'openblas' },
  }).toString();
  const child = JSON.parse(out.trim().split('\n').pop() as string) as { kernel: string; worst: number };
  assert.equal(child.kernel, 'openblas');
  assert.ok(child.worst < 1e-3, `OpenBLAS path differs from the reference by ${child.worst}`);
}
