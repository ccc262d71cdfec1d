import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../src/nn/linear.js';
import { Sequential } from '../../src/nn/sequential.js';
import { Flatten } from '../../src/nn/layers.js';
import { MIDL, type InferenceMode } from '../../src/midl/layer.js';
import { defaultRank, keptCount } from '../../src/midl/shape.js';
import { gateValues, interpolate, selectionMask, selectTopK, topKMask } from '../../src/midl/gating.js';
import { costReport } from '../../src/midl/cost.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { sigmoidValue } from '../../src/tensor/ops/activations.js';
import { gradcheck, randomTensor } from '../tensor/gradcheck.js';
import { eachBackend } from './backends.js';

const rng = new Rng(2024);

function input(B: number, d: number): Tensor {
  return randomTensor([B, d], rng);
}


describe('MID-L shapes (docs/method.md section 2)', () => {
  it('uses the default rank and keep count of the spec example', () => {
    assert.equal(defaultRank(784, 512), 27);
    assert.equal(keptCount(0.45, 512), 230);
    assert.equal(defaultRank(16, 8), 8, 'at least 8');
    assert.equal(defaultRank(6, 4), 4, 'at most min(d, n)');
    assert.equal(keptCount(0.001, 10), 1, 'at least one neuron');
  });

  it('costs 229,136 MACs against 401,408 dense for 784 -> 512 at keep 0.45', () => {
    const layer = new MIDL(784, 512, { rng });
    assert.equal(layer.inferenceMacs(230), 229136);
    const r = costReport(new Sequential(layer), [784]);
    assert.equal(r.macsPerExample, 229136);
    assert.equal(r.denseMacsPerExample, 401408);
    assert.ok(Math.abs(r.flopsSaving - 1.75) < 0.01);
  });
});

describe('Top-k selection', () => {
  it('breaks ties toward the lower index and applies the threshold', () => {
    const alpha = Float32Array.of(0.5, 0.9, 0.5, 0.5, 0.2, 0.9, 0.1, 0.3);
    const s = selectTopK(alpha, 2, 4, 2, 0);
    assert.deepEqual([...s.sel], [0, 1, 1, 3]);
    assert.deepEqual([...s.counts], [2, 2]);
    const t = selectTopK(alpha, 2, 4, 3, 0.4);
    assert.deepEqual([...t.sel.subarray(0, t.counts[0])], [0, 1, 2]);
    assert.deepEqual([...t.sel.subarray(3, 3 + t.counts[1])], [1]);
  });
});

describe('the fused training pieces', () => {
  it('topKMask equals the mask of selectTopK, with ties and thresholds, on each backend', () => {
    eachBackend((b) => {
      for (const [B, n, k, tau] of [[2, 4, 2, 0], [2, 4, 3, 0.4], [9, 33, 15, 0.55], [1, 7, 7, 0]] as const) {
        const alpha = Float32Array.from({ length: B * n }, () => 0.5 + (rng.int(5) - 2) / 10);
        const expected = selectionMask(selectTopK(alpha, B, n, k, tau), B, n);
        assert.deepEqual(topKMask(alpha, B, n, k, tau), expected, `${b.name} B=${B} n=${n} k=${k} tau=${tau}`);
      }
    });
  });

  it('gateValues is the sigmoid, with its exact gradient', () => {
    eachBackend(() => {
      const logits = randomTensor([3, 5], rng);
      const alpha = gateValues(logits);
      alpha.data.forEach((v, i) => assert.ok(Math.abs(v - sigmoidValue(logits.data[i])) < 3e-7));
      gradcheck((t) => gateValues(t), [randomTensor([3, 5], rng)]);
    });
  });
});

