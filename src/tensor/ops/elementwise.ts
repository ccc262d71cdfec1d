/**
 * Element-wise binary ops with broadcasting, and scalar ops. Plain loops: these are
 * memory-bound and cheap next to the matrix products.
 */
import { Tensor, accumulateGrad, result } from '../tensor.js';
import { broadcastIndex, broadcastKind, broadcastShapes, reduceToShape } from './broadcast.js';
import { allocate } from '../pool.js';

type Combine = (x: number, y: number) => number;

/** Reads b broadcast against an output of `shape`, as a function of the output index. */
function broadcastReader(b: Tensor, shape: readonly number[]): (i: number) => number {
  const kind = broadcastKind(b.shape, shape);
  const d = b.data;
  if (kind === 'same') return (i) => d[i];
  if (kind === 'scalar') return () => d[0];
  if (kind === 'row') return (i) => d[i % d.length];
  const map = broadcastIndex(b.shape, shape);
  return (i) => d[map[i]];
}

function binary(a: Tensor, b: Tensor, f: Combine): { data: Float32Array; shape: number[] } {
  const shape = broadcastShapes(a.shape, b.shape);
  let size = 1;
  for (const d of shape) size *= d;
  const ra = broadcastReader(a, shape);
  const rb = broadcastReader(b, shape);
  const out = allocate(size);
  for (let i = 0; i < size; i++) out[i] = f(ra(i), rb(i));
  return { data: out, shape };
}

export function add(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binary(a, b, (x, y) => x + y);
  return result(data, shape, [a, b], (g) => {
    accumulateGrad(a, reduceToShape(g, a.shape, shape));
    accumulateGrad(b, reduceToShape(g, b.shape, shape));
  });
}

export function sub(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binary(a, b, (x, y) => x - y);
  return result(data, shape, [a, b], (g) => {
    accumulateGrad(a, reduceToShape(g, a.shape, shape));
    if (b.requiresGrad) accumulateGrad(b, negate(reduceToShape(g, b.shape, shape)));
  });
}

export function mul(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binary(a, b, (x, y) => x * y);
  return result(data, shape, [a, b], (g) => {
    if (a.requiresGrad) {
      const rb = broadcastReader(b, shape);
      accumulateGrad(a, reduceToShape(g.map((v, i) => v * rb(i)), a.shape, shape));
    }
    if (b.requiresGrad) {
      const ra = broadcastReader(a, shape);
      accumulateGrad(b, reduceToShape(g.map((v, i) => v * ra(i)), b.shape, shape));
    }
  });
}

export function div(a: Tensor, b: Tensor): Tensor {
  const { data, shape } = binary(a, b, (x, y) => x / y);
  return result(data, shape, [a, b], (g) => {
    const ra = broadcastReader(a, shape);
    const rb = broadcastReader(b, shape);
    if (a.requiresGrad) accumulateGrad(a, reduceToShape(g.map((v, i) => v / rb(i)), a.shape, shape));
    if (b.requiresGrad) {
      accumulateGrad(b, reduceToShape(g.map((v, i) => (-v * ra(i)) / (rb(i) * rb(i))), b.shape, shape));
    }
  });
}

/** a * s + t for scalars s and t. */
export function affine(a: Tensor, s: number, t = 0): Tensor {
  const out = a.data.map((v) => v * s + t);
  return result(out, a.shape, [a], (g) => accumulateGrad(a, g.map((v) => v * s)));
}

function negate(g: Float32Array): Float32Array {
  return g.map((v) => -v);
}
