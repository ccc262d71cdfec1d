import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIDL } from '../../src/midl/layer.js';
import { trainingLoss } from '../../src/midl/training-step.js';
import { Linear } from '../../src/nn/linear.js';
import { Sequential } from '../../src/nn/sequential.js';
import { sigmoid } from '../../src/tensor/ops/activations.js';
import { crossEntropy } from '../../src/tensor/ops/losses.js';
import { Rng } from '../../src/tensor/rng.js';
import { Tensor, noGrad } from '../../src/tensor/tensor.js';

describe('trainingLoss (the per-step training protocol)', () => {
  const rng = new Rng(3);
  const layer = new MIDL(12, 20, { keep: 0.5, keepWarmupEpochs: 2, gatePenalty: 0.1, rng });
  const model = new Sequential(layer, new Linear(20, 3, { rng }));
  const x = new Tensor(rng.fillNormal(new Float32Array(6 * 12)), [6, 12]);
  const y = Int32Array.from([0, 1, 2, 0, 1, 2]);
  model.train();

  it('tells every layer the epoch progress before the forward: the keep warm-up anneals k from n to its target', () => {
    const ks: number[] = [];
    for (const progress of [0, 1, 1.5, 2, 7]) {
      trainingLoss(model, progress, () => {
        ks.push(layer.currentK());
        return model.forward(x);
      }, (out) => crossEntropy(out, y));
    }
    // rho = 1 + (0.5 - 1) * progress / 2 over the first two epochs: 20, 15, 12.5 -> 13, then 10.
    assert.deepEqual(ks, [20, 15, 13, 10, 10]);
  });

  it('adds the gate penalty lambda * mean(alpha) of the forward to the task loss, and returns the output', () => {
    const alpha = noGrad(() => sigmoid(layer.gate.forward(layer.proj.forward(x))).data);
    const meanAlpha = alpha.reduce((s, v) => s + v, 0) / alpha.length;
    const step = trainingLoss(model, 5, () => model.forward(x), (out) => crossEntropy(out, y));
    assert.deepEqual(step.output.shape, [6, 3]);
    assert.ok(Math.abs(step.loss.item() - step.task.item() - 0.1 * meanAlpha) < 1e-6, `${step.loss.item()} - ${step.task.item()}`);
    // A layer without a gate penalty adds no term.
    const plain = new MIDL(12, 20, { rng: new Rng(1) });
    const without = trainingLoss(plain, 0, () => plain.forward(x), (out) => crossEntropy(out, Int32Array.from([0, 1, 2, 3, 4, 5])));
    assert.equal(without.loss, without.task, 'no auxiliary term without a gate penalty');
  });
});
