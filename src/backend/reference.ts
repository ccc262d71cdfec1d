/**
 * The reference backend: plain TypeScript loops, written to be obviously correct.
 * It is the oracle the native backend is tested against, and the fallback when the
 * native addon cannot load. Speed is not a goal here.
 */
import type { ActCode, AdamOptions, Backend, Conv2dShape, ConvGrads } from './backend.js';
import { Act } from './backend.js';

function outSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

/**
 * Calls visit(yIndex, xIndex, wIndex) for every multiply of a convolution with `filters`
 * filters: y[yIndex] gets x[xIndex] * w[wIndex]. Taps that fall in the padding are skipped.
 */
function forEachConvTap(s: Conv2dShape, filters: number, visit: (y: number, x: number, w: number) => void): void {
  const oh = outSize(s.height, s.kernelH, s.stride, s.pad);
  const ow = outSize(s.width, s.kernelW, s.stride, s.pad);
  for (let n = 0; n < s.batch; n++) {
    for (let f = 0; f < filters; f++) {
      for (let oi = 0; oi < oh; oi++) {
        for (let oj = 0; oj < ow; oj++) {
          const y = ((n * filters + f) * oh + oi) * ow + oj;
          for (let c = 0; c < s.channels; c++) {
            for (let ki = 0; ki < s.kernelH; ki++) {
              for (let kj = 0; kj < s.kernelW; kj++) {
                const i = oi * s.stride - s.pad + ki;
                const j = oj * s.stride - s.pad + kj;
                if (i < 0 || i >= s.height || j < 0 || j >= s.width) continue;
                visit(y, ((n * s.channels + c) * s.height + i) * s.width + j, ((f * s.channels + c) * s.kernelH + ki) * s.kernelW + kj);
              }
            }
          }
        }
      }
    }
  }
}

/** Calls visit(outIndex, planeBase, windowIndices) for each pooling window (indices -1 = padding). */
function forEachPoolWindow(s: Conv2dShape, visit: (out: number, cells: number[]) => void): void {
  const oh = outSize(s.height, s.kernelH, s.stride, s.pad);
  const ow = outSize(s.width, s.kernelW, s.stride, s.pad);
  for (let p = 0; p < s.batch * s.channels; p++) {
    for (let oi = 0; oi < oh; oi++) {
      for (let oj = 0; oj < ow; oj++) {
        const cells: number[] = [];
        for (let ki = 0; ki < s.kernelH; ki++) {
          for (let kj = 0; kj < s.kernelW; kj++) {
            const i = oi * s.stride - s.pad + ki;
            const j = oj * s.stride - s.pad + kj;
            const inside = i >= 0 && i < s.height && j >= 0 && j < s.width;
            cells.push(inside ? (p * s.height + i) * s.width + j : -1);
          }
        }
        visit((p * oh + oi) * ow + oj, cells);
      }
    }
  }
}

export class ReferenceBackend implements Backend {
  readonly name = 'reference' as const;

  setThreads(_n: number): void {
    // Single-threaded by design.
  }

  getThreads(): number {
    return 1;
  }

