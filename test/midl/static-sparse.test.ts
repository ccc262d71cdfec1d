import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Linear } from '../../src/nn/linear.js';
import { Sequential } from '../../src/nn/sequential.js';
import { StaticSparseLinear, toStaticSparse } from '../../src/midl/static-sparse.js';
import { costReport } from '../../src/midl/cost.js';
import { Rng } from '../../src/tensor/rng.js';
import { randomTensor } from '../tensor/gradcheck.js';

describe('static sparsity', () => {
  it('keeps the rows of largest norm and computes only them', () => {
    const rng = new Rng(3);
    const dense = new Linear(6, 5, { activation: 'relu', rng });
    const scale = [0.1, 3, 0.2, 2, 1];
    for (let j = 0; j < 5; j++) for (let p = 0; p < 6; p++) dense.weight.data[j * 6 + p] *= scale[j];
    const sparse = StaticSparseLinear.fromLinear(dense, 0.6);
    assert.deepEqual([...sparse.kept], [1, 3, 4]);
    const x = randomTensor([4, 6], rng);
    const full = dense.forward(x).data;
    const y = sparse.eval().forward(x).data;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 5; j++) {
        const expected = [1, 3, 4].includes(j) ? full[i * 5 + j] : 0;
        assert.ok(Math.abs(y[i * 5 + j] - expected) < 1e-6);
      }
    }
    const train = sparse.train().forward(x).data;
    train.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-6, 'train and eval agree'));
  });

  it('recomputes its compact kept rows after training and after loadStateDict, not on every forward', () => {
    const rng = new Rng(5);
    const sparse = StaticSparseLinear.fromLinear(new Linear(6, 5, { activation: 'none', rng }), 0.6);
    const x = randomTensor([2, 6], rng);
    const evalOutput = () => [...sparse.eval().forward(x).data];
    const before = evalOutput();
    const bumpBias = (by: number) => sparse.bias.data.forEach((_, j, b) => (b[j] += by));
    bumpBias(1);
    assert.deepEqual(evalOutput(), before, 'a direct write is not seen until refreshKept()');
    sparse.refreshKept();
    const kept = new Set(sparse.kept);
    evalOutput().forEach((v, at) => assert.ok(Math.abs(v - before[at] - (kept.has(at % 5) ? 1 : 0)) < 1e-6));
    bumpBias(1);
    sparse.train().forward(x);
    evalOutput().forEach((v, at) => assert.ok(Math.abs(v - before[at] - (kept.has(at % 5) ? 2 : 0)) < 1e-6, 'after training'));
    const state = sparse.stateDict();
    const loaded = new Map([...state].map(([key, e]) => [key, { ...e, data: e.data.slice() }]));
    (loaded.get('bias')!.data as Float32Array).fill(0);
    (loaded.get('weight')!.data as Float32Array).fill(0);
    sparse.loadStateDict(loaded);
    assert.ok(evalOutput().every((v) => v === 0), 'after loadStateDict');
  });

  it('replaces hidden layers of a model but not its classifier, and costs k rows', () => {
    const rng = new Rng(4);
    const model = new Sequential(new Linear(10, 8, { activation: 'relu', rng }), new Linear(8, 3, { rng }));
    assert.equal(toStaticSparse(model, 0.5), 1);
    assert.ok(model.layers[0] instanceof StaticSparseLinear);
    assert.ok(model.layers[1] instanceof Linear);
    assert.deepEqual([...model.stateDict().keys()], ['0.weight', '0.bias', '0.kept_index', '1.weight', '1.bias']);
    const r = costReport(model, [10]);
    assert.equal(r.macsPerExample, 4 * 10 + 8 * 3);
    assert.equal(r.activeRatio, 0.5);
  });
});
