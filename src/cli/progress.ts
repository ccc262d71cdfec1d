/**
 * A one-line progress bar on stderr (so stdout stays clean for --json). On a terminal it
 * redraws in place; elsewhere (CI, pipes) it prints a line at most every few seconds.
 */
import type { RunHooks } from '../experiments/run.js';

export class ProgressBar {
  private done = 0;
  private readonly start = Date.now();
  private lastPrint = 0;
  private readonly tty = process.stderr.isTTY === true;

  constructor(private readonly label: string, private readonly total: number, private readonly unit = 'ex') {}

  /** Advances by n and redraws with the given extra fields (e.g. loss=0.31). */
  tick(n: number, fields: Record<string, string> = {}): void {
    this.done = Math.min(this.total, this.done + n);
    const now = Date.now();
    const interval = this.tty ? 100 : 5000;
    if (now - this.lastPrint < interval && this.done < this.total) return;
    this.lastPrint = now;
    this.draw(fields);
  }

  /** Finishes the line. */
  finish(fields: Record<string, string> = {}): void {
    this.done = this.total;
    this.draw(fields);
    if (this.tty) process.stderr.write('\n');
  }

  private draw(fields: Record<string, string>): void {
    const seconds = (Date.now() - this.start) / 1000;
    const rate = this.done / Math.max(seconds, 1e-9);
    const eta = rate > 0 ? (this.total - this.done) / rate : 0;
    const width = 24;
    const filled = Math.round((width * this.done) / Math.max(this.total, 1));
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const extra = Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ');
    const line =
      `${this.label} [${bar}] ${this.done}/${this.total} ${Math.round(rate)} ${this.unit}/s ` +
      `eta ${eta.toFixed(0)}s ${extra}`.trimEnd();
    process.stderr.write(this.tty ? `\r\x1b[K${line}` : `${line}\n`);
  }
}

/** Progress bars on stderr for one training run, labelled (epoch by epoch, with the loss). */
export function trainingProgress(label: string): RunHooks {
  let bar: ProgressBar | null = null;
  return {
    onEpochStart: (epoch, epochs, examples) => {
      bar = new ProgressBar(`${label} epoch ${epoch}/${epochs}`, examples);
    },
    onBatch: (b) => bar?.tick(b.examples, { loss: b.loss.toFixed(3) }),
    onEpochEnd: (e) => bar?.finish({ test_acc: e.test_accuracy.toFixed(4) }),
  };
}
