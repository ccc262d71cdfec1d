/**
 * A MIDL layer's parameters as bound by MID-L's kernels for eval forwards (the per-neuron
 * plan and, with blockSize > 1, the block plan), kept until the kernels or any parameter's
 * array change (the optimizer moves parameters into one flat array). The check allocates
 * nothing: it runs on every eval forward.
 */
import { midlKernels, midlNeuronKernels, type BlockPlan, type MidlBlockKernels } from './kernels.js';
import type { MidlNeuronKernels, MidlParams, MidlPlan } from './neuron-kernels.js';

/** A layer's sizes and parameter arrays, as the plans need them. */
export interface PlannedLayer {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly rank: number;
  readonly blockSize: number;
  /** The parameter arrays under the kernels' names. */
  kernelParams(): MidlParams;
}

/** Whether params are still the arrays the layer holds (the check allocates nothing). */
export type HoldsArrays = (params: MidlParams) => boolean;

export class InferencePlans {
  private neuron: { plan: MidlPlan; kernels: MidlNeuronKernels; params: MidlParams } | null = null;
  private block: { plan: BlockPlan; kernels: MidlBlockKernels; params: MidlParams } | null = null;

  constructor(private readonly layer: PlannedLayer, private readonly holdsArrays: HoldsArrays) {}

  /** The per-neuron kernels and their plan of the layer's current parameters. */
  neuronPlan(): { plan: MidlPlan; kernels: MidlNeuronKernels } {
    const kernels = midlNeuronKernels();
    const c = this.neuron;
    if (c !== null && c.kernels === kernels && this.holdsArrays(c.params)) return c;
    const { inFeatures, outFeatures, rank } = this.layer;
    const params = this.layer.kernelParams();
    this.neuron = { plan: kernels.plan(inFeatures, outFeatures, rank, params), kernels, params };
    return this.neuron;
  }

  /** The block kernels and their plan of the layer's current parameters. */
  blockPlan(): { plan: BlockPlan; kernels: MidlBlockKernels } {
    const kernels = midlKernels();
    const c = this.block;
    if (c !== null && c.kernels === kernels && this.holdsArrays(c.params)) return c;
    const { inFeatures, outFeatures, rank, blockSize } = this.layer;
    const params = this.layer.kernelParams();
    this.block = { plan: kernels.blockPlan(inFeatures, outFeatures, rank, blockSize, params), kernels, params };
    return this.block;
  }
}
