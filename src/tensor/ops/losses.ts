/** Losses, each returning a scalar mean over the batch. */
import { backend } from '../../backend/index.js';
import { Tensor, accumulateGrad, result } from '../tensor.js';
import { sigmoidValue } from './activations.js';

/** Softmax cross-entropy from logits (B x C) and integer labels, with optional label smoothing. */
export function crossEntropy(logits: Tensor, labels: Int32Array, smoothing = 0): Tensor {
  const [B, C] = logits.shape;
  if (logits.shape.length !== 2 || labels.length !== B) {
    throw new RangeError(`crossEntropy: logits [${logits.shape.join(', ')}] and ${labels.length} labels do not match`);
  }
  for (let i = 0; i < B; i++) {
    if (labels[i] < 0 || labels[i] >= C) throw new RangeError(`crossEntropy: label ${labels[i]} outside 0..${C - 1}`);
  }
  const grad = logits.requiresGrad ? new Float32Array(B * C) : null;
  const loss = backend().softmaxCrossEntropy(logits.data, labels, B, C, smoothing, grad, 1);
  return result(Float32Array.of(loss), [1], [logits], (g) => {
    if (grad === null) return;
    const s = g[0];
    accumulateGrad(logits, s === 1 ? grad : grad.map((v) => v * s), true);
  });
}

/** Binary cross-entropy with logits against targets in [0, 1] (same shape), numerically stable. */
export function binaryCrossEntropyWithLogits(logits: Tensor, targets: Float32Array): Tensor {
  if (targets.length !== logits.size) throw new RangeError('binaryCrossEntropyWithLogits: targets and logits differ in size');
  const n = logits.size;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const z = logits.data[i];
    total += Math.max(z, 0) - z * targets[i] + Math.log1p(Math.exp(-Math.abs(z)));
  }
  return result(Float32Array.of(total / n), [1], [logits], (g) =>
    accumulateGrad(logits, logits.data.map((z, i) => (g[0] * (sigmoidValue(z) - targets[i])) / n)),
  );
}

/** Mean squared error against a target of the same size. */
export function mseLoss(pred: Tensor, target: Float32Array): Tensor {
  if (target.length !== pred.size) throw new RangeError('mseLoss: target and prediction differ in size');
  const n = pred.size;
  let total = 0;
  for (let i = 0; i < n; i++) total += (pred.data[i] - target[i]) ** 2;
  return result(Float32Array.of(total / n), [1], [pred], (g) =>
    accumulateGrad(pred, pred.data.map((p, i) => (2 * g[0] * (p - target[i])) / n)),
  );
}
