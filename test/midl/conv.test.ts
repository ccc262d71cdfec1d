import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Conv2d } from '../../src/nn/conv.js';
import { MaxPool2d, Flatten } from '../../src/nn/layers.js';
import { Linear } from '../../src/nn/linear.js';
import { Sequential } from '../../src/nn/sequential.js';
import { MIDLConv2d } from '../../src/midl/conv.js';
import { MIDL } from '../../src/midl/layer.js';
import { midlKernels, referenceMidlKernels } from '../../src/midl/kernels.js';
import { costReport } from '../../src/midl/cost.js';
import { buildModel } from '../../src/experiments/models.js';
import { globalAvgPool2d } from '../../src/tensor/ops/pool.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';
import { sigmoidValue } from '../../src/tensor/ops/activations.js';
import { gradcheck, randomTensor } from '../tensor/gradcheck.js';
import { eachBackend, maxDiff } from './backends.js';

const rng = new Rng(91);



describe('MIDLConv2d', () => {
  it('names its parameters PyTorch-style', () => {
    const conv = new MIDLConv2d(5, 16, 3, { pad: 1, rank: 4, lightRank: 2, rng });
    assert.deepEqual(conv.namedParameters().map(([k, t]) => `${k}:${t.shape.join('x')}`), [
      'weight:16x5x3x3', 'bias:16', 'proj.weight:4x5', 'gate.weight:16x4', 'gate.bias:16',
      'light_down.weight:2x5x1x1', 'light_up.weight:16x2x1x1', 'light_up.bias:16',
    ]);
    const zero = new MIDLConv2d(5, 16, 3, { light: 'zero', rng });
    assert.deepEqual(zero.namedParameters().map(([k]) => k), ['weight', 'bias', 'proj.weight', 'gate.weight', 'gate.bias']);
  });

  it("rejects a 'lowrank' light path whose 1x1 convolution would not line up with the windows", () => {
    assert.throws(() => new MIDLConv2d(3, 4, 3, { pad: 0 }), /pad = \(kernelSize - 1\) \/ 2, got kernel 3, pad 0/);
    assert.throws(() => new MIDLConv2d(3, 4, 3, { keep: 0 }), /keep must be in \(0, 1\]/);
  });

  it('sparse inference equals dense-then-mask (odd channels, k = 1, k = all, batch 1, stride 2, zero light)', () => {
    // [C_in, C_out, size, batch, keep, light, stride, pad, kernel, threshold]
    const cases: Array<[number, number, number, number, number, 'lowrank' | 'zero', number, number, number, number]> = [
      [3, 7, 9, 2, 0.5, 'lowrank', 1, 1, 3, 0], [5, 9, 8, 3, 0.3, 'zero', 2, 0, 3, 0], [4, 6, 7, 1, 1, 'lowrank', 2, 1, 3, 0],
      [4, 5, 6, 4, 0.01, 'lowrank', 1, 0, 1, 0], [6, 11, 5, 5, 0.6, 'lowrank', 1, 1, 3, 0.5],
    ];
    eachBackend((be) => {
      for (const [C, F, H, B, keep, light, stride, pad, kernel, threshold] of cases) {
        const conv = new MIDLConv2d(C, F, kernel, { keep, light, stride, pad, threshold, rng: new Rng(C * F) }).eval();
        const x = randomTensor([B, C, H, H], rng);
        const sparse = conv.forward(x);
        conv.inference = 'masked';
        const masked = conv.forward(x);
        const where = `${be.name} C=${C} F=${F} B=${B} keep=${keep} ${light}`;
        assert.deepEqual(sparse.shape, masked.shape, where);
        assert.deepEqual(sparse.shape, [B, F, ...conv.outputSize(H, H)], where);
        assert.ok(maxDiff(sparse.data, masked.data) < 1e-5, `${where}: ${maxDiff(sparse.data, masked.data)}`);
        if (threshold === 0) assert.equal(conv.activity.meanActive(), conv.currentK(), where);
      }
    });
  });

  it('native kernel matches the reference one, selections included', () => {
    const kernels = midlKernels();
    if (kernels.name !== 'native') return;
    for (const [C, F, H, B, k, light, stride, tau] of [
      [3, 7, 9, 1, 1, 'lowrank', 1, 0], [5, 13, 8, 3, 13, 'zero', 2, 0], [6, 11, 7, 5, 6, 'lowrank', 2, 0.5], [2, 9, 6, 4, 4, 'lowrank', 1, 0],
    ] as const) {
      const conv = new MIDLConv2d(C, F, 3, { pad: 1, stride, light, rng: new Rng(F) });
      const p = {
        weight: conv.weight.data, bias: conv.bias.data, projWeight: conv.proj.weight.data, gateWeight: conv.gate.weight.data,
        gateBias: (conv.gate.bias as Tensor).data, lightDown: conv.lightDown?.weight.data ?? null,
        lightUp: conv.lightUp?.weight.data ?? null, lightBias: conv.lightUp?.bias?.data ?? null,
      };
      const x = randomTensor([B, C, H, H], rng).data;
      const [oh, ow] = conv.outputSize(H, H);
      const run = (impl: typeof kernels) => {
        const y = new Float32Array(B * F * oh * ow), counts = new Int32Array(B), sel = new Int32Array(B * k);
        impl.convInference(conv, p, x, B, H, H, k, tau, 1, y, counts, sel);
        return { y, counts, sel };
      };
      const nat = run(kernels), ref = run(referenceMidlKernels());
      assert.ok(maxDiff(nat.y, ref.y) < 1e-5, `C=${C} F=${F} B=${B} k=${k}`);
      assert.deepEqual([...nat.counts], [...ref.counts]);
      for (let i = 0; i < B; i++) assert.deepEqual([...nat.sel.subarray(i * k, i * k + nat.counts[i])], [...ref.sel.subarray(i * k, i * k + ref.counts[i])]);
    }
  });

  it('with every channel kept and gates saturated at 1, it is the plain convolution', () => {
    const conv = new MIDLConv2d(3, 4, 3, { pad: 1, keep: 1, gateBiasInit: 80, rng }).eval();
    const plain = new Conv2d(3, 4, 3, { pad: 1, activation: 'relu', rng });
    plain.weight.data.set(conv.weight.data);
    (plain.bias as Tensor).data.set(conv.bias.data);
    conv.gate.weight.data.fill(0);
    const x = randomTensor([2, 3, 6, 6], rng);
    assert.ok(maxDiff(conv.forward(x).data, noGrad(() => plain.forward(x)).data) < 1e-5);
  });

  it('trains: finite differences for the convolution, light path and input, the STE formula for the gate', () => {
    const conv = new MIDLConv2d(3, 4, 3, { pad: 1, keep: 0.5, rank: 2, lightRank: 2, activation: 'none', rng });
    const x = randomTensor([2, 3, 5, 5], rng);
    const light = conv.lightUp as Conv2d;
    gradcheck(() => conv.forward(x), [conv.weight, conv.bias, light.weight, light.bias as Tensor], { eps: 1e-3 });
    for (const p of conv.parameters()) p.grad = null;
    const seed = Float32Array.from({ length: 2 * 4 * 25 }, () => rng.uniform() - 0.5);
    conv.forward(x).backward(seed);
    const expected = new Float64Array(4);
    noGrad(() => {
      const pre = conv.gate.forward(conv.proj.forward(globalAvgPool2d(x)));
      const lp = light.forward((conv.lightDown as Conv2d).forward(x));
      const plain = new Conv2d(3, 4, 3, { pad: 1, rng: new Rng(0) });
      plain.weight.data.set(conv.weight.data);
      (plain.bias as Tensor).data.set(conv.bias.data);
      const f = plain.forward(x);
      for (let i = 0; i < 2; i++) {
        for (let c = 0; c < 4; c++) {
          const a = sigmoidValue(pre.data[i * 4 + c]);
          for (let p = 0; p < 25; p++) {
            const at = (i * 4 + c) * 25 + p;
            expected[c] += seed[at] * (f.data[at] - lp.data[at]) * a * (1 - a);
          }
        }
      }
    });
    const got = conv.gate.bias?.grad as Float32Array;
    expected.forEach((e, c) => assert.ok(Math.abs(got[c] - e) < 1e-4, `gate.bias[${c}]: ${got[c]} vs ${e}`));
  });

  it('round-trips its state dict', () => {
    const a = new MIDLConv2d(3, 6, 3, { pad: 1, rng: new Rng(1) }).eval();
    const b = new MIDLConv2d(3, 6, 3, { pad: 1, rng: new Rng(2) }).eval();
    b.loadStateDict(a.stateDict());
    const x = randomTensor([2, 3, 5, 5], rng);
    assert.ok(maxDiff(b.forward(x).data, a.forward(x).data) < 1e-6);
  });

  it('costs the selected channels, the light path and the gate', () => {
    const conv = new MIDLConv2d(8, 16, 3, { pad: 1, keep: 0.5, rank: 4, lightRank: 2, rng });
    const model = new Sequential(conv, new MaxPool2d(2), new Flatten(), new Linear(16 * 4 * 4, 3, { rng })).eval();
    const before = costReport(model, [8, 8, 8]);
    const convMacs = 8 * 4 + 16 * 4 + 2 * (8 + 16) * 64 + 8 * 8 * 9 * 64;
    assert.equal(before.layers[0].kind, 'MIDLConv2d');
    assert.equal(before.layers[0].macs, convMacs);
    assert.equal(before.layers[0].denseMacs, 16 * 8 * 9 * 64);
    noGrad(() => model.forward(randomTensor([3, 8, 8, 8], rng)));
    const after = costReport(model, [8, 8, 8]);
    assert.equal(after.layers[0].meanActive, 8);
    assert.equal(after.layers[0].histogram?.[8], 3);
  });
});