describe('the interpolation and its straight-through gradient', () => {
  const B = 3;
  const n = 5;
  const mask = Float32Array.from({ length: B * n }, (_, i) => (i % 3 === 0 ? 1 : 0));

  it('matches finite differences for the full and light paths (mask fixed)', () => {
    const alpha = Tensor.from(Array.from({ length: B * n }, () => 0.1 + 0.8 * rng.uniform()), [B, n]);
    gradcheck((f, l) => interpolate(alpha, mask, f, l, 'none', 'identity'), [randomTensor([B, n], rng), randomTensor([B, n], rng)]);
  });

  for (const ste of ['identity', 'product'] as const) {
    it(`gives the gates the '${ste}' STE gradient, selected or not`, () => {
      const alpha = randomTensor([B, n], rng, 0.1, 0.9);
      const full = randomTensor([B, n], rng);
      const light = randomTensor([B, n], rng);
      const y = interpolate(alpha, mask, full, light, 'none', ste);
      const seed = Float32Array.from({ length: B * n }, () => rng.uniform() - 0.5);
      y.backward(seed);
      for (let i = 0; i < B * n; i++) {
        const factor = ste === 'identity' ? 1 : mask[i] + alpha.data[i];
        const expected = seed[i] * (full.data[i] - light.data[i]) * factor;
        assert.ok(Math.abs((alpha.grad as Float32Array)[i] - expected) < 1e-6, `element ${i}`);
      }
      const unselected = mask.findIndex((m) => m === 0);
      assert.notEqual((alpha.grad as Float32Array)[unselected], 0, 'an unselected neuron still learns');
    });
  }

  it('equals finite differences of a surrogate whose forward matches and whose da/dalpha is 1', () => {
    const alpha0 = Float32Array.from({ length: B * n }, () => 0.1 + 0.8 * rng.uniform());
    const full = Tensor.from(Array.from({ length: B * n }, () => rng.uniform() - 0.5), [B, n]);
    const light = Tensor.from(Array.from({ length: B * n }, () => rng.uniform() - 0.5), [B, n]);
    const alpha = Tensor.from(alpha0, [B, n], { requiresGrad: true });
    // Surrogate: a = alpha on selected neurons, alpha - alpha0 elsewhere (0 at the point).
    const surrogate = (al: Tensor): Tensor => {
      const a = al.data.map((v, i) => (mask[i] === 1 ? v : v - alpha0[i]));
      const y = a.map((w, i) => w * full.data[i] + (1 - w) * light.data[i]);
      const out = new Tensor(y, [B, n], true);
      out.node = { inputs: [al], backward: () => undefined };
      return out;
    };
    const r = Float32Array.from({ length: B * n }, () => rng.uniform() - 0.5);
    interpolate(alpha, mask, full, light, 'none', 'identity').backward(r);
    const eps = 1e-3;
    for (let i = 0; i < B * n; i++) {
      const probe = (delta: number): number => {
        const al = Tensor.from(alpha0, [B, n]);
        al.data[i] += delta;
        const y = surrogate(al).data;
        return y.reduce((s, v, j) => s + v * r[j], 0);
      };
      const numeric = (probe(eps) - probe(-eps)) / (2 * eps);
      assert.ok(Math.abs(numeric - (alpha.grad as Float32Array)[i]) < 2e-3, `element ${i}`);
    }
  });
});

describe('the MID-L layer', () => {
  it('names its parameters for safetensors', () => {
    const layer = new MIDL(12, 6, { rank: 3, rng });
    assert.deepEqual(layer.namedParameters().map(([k, t]) => `${k}:${t.shape.join('x')}`), [
      'weight:6x12', 'bias:6', 'proj.weight:3x12', 'gate.weight:6x3', 'gate.bias:6', 'light.weight:6x3', 'light.bias:6',
    ]);
  });

  it('trains: finite differences for the full path and the light head, STE formula for the gate', () => {
    const layer = new MIDL(7, 5, { rank: 3, keep: 0.6, activation: 'none', rng });
    const x = input(4, 7);
    const params = [layer.weight, layer.bias, layer.light.weight, layer.light.bias as Tensor];
    gradcheck(() => layer.forward(x), params, { eps: 1e-3 });
    // Gate bias: dL/db_g = sum_i dy * (full - light) * alpha * (1 - alpha) (identity STE).
    layer.zeroGrad();
    for (const p of layer.parameters()) p.grad = null;
    const seed = Float32Array.from({ length: 20 }, () => rng.uniform() - 0.5);
    layer.forward(x).backward(seed);
    const expected = new Float64Array(5);
    noGrad(() => {
      const z = layer.proj.forward(x);
      const pre = layer.gate.forward(z);
      const light = layer.light.forward(z);
      const full = new Linear(7, 5, { rng: new Rng(0) });
      full.weight.data.set(layer.weight.data);
      (full.bias as Tensor).data.set(layer.bias.data);
      const f = full.forward(x);
      for (let i = 0; i < 4; i++) {
        for (let j = 0; j < 5; j++) {
          const a = sigmoidValue(pre.data[i * 5 + j]);
          expected[j] += seed[i * 5 + j] * (f.data[i * 5 + j] - light.data[i * 5 + j]) * a * (1 - a);
        }
      }
    });
    const got = layer.gate.bias?.grad as Float32Array;
    expected.forEach((e, j) => assert.ok(Math.abs(got[j] - e) < 1e-5, `gate.bias[${j}]: ${got[j]} vs ${e}`));
  });

  it('anneals keep from 1 during the warm-up epochs', () => {
    const layer = new MIDL(8, 10, { keep: 0.4, keepWarmupEpochs: 2, rng });
    layer.setEpochProgress(0);
    assert.equal(layer.currentK(), 10);
    layer.setEpochProgress(1);
    assert.equal(layer.currentK(), 7);
    layer.setEpochProgress(2);
    assert.equal(layer.currentK(), 4);
    layer.eval();
    layer.setEpochProgress(0);
    assert.equal(layer.currentK(), 4, 'eval always uses the target');
  });

  it('adds lambda * mean(alpha) as an auxiliary loss whose gradient lowers the gates', () => {
    const layer = new MIDL(6, 4, { rank: 2, gatePenalty: 0.5, rng });
    layer.forward(input(3, 6));
    const aux = layer.auxiliaryLoss();
    assert.ok(aux !== null && aux.item() > 0 && aux.item() < 0.5);
    aux.backward();
    assert.ok((layer.gate.bias?.grad as Float32Array).every((g) => g > 0));
    assert.equal(layer.auxiliaryLoss(), null, 'consumed once');
  });
});

