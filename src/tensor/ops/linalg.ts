/** Matrix products: matmul and the fused dense layer y = act(x W^T + b). */
import { Act, backend } from '../../backend/index.js';
import { Tensor, accumulateGrad, gradTarget, result } from '../tensor.js';
import { allocate, recycle } from '../pool.js';

function rows2d(t: Tensor, what: string): [number, number] {
  if (t.shape.length !== 2) throw new RangeError(`${what}: expected a 2-D tensor, got shape [${t.shape.join(', ')}]`);
  return [t.shape[0], t.shape[1]];
}

/** a (M x K) times b (K x N). */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const [M, K] = rows2d(a, 'matmul');
  const [K2, N] = rows2d(b, 'matmul');
  if (K !== K2) throw new RangeError(`matmul: inner sizes differ (${K} vs ${K2})`);
  const out = allocate(M * N);
  backend().gemm(false, false, M, N, K, 1, a.data, b.data, 0, out);
  return result(out, [M, N], [a, b], (g) => {
    if (a.requiresGrad) {
      const da = allocate(M * K);
      backend().gemm(false, true, M, K, N, 1, g, b.data, 0, da);
      accumulateGrad(a, da, true);
    }
    if (b.requiresGrad) {
      const db = allocate(K * N);
      backend().gemm(true, false, K, N, M, 1, a.data, g, 0, db);
      accumulateGrad(b, db, true);
    }
  });
}

/**
 * The dense layer: y = act(x W^T + b), x is B x in, W is out x in (PyTorch's layout),
 * b is out or null. Forward and backward are one GEMM each plus fused loops.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null, act: 'none' | 'relu' = 'none'): Tensor {
  const [B, inF] = rows2d(x, 'linear');
  const [outF, inW] = rows2d(weight, 'linear');
  if (inF !== inW) throw new RangeError(`linear: input has ${inF} features, weight expects ${inW}`);
  const be = backend();
  const y = allocate(B * outF);
  be.gemm(false, true, B, outF, inF, 1, x.data, weight.data, 0, y);
  const code = act === 'relu' ? Act.relu : Act.none;
  if (bias !== null || code !== Act.none) be.biasAct(y, bias?.data ?? null, B, outF, code, y);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return result(y, [B, outF], inputs, (g) => {
    let dy = g;
    if (code === Act.relu) {
      dy = allocate(g.length);
      be.reluBackward(g, y, dy);
    }
    if (weight.requiresGrad) {
      const dw = gradTarget(weight);
      be.gemm(true, false, outF, inF, B, 1, dy, x.data, dw.accumulate ? 1 : 0, dw.buffer);
    }
    if (bias !== null && bias.requiresGrad) {
      if (bias.grad !== null) be.sumRows(dy, B, outF, bias.grad, true);
      else {
        const db = new Float32Array(outF);
        be.sumRows(dy, B, outF, db, false);
        accumulateGrad(bias, db, true);
      }
    }
    if (x.requiresGrad) {
      const dx = gradTarget(x);
      be.gemm(false, false, B, inF, outF, 1, dy, weight.data, dx.accumulate ? 1 : 0, dx.buffer);
    }
    if (dy !== g) recycle(dy);
  });
}

