/**
 * The per-step training protocol of layers that schedule themselves or add a loss term
 * (docs/method.md, "Training"): before the forward, each module learns how far training has
 * come (MID-L's keepWarmupEpochs anneals the keep ratio with it); after it, each module's
 * auxiliary loss (MID-L's gatePenalty) joins the task loss. A loop that skips either makes
 * those options do nothing, so every training loop calls trainingLoss.
 */
import type { Module } from '../nn/module.js';
import { add } from '../tensor/ops/elementwise.js';
import type { Tensor } from '../tensor/tensor.js';

/** What a module may implement to take part in the protocol. */
export interface TrainingHooks {
  /** The module's extra loss term from its last training forward, or null when it has none. */
  auxiliaryLoss?(): Tensor | null;
  /** Fractional epochs completed so far (epoch index + examples seen / examples per epoch). */
  setEpochProgress?(epochs: number): void;
}

/** The model's output, the loss to back-propagate, and the task loss alone (for reporting). */
export interface StepLoss {
  output: Tensor;
  loss: Tensor;
  task: Tensor;
}

/**
 * One training step's loss: tells every module of `model` the epoch progress, runs `forward`,
 * takes the task loss `criterion(output)` (e.g. cross-entropy), and adds every module's
 * auxiliary loss.
 *
 * ```ts
 * const progress = epoch + seen / examplesPerEpoch;
 * const { loss } = trainingLoss(model, progress, () => model.forward(x), (out) => crossEntropy(out, y));
 * opt.zeroGrad();
 * loss.backward();
 * opt.step();
 * ```
 */
export function trainingLoss(
  model: Module, epochProgress: number, forward: () => Tensor, criterion: (output: Tensor) => Tensor,
): StepLoss {
  const modules = model.namedModules().map(([, m]) => m as TrainingHooks);
  for (const m of modules) m.setEpochProgress?.(epochProgress);
  const output = forward();
  const task = criterion(output);
  let loss = task;
  for (const m of modules) {
    const term = m.auxiliaryLoss?.() ?? null;
    if (term !== null) loss = add(loss, term);
  }
  return { output, loss, task };
}