describe('sparse inference equals dense-then-mask', () => {
  const modes: InferenceMode[] = ['auto', 'gather', 'neuron'];

  function compare(layer: MIDL, x: Tensor, label: string): void {
    layer.eval();
    layer.inference = 'masked';
    const expected = layer.forward(x).data;
    for (const mode of modes) {
      layer.inference = mode;
      const got = layer.forward(x).data;
      for (let i = 0; i < got.length; i++) {
        assert.ok(Math.abs(got[i] - expected[i]) <= 1e-5 + 1e-5 * Math.abs(expected[i]), `${label} ${mode} [${i}]: ${got[i]} vs ${expected[i]}`);
      }
    }
  }

  it('on odd sizes, batch 1 and large batches, k = 1 and k = n, with each backend', () => {
    eachBackend((b) => {
      for (const [B, d, n, keep] of [[1, 17, 13, 0.45], [3, 31, 7, 1], [65, 40, 33, 0.01], [300, 33, 20, 0.5]] as const) {
        const layer = new MIDL(d, n, { keep, rng });
        compare(layer, input(B, d), `${b.name} B=${B} d=${d} n=${n} keep=${keep}`);
      }
    });
  });

  it('with tied gates (the lowest indices win) and a threshold that leaves one neuron', () => {
    eachBackend((b) => {
      const tied = new MIDL(9, 6, { keep: 0.5, rank: 2, rng });
      tied.gate.weight.data.fill(0);
      tied.gate.bias?.data.fill(0.3);
      compare(tied, input(4, 9), `${b.name} ties`);
      const one = new MIDL(9, 6, { keep: 0.5, rank: 2, threshold: 0.6, rng });
      one.gate.weight.data.fill(0);
      (one.gate.bias as Tensor).data.set([0, 0, 2, 0, 0, 0]);
      compare(one, input(5, 9), `${b.name} threshold`);
      assert.equal(one.activity.min, 1);
      assert.equal(one.activity.max, 1);
    });
  });

  it('through a whole stacked model', () => {
    eachBackend((b) => {
      const model = new Sequential(new Flatten(), new MIDL(20, 16, { rng }), new MIDL(16, 16, { rng }), new Linear(16, 3, { rng }));
      const x = randomTensor([7, 4, 5], rng);
      model.eval();
      const layers = model.layers.filter((m): m is MIDL => m instanceof MIDL);
      layers.forEach((m) => (m.inference = 'masked'));
      const expected = model.forward(x).data;
      layers.forEach((m) => (m.inference = 'auto'));
      const got = model.forward(x).data;
      got.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-4, `${b.name} [${i}]`));
    });
  });

  it('follows parameters changed in place or moved to new arrays (as the optimizer moves them), and the backend', () => {
    const layer = new MIDL(12, 10, { keep: 0.5, rng });
    const x = input(3, 12);
    eachBackend((b) => {
      compare(layer, x, `${b.name} first`);
      layer.weight.data.reverse();
      compare(layer, x, `${b.name} weight changed in place`);
      layer.gate.weight.data = Float32Array.from(layer.gate.weight.data, (v) => -v);
      compare(layer, x, `${b.name} gate weight in a new array`);
      layer.bias.data = layer.bias.data.map((v) => v + 1);
      compare(layer, x, `${b.name} bias in a new array`);
    });
  });

  it('records active neurons per example in eval mode', () => {
    const layer = new MIDL(10, 20, { keep: 0.25, rng }).eval();
    layer.forward(input(6, 10));
    assert.equal(layer.activity.examples, 6);
    assert.equal(layer.activity.meanActive(), 5);
    assert.equal(layer.activity.activeNeuronRatio(), 0.25);
    assert.equal(layer.activity.histogram[5], 6);
  });
});
