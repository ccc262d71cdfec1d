/** 2-D convolution over NCHW batches: one fused kernel each way (im2col + GEMM per image, bias, ReLU). */
import { Act, backend, type Conv2dShape } from '../../backend/index.js';
import { Tensor, gradBuffer, result } from '../tensor.js';
import { allocate } from '../pool.js';

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
  const code = act === 'relu' ? Act.relu : Act.none;
  const be = backend();
  const y = allocate(N * F * oh * ow);
  be.conv2dForward(x.data, weight.data, bias?.data ?? null, s, F, code, y);
  const inputs = bias === null ? [x, weight] : [x, weight, bias];
  return result(y, [N, F, oh, ow], inputs, (g) => {
    const grads = { dx: gradBuffer(x), dweight: gradBuffer(weight), dbias: bias === null ? null : gradBuffer(bias) };
    be.conv2dBackward(x.data, weight.data, y, g, s, F, code, grads);
  });
}
