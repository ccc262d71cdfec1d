// 2-D convolution over a whole NCHW batch, forward and backward, as im2col + GEMM one
// image at a time. The column matrix of one image (C*kh*kw x outH*outW) lives in a
// per-thread buffer that stays in cache and is never kept for the whole batch: the
// backward pass rebuilds it, which costs far less than writing and re-reading a
// batch-sized buffer of fresh memory. With at least as many images as threads, each
// thread takes whole images; otherwise the images go one by one through the pooled GEMM.
#include <cstring>
#include <vector>

#include "common.h"
#include "gemm.h"

namespace midl {

namespace {

struct ConvProblem {
  ConvShape s;
  size_t filters;
  bool relu;
  size_t colRows() const { return s.channels * s.kernelH * s.kernelW; }
  size_t colSize() const { return colRows() * s.outPlane(); }
  size_t inImage() const { return s.channels * s.inPlane(); }
  size_t outImage() const { return filters * s.outPlane(); }
};

// A buffer per thread and slot that outlives calls: the pool keeps its threads, so
// the memory is touched once, not once per call.
float* threadBuffer(int slot, size_t count) {
  static thread_local std::vector<float> buffers[2];
  std::vector<float>& b = buffers[slot];
  if (b.size() < count) b.resize(count);
  return b.data();
}

// Visits every kernel offset (ki, kj) of channel c and every output row oi, calling
// row(colRow, planeRow, lo, hi, firstCol): colRow is the column-matrix row segment for
// (c, ki, kj, oi); planeRow is the plane row the window reads, or null in the padding;
// outputs [lo, hi) fall inside the image, output lo reading column firstCol.
template <typename Plane, typename RowVisitor>
void forEachKernelRow(const ConvShape& s, size_t c, float* cols, Plane* plane, RowVisitor row) {
  for (size_t ki = 0; ki < s.kernelH; ki++) {
    size_t oiLo, oiHi;
    validOutputs(s.height, s.outH, s.stride, s.pad, ki, &oiLo, &oiHi);
    for (size_t kj = 0; kj < s.kernelW; kj++) {
      size_t ojLo, ojHi;
      validOutputs(s.width, s.outW, s.stride, s.pad, kj, &ojLo, &ojHi);
      const size_t firstCol = ojHi > ojLo ? ojLo * s.stride + kj - s.pad : 0;
      float* dst = cols + ((c * s.kernelH + ki) * s.kernelW + kj) * s.outPlane();
      for (size_t oi = 0; oi < s.outH; oi++) {
        Plane* src = oi >= oiLo && oi < oiHi ? plane + (oi * s.stride + ki - s.pad) * s.width : nullptr;
        row(dst + oi * s.outW, src, ojLo, ojHi, firstCol);
      }
    }
  }
}

// The column matrix of one image x (C x H x W).
void im2colImage(const ConvShape& s, const float* x, float* cols) {
  for (size_t c = 0; c < s.channels; c++) {
    forEachKernelRow(s, c, cols, x + c * s.inPlane(),
                     [&](float* dst, const float* src, size_t lo, size_t hi, size_t firstCol) {
                       if (!src) {
                         std::memset(dst, 0, s.outW * sizeof(float));
                         return;
                       }
                       for (size_t oj = 0; oj < lo; oj++) dst[oj] = 0.0f;
                       const float* from = src + firstCol;
                       if (s.stride == 1) {
                         if (hi > lo) std::memcpy(dst + lo, from, (hi - lo) * sizeof(float));
                       } else {
                         for (size_t oj = lo; oj < hi; oj++) dst[oj] = from[(oj - lo) * s.stride];
                       }
                       for (size_t oj = hi; oj < s.outW; oj++) dst[oj] = 0.0f;
                     });
  }
}

// The adjoint of im2colImage: accumulates cols into dx (C x H x W).
void col2imImage(const ConvShape& s, float* cols, float* dx) {
  for (size_t c = 0; c < s.channels; c++) {
    forEachKernelRow(s, c, cols, dx + c * s.inPlane(),
                     [&](const float* colRow, float* dxRow, size_t lo, size_t hi, size_t firstCol) {
                       if (!dxRow) return;
                       float* to = dxRow + firstCol;
                       const float* from = colRow + lo;
                       if (s.stride == 1) {  // contiguous: a loop GCC vectorizes
                         for (size_t t = 0; t < hi - lo; t++) to[t] += from[t];
                       } else {
                         for (size_t t = 0; t < hi - lo; t++) to[t * s.stride] += from[t];
                       }
                     });
  }
}

// y = act(W cols + bias) for one image; `gemm` is runGemm or runGemmSerial.
template <typename Gemm>
void forwardImage(const ConvProblem& p, const float* x, const float* w, const float* bias, float* y, Gemm gemm) {
  float* cols = threadBuffer(0, p.colSize());
  im2colImage(p.s, x, cols);
  const size_t spatial = p.s.outPlane();
  gemm(GemmProblem{false, false, p.filters, spatial, p.colRows(), 1.0f, 0.0f, w, cols, y});
  if (!bias && !p.relu) return;
  for (size_t f = 0; f < p.filters; f++) {
    const float b = bias ? bias[f] : 0.0f;
    float* row = y + f * spatial;
    for (size_t i = 0; i < spatial; i++) {
      const float v = row[i] + b;
      row[i] = p.relu && v < 0.0f ? 0.0f : v;
    }
  }
}

// Where one image's gradients go: dw (F x C*kh*kw) and db (F) accumulate; dx is the image's plane.
struct ImageGrads {
  float* dx;
  float* dw;
  float* db;
};

// Backward of forwardImage: g = dy masked by the ReLU, then db += row sums,
// dw += g cols^T, dx += col2im(W^T g).
template <typename Gemm>
void backwardImage(const ConvProblem& p, const float* x, const float* w, const float* y, const float* dy,
                   ImageGrads out, Gemm gemm) {
  const size_t spatial = p.s.outPlane(), count = p.outImage();
  const float* g = dy;
  if (p.relu) {
    float* masked = threadBuffer(1, count);
    for (size_t i = 0; i < count; i++) masked[i] = y[i] > 0.0f ? dy[i] : 0.0f;
    g = masked;
  }
  if (out.db) {
    for (size_t f = 0; f < p.filters; f++) {
      // In vector lanes (the same order every run): a single running sum waits on each
      // add's latency, which showed in the CNN's backward pass.
      float acc = 0.0f;
#pragma omp simd reduction(+ : acc)
      for (size_t i = 0; i < spatial; i++) acc += g[f * spatial + i];
      out.db[f] += acc;
    }
  }
  float* cols = threadBuffer(0, p.colSize());
  if (out.dw) {
    im2colImage(p.s, x, cols);
    gemm(GemmProblem{false, true, p.filters, p.colRows(), spatial, 1.0f, 1.0f, g, cols, out.dw});
  }
  if (out.dx) {
    gemm(GemmProblem{true, false, p.colRows(), spatial, p.filters, 1.0f, 0.0f, w, g, cols});
    col2imImage(p.s, cols, out.dx);
  }
}

// Threads that take whole images: all of them when every thread gets an image and the
// batch is worth it, else none (0: images one by one through the pooled GEMM).
int imageThreads(const ConvProblem& p) {
  const size_t work = p.s.batch * p.outImage() * p.colRows();
  if (!worthThreads(work) || p.s.batch < static_cast<size_t>(threadCount())) return 0;
  return threadCount();
}

ConvProblem convProblemArgs(const Args& args, size_t shapeAt, size_t filtersAt, size_t reluAt) {
  ConvProblem p{convShapeArgs(args, shapeAt), args.size(filtersAt, "filters"), args.flag(reluAt, "relu")};
  if (p.filters == 0) args.rangeError("filters must be at least 1");
  return p;
}

Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dForward", 14);
  FloatView x = args.floats(0, "x"), w = args.floats(1, "weight");
  FloatView bias = args.floatsOrNull(2, "bias");
  ConvProblem p = convProblemArgs(args, 3, 11, 12);
  FloatView y = args.floats(13, "y");
  args.needLength("x", x.length, p.s.batch * p.inImage());
  args.needLength("weight", w.length, p.filters * p.colRows());
  if (bias.data) args.needLength("bias", bias.length, p.filters);
  args.needLength("y", y.length, p.s.batch * p.outImage());
  const int threads = imageThreads(p);
  if (threads == 0) {
    for (size_t n = 0; n < p.s.batch; n++) {
      forwardImage(p, x.data + n * p.inImage(), w.data, bias.data, y.data + n * p.outImage(), runGemm);
    }
    return info.Env().Undefined();
  }
  onThreads(threads, [&](int t, int parts) {
    size_t first, last;
    splitRange(p.s.batch, parts, t, 1, &first, &last);
    for (size_t n = first; n < last; n++) {
      forwardImage(p, x.data + n * p.inImage(), w.data, bias.data, y.data + n * p.outImage(), runGemmSerial);
    }
  });
  return info.Env().Undefined();
}

// Each thread sums dw and db over its images into its own slice of `partial`; the slices
// are then added in thread order, so the result does not depend on timing.
void backwardOnThreads(const ConvProblem& p, int threads, const float* x, const float* w, const float* y,
                       const float* dy, ImageGrads out) {
  const size_t dwSize = out.dw ? p.filters * p.colRows() : 0, dbSize = out.db ? p.filters : 0;
  const size_t slice = dwSize + dbSize;
  std::vector<float> partial(slice * threads, 0.0f);
  onThreads(threads, [&](int t, int parts) {
    float* mine = partial.data() + slice * t;
    ImageGrads local{nullptr, out.dw ? mine : nullptr, out.db ? mine + dwSize : nullptr};
    size_t first, last;
    splitRange(p.s.batch, parts, t, 1, &first, &last);
    for (size_t n = first; n < last; n++) {
      local.dx = out.dx ? out.dx + n * p.inImage() : nullptr;
      backwardImage(p, x + n * p.inImage(), w, y + n * p.outImage(), dy + n * p.outImage(), local, runGemmSerial);
    }
  });
  for (int t = 0; t < threads; t++) {
    const float* from = partial.data() + slice * t;
    for (size_t i = 0; i < dwSize; i++) out.dw[i] += from[i];
    for (size_t i = 0; i < dbSize; i++) out.db[i] += from[dwSize + i];
  }
}

Napi::Value Conv2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackward", 17);
  FloatView x = args.floats(0, "x"), w = args.floats(1, "weight"), y = args.floats(2, "y"), dy = args.floats(3, "dy");
  ConvProblem p = convProblemArgs(args, 4, 12, 13);
  FloatView dx = args.floatsOrNull(14, "dx"), dw = args.floatsOrNull(15, "dweight"), db = args.floatsOrNull(16, "dbias");
  args.needLength("x", x.length, p.s.batch * p.inImage());
  args.needLength("weight", w.length, p.filters * p.colRows());
  args.needLength("y", y.length, p.s.batch * p.outImage());
  args.needLength("dy", dy.length, p.s.batch * p.outImage());
  if (dx.data) args.needLength("dx", dx.length, p.s.batch * p.inImage());
  if (dw.data) args.needLength("dweight", dw.length, p.filters * p.colRows());
  if (db.data) args.needLength("dbias", db.length, p.filters);
  const int threads = imageThreads(p);
  if (threads == 0) {
    for (size_t n = 0; n < p.s.batch; n++) {
      ImageGrads image{dx.data ? dx.data + n * p.inImage() : nullptr, dw.data, db.data};
      backwardImage(p, x.data + n * p.inImage(), w.data, y.data + n * p.outImage(), dy.data + n * p.outImage(), image,
                    runGemm);
    }
  } else {
    backwardOnThreads(p, threads, x.data, w.data, y.data, dy.data, ImageGrads{dx.data, dw.data, db.data});
  }
  return info.Env().Undefined();
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("conv2dForward", Napi::Function::New(env, Conv2dForward, "conv2dForward"));
  exports.Set("conv2dBackward", Napi::Function::New(env, Conv2dBackward, "conv2dBackward"));
}

}  // namespace midl

namespace midl {

void im2col(const ConvShape& s, const float* x, float* cols) { im2colImage(s, x, cols); }

}  // namespace midl