describe('the library API', () => {
  it("runs MIDLConv2d's doc example", async () => {
    const midl = await import('../../src/index.js');
    const conv = new midl.MIDLConv2d(32, 64, 3, { pad: 1, keep: 0.5 });
    conv.eval();
    const y = conv.forward(midl.Tensor.zeros([8, 32, 16, 16]));
    assert.deepEqual(y.shape, [8, 64, 16, 16]);
    assert.equal(conv.activity.meanActive(), 32);
    assert.equal(typeof midl.convLayer, 'function');
  });
});

describe('the midl-conv variant', () => {
  it('puts MIDLConv2d in every convolution but the first and MIDL in the head', () => {
    const model = buildModel('cifar10', [3, 32, 32], 10, { variant: 'midl-conv', keep: 0.5, dropout: 0, rng: new Rng(3) });
    const kinds = model.layers.map((m) => m.constructor.name);
    assert.deepEqual(kinds.filter((k) => k === 'MIDLConv2d').length, 3);
    assert.ok(model.layers[0] instanceof Conv2d);
    assert.ok(model.layers.some((m) => m instanceof MIDL));
    model.eval();
    const y = noGrad(() => model.forward(randomTensor([2, 3, 32, 32], rng)));
    assert.deepEqual(y.shape, [2, 10]);
    const r = costReport(model, [3, 32, 32]);
    assert.ok(r.flopsSaving > 1.6, `saving ${r.flopsSaving}`);
  });
});
