// Pieces shared by the MID-L kernels: per-neuron inference (midl.cc, midl_small_batch.cc,
// midl_large_batch.cc), training (midl_train.cc), block selection (midl_block.cc) and the
// convolutional form (midl_conv.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include <napi.h>

#include <vector>

namespace midl {

// Per-thread scratch, kept across calls so a call allocates nothing once warm.
template <typename T>
T* scratch(std::vector<T>& buffer, size_t size) {
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}

// Registration of the training kernels (midl_train.cc) and of the block-selection and
// convolutional forms (midl_block.cc, midl_conv.cc); common.h declares the others.
void registerMidlTraining(Napi::Env env, Napi::Object exports);
void registerMidlBlock(Napi::Env env, Napi::Object exports);
void registerMidlConv(Napi::Env env, Napi::Object exports);

// C (M x N) = A (M x K) times the transpose of Bm (N x K), plus bias (N, or null): the
// low-rank heads' product, on dot kernels for up to 4 rows and on the GEMM beyond (midl.cc).
void headProduct(const float* A, size_t M, size_t K, const float* Bm, size_t N, const float* bias, float* C);

// Per row of logits (B x n): sel (B x k) = the top-k indices ascending (ties to the lower
// index), the row overwritten by its gates sigmoid(logits), then those of sel whose gate is
// below tau (tau > 0) dropped; counts[i] = how many of row i's remain (midl.cc).
void selectGates(float* logits, size_t B, size_t n, size_t k, double tau, int32_t* sel, int32_t* counts);

// e^x in float for x <= 0, vectorizable: x = n ln2 + f with |f| <= ln2 / 2, e^f by its
// degree-7 Taylor polynomial (truncation below 1e-8 relative), 2^n through the exponent
// bits. Within 2 ulp of the correctly rounded value; inputs below -87 give e^-87.
inline float expNonPositive(float x) {
  x = x < -87.0f ? -87.0f : x;
  const float shifter = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float n = (x * 1.44269504f + shifter) - shifter;
  const float f = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // ln2 in two parts, n * first exact
  float p = 1.0f / 5040.0f;
  p = p * f + 1.0f / 720.0f;
  p = p * f + 1.0f / 120.0f;
  p = p * f + 1.0f / 24.0f;
  p = p * f + 1.0f / 6.0f;
  p = p * f + 0.5f;
  p = p * f + 1.0f;
  p = p * f + 1.0f;
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// The logistic function in the form that never overflows: e = e^-|v|, then 1 / (1 + e)
// or e / (1 + e).
inline float sigmoid(float v) {
  const float e = expNonPositive(v < 0.0f ? v : -v);
  const float s = 1.0f / (1.0f + e);
  return v >= 0.0f ? s : e * s;
}

// out[j] = sigmoid(in[j]) for j < count; out may alias in.
inline void sigmoidSpan(const float* in, size_t count, float* out) {
  for (size_t j = 0; j < count; j++) out[j] = sigmoid(in[j]);
}

}  // namespace midl
