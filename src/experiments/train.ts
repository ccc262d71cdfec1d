/**
 * The training loop shared by every command: minibatch Adam (or SGD) on softmax
 * cross-entropy, one epoch at a time, with evaluation after each epoch.
 */
import type { Augmentation } from '../data/augment.js';
import type { Split } from '../data/types.js';
import type { AnyModule } from '../nn/module.js';
import { crossEntropy } from '../tensor/ops/losses.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Rng } from '../tensor/rng.js';
import { noGrad, releaseGraph } from '../tensor/tensor.js';
import { DataLoader, batchInput } from '../data/loader.js';
import { trainingLoss } from '../midl/training-step.js';
import type { EpochRecord as ResultEpoch } from './results.js';

export interface EpochRecord extends ResultEpoch {
  seconds: number;
}

/** What the loop reports after each batch (for progress bars). */
export interface BatchReport {
  examples: number;
  loss: number;
}

/** Training stopped because the loss became NaN or infinite (the step's update was not applied). */
export class NonFiniteLossError extends Error {
  constructor(readonly epoch: number, readonly step: number, readonly loss: number) {
    super(`the training loss became ${loss} at epoch ${epoch}, step ${step}`);
    this.name = 'NonFiniteLossError';
  }
}

export interface EpochOptions {
  /** 0-based index of this epoch (for schedules inside layers). */
  epoch: number;
  batchSize: number;
  rng: Rng;
  /** Random crop and flip of image batches, drawn from rng after the epoch's order (see augmentBatch). */
  augment?: Augmentation;
  onBatch?: (r: BatchReport) => void;
}

/** Runs one training epoch; returns mean loss and accuracy over the epoch's examples. */
export function trainEpoch(
  model: AnyModule, opt: Optimizer, train: Split, inputShape: number[], o: EpochOptions,
): { loss: number; accuracy: number } {
  model.train();
  const loader = new DataLoader(train, { batchSize: o.batchSize, shuffle: true, augment: o.augment, augmentRng: o.rng });
  let lossSum = 0;
  let correct = 0;
  let seen = 0;
  let step = 0;
  for (const batch of loader.epoch(o.rng)) {
    step++;
    const x = batchInput(batch, inputShape);
    const { output: logits, loss, task } = trainingLoss(
      model, o.epoch + seen / train.count, () => model.forward(x), (out) => crossEntropy(out, batch.y),
    );
    seen += batch.size;
    const lossValue = task.item();
    const total = loss === task ? lossValue : loss.item();
    if (!Number.isFinite(total)) {
      releaseGraph(loss);
      throw new NonFiniteLossError(o.epoch + 1, step, total);
    }
    opt.zeroGrad();
    loss.backward();
    opt.step();
    lossSum += lossValue * batch.size;
    correct += countCorrect(logits.data, batch.y, logits.shape[1]);
    releaseGraph(loss);
    o.onBatch?.({ examples: batch.size, loss: lossValue });
  }
  return { loss: lossSum / train.count, accuracy: correct / train.count };
}

/** Number of rows whose largest logit is at the label (first maximum on ties). */
export function countCorrect(logits: Float32Array, labels: Int32Array, classes: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j] > logits[i * classes + best]) best = j;
    if (best === labels[i]) correct++;
  }
  return correct;
}

/** Accuracy of the model on a split, in eval mode, without gradients. */
export function evaluateAccuracy(model: AnyModule, split: Split, inputShape: number[], batchSize = 500): number {
  model.eval();
  let correct = 0;
  const loader = new DataLoader(split, { batchSize, shuffle: false });
  noGrad(() => {
    for (const batch of loader.epoch()) {
      const logits = model.forward(batchInput(batch, inputShape));
      correct += countCorrect(logits.data, batch.y, logits.shape[1]);
    }
  });
  return correct / split.count;
}