  gemm(
    transA: boolean, transB: boolean, M: number, N: number, K: number,
    alpha: number, A: Float32Array, B: Float32Array, beta: number, C: Float32Array,
  ): void {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let acc = 0;
        for (let p = 0; p < K; p++) {
          const a = transA ? A[p * M + i] : A[i * K + p];
          const b = transB ? B[j * K + p] : B[p * N + j];
          acc += a * b;
        }
        C[i * N + j] = alpha * acc + (beta === 0 ? 0 : beta * C[i * N + j]);
      }
    }
  }

  biasAct(x: Float32Array, bias: Float32Array | null, rows: number, cols: number, act: ActCode, out: Float32Array): void {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const v = x[i * cols + j] + (bias ? bias[j] : 0);
        out[i * cols + j] = act === Act.relu && v < 0 ? 0 : v;
      }
    }
  }

  reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array): void {
    for (let i = 0; i < dy.length; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
  }

  sumRows(x: Float32Array, rows: number, cols: number, out: Float32Array, accumulate: boolean): void {
    if (!accumulate) out.fill(0, 0, cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) out[j] += x[i * cols + j];
    }
  }

  softmaxCrossEntropy(
    logits: Float32Array, labels: Int32Array, rows: number, cols: number,
    smoothing: number, grad: Float32Array | null, scale: number,
  ): number {
    let total = 0;
    for (let i = 0; i < rows; i++) {
      const row = logits.subarray(i * cols, (i + 1) * cols);
      let max = -Infinity;
      for (let j = 0; j < cols; j++) max = Math.max(max, row[j]);
      let sum = 0;
      for (let j = 0; j < cols; j++) sum += Math.exp(row[j] - max);
      const logSum = Math.log(sum) + max;
      for (let j = 0; j < cols; j++) {
        const target = (j === labels[i] ? 1 - smoothing : 0) + smoothing / cols;
        total -= target * (row[j] - logSum);
        if (grad) grad[i * cols + j] = (scale * (Math.exp(row[j] - logSum) - target)) / rows;
      }
    }
    return total / rows;
  }

  adamStep(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, o: AdamOptions): void {
    const c1 = 1 - Math.pow(o.beta1, o.step);
    const c2 = 1 - Math.pow(o.beta2, o.step);
    for (let i = 0; i < param.length; i++) {
      let g = grad[i];
      if (o.weightDecay !== 0 && !o.decoupled) g += o.weightDecay * param[i];
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      let p = param[i];
      if (o.weightDecay !== 0 && o.decoupled) p -= o.lr * o.weightDecay * p;
      param[i] = p - (o.lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + o.eps);
    }
  }

  conv2dForward(
    x: Float32Array, weight: Float32Array, bias: Float32Array | null, s: Conv2dShape, filters: number, act: ActCode,
    y: Float32Array,
  ): void {
    const spatial = y.length / (s.batch * filters);
    for (let i = 0; i < y.length; i++) y[i] = bias === null ? 0 : bias[Math.floor(i / spatial) % filters];
    forEachConvTap(s, filters, (yi, xi, wi) => {
      y[yi] += x[xi] * weight[wi];
    });
    if (act === Act.relu) for (let i = 0; i < y.length; i++) y[i] = Math.max(0, y[i]);
  }

  conv2dBackward(
    x: Float32Array, weight: Float32Array, y: Float32Array, dy: Float32Array, s: Conv2dShape, filters: number,
    act: ActCode, grads: ConvGrads,
  ): void {
    const g = act === Act.relu ? dy.map((v, i) => (y[i] > 0 ? v : 0)) : dy;
    const spatial = y.length / (s.batch * filters);
    if (grads.dbias !== null) for (let i = 0; i < g.length; i++) grads.dbias[Math.floor(i / spatial) % filters] += g[i];
    const { dx, dweight } = grads;
    forEachConvTap(s, filters, (yi, xi, wi) => {
      if (dx !== null) dx[xi] += g[yi] * weight[wi];
      if (dweight !== null) dweight[wi] += g[yi] * x[xi];
    });
  }

  maxPool2d(x: Float32Array, s: Conv2dShape, out: Float32Array, argmax: Int32Array): void {
    forEachPoolWindow(s, (o, cells) => {
      let best = -Infinity;
      let bestAt = -1;
      for (const c of cells) {
        if (c >= 0 && (bestAt < 0 || x[c] > best)) {
          best = x[c];
          bestAt = c;
        }
      }
      out[o] = best;
      argmax[o] = bestAt;
    });
  }

  maxPool2dBackward(dy: Float32Array, argmax: Int32Array, dx: Float32Array): void {
    for (let i = 0; i < dy.length; i++) dx[argmax[i]] += dy[i];
  }

  avgPool2d(x: Float32Array, s: Conv2dShape, out: Float32Array): void {
    const area = s.kernelH * s.kernelW;
    forEachPoolWindow(s, (o, cells) => {
      let sum = 0;
      for (const c of cells) if (c >= 0) sum += x[c];
      out[o] = sum / area;
    });
  }

  avgPool2dBackward(dy: Float32Array, s: Conv2dShape, dx: Float32Array): void {
    const area = s.kernelH * s.kernelW;
    forEachPoolWindow(s, (o, cells) => {
      for (const c of cells) if (c >= 0) dx[c] += dy[o] / area;
    });
  }

  topkRows(x: Float32Array, rows: number, cols: number, k: number, idx: Int32Array): void {
    const order = new Array<number>(cols);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) order[j] = j;
      const row = x.subarray(i * cols, (i + 1) * cols);
      order.sort((a, b) => (row[b] - row[a]) || (a - b));
      const chosen = order.slice(0, k).sort((a, b) => a - b);
      for (let t = 0; t < k; t++) idx[i * k + t] = chosen[t];
    }
  }

  gatherRows(table: Float32Array, dim: number, ids: Int32Array, out: Float32Array): void {
    for (let i = 0; i < ids.length; i++) {
      out.set(table.subarray(ids[i] * dim, (ids[i] + 1) * dim), i * dim);
    }
  }

  scatterAddRows(src: Float32Array, dim: number, ids: Int32Array, table: Float32Array): void {
    for (let i = 0; i < ids.length; i++) {
      for (let j = 0; j < dim; j++) table[ids[i] * dim + j] += src[i * dim + j];
    }
  }

  scatterColumns(src: Float32Array, rows: number, cols: Int32Array, n: number, out: Float32Array): void {
    const k = cols.length;
    for (let i = 0; i < rows; i++) {
      for (let t = 0; t < k; t++) out[i * n + cols[t]] = src[i * k + t];
    }
  }

  embeddingBagMean(table: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, out: Float32Array): void {
    const bags = offsets.length - 1;
    out.fill(0, 0, bags * dim);
    for (let b = 0; b < bags; b++) {
      const size = offsets[b + 1] - offsets[b];
      for (let t = offsets[b]; t < offsets[b + 1]; t++) {
        for (let j = 0; j < dim; j++) out[b * dim + j] += table[ids[t] * dim + j] / size;
      }
    }
  }

  embeddingBagMeanBackward(dOut: Float32Array, dim: number, ids: Int32Array, offsets: Int32Array, dTable: Float32Array): void {
    for (let b = 0; b < offsets.length - 1; b++) {
      const size = offsets[b + 1] - offsets[b];
      for (let t = offsets[b]; t < offsets[b + 1]; t++) {
        for (let j = 0; j < dim; j++) dTable[ids[t] * dim + j] += dOut[b * dim + j] / size;
      }
    }
  }

  channelMoments(x: Float32Array, n: number, c: number, s: number, mean: Float32Array, variance: Float32Array): void {
    const count = n * s;
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) sum += x[(i * c + ch) * s + k];
      const m = count > 0 ? Math.fround(sum / count) : 0;
      let sq = 0;
      for (let i = 0; i < n; i++) for (let k = 0; k < s; k++) sq += (x[(i * c + ch) * s + k] - m) ** 2;
      mean[ch] = m;
      variance[ch] = count > 0 ? sq / count : 0;
    }
  }

  channelAffine(x: Float32Array, n: number, c: number, s: number, scale: Float32Array, shift: Float32Array, act: ActCode, y: Float32Array): void {
    for (let i = 0; i < n * c * s; i++) {
      const ch = Math.floor(i / s) % c;
      const v = x[i] * scale[ch] + shift[ch];
      y[i] = act === Act.relu && v < 0 ? 0 : v;
    }
  }

  batchNormBackward(
    x: Float32Array, dy: Float32Array, y: Float32Array | null, n: number, c: number, s: number, mean: Float32Array, invstd: Float32Array,
    weight: Float32Array, dx: Float32Array | null, dweight: Float32Array, dbias: Float32Array,
  ): void {
    const m = n * s;
    const g = (at: number): number => (y === null || y[at] > 0 ? dy[at] : 0);
    for (let ch = 0; ch < c; ch++) {
      let sumG = 0;
      let sumGX = 0;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < s; k++) {
          const at = (i * c + ch) * s + k;
          sumG += g(at);
          sumGX += g(at) * (x[at] - mean[ch]) * invstd[ch];
        }
      }
      dbias[ch] = sumG;
      dweight[ch] = sumGX;
      if (dx === null) continue;
      for (let i = 0; i < n; i++) {
        for (let k = 0; k < s; k++) {
          const at = (i * c + ch) * s + k;
          const xhat = (x[at] - mean[ch]) * invstd[ch];
          dx[at] += weight[ch] * invstd[ch] * (g(at) - sumG / m - (xhat * sumGX) / m);
        }
      }
    }
  }

  sparseRowsMatmulT(offsets: Int32Array, indices: Int32Array, values: Float32Array, weight: Float32Array, d: number, n: number, out: Float32Array): void {
    for (let i = 0; i + 1 < offsets.length; i++) {
      for (let o = 0; o < n; o++) {
        let sum = 0;
        for (let k = offsets[i]; k < offsets[i + 1]; k++) sum += values[k] * weight[o * d + indices[k]];
        out[i * n + o] = sum;
      }
    }
  }

  sparseRowsGradWeight(offsets: Int32Array, indices: Int32Array, values: Float32Array, dOut: Float32Array, d: number, n: number, dWeight: Float32Array): void {
    for (let i = 0; i + 1 < offsets.length; i++) {
      for (let o = 0; o < n; o++) {
        for (let k = offsets[i]; k < offsets[i + 1]; k++) dWeight[o * d + indices[k]] += dOut[i * n + o] * values[k];
      }
    }
  }
}
