/**
 * Sparse rows as a layer input: mostly-zero features (a bag of words) in CSR form, which a
 * Linear multiplies without touching the zeros and any other layer receives in dense form.
 *
 * ```ts
 * // Two rows of width 5: [0, 2, 0, 0, 1] and [0, 0, 0, 3, 0].
 * const rows = { offsets: Int32Array.of(0, 2, 3), indices: Int32Array.of(1, 4, 3), values: Float32Array.of(2, 1, 3), width: 5 };
 * const y = new Linear(5, 4).forward(rows);   // [2, 4]
 * ```
 */
import { Act, backend } from '../backend/index.js';
import { Tensor, accumulateGrad, gradBuffer, result } from '../tensor/tensor.js';

/**
 * Rows of `width` columns in CSR form: row i holds values[k] at column indices[k] for k in
 * offsets[i] .. offsets[i + 1] (offsets has rows + 1 entries), every other entry 0.
 */
export interface SparseRows {
  offsets: Int32Array;
  indices: Int32Array;
  values: Float32Array;
  width: number;
}

/** A layer input: a dense tensor or sparse rows. */
export type LayerInput = Tensor | SparseRows;

export function isSparseRows(x: LayerInput): x is SparseRows {
  return !(x instanceof Tensor);
}

/** The rows x width dense tensor of rows. */
export function denseRows(rows: SparseRows): Tensor {
  const count = rows.offsets.length - 1;
  const x = new Float32Array(count * rows.width);
  for (let i = 0; i < count; i++) {
    for (let k = rows.offsets[i]; k < rows.offsets[i + 1]; k++) x[i * rows.width + rows.indices[k]] = rows.values[k];
  }
  return new Tensor(x, [count, rows.width]);
}

/**
 * y = act(S W^T + b) for sparse rows S (rows x d) and weight W (n x d): the product reads only
 * the stored entries of S, and so does the weight's gradient. S gets no gradient.
 */
export function sparseLinear(rows: SparseRows, weight: Tensor, bias: Tensor | null, act: 'none' | 'relu' = 'none'): Tensor {
  const [n, d] = weight.shape;
  if (rows.width !== d) throw new RangeError(`linear: input has ${rows.width} features, weight expects ${d}`);
  const count = rows.offsets.length - 1;
  const be = backend();
  const y = new Float32Array(count * n);
  be.sparseRowsMatmulT(rows.offsets, rows.indices, rows.values, weight.data, d, n, y);
  const code = act === 'relu' ? Act.relu : Act.none;
  if (bias !== null || code !== Act.none) be.biasAct(y, bias?.data ?? null, count, n, code, y);
  return result(y, [count, n], bias === null ? [weight] : [weight, bias], (g) => {
    let dy = g;
    if (code === Act.relu) {
      dy = new Float32Array(g.length);
      be.reluBackward(g, y, dy);
    }
    const dw = gradBuffer(weight);
    if (dw !== null) be.sparseRowsGradWeight(rows.offsets, rows.indices, rows.values, dy, d, n, dw);
    if (bias !== null && bias.requiresGrad) {
      const db = new Float32Array(n);
      be.sumRows(dy, count, n, db, false);
      accumulateGrad(bias, db, true);
    }
  });
}
