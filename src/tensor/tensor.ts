/**
 * Tensor: a float32 array with a shape, and reverse-mode autograd.
 *
 * Every op that builds a tensor from tensors that require gradients records a GradNode:
 * its inputs and a function that, given the output's gradient, adds the inputs' gradients.
 * `loss.backward()` walks those nodes in reverse topological order. Inside `noGrad(...)`
 * nothing is recorded (inference, evaluation, optimizer updates).
 *
 * ```ts
 * const w = Tensor.from([1, 2, 3], [3], { requiresGrad: true });
 * const loss = sum(mul(w, w));
 * loss.backward();            // w.grad is [2, 4, 6]
 * ```
 *
 * A training loop calls `releaseGraph(loss)` after the optimizer step, so the next step
 * reuses the step's buffers instead of allocating fresh ones (pool.ts).
 */
import { adopt, allocate, recycle } from './pool.js';

export interface GradNode {
  /** The tensors this one was computed from. */
  inputs: Tensor[];
  /** Adds this tensor's gradient `grad` into the inputs' gradients (via accumulateGrad). */
  backward(grad: Float32Array): void;
}

let gradEnabled = true;

/** Runs fn without recording autograd nodes. */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Whether ops currently record autograd nodes. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  data: Float32Array;
  readonly shape: readonly number[];
  grad: Float32Array | null = null;
  requiresGrad: boolean;
  node: GradNode | null = null;

  constructor(data: Float32Array, shape: readonly number[], requiresGrad = false) {
    if (data.length !== sizeOf(shape)) {
      throw new RangeError(`Tensor: ${data.length} values do not fill shape [${shape.join(', ')}]`);
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  static zeros(shape: readonly number[], opts: { requiresGrad?: boolean } = {}): Tensor {
    return new Tensor(new Float32Array(sizeOf(shape)), shape, opts.requiresGrad ?? false);
  }

  static from(values: ArrayLike<number>, shape?: readonly number[], opts: { requiresGrad?: boolean } = {}): Tensor {
    return new Tensor(Float32Array.from(values), shape ?? [values.length], opts.requiresGrad ?? false);
  }

  get size(): number {
    return this.data.length;
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.data.length !== 1) throw new RangeError(`item(): tensor has ${this.data.length} values, not 1`);
    return this.data[0];
  }

  /** A tensor sharing this one's values, outside the autograd graph. */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false);
  }

  /** Backpropagates from this scalar (or from `seed`, a gradient of this tensor's shape). */
  backward(seed?: Float32Array): void {
    const start = seed ?? (this.size === 1 ? Float32Array.of(1) : null);
    if (start === null) throw new RangeError('backward(): needs a seed gradient for a non-scalar tensor');
    const order = topologicalOrder(this);
    accumulateGrad(this, start);
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      if (t.node !== null && t.grad !== null) t.node.backward(t.grad);
    }
    // Intermediate gradients are not needed after the pass; leaves keep theirs.
    for (const t of order) {
      if (t.node === null || t.grad === null) continue;
      recycle(t.grad);
      t.grad = null;
    }
  }
}

/**
 * Ends a training step: the values of every intermediate tensor reachable from root go
 * back to the buffer pool, and the graph is cut (root can no longer backpropagate). Leaves
 * (parameters, inputs) are untouched. Read what you need from the graph (the loss, the
 * logits) before calling this: those values are overwritten by later steps.
 */
export function releaseGraph(root: Tensor): void {
  for (const t of topologicalOrder(root)) {
    if (t.node === null) continue;
    recycle(t.data);
    t.node = null;
  }
}

/** Tensors reachable from root through autograd nodes, inputs before outputs. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const inputs = top[0].node?.inputs ?? [];
    if (top[1] < inputs.length) {
      const next = inputs[top[1]++];
      if (!seen.has(next) && next.requiresGrad) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(top[0]);
      stack.pop();
    }
  }
  return order;
}

/**
 * Adds g into t.grad; no-op for tensors that need no gradient. On first use a `fresh` g
 * (allocated by the caller for this call alone) becomes t.grad itself, saving a copy of
 * fresh memory, which costs more than the arithmetic; any other g is copied.
 */
export function accumulateGrad(t: Tensor, g: Float32Array, fresh = false): void {
  if (!t.requiresGrad) return;
  if (t.grad === null) {
    t.grad = fresh ? g : g.slice();
    if (t.node === null) adopt(t.grad);  // a leaf keeps its gradient beyond the step
    return;
  }
  const dst = t.grad;
  const n = dst.length;
  for (let i = 0; i < n; i++) dst[i] += g[i];
  if (fresh) recycle(g);  // it was made for this call alone, and is now added in
}

/**
 * t's gradient buffer (zeros allocated on first use), for kernels that accumulate into it
 * directly; null for tensors that need no gradient.
 */
export function gradBuffer(t: Tensor): Float32Array | null {
  if (!t.requiresGrad) return null;
  t.grad ??= newGrad(t);
  return t.grad;
}

/**
 * Where a kernel writes t's gradient: into t.grad, adding (accumulate), when it exists;
 * else into a new buffer that becomes t.grad, overwriting (so it need not be zeroed first).
 * Only for tensors that need a gradient.
 */
export function gradTarget(t: Tensor): { buffer: Float32Array; accumulate: boolean } {
  if (t.grad !== null) return { buffer: t.grad, accumulate: true };
  t.grad = newGrad(t);
  return { buffer: t.grad, accumulate: false };
}

/** A zeroed gradient buffer for t: pooled for intermediates, owned for leaves. */
function newGrad(t: Tensor): Float32Array {
  return t.node === null ? new Float32Array(t.size) : allocate(t.size);
}

/** Whether an op on these inputs should record a node. */
export function needsGrad(...inputs: Tensor[]): boolean {
  if (!gradEnabled) return false;
  for (const t of inputs) if (t.requiresGrad) return true;
  return false;
}

/** Builds an op's output, recording its node when any input requires a gradient. */
export function result(
  data: Float32Array, shape: readonly number[], inputs: Tensor[], backward: (grad: Float32Array) => void,
): Tensor {
  const out = new Tensor(data, shape, false);
  if (needsGrad(...inputs)) {
    out.requiresGrad = true;
    out.node = { inputs, backward };
  }
  return out;
}
