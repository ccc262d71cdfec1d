/**
 * The training loop shared by every command: minibatch Adam (or SGD) on softmax
 * cross-entropy, one epoch at a time, with evaluation after each epoch.
 */
import type { Augmentation } from '../data/augment.js';
import type { Split } from '../data/types.js';
import type { AnyModule } from '../nn/module.js';
import { add } from '../tensor/ops/elementwise.js';
import { crossEntropy } from '../tensor/ops/losses.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Rng } from '../tensor/rng.js';
import { Tensor, noGrad, releaseGraph } from '../tensor/tensor.js';
import { DataLoader, batchInput } from '../data/loader.js';
import type { EpochRecord as ResultEpoch } from './results.js';

export interface EpochRecord extends ResultEpoch {
  seconds: number;
}

/** What the loop reports after each batch (for progress bars). */
export interface BatchReport {
  examples: number;
  loss: number;
}

/** Modules may add training terms (MID-L's gate penalty) and follow the epoch (keep warm-up). */
interface TrainingHooks {
  auxiliaryLoss?(): Tensor | null;
  setEpochProgress?(epochs: number): void;
}

/** The sum of the auxiliary losses of all modules, or null when none has one. */
function auxiliaryLosses(model: AnyModule): Tensor | null {
  let total: Tensor | null = null;
  for (const [, m] of model.namedModules()) {
    const term = (m as TrainingHooks).auxiliaryLoss?.() ?? null;
    if (term !== null) total = total === null ? term : add(total, term);
  }
  return total;
}

function tellEpochProgress(model: AnyModule, epochs: number): void {
  for (const [, m] of model.namedModules()) (m as TrainingHooks).setEpochProgress?.(epochs);
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
  for (const batch of loader.epoch(o.rng)) {
    tellEpochProgress(model, o.epoch + seen / train.count);
    seen += batch.size;
    const logits = model.forward(batchInput(batch, inputShape));
    let loss = crossEntropy(logits, batch.y);
    const aux = auxiliaryLosses(model);
    const lossValue = loss.item();
    if (aux !== null) loss = add(loss, aux);
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
