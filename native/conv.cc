// im2col and its adjoint col2im over a whole NCHW batch. Work is split by
// (image, channel) plane: each plane owns disjoint rows of the column matrix and a
// disjoint plane of dx, so threads never write the same memory.
#include <cstring>

#include "common.h"

namespace midl {

namespace {

// Visits every kernel offset (ki, kj) of one plane and every output row oi, calling
// row(colRow, planeRow, lo, hi, firstCol): colRow is the column-matrix row segment
// for (ki, kj, oi); planeRow is the plane row the window reads, or null in the
// padding; outputs [lo, hi) fall inside the image, output lo reading column firstCol.
template <typename Plane, typename RowVisitor>
void forEachKernelRow(const ConvShape& s, size_t plane, float* cols, Plane* planeBase, RowVisitor row) {
  const size_t channel = plane % s.channels, image = plane / s.channels;
  const size_t rowsPerImage = s.channels * s.kernelH * s.kernelW;
  for (size_t ki = 0; ki < s.kernelH; ki++) {
    size_t oiLo, oiHi;
    validOutputs(s.height, s.outH, s.stride, s.pad, ki, &oiLo, &oiHi);
    for (size_t kj = 0; kj < s.kernelW; kj++) {
      size_t ojLo, ojHi;
      validOutputs(s.width, s.outW, s.stride, s.pad, kj, &ojLo, &ojHi);
      const size_t firstCol = ojHi > ojLo ? ojLo * s.stride + kj - s.pad : 0;
      const size_t colRow = image * rowsPerImage + (channel * s.kernelH + ki) * s.kernelW + kj;
      float* dst = cols + colRow * s.outPlane();
      for (size_t oi = 0; oi < s.outH; oi++) {
        Plane* src = oi >= oiLo && oi < oiHi ? planeBase + (oi * s.stride + ki - s.pad) * s.width : nullptr;
        row(dst + oi * s.outW, src, ojLo, ojHi, firstCol);
      }
    }
  }
}

Napi::Value Im2col(const Napi::CallbackInfo& info) {
  Args args(info, "im2col", 10);
  FloatView x = args.floats(0, "x");
  ConvShape s = convShapeArgs(args, 1);
  FloatView out = args.floats(9, "out");
  args.needLength("x", x.length, s.planes() * s.inPlane());
  args.needLength("out", out.length, s.planes() * s.kernelH * s.kernelW * s.outPlane());
  parallelFor(s.planes(), out.length, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; p++) {
      forEachKernelRow(s, p, out.data, x.data + p * s.inPlane(),
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
  });
  return info.Env().Undefined();
}

Napi::Value Col2im(const Napi::CallbackInfo& info) {
  Args args(info, "col2im", 10);
  FloatView cols = args.floats(0, "cols");
  ConvShape s = convShapeArgs(args, 1);
  FloatView dx = args.floats(9, "dx");
  args.needLength("cols", cols.length, s.planes() * s.kernelH * s.kernelW * s.outPlane());
  args.needLength("dx", dx.length, s.planes() * s.inPlane());
  parallelFor(s.planes(), cols.length, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; p++) {
      forEachKernelRow(s, p, cols.data, dx.data + p * s.inPlane(),
                       [&](const float* colRow, float* dxRow, size_t lo, size_t hi, size_t firstCol) {
                         if (!dxRow) return;
                         float* to = dxRow + firstCol;
                         for (size_t oj = lo; oj < hi; oj++) to[(oj - lo) * s.stride] += colRow[oj];
                       });
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerConv(Napi::Env env, Napi::Object exports) {
  exports.Set("im2col", Napi::Function::New(env, Im2col, "im2col"));
  exports.Set("col2im", Napi::Function::New(env, Col2im, "col2im"));
}

}  // namespace midl
