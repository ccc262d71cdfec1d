/**
 * MID-L's native per-neuron kernels against the reference ones, method by method, on odd
 * shapes, views with offsets, ties and edge cases. Fails (never skips) when the addon cannot load.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Act, nativeAddon, type ActCode } from '../../src/backend/index.js';
import { MidlStrategy, Ste } from '../../src/midl/neuron-kernels.js';
import { NativeNeuronKernels, type NeuronAddon } from '../../src/midl/neuron-native.js';
import { ReferenceNeuronKernels } from '../../src/midl/neuron-reference.js';
import { assertClose, assertOpenblasMatches, forThreadCounts, levels, offsetView, rng, uniform } from '../backend/parity-helpers.js';

const kernels = new NativeNeuronKernels(nativeAddon<NeuronAddon>());
const referenceKernels = new ReferenceNeuronKernels();

describe('MID-L per-neuron kernels', () => {
  /** A MID-L problem: random selections (ascending), some rows cut short by the threshold. */
  function midlProblem(B: number, d: number, n: number, k: number) {
    const sel = new Int32Array(B * k);
    const counts = new Int32Array(B);
    for (let i = 0; i < B; i++) {
      const chosen = Array.from(rng.permutation(n).subarray(0, k)).sort((a, b) => a - b);
      sel.set(chosen, i * k);
      counts[i] = i % 3 === 1 ? rng.int(k + 1) : k;
    }
    return {
      x: offsetView(uniform(B * d)), weight: offsetView(uniform(n * d)), bias: uniform(n),
      alpha: uniform(B * n, 0, 1), sel: offsetView(sel), counts, light: uniform(B * n),
    };
  }

  test('sparseForward: gather, neuron and auto agree with the reference', () => {
    const shapes = [
      [1, 1, 1, 1], [1, 3, 17, 5], [3, 17, 17, 17], [17, 3, 33, 1], [1, 513, 40, 18],
      [17, 513, 64, 29], [64, 200, 96, 43], [70, 2048, 48, 21], [256, 784, 64, 29],
    ];
    forThreadCounts((threads) => {
      for (const [B, d, n, k] of shapes) {
        const p = midlProblem(B, d, n, k);
        for (const act of [Act.none, Act.relu] as ActCode[]) {
          const expected = p.light.slice();
          referenceKernels.sparseForward(p.x, B, d, p.weight, p.bias, n, p.alpha, p.sel, p.counts, k, act, MidlStrategy.auto, expected);
          for (const [name, strategy] of Object.entries(MidlStrategy)) {
            const actual = offsetView(p.light);
            kernels.sparseForward(p.x, B, d, p.weight, p.bias, n, p.alpha, p.sel, p.counts, k, act, strategy, actual);
            assertClose(actual, expected, 1e-5 * Math.sqrt(d),
              `midl ${name} B=${B} d=${d} n=${n} k=${k} act=${act} threads=${threads}`);
          }
        }
      }
    });
  });

  /**
   * A MID-L problem whose selection is skewed as in trained layers: `always` random neurons
   * are selected by every example (the neuron strategy computes them as dense columns),
   * the rest of each example's k by chance (sparse products, few or many).
   */
  function skewedProblem(B: number, d: number, n: number, k: number, always: number) {
    const p = midlProblem(B, d, n, k);
    const order = rng.permutation(n);
    const common = Array.from(order.subarray(0, always));
    const others = order.subarray(always);
    for (let i = 0; i < B; i++) {
      const extra = Array.from(rng.permutation(others.length).subarray(0, k - always), (q) => others[q]);
      p.sel.set([...common, ...extra].sort((a, b) => a - b), i * k);
      p.counts[i] = k;
    }
    return p;
  }

  test('sparseForward: neurons most examples select (dense columns), with few or many others', () => {
    // [B, d, n, k, always]: the sparse rest is a few products per example (read in place)
    // or many (packed blocks); odd sizes leave partial panels and remainders.
    const shapes = [
      [64, 600, 200, 110, 100], [70, 531, 150, 120, 70], [256, 784, 256, 150, 100], [9, 517, 100, 90, 80],
      [40, 520, 64, 64, 64], // k = n: every neuron dense, no sparse product left
    ];
    forThreadCounts((threads) => {
      for (const [B, d, n, k, always] of shapes) {
        const p = skewedProblem(B, d, n, k, always);
        for (const act of [Act.none, Act.relu] as ActCode[]) {
          const expected = p.light.slice();
          referenceKernels.sparseForward(p.x, B, d, p.weight, p.bias, n, p.alpha, p.sel, p.counts, k, act, MidlStrategy.auto, expected);
          const actual = offsetView(p.light);
          kernels.sparseForward(p.x, B, d, p.weight, p.bias, n, p.alpha, p.sel, p.counts, k, act, MidlStrategy.neuron, actual);
          assertClose(actual, expected, 1e-5 * Math.sqrt(d), `midl skewed B=${B} d=${d} n=${n} k=${k} always=${always} act=${act} threads=${threads}`);
        }
      }
    }, true);
  });

  /** Multiples of 1/4 in [-1, 1]: products and sums stay exact, so both backends rank the same logits. */
  function quarters(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (rng.int(9) - 4) / 4;
    return out;
  }

  test('inference: ties, k = 1 and k = n, thresholds, batch 1, odd sizes, every strategy', () => {
    const shapes = [
      [1, 1, 1, 1, 1], [1, 17, 13, 3, 6], [3, 31, 7, 8, 7], [5, 9, 6, 2, 3], [17, 513, 40, 5, 1],
      [64, 200, 96, 11, 43], [256, 784, 64, 27, 29], [9, 2048, 48, 64, 21],
      // batch 1-4, large enough for the whole layer to run split across the threads
      [1, 300, 260, 9, 100], [2, 784, 512, 27, 230], [4, 257, 129, 5, 64], [3, 640, 120, 8, 120],
    ];
    forThreadCounts((threads) => {
      for (const [B, d, n, r, k] of shapes) {
        const x = offsetView(quarters(B * d));
        const proj = quarters(r * d);
        const gate = quarters(n * r);
        const gateBias = quarters(n);
        const light = uniform(n * r);
        const lightBias = uniform(n);
        const weight = offsetView(uniform(n * d));
        const bias = uniform(n);
        const params = { projWeight: proj, gateWeight: gate, gateBias, lightWeight: light, lightBias, weight, bias };
        const referencePlan = referenceKernels.plan(d, n, r, params);
        const nativePlan = kernels.plan(d, n, r, params);
        for (const tau of [0, 0.6]) {
          for (const act of [Act.none, Act.relu] as ActCode[]) {
            const label = `inference B=${B} d=${d} n=${n} r=${r} k=${k} tau=${tau} act=${act} threads=${threads}`;
            const expected = new Float32Array(B * n);
            const expectedCounts = new Int32Array(B);
            const expectedSel = new Int32Array(B * k);
            referenceKernels.inference(referencePlan, x, B, k, tau, act, MidlStrategy.auto, expected, expectedCounts,
              expectedSel);
            for (const [name, strategy] of Object.entries(MidlStrategy)) {
              const y = offsetView(new Float32Array(B * n).fill(NaN));
              const counts = new Int32Array(B);
              const sel = strategy === MidlStrategy.gather ? null : offsetView(new Int32Array(B * k));
              kernels.inference(nativePlan, x, B, k, tau, act, strategy, y, counts, sel);
              assertClose(y, expected, 1e-5 * Math.sqrt(d), `${label} ${name}`);
              assert.deepEqual(counts, expectedCounts, `${label} ${name}: counts`);
              for (let i = 0; sel !== null && i < B; i++) {
                assert.deepEqual(sel.subarray(i * k, i * k + counts[i]), expectedSel.subarray(i * k, i * k + counts[i]),
                  `${label} ${name}: sel row ${i}`);
              }
            }
          }
        }
      }
    }, true);
  });

  test('sigmoid and sigmoidBackward, large magnitudes and signed zeros included', () => {
    const x = offsetView(Float32Array.from([...uniform(1000, -20, 20), 0, -0, 88, -88, 100, -100, 1e-8, -1e-8]));
    const expected = new Float32Array(x.length);
    referenceKernels.sigmoid(x, expected);
    const actual = offsetView(new Float32Array(x.length));
    kernels.sigmoid(x, actual);
    assertClose(actual, expected, 3e-7, 'sigmoid');
    const inPlace = x.slice();
    kernels.sigmoid(inPlace, inPlace);
    assertClose(inPlace, expected, 3e-7, 'sigmoid in place');
    const dy = uniform(x.length);
    const expectedDx = new Float32Array(x.length);
    referenceKernels.sigmoidBackward(dy, expected, expectedDx);
    const actualDx = offsetView(new Float32Array(x.length));
    kernels.sigmoidBackward(dy, expected, actualDx);
    assertClose(actualDx, expectedDx, 1e-6, 'sigmoidBackward');
  });

  test('selectMask: ties to the lower index, thresholds, k = 1 and k = n', () => {
    forThreadCounts((threads) => {
      for (const [B, n] of [[1, 1], [3, 17], [200, 512], [7, 33]]) {
        for (const k of new Set([1, Math.max(1, Math.round(0.45 * n)), n])) {
          for (const tau of [0, 0.5]) {
            const alpha = offsetView(levels(B * n, 5).map((v) => 0.5 + v / 8));
            const expected = new Float32Array(B * n);
            referenceKernels.selectMask(alpha, B, n, k, tau, expected);
            const actual = offsetView(new Float32Array(B * n).fill(7));
            kernels.selectMask(alpha, B, n, k, tau, actual);
            assert.deepEqual(new Float32Array(actual), expected, `selectMask B=${B} n=${n} k=${k} tau=${tau} threads=${threads}`);
          }
        }
      }
    });
  });

  test('interpolate and its backward: both activations, both STE modes, skipped outputs', () => {
    for (const size of [1, 17, 70000]) {
      const alpha = uniform(size, 0, 1);
      const mask = levels(size, 2).map((v) => v + 1);
      const full = offsetView(uniform(size));
      const light = uniform(size);
      const dy = uniform(size);
      for (const act of [Act.none, Act.relu] as ActCode[]) {
        const expectedY = new Float32Array(size);
        referenceKernels.interpolate(alpha, mask, full, light, act, expectedY);
        const y = offsetView(new Float32Array(size));
        kernels.interpolate(alpha, mask, full, light, act, y);
        assertClose(y, expectedY, 1e-6, `interpolate size=${size} act=${act}`);
        for (const ste of [Ste.identity, Ste.product]) {
          const expected = [0, 1, 2].map(() => new Float32Array(size));
          referenceKernels.interpolateBackward(dy, expectedY, alpha, mask, full, light, act, ste, expected[0], expected[1], expected[2]);
          const actual = [0, 1, 2].map(() => offsetView(new Float32Array(size)));
          kernels.interpolateBackward(dy, expectedY, alpha, mask, full, light, act, ste, actual[0], actual[1], actual[2]);
          ['dFull', 'dLight', 'dAlpha'].forEach((name, i) =>
            assertClose(actual[i], expected[i], 1e-6, `interpolateBackward ${name} size=${size} act=${act} ste=${ste}`));
          const onlyAlpha = new Float32Array(size);
          kernels.interpolateBackward(dy, expectedY, alpha, mask, full, light, act, ste, null, null, onlyAlpha);
          assertClose(onlyAlpha, expected[2], 1e-6, `interpolateBackward dAlpha alone size=${size}`);
        }
      }
    }
  });

  test('bad arguments throw TypeError or RangeError instead of crashing', () => {
    const a = new Float32Array(4);
    const unsorted = new Int32Array([2, 1]);
    assert.throws(() => kernels.sparseForward(a, 1, 1, a, a, 4, a, unsorted, new Int32Array([2]), 2, Act.none,
      MidlStrategy.gather, a), RangeError);
    assert.throws(() => kernels.sparseForward(a, 1, 1, a, a, 4, a, new Int32Array([0, 1]), new Int32Array([3]), 2,
      Act.none, MidlStrategy.gather, a), RangeError);
    const params = (weight: Float32Array) => ({
      projWeight: a, gateWeight: a, gateBias: a, lightWeight: a, lightBias: a, weight, bias: a,
    });
    assert.throws(() => kernels.plan(4, 4, 1, params(new Float32Array(15))), RangeError);
    const plan = kernels.plan(4, 4, 1, params(new Float32Array(16)));
    assert.throws(() => kernels.inference(plan, a, 1, 5, 0, Act.none, MidlStrategy.auto, a, new Int32Array(1), null),
      RangeError);
    assert.throws(() => kernels.inference(referenceKernels.plan(4, 4, 1, params(new Float32Array(16))), a, 1, 2, 0,
      Act.none, MidlStrategy.auto, a, new Int32Array(1), null), TypeError);
    assert.throws(() => kernels.selectMask(a, 1, 4, 0, 0, a), RangeError);
    assert.throws(() => kernels.interpolateBackward(a, a, a, a, a, a, Act.none, 2 as never, null, null, null), RangeError);
  });

  test('sparseForward on OpenBLAS (MIDL_GEMM=openblas): dense columns agree with the reference', () => {
    const script = `
      import { nativeAddon } from ${JSON.stringify(new URL('../../src/backend/index.js', import.meta.url).href)};
      import { NativeNeuronKernels } from ${JSON.stringify(new URL('../../src/midl/neuron-native.js', import.meta.url).href)};
      import { ReferenceNeuronKernels } from ${JSON.stringify(new URL('../../src/midl/neuron-reference.js', import.meta.url).href)};
      const native = new NativeNeuronKernels(nativeAddon()), reference = new ReferenceNeuronKernels();
      let worst = 0;
      // MID-L's dense columns gather rows of W for the product (B = 64 examples all select
      // neurons 0-39, and 8 of the others each).
      const [B, d, n, k] = [64, 520, 64, 48];
      const wave = (len, f) => Float32Array.from({ length: len }, (_, i) => f(i));
      const x = wave(B * d, Math.sin), weight = wave(n * d, Math.cos), bias = wave(n, Math.sin);
      const alpha = wave(B * n, (i) => 0.5 + 0.4 * Math.sin(i)), light = wave(B * n, Math.cos);
      const sel = new Int32Array(B * k), counts = new Int32Array(B).fill(k);
      for (let i = 0; i < B; i++) {
        const row = [...Array.from({ length: 40 }, (_, j) => j), ...Array.from({ length: 8 }, (_, t) => 40 + ((i + 3 * t) % 24))];
        sel.set(row.sort((p, q) => p - q), i * k);
      }
      const a = light.slice(), b = light.slice();
      native.sparseForward(x, B, d, weight, bias, n, alpha, sel, counts, k, 0, 2, a);
      reference.sparseForward(x, B, d, weight, bias, n, alpha, sel, counts, k, 0, 0, b);
      for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      console.log(JSON.stringify({ kernel: nativeAddon().gemmKernel(), worst }));`;
    assertOpenblasMatches(script);
  });
});
