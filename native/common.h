// Shared plumbing of the addon: argument decoding with cheap validation, and the
// thread policy every kernel uses.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "threads.h"

namespace midl {

struct FloatView {
  float* data;
  size_t length;
};

struct IntView {
  int32_t* data;
  size_t length;
};

// Decodes the arguments of one call; every failure throws a JS TypeError or
// RangeError whose message names the function and the argument.
class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn, size_t count);

  FloatView floats(size_t i, const char* name) const;
  // A Float32Array or null (data == nullptr, length 0).
  FloatView floatsOrNull(size_t i, const char* name) const;
  IntView ints(size_t i, const char* name) const;
  // A non-negative integer that fits in int32.
  size_t size(size_t i, const char* name) const;
  double number(size_t i, const char* name) const;
  bool flag(size_t i, const char* name) const;

  // Throws a RangeError unless have >= need.
  void needLength(const char* name, size_t have, size_t need) const;
  [[noreturn]] void rangeError(const std::string& message) const;

  Napi::Env env() const { return info_.Env(); }

 private:
  [[noreturn]] void typeError(size_t i, const char* name, const char* expected) const;
  const Napi::CallbackInfo& info_;
  const char* fn_;
};

// Geometry of a convolution or pooling window over an NCHW batch, with the output size.
struct ConvShape {
  size_t batch, channels, height, width, kernelH, kernelW, stride, pad;
  size_t outH, outW;
  size_t planes() const { return batch * channels; }
  size_t inPlane() const { return height * width; }
  size_t outPlane() const { return outH * outW; }
};

// Reads the 8 shape numbers starting at argument `first` and checks them.
ConvShape convShapeArgs(const Args& args, size_t first);

// First and one-past-last output position o with 0 <= o * stride - pad + offset < size.
inline void validOutputs(size_t size, size_t outSize, size_t stride, size_t pad, size_t offset, size_t* lo, size_t* hi) {
  const long shift = static_cast<long>(pad) - static_cast<long>(offset);  // o * stride >= shift
  const long first = shift <= 0 ? 0 : (shift + static_cast<long>(stride) - 1) / static_cast<long>(stride);
  const long limit = static_cast<long>(size) + shift;                     // o * stride < limit
  const long last = limit <= 0 ? 0 : (limit + static_cast<long>(stride) - 1) / static_cast<long>(stride);
  *lo = static_cast<size_t>(first < static_cast<long>(outSize) ? first : static_cast<long>(outSize));
  *hi = static_cast<size_t>(last < static_cast<long>(outSize) ? last : static_cast<long>(outSize));
  if (*hi < *lo) *hi = *lo;
}

// Below this many elements (or multiply-adds) a loop stays on the calling thread:
// waking the pool costs a few microseconds, which batch-1 latency cannot afford.
constexpr size_t kParallelMinWork = size_t{1} << 16;

inline bool worthThreads(size_t work) { return threadCount() > 1 && work >= kParallelMinWork; }

// [begin, end) of part t of n parts of `total` items, boundaries rounded to `align`.
inline void splitRange(size_t total, int parts, int t, size_t align, size_t* begin, size_t* end) {
  size_t units = (total + align - 1) / align;
  size_t b = units * t / parts * align, e = units * (t + 1) / parts * align;
  *begin = b < total ? b : total;
  *end = e < total ? e : total;
}

// Runs body(begin, end) over [0, count): one contiguous range per pool thread when
// `work` is large enough, else inline.
template <typename Body>
void parallelFor(size_t count, size_t work, Body body) {
  if (count < 2 || !worthThreads(work)) {
    body(size_t{0}, count);
    return;
  }
  onThreads(threadCount(), [&](int t, int parts) {
    size_t begin, end;
    splitRange(count, parts, t, 1, &begin, &end);
    body(begin, end);
  });
}

// Registration of each kernel family (one per source file).
void registerAllocator(Napi::Env env, Napi::Object exports);
void registerGemm(Napi::Env env, Napi::Object exports);
void registerElementwise(Napi::Env env, Napi::Object exports);
void registerLoss(Napi::Env env, Napi::Object exports);
void registerConv(Napi::Env env, Napi::Object exports);
void registerPool(Napi::Env env, Napi::Object exports);
void registerBatchNorm(Napi::Env env, Napi::Object exports);
void registerTopk(Napi::Env env, Napi::Object exports);
void registerEmbedding(Napi::Env env, Napi::Object exports);
void registerMidl(Napi::Env env, Napi::Object exports);

}  // namespace midl
