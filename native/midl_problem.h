// The problem both sparse full-path strategies of MIDL's per-neuron inference share
// (midl.cc decides which runs), and the small pieces they both use.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "simd.h"

namespace midl {

struct MidlProblem {
  const float* x;
  size_t B, d;
  const float* weight;
  const float* bias;
  size_t n;
  const float* alpha;
  const int32_t* sel;
  const int32_t* counts;
  size_t k;
  bool relu;
  float* y;
};

#if defined(__AVX512F__)
// The 8 lane sums of a[0..7], as one vector: a transposing tree of adds (about 3x
// fewer instructions than 8 separate horizontal sums).
inline __m256 laneSums8(const __m512* a) {
  __m512 pair[4];
  for (int t = 0; t < 4; t++) {
    // [a(2t) low + high 256 bits | a(2t+1) low + high 256 bits]
    pair[t] = _mm512_add_ps(_mm512_shuffle_f32x4(a[2 * t], a[2 * t + 1], 0x44),
                            _mm512_shuffle_f32x4(a[2 * t], a[2 * t + 1], 0xEE));
  }
  // pair[t]'s 128-bit quarters hold partials of a(2t), a(2t), a(2t+1), a(2t+1); fold them
  // so q01's quarters hold 4-lane partials of a0..a3 and q23's of a4..a7.
  const __m512 q01 = _mm512_add_ps(_mm512_shuffle_f32x4(pair[0], pair[1], 0x88), _mm512_shuffle_f32x4(pair[0], pair[1], 0xDD));
  const __m512 q23 = _mm512_add_ps(_mm512_shuffle_f32x4(pair[2], pair[3], 0x88), _mm512_shuffle_f32x4(pair[2], pair[3], 0xDD));
  // Finish each quarter's 4 lanes, interleaving the two sets.
  const __m512 h = _mm512_add_ps(_mm512_unpacklo_ps(q01, q23), _mm512_unpackhi_ps(q01, q23));
  const __m512 g = _mm512_add_ps(h, _mm512_permute_ps(h, 0x4E));
  // Lanes 0 and 1 of quarter t hold sums of a(t) and a(t+4).
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0);
  return _mm512_castps512_ps256(_mm512_permutexvar_ps(order, g));
}
#endif

// out[e] = shared . others[e] for e < E, over d elements.
template <int E>
inline void dots(const float* shared, const float* const* others, size_t d, float* out) {
#if defined(__AVX512F__)
  __m512 acc[E];
  for (int e = 0; e < E; e++) acc[e] = _mm512_setzero_ps();
  size_t p = 0;
  for (; p + 16 <= d; p += 16) {
    const __m512 s = _mm512_loadu_ps(shared + p);
    for (int e = 0; e < E; e++) acc[e] = _mm512_fmadd_ps(s, _mm512_loadu_ps(others[e] + p), acc[e]);
  }
  if (p < d) {
    const __mmask16 tail = static_cast<__mmask16>((1u << (d - p)) - 1);
    const __m512 s = _mm512_maskz_loadu_ps(tail, shared + p);
    for (int e = 0; e < E; e++) acc[e] = _mm512_fmadd_ps(s, _mm512_maskz_loadu_ps(tail, others[e] + p), acc[e]);
  }
  if constexpr (E == 8) {
    _mm256_storeu_ps(out, laneSums8(acc));
  } else {
    for (int e = 0; e < E; e++) out[e] = _mm512_reduce_add_ps(acc[e]);
  }
#else
  float acc[E] = {};
  for (size_t p = 0; p < d; p++) {
    for (int e = 0; e < E; e++) acc[e] += shared[p] * others[e][p];
  }
  for (int e = 0; e < E; e++) out[e] = acc[e];
#endif
}

inline void blend(const MidlProblem& P, size_t i, size_t j, float dot) {
  const size_t at = i * P.n + j;
  const float a = P.alpha[at];
  P.y[at] = a * (dot + P.bias[j]) + (1.0f - a) * P.y[at];
}

inline void reluColumns(const MidlProblem& P, size_t i0, size_t i1, size_t j0, size_t j1) {
  for (size_t i = i0; i < i1; i++) {
    float* row = P.y + i * P.n;
    for (size_t j = j0; j < j1; j++) row[j] = row[j] < 0.0f ? 0.0f : row[j];
  }
}

// Positions [t0, t1) of example i's selection that fall in neurons [j0, j1).
inline void selectionBand(const MidlProblem& P, size_t i, size_t j0, size_t j1, size_t* t0, size_t* t1) {
  const int32_t* row = P.sel + i * P.k;
  const int32_t* end = row + P.counts[i];
  *t0 = std::lower_bound(row, end, static_cast<int32_t>(j0)) - row;
  *t1 = std::lower_bound(row + *t0, end, static_cast<int32_t>(j1)) - row;
}

// The gather strategy over neurons [j0, j1) (small batches; midl_small_batch.cc).
void gatherBand(const MidlProblem& P, size_t j0, size_t j1);

// The neuron strategy over neurons [j0, j1) (large batches; midl_large_batch.cc).
void neuronBand(const MidlProblem& P, size_t j0, size_t j1);

}  // namespace midl
