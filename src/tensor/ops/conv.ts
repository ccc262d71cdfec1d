/** 2-D convolution over NCHW batches, as im2col + one GEMM per image. */
import { Act, backend, type Conv2dShape } from '../../backend/index.js';
import { acquireScratch, releaseScratch } from '../scratch.js';
import { Tensor, accumulateGrad, result } from '../tensor.js';

export interface ConvStrideAndPad {
  stride: number;
  pad: number;
}

export function convOutSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/** x: N x C x H x W; weight: F x C x kh x kw; bias: F or null. Output N x F x OH x OW. */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, o: ConvStrideAndPad, act: 'none' | 'relu' = 'none'): Tensor {
  const [N, C, H, W] = x.shape;
  const [F, C2, kh, kw] = weight.shape;
  if (x.shape.length !== 4 || weight.shape.length !== 4 || C !== C2) {
    throw new RangeError(`conv2d: input [${x.shape.join(', ')}] does not fit weight [${weight.shape.join(', ')}]`);
  }
  const s: Conv2dShape = { batch: N, channels: C, height: H, width: W, kernelH: kh, kernelW: kw, stride: o.stride, pad: o.pad };
  const oh = convOutSize(H, kh, o.stride, o.pad);
  const ow = convOutSize(W, kw, o.stride, o.pad);
  const spatial = oh * ow;
  const ckk = C * kh * kw;
  const be = backend();
  const cols = acquireScratch(N * ckk * spatial);
  be.im2col(x.data, s, cols);
  const y = new Float32Array(N * F * spatial);
  for (let n = 0; n < N; n++) {
    be.gemm(false, false, F, spatial, ckk, 1, weight.data, cols.subarray(n * ckk * spatial, (n + 1) * ckk * spatial),
      0, y.subarray(n * F * spatial, (n + 1) * F * spatial));
  }
  const code = act === 'relu' ? Act.relu : Act.none;
  if (bias !== null || code !== Act.none) addChannelBias(y, bias?.data ?? null, N, F, spatial, code);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  const out = result(y, [N, F, oh, ow], inputs, (g) => {
    let dy = g;
    if (code === Act.relu) {
      dy = acquireScratch(g.length);
      be.reluBackward(g, y, dy);
    }
    if (weight.requiresGrad) {
      const dw = new Float32Array(weight.size);
      for (let n = 0; n < N; n++) {
        be.gemm(false, true, F, ckk, spatial, 1, dy.subarray(n * F * spatial, (n + 1) * F * spatial),
          cols.subarray(n * ckk * spatial, (n + 1) * ckk * spatial), 1, dw);
      }
      accumulateGrad(weight, dw);
    }
    if (bias !== null && bias.requiresGrad) {
      const db = new Float32Array(F);
      for (let n = 0; n < N; n++) {
        for (let f = 0; f < F; f++) {
          let acc = 0;
          const base = (n * F + f) * spatial;
          for (let p = 0; p < spatial; p++) acc += dy[base + p];
          db[f] += acc;
        }
      }
      accumulateGrad(bias, db);
    }
    if (x.requiresGrad) {
      const dcols = acquireScratch(N * ckk * spatial);
      for (let n = 0; n < N; n++) {
        be.gemm(true, false, ckk, spatial, F, 1, weight.data, dy.subarray(n * F * spatial, (n + 1) * F * spatial),
          0, dcols.subarray(n * ckk * spatial, (n + 1) * ckk * spatial));
      }
      const dx = new Float32Array(x.size);
      be.col2im(dcols, s, dx);
      releaseScratch(dcols);
      accumulateGrad(x, dx);
    }
    releaseScratch(cols);
    if (dy !== g) releaseScratch(dy);
  });
  // Without a backward pass to come, the columns are not needed any more.
  if (out.node === null) releaseScratch(cols);
  return out;
}

/** y[n, f, :] = act(y[n, f, :] + bias[f]): a bias per output channel. */
function addChannelBias(y: Float32Array, bias: Float32Array | null, N: number, F: number, spatial: number, act: number): void {
  for (let p = 0; p < N * F; p++) {
    const b = bias === null ? 0 : bias[p % F];
    const end = (p + 1) * spatial;
    for (let i = p * spatial; i < end; i++) {
      const v = y[i] + b;
      y[i] = act === Act.relu && v < 0 ? 0 : v;
    }
  }
}
