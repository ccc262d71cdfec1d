/**
 * The native backend against the reference backend, method by method, on odd shapes,
 * views with offsets, ties and edge cases. Fails (never skips) when the addon cannot load.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Act } from '../../src/backend/backend.js';
import type { ActCode, Conv2dShape } from '../../src/backend/backend.js';
import { assertClose, assertOpenblasMatches, defaultThreads, forThreadCounts, ints, levels, native, offsetView, reference, uniform } from './parity-helpers.js';

describe('native backend', () => {
  test('loads and reports its thread count', () => {
    assert.equal(native.name, 'native');
    assert.ok(defaultThreads >= 1);
    native.setThreads(1);
    assert.equal(native.getThreads(), 1);
    native.setThreads(defaultThreads);
    assert.equal(native.getThreads(), defaultThreads);
    assert.throws(() => native.setThreads(0), RangeError);
  });

  test('gemm: every transpose, odd shapes, beta 0 and 1/2, views, empty K', () => {
    const shapes = [
      [1, 1, 1], [1, 3, 17], [3, 1, 17], [17, 3, 1], [3, 17, 3], [17, 17, 17],
      [1, 513, 17], [513, 3, 3], [3, 17, 513], [64, 96, 40], [96, 64, 40], [1, 520, 300], [300, 1, 220],
      // several K-blocks, partial tiles and panels (the AVX-512 kernel's edges)
      [17, 47, 641], [40, 33, 321], [9, 100, 320], [9, 4100, 5],
      // A B^T with 1 to 4 rows, computed without packing, from any alignment of B
      [3, 37, 100], [4, 33, 17], [4, 100, 513], [3, 3, 40], [1, 37, 100], [2, 33, 17], [1, 515, 784],
      [2, 100, 513], [1, 9, 5], [2, 13, 1],
      [5, 4, 0],
    ];
    forThreadCounts((threads) => {
      for (const [M, N, K] of shapes) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            for (const beta of [0, 0.5]) {
              const A = offsetView(uniform(M * K));
              const B = beta === 0 ? uniform(K * N) : offsetView(uniform(K * N));
              const C0 = beta === 0 ? new Float32Array(M * N).fill(NaN) : uniform(M * N);
              const expected = C0.slice();
              const actual = offsetView(C0);
              reference.gemm(transA, transB, M, N, K, 0.75, A, B, beta, expected);
              native.gemm(transA, transB, M, N, K, 0.75, A, B, beta, actual);
              assertClose(actual, expected, 1e-5 * Math.sqrt(K + 1),
                `gemm ${M}x${N}x${K} tA=${transA} tB=${transB} beta=${beta} threads=${threads}`);
            }
          }
        }
      }
    }, true);
  });

  test('gemm: runs on midl\'s AVX-512 kernel on AVX-512 CPUs, and on OpenBLAS with MIDL_GEMM=openblas', () => {
    const kernel = (native as { gemmKernel?: string }).gemmKernel;
    const avx512 = /^flags\s*:.*\bavx512f\b/m.test(readFileSync('/proc/cpuinfo', 'utf8'));
    assert.equal(kernel, avx512 ? 'midl-avx512' : 'openblas');
    // The other path, in a child process (the choice is made once, when the addon loads).
    const script = `
      import { loadNativeBackend } from ${JSON.stringify(new URL('../../src/backend/native.js', import.meta.url).href)};
      import { ReferenceBackend } from ${JSON.stringify(new URL('../../src/backend/reference.js', import.meta.url).href)};
      const native = loadNativeBackend(), reference = new ReferenceBackend();
      let worst = 0;
      for (const [M, N, K, tA, tB] of [[17, 47, 641, false, true], [40, 33, 9, true, false], [9, 100, 320, true, true]]) {
        const A = Float32Array.from({ length: M * K }, (_, i) => Math.sin(i)), B = Float32Array.from({ length: K * N }, (_, i) => Math.cos(i));
        const a = new Float32Array(M * N), b = new Float32Array(M * N);
        native.gemm(tA, tB, M, N, K, 0.75, A, B, 0, a);
        reference.gemm(tA, tB, M, N, K, 0.75, A, B, 0, b);
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      console.log(JSON.stringify({ kernel: native.gemmKernel, worst }));`;
    assertOpenblasMatches(script);
  });

  test('biasAct: with and without bias, relu and none, in place, views', () => {
    for (const [rows, cols] of [[1, 1], [1, 513], [3, 17], [17, 3], [300, 513]]) {
      for (const act of [Act.none, Act.relu] as ActCode[]) {
        for (const withBias of [true, false]) {
          const x = offsetView(uniform(rows * cols));
          const bias = withBias ? offsetView(uniform(cols)) : null;
          const expected = new Float32Array(rows * cols);
          reference.biasAct(x, bias, rows, cols, act, expected);
          const actual = offsetView(new Float32Array(rows * cols));
          native.biasAct(x, bias, rows, cols, act, actual);
          assertClose(actual, expected, 1e-7, `biasAct ${rows}x${cols}`);
          native.biasAct(x, bias, rows, cols, act, x);
          assertClose(x, expected, 1e-7, `biasAct in place ${rows}x${cols}`);
        }
      }
    }
  });

  test('reluBackward: zeros in y count as inactive; dx may alias dy', () => {
    for (const n of [1, 3, 17, 513, 100_000]) {
      const dy = offsetView(uniform(n));
      const y = levels(n, 3);
      const expected = new Float32Array(n);
      reference.reluBackward(dy, y, expected);
      const actual = new Float32Array(n);
      native.reluBackward(dy, y, actual);
      assert.deepEqual(actual, expected);
      native.reluBackward(dy, y, dy);
      assert.deepEqual(new Float32Array(dy), expected);
    }
  });

  test('sumRows: overwrite and accumulate, narrow and wide', () => {
    for (const [rows, cols] of [[1, 1], [3, 17], [17, 3], [1, 513], [300, 513], [2000, 40], [0, 5]]) {
      for (const accumulate of [false, true]) {
        const x = offsetView(uniform(rows * cols));
        const start = uniform(cols);
        const expected = start.slice();
        reference.sumRows(x, rows, cols, expected, accumulate);
        const actual = offsetView(start);
        native.sumRows(x, rows, cols, actual, accumulate);
        assertClose(actual, expected, 1e-5, `sumRows ${rows}x${cols} accumulate=${accumulate}`);
      }
    }
  });

  test('softmaxCrossEntropy: loss and gradient, smoothing, scale, no grad', () => {
    for (const [rows, cols] of [[1, 1], [1, 3], [3, 17], [17, 513], [400, 40]]) {
      for (const smoothing of [0, 0.1]) {
        const logits = offsetView(uniform(rows * cols, -8, 8));
        const labels = offsetView(ints(rows, cols));
        const expectedGrad = new Float32Array(rows * cols);
        const expected = reference.softmaxCrossEntropy(logits, labels, rows, cols, smoothing, expectedGrad, 2);
        const actualGrad = offsetView(new Float32Array(rows * cols));
        const actual = native.softmaxCrossEntropy(logits, labels, rows, cols, smoothing, actualGrad, 2);
        assertClose([actual], [expected], 1e-9, `loss ${rows}x${cols}`);
        assertClose(actualGrad, expectedGrad, 1e-6, `grad ${rows}x${cols}`);
        const lossOnly = native.softmaxCrossEntropy(logits, labels, rows, cols, smoothing, null, 1);
        assertClose([lossOnly], [expected], 1e-9, `loss without grad ${rows}x${cols}`);
      }
    }
  });

  test('adamStep: Adam with L2, AdamW, no decay, early and late steps', () => {
    const variants = [
      { weightDecay: 0, decoupled: false }, { weightDecay: 0.01, decoupled: false }, { weightDecay: 0.05, decoupled: true },
    ];
    for (const n of [1, 17, 513, 100_000]) {
      for (const variant of variants) {
        for (const step of [1, 10]) {
          const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, step, ...variant };
          const param = uniform(n);
          const grad = uniform(n);
          const m = uniform(n, -0.1, 0.1);
          const v = uniform(n, 0, 0.01);
          const expected = [param.slice(), m.slice(), v.slice()];
          reference.adamStep(expected[0], grad, expected[1], expected[2], o);
          const actual = [offsetView(param), offsetView(m), offsetView(v)];
          native.adamStep(actual[0], offsetView(grad), actual[1], actual[2], o);
          for (let t = 0; t < 3; t++) assertClose(actual[t], expected[t], 2e-6, `adam ${['param', 'm', 'v'][t]} n=${n}`);
        }
      }
    }
  });

  const convShapes: Conv2dShape[] = [
    { batch: 1, channels: 1, height: 1, width: 1, kernelH: 1, kernelW: 1, stride: 1, pad: 0 },
    { batch: 1, channels: 3, height: 5, width: 7, kernelH: 3, kernelW: 3, stride: 1, pad: 1 },
    { batch: 3, channels: 2, height: 17, width: 17, kernelH: 3, kernelW: 2, stride: 2, pad: 1 },
    { batch: 2, channels: 3, height: 9, width: 8, kernelH: 5, kernelW: 5, stride: 3, pad: 2 },
    { batch: 2, channels: 1, height: 4, width: 6, kernelH: 2, kernelW: 2, stride: 2, pad: 0 },
    { batch: 1, channels: 2, height: 3, width: 3, kernelH: 2, kernelW: 2, stride: 1, pad: 3 },
    { batch: 8, channels: 16, height: 16, width: 16, kernelH: 3, kernelW: 3, stride: 1, pad: 1 },
    // One image with enough work for the pooled GEMM path.
    { batch: 1, channels: 16, height: 20, width: 20, kernelH: 3, kernelW: 3, stride: 1, pad: 1 },
  ];

  function outDims(s: Conv2dShape): { oh: number; ow: number } {
    return {
      oh: Math.floor((s.height + 2 * s.pad - s.kernelH) / s.stride) + 1,
      ow: Math.floor((s.width + 2 * s.pad - s.kernelW) / s.stride) + 1,
    };
  }

  test('conv2dForward and conv2dBackward: strides, paddings, bias, ReLU, both thread paths', () => {
    forThreadCounts((threads) => {
      for (const s of convShapes) {
        for (const [filters, act, withBias] of [[1, Act.none, false], [5, Act.relu, true], [7, Act.none, true]] as const) {
          const { oh, ow } = outDims(s);
          const what = `conv ${JSON.stringify(s)} F=${filters} act=${act} bias=${withBias} threads=${threads}`;
          const inputSize = s.batch * s.channels * s.height * s.width;
          const weightSize = filters * s.channels * s.kernelH * s.kernelW;
          const outSize = s.batch * filters * oh * ow;
          const x = offsetView(uniform(inputSize));
          const w = offsetView(uniform(weightSize));
          const bias = withBias ? offsetView(uniform(filters)) : null;
          const expectedY = new Float32Array(outSize);
          reference.conv2dForward(x, w, bias, s, filters, act, expectedY);
          const actualY = offsetView(new Float32Array(outSize).fill(NaN));
          native.conv2dForward(x, w, bias, s, filters, act, actualY);
          assertClose(actualY, expectedY, 1e-5, `${what} forward`);

          // Gradients accumulate into what is there; dx is sometimes not wanted.
          const dy = uniform(outSize);
          const start = { dx: uniform(inputSize), dweight: uniform(weightSize), dbias: uniform(filters) };
          const wantDx = filters !== 7;
          const expected = { dx: wantDx ? start.dx.slice() : null, dweight: start.dweight.slice(), dbias: withBias ? start.dbias.slice() : null };
          reference.conv2dBackward(x, w, expectedY, dy, s, filters, act, expected);
          const actual = {
            dx: wantDx ? offsetView(start.dx) : null, dweight: offsetView(start.dweight), dbias: withBias ? offsetView(start.dbias) : null,
          };
          native.conv2dBackward(x, w, expectedY, offsetView(dy), s, filters, act, actual);
          if (wantDx) assertClose(actual.dx!, expected.dx!, 1e-5, `${what} dx`);
          assertClose(actual.dweight, expected.dweight, 1e-4, `${what} dweight`);
          if (withBias) assertClose(actual.dbias!, expected.dbias!, 1e-4, `${what} dbias`);
        }
      }
    });
  });

  test('maxPool2d: ties go to the first maximum; backward accumulates', () => {
    for (const s of convShapes) {
      const { oh, ow } = outDims(s);
      const inputSize = s.batch * s.channels * s.height * s.width;
      const outSize = s.batch * s.channels * oh * ow;
      const x = offsetView(levels(inputSize, 3));
      const expectedOut = new Float32Array(outSize);
      const expectedArg = new Int32Array(outSize);
      reference.maxPool2d(x, s, expectedOut, expectedArg);
      const actualOut = offsetView(new Float32Array(outSize));
      const actualArg = offsetView(new Int32Array(outSize));
      native.maxPool2d(x, s, actualOut, actualArg);
      assert.deepEqual(new Float32Array(actualOut), expectedOut, `maxPool2d ${JSON.stringify(s)}`);
      assert.deepEqual(new Int32Array(actualArg), expectedArg, `maxPool2d argmax ${JSON.stringify(s)}`);

      const dy = uniform(outSize);
      const dx0 = uniform(inputSize);
      const expectedDx = dx0.slice();
      reference.maxPool2dBackward(dy, expectedArg, expectedDx);
      const actualDx = offsetView(dx0);
      native.maxPool2dBackward(offsetView(dy), actualArg, actualDx);
      assertClose(actualDx, expectedDx, 1e-6, `maxPool2dBackward ${JSON.stringify(s)}`);
    }
  });

  test('avgPool2d: padding counts in the divisor; backward accumulates', () => {
    for (const s of convShapes) {
      const { oh, ow } = outDims(s);
      const inputSize = s.batch * s.channels * s.height * s.width;
      const outSize = s.batch * s.channels * oh * ow;
      const x = offsetView(uniform(inputSize));
      const expectedOut = new Float32Array(outSize);
      reference.avgPool2d(x, s, expectedOut);
      const actualOut = offsetView(new Float32Array(outSize));
      native.avgPool2d(x, s, actualOut);
      assertClose(actualOut, expectedOut, 1e-6, `avgPool2d ${JSON.stringify(s)}`);

      const dy = uniform(outSize);
      const dx0 = uniform(inputSize);
      const expectedDx = dx0.slice();
      reference.avgPool2dBackward(dy, s, expectedDx);
      const actualDx = offsetView(dx0);
      native.avgPool2dBackward(offsetView(dy), s, actualDx);
      assertClose(actualDx, expectedDx, 1e-6, `avgPool2dBackward ${JSON.stringify(s)}`);
    }
  });

  test('topkRows: ties to the lower index, ascending output, k = 1 and k = cols, signed zeros', () => {
    for (const [rows, cols] of [[1, 1], [1, 3], [3, 17], [17, 513], [300, 512]]) {
      for (const k of new Set([1, Math.max(1, Math.floor(cols * 0.45)), cols - 1, cols].filter((v) => v >= 1))) {
        for (const tied of [false, true]) {
          const x = offsetView(tied ? levels(rows * cols, 4) : uniform(rows * cols));
          if (tied) for (let i = 0; i < x.length; i += 5) x[i] = i % 2 === 0 ? -0 : 0;
          const expected = new Int32Array(rows * k);
          reference.topkRows(x, rows, cols, k, expected);
          const actual = offsetView(new Int32Array(rows * k));
          native.topkRows(x, rows, cols, k, actual);
          assert.deepEqual(new Int32Array(actual), expected, `topk ${rows}x${cols} k=${k} tied=${tied}`);
        }
      }
    }
  });

  test('scatterColumns: kept columns written, the others left as they were', () => {
    for (const [rows, n, k, threads] of [[1, 1, 1, 2], [3, 17, 5, 2], [256, 512, 230, 2], [257, 100, 45, 3], [4, 9, 0, 2]]) {
      native.setThreads(threads);
      const cols = new Int32Array(k);
      for (let t = 0; t < k; t++) cols[t] = Math.floor((t * n) / Math.max(k, 1));
      const src = offsetView(uniform(rows * k));
      const expected = uniform(rows * n);
      const actual = offsetView(expected.slice());
      reference.scatterColumns(src, rows, cols, n, expected);
      native.scatterColumns(src, rows, cols, n, actual);
      assert.deepEqual(new Float32Array(actual), expected, `scatterColumns ${rows}x${n} k=${k} threads=${threads}`);
    }
    native.setThreads(defaultThreads);
  });

  test('gatherRows and scatterAddRows: repeated ids add up', () => {
    for (const [rows, dim, count] of [[1, 1, 1], [3, 17, 5], [17, 3, 40], [50, 513, 300], [7, 1, 0]]) {
      const table = offsetView(uniform(rows * dim));
      const ids = offsetView(ints(count, rows));
      const expected = new Float32Array(count * dim);
      reference.gatherRows(table, dim, ids, expected);
      const actual = offsetView(new Float32Array(count * dim));
      native.gatherRows(table, dim, ids, actual);
      assert.deepEqual(new Float32Array(actual), expected, `gatherRows ${rows}x${dim} ids=${count}`);

      const src = uniform(count * dim);
      const expectedTable = table.slice();
      reference.scatterAddRows(src, dim, ids, expectedTable);
      native.scatterAddRows(offsetView(src), dim, ids, table);
      assertClose(table, expectedTable, 1e-6, `scatterAddRows ${rows}x${dim} ids=${count}`);
    }
  });

  test('embeddingBagMean and its backward: empty bags give zeros and no gradient', () => {
    for (const [rows, dim] of [[1, 1], [5, 3], [17, 17], [40, 513]]) {
      const sizes = [0, 1, 3, 0, 7, 2, 0];
      const offsets = new Int32Array(sizes.length + 1);
      for (let b = 0; b < sizes.length; b++) offsets[b + 1] = offsets[b] + sizes[b];
      const ids = offsetView(ints(offsets[sizes.length], rows));
      const table = offsetView(uniform(rows * dim));
      const expected = new Float32Array(sizes.length * dim);
      reference.embeddingBagMean(table, dim, ids, offsets, expected);
      const actual = offsetView(new Float32Array(sizes.length * dim).fill(NaN));
      native.embeddingBagMean(table, dim, ids, offsetView(offsets), actual);
      assertClose(actual, expected, 1e-6, `embeddingBagMean ${rows}x${dim}`);

      const dOut = uniform(sizes.length * dim);
      const dTable0 = uniform(rows * dim);
      const expectedDTable = dTable0.slice();
      reference.embeddingBagMeanBackward(dOut, dim, ids, offsets, expectedDTable);
      const actualDTable = offsetView(dTable0);
      native.embeddingBagMeanBackward(offsetView(dOut), dim, ids, offsets, actualDTable);
      assertClose(actualDTable, expectedDTable, 1e-6, `embeddingBagMeanBackward ${rows}x${dim}`);
    }
  });

  test('bad arguments throw TypeError or RangeError instead of crashing', () => {
    const a = new Float32Array(4);
    assert.throws(() => native.gemm(false, false, 2, 2, 2, 1, a, a, 0, new Float32Array(3)), RangeError);
    assert.throws(() => native.gemm(false, false, 2, 2, 2, 1, new Float64Array(4) as unknown as Float32Array, a, 0, a), TypeError);
    assert.throws(() => native.topkRows(a, 1, 4, 0, new Int32Array(1)), RangeError);
    assert.throws(() => native.topkRows(a, 1, 4, 5, new Int32Array(5)), RangeError);
    assert.throws(() => native.gatherRows(a, 2, new Int32Array([2]), new Float32Array(2)), RangeError);
    assert.throws(() => native.scatterColumns(a, 2, new Int32Array([0, 2]), 2, a), /cols\[1\] = 2 is outside \[0, n = 2\)/);
    assert.throws(() => native.scatterColumns(a, 2, new Int32Array([0]), 3, a), /out has 4 elements, needs at least 6/);
    assert.throws(() => native.maxPool2dBackward(a, new Int32Array([0, 1, 9, 2]), a), RangeError);
    assert.throws(() => native.softmaxCrossEntropy(a, new Int32Array([4]), 1, 4, 0, null, 1), RangeError);
    assert.throws(() => native.embeddingBagMean(a, 2, new Int32Array([0]), new Int32Array([0, 2]), a), RangeError);
  });
});
