/** Learning-rate schedules, as pure functions of the epoch, and gradient-norm clipping. */
import type { Optimizer } from './optimizer.js';

export interface Schedule {
  /** The learning rate for a 0-based epoch. */
  lrAt(epoch: number): number;
}

/** lr * gamma^(floor(epoch / stepSize)), as torch.optim.lr_scheduler.StepLR. */
export function stepSchedule(baseLr: number, stepSize: number, gamma = 0.1): Schedule {
  return { lrAt: (epoch) => baseLr * Math.pow(gamma, Math.floor(epoch / stepSize)) };
}

/** Cosine annealing from baseLr to minLr over totalEpochs, as CosineAnnealingLR. */
export function cosineSchedule(baseLr: number, totalEpochs: number, minLr = 0): Schedule {
  return {
    lrAt: (epoch) => minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * Math.min(epoch, totalEpochs)) / totalEpochs))) / 2,
  };
}

/** A constant learning rate. */
export function constantSchedule(lr: number): Schedule {
  return { lrAt: () => lr };
}

/** Scales all gradients so their global L2 norm is at most maxNorm; returns the norm before. */
export function clipGradNorm(opt: Optimizer, maxNorm: number): number {
  const g = opt.flatGrads;
  let sq = 0;
  for (let i = 0; i < g.length; i++) sq += g[i] * g[i];
  const norm = Math.sqrt(sq);
  if (norm > maxNorm) {
    const s = maxNorm / (norm + 1e-6);
    for (let i = 0; i < g.length; i++) g[i] *= s;
  }
  return norm;
}
