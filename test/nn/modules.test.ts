import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  Conv2d, Dropout, Embedding, EmbeddingBag, Flatten, GlobalAvgPool2d, Linear, MaxPool2d, ReLU, Sequential,
} from '../../src/nn/index.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { gradcheck, randomTensor } from '../tensor/gradcheck.js';

describe('nn modules', () => {
  it('names parameters as PyTorch does, nested with dots', () => {
    const rng = new Rng(1);
    const model = new Sequential(new Linear(4, 3, { rng }), new ReLU(), new Linear(3, 2, { rng, bias: false }));
    assert.deepEqual(model.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '2.weight']);
    assert.deepEqual([...model.stateDict().keys()], ['0.weight', '0.bias', '2.weight']);
    assert.equal(model.parameterCount(), 4 * 3 + 3 + 3 * 2);
  });

  it('initializes Linear and Conv2d within PyTorch default bounds', () => {
    const rng = new Rng(2);
    const lin = new Linear(100, 50, { rng });
    const bound = 1 / Math.sqrt(100);
    assert.ok(lin.weight.data.every((v) => Math.abs(v) <= bound));
    assert.ok(Math.max(...lin.weight.data) > 0.9 * bound, 'uses the whole range');
    const conv = new Conv2d(3, 8, 3, { rng });
    const cb = 1 / Math.sqrt(27);
    assert.ok(conv.weight.data.every((v) => Math.abs(v) <= cb));
  });

  it('gives the same weights for the same seed', () => {
    const a = new Linear(5, 4, { rng: new Rng(11) });
    const b = new Linear(5, 4, { rng: new Rng(11) });
    assert.deepEqual([...a.weight.data], [...b.weight.data]);
  });

  it('switches train/eval recursively; Dropout is the identity in eval', () => {
    const drop = new Dropout(0.5, { rng: new Rng(3) });
    const model = new Sequential(new Linear(4, 4, { rng: new Rng(4) }), drop);
    model.eval();
    assert.equal(drop.training, false);
    const x = Tensor.from([1, 2, 3, 4], [1, 4]);
    assert.equal(drop.forward(x), x);
    model.train();
    const y = drop.forward(Tensor.from(new Array(1000).fill(1), [1000]));
    const zeros = y.data.filter((v) => v === 0).length;
    assert.ok(zeros > 400 && zeros < 600, `about half dropped, got ${zeros}`);
    assert.ok(y.data.every((v) => v === 0 || v === 2));
  });

  it('loads a state dict and rejects missing, unexpected and misshapen tensors', () => {
    const a = new Linear(3, 2, { rng: new Rng(5) });
    const b = new Linear(3, 2, { rng: new Rng(6) });
    b.loadStateDict(a.stateDict());
    assert.deepEqual([...b.weight.data], [...a.weight.data]);
    const missing = new Map(a.stateDict());
    missing.delete('bias');
    assert.throws(() => b.loadStateDict(missing, 'm.safetensors'), /m\.safetensors: missing tensor 'bias'/);
    const extra = new Map(a.stateDict()).set('gate', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    assert.throws(() => b.loadStateDict(extra), /unexpected tensor 'gate'/);
    const wrong = new Linear(4, 2, { rng: new Rng(7) });
    assert.throws(() => b.loadStateDict(wrong.stateDict()), /'weight' is F32 \[2, 4\], the model expects F32 \[2, 3\]/);
  });

  it('backpropagates through a small CNN and through embeddings (finite differences)', () => {
    const rng = new Rng(8);
    const cnn = new Sequential(
      new Conv2d(2, 3, 3, { pad: 1, rng }), new ReLU(), new MaxPool2d(2), new GlobalAvgPool2d(), new Flatten(), new Linear(3, 2, { rng }),
    );
    const x = randomTensor([2, 2, 4, 4], rng);
    const [w0] = cnn.parameters();
    gradcheck(() => cnn.forward(x), [w0, x], { probes: 12, eps: 1e-3 });
    const emb = new Embedding(5, 3, { rng });
    gradcheck(() => emb.forward(Int32Array.of(0, 4, 4)), [emb.weight]);
    const bag = new EmbeddingBag(5, 3, { rng });
    gradcheck(() => bag.forward({ ids: Int32Array.of(1, 2, 2), offsets: Int32Array.of(0, 1, 3) }), [bag.weight]);
  });
});
