/**
 * Counts of active neurons (those whose full path ran) over evaluated examples:
 * mean, min, max and a histogram, per MID-L layer.
 */
export class ActivityStats {
  examples = 0;
  activeSum = 0;
  min = Infinity;
  max = -Infinity;
  /** histogram[c] = number of examples with exactly c active neurons. */
  readonly histogram: Float64Array;

  constructor(readonly neurons: number) {
    this.histogram = new Float64Array(neurons + 1);
  }

  record(counts: Int32Array): void {
    for (let i = 0; i < counts.length; i++) {
      const c = counts[i];
      this.activeSum += c;
      this.histogram[c]++;
      if (c < this.min) this.min = c;
      if (c > this.max) this.max = c;
    }
    this.examples += counts.length;
  }

  reset(): void {
    this.examples = 0;
    this.activeSum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.histogram.fill(0);
  }

  /** Mean active neurons per example (NaN before any example). */
  meanActive(): number {
    return this.examples === 0 ? NaN : this.activeSum / this.examples;
  }

  /** Standard deviation of the active count over the examples (population; NaN before any example). */
  stdActive(): number {
    const mean = this.meanActive();
    let squares = 0;
    this.histogram.forEach((examples, c) => (squares += examples * (c - mean) ** 2));
    return Math.sqrt(squares / this.examples);
  }

  /** Mean fraction of the layer's neurons that were active. */
  activeNeuronRatio(): number {
    return this.meanActive() / this.neurons;
  }
}
