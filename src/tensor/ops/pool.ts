/** Max and average pooling over NCHW batches, and global average pooling. */
import { backend, type Conv2dShape } from '../../backend/index.js';
import { Tensor, accumulateGrad, gradBuffer, result } from '../tensor.js';
import { allocate } from '../pool.js';
import { convOutSize } from './conv.js';

function poolShape(x: Tensor, kernel: number, stride: number, pad: number): { s: Conv2dShape; out: number[] } {
  if (x.shape.length !== 4) throw new RangeError(`pooling: expected N x C x H x W, got [${x.shape.join(', ')}]`);
  const [N, C, H, W] = x.shape;
  const s = { batch: N, channels: C, height: H, width: W, kernelH: kernel, kernelW: kernel, stride, pad };
  return { s, out: [N, C, convOutSize(H, kernel, stride, pad), convOutSize(W, kernel, stride, pad)] };
}

export function maxPool2d(x: Tensor, kernel: number, stride = kernel, pad = 0): Tensor {
  const { s, out } = poolShape(x, kernel, stride, pad);
  const size = out[0] * out[1] * out[2] * out[3];
  const y = allocate(size);
  const argmax = new Int32Array(size);
  backend().maxPool2d(x.data, s, y, argmax);
  return result(y, out, [x], (g) => {
    const dx = gradBuffer(x);
    if (dx !== null) backend().maxPool2dBackward(g, argmax, dx);
  });
}

export function avgPool2d(x: Tensor, kernel: number, stride = kernel, pad = 0): Tensor {
  const { s, out } = poolShape(x, kernel, stride, pad);
  const y = allocate(out[0] * out[1] * out[2] * out[3]);
  backend().avgPool2d(x.data, s, y);
  return result(y, out, [x], (g) => {
    const dx = gradBuffer(x);
    if (dx !== null) backend().avgPool2dBackward(g, s, dx);
  });
}

/** Mean over each channel's plane: N x C x H x W to N x C. */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.shape.length !== 4) throw new RangeError(`globalAvgPool2d: expected N x C x H x W, got [${x.shape.join(', ')}]`);
  const [N, C, H, W] = x.shape;
  const plane = H * W;
  const y = new Float32Array(N * C);
  for (let p = 0; p < N * C; p++) {
    let acc = 0;
    for (let i = p * plane; i < (p + 1) * plane; i++) acc += x.data[i];
    y[p] = acc / plane;
  }
  return result(y, [N, C], [x], (g) => {
    const dx = new Float32Array(x.size);
    for (let p = 0; p < N * C; p++) dx.fill(g[p] / plane, p * plane, (p + 1) * plane);
    accumulateGrad(x, dx, true);
  });
}
