/** Embedding lookups: one row per id, and the mean of rows per bag. */
import { backend } from '../../backend/index.js';
import { Tensor, gradBuffer, result } from '../tensor.js';

function checkIds(ids: Int32Array, rows: number, what: string): void {
  for (let i = 0; i < ids.length; i++) {
    if (ids[i] < 0 || ids[i] >= rows) throw new RangeError(`${what}: id ${ids[i]} outside 0..${rows - 1}`);
  }
}

/** table (V x D) rows for ids: ids.length x D. */
export function embedding(table: Tensor, ids: Int32Array): Tensor {
  const [V, D] = table.shape;
  checkIds(ids, V, 'embedding');
  const out = new Float32Array(ids.length * D);
  backend().gatherRows(table.data, D, ids, out);
  return result(out, [ids.length, D], [table], (g) => {
    const dt = gradBuffer(table);
    if (dt !== null) backend().scatterAddRows(g, D, ids, dt);
  });
}

/** Mean of table rows per bag (offsets: bags + 1 entries): bags x D. */
export function embeddingBagMean(table: Tensor, ids: Int32Array, offsets: Int32Array): Tensor {
  const [V, D] = table.shape;
  checkIds(ids, V, 'embeddingBag');
  const bags = offsets.length - 1;
  const out = new Float32Array(bags * D);
  backend().embeddingBagMean(table.data, D, ids, offsets, out);
  return result(out, [bags, D], [table], (g) => {
    const dt = gradBuffer(table);
    if (dt !== null) backend().embeddingBagMeanBackward(g, D, ids, offsets, dt);
  });
}
