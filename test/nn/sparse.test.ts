/** Sparse rows as a layer input: a Linear's sparse product against its dense one, native against reference. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backend/backend.js';
import { loadNativeBackend } from '../../src/backend/native.js';
import { ReferenceBackend } from '../../src/backend/reference.js';
import { Flatten, Linear, ReLU, Sequential, denseRows, type SparseRows } from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';

/** count rows of width columns, each with up to `per` distinct stored columns (ascending), some rows empty. */
function randomRows(rng: Rng, count: number, width: number, per: number): SparseRows {
  const offsets = new Int32Array(count + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < count; i++) {
    const cols = [...rng.permutation(width).subarray(0, rng.int(per + 1))].sort((a, b) => a - b);
    for (const c of cols) {
      indices.push(c);
      values.push(4 * rng.uniform() - 2);
    }
    offsets[i + 1] = indices.length;
  }
  return { offsets, indices: Int32Array.from(indices), values: Float32Array.from(values), width };
}

function close(a: Float32Array, b: Float32Array, tol: number): void {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= tol * (1 + Math.abs(b[i])), `entry ${i}: ${a[i]} vs ${b[i]}`);
}

describe('sparse-row input', () => {
  it('Linear gives the dense result and the dense gradients on sparse rows', () => {
    const rng = new Rng(3);
    const rows = randomRows(rng, 9, 40, 6);
    const dense = new Linear(40, 7, { activation: 'relu', rng });
    const sparse = new Linear(40, 7, { activation: 'relu', rng });
    sparse.weight.data.set(dense.weight.data);
    sparse.bias!.data.set(dense.bias!.data);
    const yd = dense.forward(denseRows(rows));
    const ys = sparse.forward(rows);
    close(ys.data, yd.data, 1e-5);
    const seed = rng.fillUniform(new Float32Array(yd.size), -1, 1);
    yd.backward(seed);
    ys.backward(seed);
    close(sparse.weight.grad!, dense.weight.grad!, 1e-5);
    close(sparse.bias!.grad!, dense.bias!.grad!, 1e-5);
  });

  it('Sequential passes rows through Flatten to a Linear and densifies them for other layers', () => {
    const rng = new Rng(4);
    const rows = randomRows(rng, 5, 12, 4);
    const model = new Sequential(new Flatten(), new Linear(12, 6, { rng }), new ReLU(), new Linear(6, 2, { rng }));
    close(model.forward(rows).data, model.forward(denseRows(rows)).data, 1e-5);
    const reluFirst = new Sequential(new ReLU(), new Linear(12, 2, { rng }));
    const expected = reluFirst.forward(denseRows(rows)).data;
    close(reluFirst.forward(rows).data, expected, 1e-6);
  });

  it('rejects rows of the wrong width', () => {
    const rows = randomRows(new Rng(5), 2, 10, 3);
    assert.throws(() => new Linear(11, 2).forward(rows), /input has 10 features, weight expects 11/);
  });

  it('native kernels match the reference, threads and empty rows included', () => {
    const native: Backend = loadNativeBackend();
    const reference: Backend = new ReferenceBackend();
    const rng = new Rng(6);
    const rows = randomRows(rng, 33, 300, 20);
    const n = 70;
    const weight = rng.fillUniform(new Float32Array(n * 300), -1, 1);
    const outN = new Float32Array(33 * n);
    const outR = new Float32Array(33 * n);
    native.sparseRowsMatmulT(rows.offsets, rows.indices, rows.values, weight, 300, n, outN);
    reference.sparseRowsMatmulT(rows.offsets, rows.indices, rows.values, weight, 300, n, outR);
    close(outN, outR, 1e-5);
    const dOut = rng.fillUniform(new Float32Array(33 * n), -1, 1);
    for (let i = 0; i < dOut.length; i += 3) dOut[i] = 0;
    const gN = Float32Array.from(weight);
    const gR = Float32Array.from(weight);
    native.sparseRowsGradWeight(rows.offsets, rows.indices, rows.values, dOut, 300, n, gN);
    reference.sparseRowsGradWeight(rows.offsets, rows.indices, rows.values, dOut, 300, n, gR);
    close(gN, gR, 1e-5);
    const bad = { ...rows, indices: Int32Array.from(rows.indices, (c, k) => (k === 4 ? 300 : c)) };
    assert.throws(() => native.sparseRowsMatmulT(bad.offsets, bad.indices, bad.values, weight, 300, n, outN), /ids\[4\] = 300 is outside/);
  });

  it('a dense input still works unchanged', () => {
    const lin = new Linear(3, 1, { rng: new Rng(7) });
    const y = lin.forward(Tensor.from([1, 0, 0], [1, 3]));
    assert.ok(Math.abs(y.data[0] - (lin.weight.data[0] + lin.bias!.data[0])) < 1e-6);
  });
});
