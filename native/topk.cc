// Top-k per row, ties to the lower index, indices written in ascending order.
// Per row: map each value to an unsigned key with the same order, find the k-th
// largest key T from the top bit down (T keeps a bit when at least k keys are >= the
// candidate; one vectorized counting pass settles two bits, with no histogram; the
// candidates are narrowed every 8 bits), then one scan in index order takes every key above T and the first
// (k - #above) keys equal to T: the indices come out sorted, ties resolved toward
// lower indices. (A byte-wise radix select was ~4 us per 512-wide row of gate logits:
// clustered values pile into one histogram bucket, a serial chain of increments;
// this is well under 1 us.)
// -0 and +0 tie (as they compare equal); NaN, which the reference leaves undefined,
// orders above +infinity (or below -infinity when its sign bit is set).
#include "topk.h"

#include <cstring>
#include <vector>

#include "common.h"
#include "simd.h"

namespace midl {

namespace {

inline uint32_t orderKey(float value) {
  if (value == 0.0f) value = 0.0f;
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits & 0x80000000u ? ~bits : bits | 0x80000000u;
}

inline uint32_t countAtLeast(const uint32_t* keys, size_t count, uint32_t bound) {
  uint32_t total = 0;
  for (size_t j = 0; j < count; j++) total += keys[j] >= bound;
  return total;
}

// Copies the keys with (key >> shift) == prefix to out; returns how many.
size_t keepPrefix(const uint32_t* keys, size_t count, int shift, uint32_t prefix, uint32_t* out) {
  size_t kept = 0, j = 0;
#if defined(__AVX512F__)
  const __m512i want = _mm512_set1_epi32(static_cast<int>(prefix));
  const __m128i by = _mm_cvtsi32_si128(shift);
  for (; j + 16 <= count; j += 16) {
    const __m512i v = _mm512_loadu_si512(keys + j);
    const __mmask16 keep = _mm512_cmpeq_epi32_mask(_mm512_srl_epi32(v, by), want);
    const unsigned taken = static_cast<unsigned>(__builtin_popcount(keep));
    _mm512_mask_storeu_epi32(out + kept, static_cast<__mmask16>((1u << taken) - 1), _mm512_maskz_compress_epi32(keep, v));
    kept += taken;
  }
#endif
  for (; j < count; j++) {
    out[kept] = keys[j];
    kept += (keys[j] >> shift) == prefix;
  }
  return kept;
}

// How many of keys[0 .. count) are >= each of the three bounds, in one pass.
inline void countAtLeast3(const uint32_t* keys, size_t count, const uint32_t* bounds, uint32_t* totals) {
  size_t j = 0;
  totals[0] = totals[1] = totals[2] = 0;
#if defined(__AVX512F__)
  const __m512i one = _mm512_set1_epi32(1);
  const __m512i b0 = _mm512_set1_epi32(static_cast<int>(bounds[0])), b1 = _mm512_set1_epi32(static_cast<int>(bounds[1])),
                b2 = _mm512_set1_epi32(static_cast<int>(bounds[2]));
  __m512i t0 = _mm512_setzero_si512(), t1 = t0, t2 = t0;
  for (; j + 16 <= count; j += 16) {
    const __m512i v = _mm512_loadu_si512(keys + j);
    t0 = _mm512_mask_add_epi32(t0, _mm512_cmpge_epu32_mask(v, b0), t0, one);
    t1 = _mm512_mask_add_epi32(t1, _mm512_cmpge_epu32_mask(v, b1), t1, one);
    t2 = _mm512_mask_add_epi32(t2, _mm512_cmpge_epu32_mask(v, b2), t2, one);
  }
  totals[0] = static_cast<uint32_t>(_mm512_reduce_add_epi32(t0));
  totals[1] = static_cast<uint32_t>(_mm512_reduce_add_epi32(t1));
  totals[2] = static_cast<uint32_t>(_mm512_reduce_add_epi32(t2));
#endif
  for (; j < count; j++) {
    for (int t = 0; t < 3; t++) totals[t] += keys[j] >= bounds[t];
  }
}

// The k-th largest of keys[0 .. count) (1 <= k <= count): the largest T with
// #(keys >= T) >= k, two bits per pass: one pass counts the keys at or above each of T's
// three possible next values. The passes depend on each other, so settling two bits at a
// time halves the chain (512 keys, k = 230: 625 -> 427 ns; with a branch choosing among
// the three, mispredictions took all of the gain). Every 8 bits the candidates shrink
// to the keys sharing T's prefix so far (those above it are counted once, into k): later
// passes touch only a few. scratch holds count entries.
uint32_t kthLargest(const uint32_t* keys, size_t count, size_t k, uint32_t* scratch) {
  uint32_t threshold = 0;
  for (int bit = 30; bit >= 0; bit -= 2) {
    const uint32_t bounds[3] = {threshold | (1u << bit), threshold | (2u << bit), threshold | (3u << bit)};
    uint32_t totals[3];
    countAtLeast3(keys, count, bounds, totals);
    // The counts fall as the bounds rise, so T gains the largest of the three that holds.
    threshold |= static_cast<uint32_t>((totals[0] >= k) + (totals[1] >= k) + (totals[2] >= k)) << bit;
    if (bit % 8 == 0 && bit > 0) {
      const uint32_t prefix = threshold >> bit;
      if (prefix != UINT32_MAX >> bit) k -= countAtLeast(keys, count, (prefix + 1) << bit);
      count = keepPrefix(keys, count, bit, prefix, scratch);
      keys = scratch;
    }
  }
  return threshold;
}

// Writes every j with keys[j] >= threshold to out, ascending; returns how many.
size_t takeAtLeast(const uint32_t* keys, size_t cols, uint32_t threshold, int32_t* out) {
  size_t written = 0, j = 0;
#if defined(__AVX512F__)
  // Compress into a register, then a masked store: the compressing store to memory is
  // microcoded (slow) on AMD cores.
  const __m512i bound = _mm512_set1_epi32(static_cast<int>(threshold));
  __m512i index = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i step = _mm512_set1_epi32(16);
  for (; j + 16 <= cols; j += 16) {
    const __mmask16 take = _mm512_cmpge_epu32_mask(_mm512_loadu_si512(keys + j), bound);
    const unsigned taken = static_cast<unsigned>(__builtin_popcount(take));
    _mm512_mask_storeu_epi32(out + written, static_cast<__mmask16>((1u << taken) - 1), _mm512_maskz_compress_epi32(take, index));
    written += taken;
    index = _mm512_add_epi32(index, step);
  }
#endif
  for (; j < cols; j++) {
    if (keys[j] >= threshold) out[written++] = static_cast<int32_t>(j);
  }
  return written;
}

}  // namespace

void topkRow(const float* row, size_t cols, size_t k, int32_t* out, uint32_t* keys) {
  for (size_t j = 0; j < cols; j++) keys[j] = orderKey(row[j]);
  const uint32_t threshold = kthLargest(keys, cols, k, keys + cols);
  // Usually no key past the k-th equals it, and every key >= T is taken.
  if (countAtLeast(keys, cols, threshold) == k) {
    takeAtLeast(keys, cols, threshold, out);
    return;
  }
  size_t tiesWanted = k - countAtLeast(keys, cols, threshold + 1);
  size_t written = 0;
  for (size_t j = 0; j < cols && written < k; j++) {
    const bool tie = keys[j] == threshold;
    if (keys[j] > threshold || (tie && tiesWanted > 0)) {
      out[written++] = static_cast<int32_t>(j);
      tiesWanted -= tie;
    }
  }
}

namespace {

Napi::Value TopkRows(const Napi::CallbackInfo& info) {
  Args args(info, "topkRows", 5);
  FloatView x = args.floats(0, "x");
  size_t rows = args.size(1, "rows"), cols = args.size(2, "cols"), k = args.size(3, "k");
  IntView idx = args.ints(4, "idx");
  if (k < 1 || k > cols) {
    args.rangeError("k must be in [1, cols = " + std::to_string(cols) + "], got " + std::to_string(k));
  }
  args.needLength("x", x.length, rows * cols);
  args.needLength("idx", idx.length, rows * k);
  // About 40 operations per element (32 counting passes): threads pay off from ~64 rows of 512.
  parallelFor(rows, rows * cols * 2, [&](size_t begin, size_t end) {
    std::vector<uint32_t> keys(2 * cols);
    for (size_t i = begin; i < end; i++) topkRow(x.data + i * cols, cols, k, idx.data + i * k, keys.data());
  });
  return info.Env().Undefined();
}

}  // namespace

void registerTopk(Napi::Env env, Napi::Object exports) {
  exports.Set("topkRows", Napi::Function::New(env, TopkRows, "topkRows"));
}

}  // namespace midl
