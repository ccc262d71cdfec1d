// MID-L sparse inference (MIDL.md section 3): the full path W_j . x_i + b_j is
// computed only for the selected (i, j) and blended into the light path held in y.
// midlInference runs the whole eval-mode layer in one call (low-rank products, top-k of
// the gate logits, gates, threshold, then this kernel) with per-thread scratch reused
// across calls, so a batch-1 forward pays one Node-API crossing and no allocation.
//
// Both strategies give each thread a contiguous band of neurons for the whole batch:
// its rows of W stay in that core's cache from call to call, threads never write the
// same element of y, and each applies the activation to its own columns at the end.
// - gather: per example, dot x_i with the selected rows of its band, four rows per
//   pass so each load of x_i serves four products (small batches).
// - neuron: per neuron j of the band, dot W_j with every example that selected j,
//   eight examples per pass so each load of W_j serves eight products (large
//   batches). The inverse lists (examples per neuron) are built here, per block of
//   32 examples. Each block of x is packed into an aligned scratch, chunk-major (at
//   most 384 inputs per chunk), and the products are summed chunk by chunk: the packed
//   chunk stays in L1 (nearly all of it) while every neuron of the band passes over it.
//   (Streaming x rows from L2 instead, or reading them misaligned, halves the speed.)
//   Two exceptions: neurons that most of the batch selected are computed for every
//   example as dense columns of one matrix product, then blended where selected; and
//   when few sparse products remain, they read x in place (DenseColumns says why).
// Floating point: dot products are summed in 16 vector lanes with fused multiply-add,
// so they differ from a sequential sum by rounding only (well within float tolerance).
#include <algorithm>
#include <cstdint>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "gemm_avx512.h"
#include "midl.h"
#include "simd.h"
#include "topk.h"

namespace midl {

namespace {

// auto uses the gather strategy up to this batch size (MIDL.md section 3: batches of 1-8),
// while the batch holds at most this many inputs in all (B * d), and the neuron strategy
// beyond. Measured on the target with midl's thread pool (whole layer, keep 0.45,
// 2 threads, gather against neuron, us):
// 784->512 batch 5 36 / 47, 8 57 / 60, 10 69 / 69; 512->512 batch 8 43 / 46, 10 53 / 52;
// 2048->512 batch 5 89 / 96, 6 111 / 108, 8 141 / 122. Past ~10,000 inputs the rows each
// example gathers no longer come from the core's L2 (2048->512: 4 MB of weights).
constexpr size_t kGatherMaxBatch = 8;
constexpr size_t kGatherMaxInputs = 10240;

// Neuron strategy tiling: examples per block and at most this many inputs per chunk
// (chunks are balanced, so none is much shorter than the others). At keep 0.45 a neuron
// is selected by ~14 of 32 examples: one pass of eight and a well-filled remainder. A
// pass of one to seven examples costs about as much as one of eight (its reductions and
// setup), so block sizes are measured, not derived from L1 alone: the packed tile (51 KB
// for 784 inputs) is a little over the 48 KB L1, yet 32 beat 24 by 2-9% (784->512,
// 512->512 and 2048->512 at batches 64 and 256, one and two threads; both builds in one
// process).
// 16, 20, 48 and 64 were slower than 24; 28, 36 and 40 within a few percent of 32 (each
// ahead of it only in one two-thread run at batch 256); chunks of 256, 320 and 448 no better.
constexpr size_t kBlockExamples = 32;
constexpr size_t kMaxChunk = 384;

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

void gatherBand(const MidlProblem& P, size_t j0, size_t j1) {
  for (size_t i = 0; i < P.B; i++) {
    const float* xi = P.x + i * P.d;
    const int32_t* row = P.sel + i * P.k;
    size_t t, t1;
    selectionBand(P, i, j0, j1, &t, &t1);
    const float* rows[4];
    float full[4];
    for (; t + 4 <= t1; t += 4) {
      for (int q = 0; q < 4; q++) rows[q] = P.weight + static_cast<size_t>(row[t + q]) * P.d;
      dots<4>(xi, rows, P.d, full);
      for (int q = 0; q < 4; q++) blend(P, i, row[t + q], full[q]);
    }
    for (; t < t1; t++) {
      rows[0] = P.weight + static_cast<size_t>(row[t]) * P.d;
      dots<1>(xi, rows, P.d, full);
      blend(P, i, row[t], full[0]);
    }
    if (P.relu) reluColumns(P, i, i + 1, j0, j1);
  }
}

// Examples of [i0, i1) that selected each neuron of [j0, j1), as one CSR structure.
struct InverseLists {
  std::vector<int32_t> start;     // neuron j - j0 owns examples[start[j - j0] .. start[j - j0 + 1])
  std::vector<int32_t> examples;
  std::vector<int32_t> cursor;

  // Stored example indices are relative to `base`.
  void build(const MidlProblem& P, size_t i0, size_t i1, size_t j0, size_t j1, size_t base) {
    start.assign(j1 - j0 + 1, 0);
    for (size_t i = i0; i < i1; i++) {
      size_t t0, t1;
      selectionBand(P, i, j0, j1, &t0, &t1);
      for (size_t t = t0; t < t1; t++) start[P.sel[i * P.k + t] - j0 + 1]++;
    }
    for (size_t j = 0; j < j1 - j0; j++) start[j + 1] += start[j];
    examples.resize(start.back());
    cursor.assign(start.begin(), start.end() - 1);
    for (size_t i = i0; i < i1; i++) {
      size_t t0, t1;
      selectionBand(P, i, j0, j1, &t0, &t1);
      for (size_t t = t0; t < t1; t++) examples[cursor[P.sel[i * P.k + t] - j0]++] = static_cast<int32_t>(i - base);
    }
  }
};

// Asks for floats [p, p + len) to be brought into L1 (the next neuron's chunk of W,
// which the hardware prefetcher does not foresee across rows).
inline void prefetch(const float* p, size_t len) {
  for (size_t i = 0; i < len; i += 16) __builtin_prefetch(p + i);
}

// One block of examples packed chunk-major: chunk c of example e starts at
// data + (c * examples + e) * chunkLength, 64-byte aligned, zero beyond d.
class PackedBlock {
 public:
  void pack(const MidlProblem& P, size_t i0, size_t i1) {
    examples_ = i1 - i0;
    chunks_ = std::max<size_t>(1, (P.d + kMaxChunk - 1) / kMaxChunk);
    chunkLength_ = ((P.d + chunks_ - 1) / chunks_ + 15) / 16 * 16;
    storage_.assign(chunks_ * examples_ * chunkLength_ + 16, 0.0f);
    data_ = aligned(storage_.data());
    for (size_t e = 0; e < examples_; e++) {
      const float* row = P.x + (i0 + e) * P.d;
      for (size_t c = 0; c < chunks_; c++) {
        const size_t first = std::min(P.d, c * chunkLength_), last = std::min(P.d, first + chunkLength_);
        std::copy(row + first, row + last, data_ + (c * examples_ + e) * chunkLength_);
      }
    }
  }
  size_t chunks() const { return chunks_; }
  size_t chunkLength() const { return chunkLength_; }
  const float* chunk(size_t c, size_t e) const { return data_ + (c * examples_ + e) * chunkLength_; }

 private:
  static float* aligned(float* p) {
    const uintptr_t at = reinterpret_cast<uintptr_t>(p);
    return reinterpret_cast<float*>((at + 63) & ~uintptr_t{63});
  }
  std::vector<float> storage_;
  float* data_ = nullptr;
  size_t examples_ = 0, chunks_ = 0, chunkLength_ = 0;
};

// Adds to sums[q] the product of w (len floats) with rowOf(list[q]) for the first E
// entries of list.
template <int E, typename RowOf>
void pass(const float* w, size_t len, RowOf rowOf, const int32_t* list, float* sums) {
  const float* rows[E];
  float part[E];
  for (int e = 0; e < E; e++) rows[e] = rowOf(list[e]);
  dots<E>(w, rows, len, part);
  for (int e = 0; e < E; e++) sums[e] += part[e];
}

// pass over all count entries: eight at a time, then one pass of the exact remainder.
template <typename RowOf>
void passes(const float* w, size_t len, RowOf rowOf, const int32_t* list, size_t count, float* sums) {
  size_t q = 0;
  for (; q + 8 <= count; q += 8) pass<8>(w, len, rowOf, list + q, sums + q);
  switch (count - q) {
    case 7: return pass<7>(w, len, rowOf, list + q, sums + q);
    case 6: return pass<6>(w, len, rowOf, list + q, sums + q);
    case 5: return pass<5>(w, len, rowOf, list + q, sums + q);
    case 4: return pass<4>(w, len, rowOf, list + q, sums + q);
    case 3: return pass<3>(w, len, rowOf, list + q, sums + q);
    case 2: return pass<2>(w, len, rowOf, list + q, sums + q);
    case 1: return pass<1>(w, len, rowOf, list + q, sums + q);
    default: return;
  }
}

// The neuron strategy's dense columns. A neuron that most examples of the batch selected
// is cheaper to compute for every example with the register-blocked matrix product
// (gemm.h), then blend where selected: per product that runs 2-2.5x faster than the
// sparse passes (~65-80 against ~27 multiply-adds per ns per core, 784->512 and
// 4096->512 at batch 256). Trained layers often have such neurons (MIDL.md leaves the
// selection free to be input-independent): in a fully trained IMDB model, 80 of the
// first layer's 256 neurons were selected by more than 90% of the test examples.
// - A neuron is dense when at least kDenseShare of the first kDenseSample examples
//   selected it; the choice only decides speed (both ways give the same output to
//   rounding), so a sample does.
// - Only when a band has at least kMinDenseColumns of them, and then in whole panels of
//   the product (32 columns): the panel's other columns, computed anyway, take the band's
//   next most selected neurons. Fewer columns ran slower than the sparse passes.
// - Only from kDenseMinInputs inputs: on 256-input layers, whose sparse passes run from
//   L1, dense columns were ~5% slower (IMDB's 256->256, batch 32 and 256).
// Measured per layer of trained models (the prototype's knobs, both ways in one process,
// batch 64 / 256, us; docs/benchmarks.md has the sweep): SVHN 4096->512 1696 / 6791 ->
// 851 / 2842; IMDB 10000->256 1945 / 6900 -> 956 / 3336; CIFAR-100 4096->512 1660 / 6419
// -> 1263 / 4873; CIFAR-10 4096->512 1209 / 6206 -> 1125 / 5499 (the quick study's
// models); MNIST, Adult and random layers within noise. A share of 0.7 slowed a fully
// trained MNIST model's first layer (1537 -> 1923 us at batch 256); 0.9 and 0.95 left
// half of IMDB's and CIFAR's gain.
constexpr double kDenseShare = 0.8;
constexpr size_t kDenseSample = 32;
constexpr size_t kDenseMinInputs = 512;
constexpr size_t kMinDenseColumns = 32;
// Up to this many sparse products per example of the batch, a band's sparse neurons read
// x in place instead of packing it block by block: packing all of x costs as much as
// ~25 full columns of products (SVHN's 4096->512 with its dense columns, batch 256: the
// sparse part 807-974 -> 86-93 us per band).
constexpr size_t kUnpackedProductsPerExample = 16;

// Per-thread scratch of neuronBand, kept across calls: allocated and freed on every call,
// a worker thread's malloc arena gave the memory back to the system each time, and the
// page faults and TLB shootdowns that followed slowed both cores.
thread_local InverseLists tlLists;
thread_local PackedBlock tlBlock;
thread_local std::vector<float> tlSums;

// A band's dense columns for one batch: which neurons, and their products.
struct DenseColumns {
  std::vector<int32_t> column;   // per neuron of the band: its column of `products`, or -1
  std::vector<int32_t> neurons;  // the dense neurons, increasing
  std::vector<int32_t> order;    // scratch of mostSelected
  std::vector<float> products;   // B x neurons.size()
  size_t sparseProducts = 0;     // the other neurons' selections in the batch (estimated)

  void choose(const MidlProblem& P, size_t j0, size_t j1) {
    const size_t sample = std::min(P.B, kDenseSample), width = j1 - j0;
    neurons.clear();
    if (P.d < kDenseMinInputs) {  // all sparse, packed
      column.assign(width, -1);
      sparseProducts = SIZE_MAX;
      return;
    }
    countSample(P, j0, j1, sample);
    const double least = kDenseShare * static_cast<double>(sample);
    const size_t many = std::count_if(column.begin(), column.end(), [&](int32_t c) { return c >= least; });
    const size_t h = many < kMinDenseColumns ? 0 : std::min(width, (many + kPanelCols - 1) / kPanelCols * kPanelCols);
    size_t sparse = 0;
    for (size_t j = 0; j < width; j++) sparse += column[j];
    if (h > 0) {
      mostSelected(j0, h);
      for (int32_t j : neurons) sparse -= column[j - j0];
    }
    sparseProducts = sparse * P.B / sample;
    std::fill(column.begin(), column.end(), -1);
    for (size_t q = 0; q < h; q++) column[neurons[q] - j0] = static_cast<int32_t>(q);
  }

  // column[j - j0] = how many of the first `sample` examples selected neuron j.
  void countSample(const MidlProblem& P, size_t j0, size_t j1, size_t sample) {
    column.assign(j1 - j0, 0);
    for (size_t i = 0; i < sample; i++) {
      size_t t0, t1;
      selectionBand(P, i, j0, j1, &t0, &t1);
      for (size_t t = t0; t < t1; t++) column[P.sel[i * P.k + t] - j0]++;
    }
  }

  // neurons = the h most counted (ties to the lower index), in increasing order.
  void mostSelected(size_t j0, size_t h) {
    order.resize(column.size());
    for (size_t j = 0; j < order.size(); j++) order[j] = static_cast<int32_t>(j);
    std::partial_sort(order.begin(), order.begin() + h, order.end(),
                      [&](int32_t a, int32_t b) { return column[a] != column[b] ? column[a] > column[b] : a < b; });
    std::sort(order.begin(), order.begin() + h);
    for (size_t q = 0; q < h; q++) neurons.push_back(static_cast<int32_t>(j0) + order[q]);
  }

  // The dense neurons' products for every example, blended where selected.
  void compute(const MidlProblem& P, size_t j0, size_t j1) {
    const size_t h = neurons.size();
    if (h == 0) return;
    products.resize(P.B * h);
    runGemmSerial(GemmProblem{false, true, P.B, h, P.d, 1.0f, 0.0f, P.x, P.weight, products.data(), neurons.data()});
    for (size_t i = 0; i < P.B; i++) {
      size_t t0, t1;
      selectionBand(P, i, j0, j1, &t0, &t1);
      for (size_t t = t0; t < t1; t++) {
        const int32_t j = P.sel[i * P.k + t];
        const int32_t c = column[j - j0];
        if (c >= 0) blend(P, i, j, products[i * h + c]);
      }
    }
  }
};

thread_local DenseColumns tlDense;

// The sparse products of a band (its neurons with dense[j - j0] < 0) in one pass over the
// whole batch, reading x in place.
void unpackedBand(const MidlProblem& P, size_t j0, size_t j1, const int32_t* dense) {
  InverseLists& lists = tlLists;
  std::vector<float>& sums = tlSums;
  lists.build(P, 0, P.B, j0, j1, 0);
  sums.assign(lists.examples.size(), 0.0f);
  const auto rowOf = [&](int32_t e) { return P.x + static_cast<size_t>(e) * P.d; };
  for (size_t j = j0; j < j1; j++) {
    if (dense[j - j0] >= 0) continue;
    const size_t first = lists.start[j - j0], count = lists.start[j - j0 + 1] - first;
    passes(P.weight + j * P.d, P.d, rowOf, lists.examples.data() + first, count, sums.data() + first);
    for (size_t q = first; q < first + count; q++) blend(P, lists.examples[q], j, sums[q]);
  }
  if (P.relu) reluColumns(P, 0, P.B, j0, j1);
}

// The sparse products of a band (its neurons with dense[j - j0] < 0), block by block of
// examples packed chunk-major.
void packedBand(const MidlProblem& P, size_t j0, size_t j1, const int32_t* dense) {
  InverseLists& lists = tlLists;
  PackedBlock& block = tlBlock;
  std::vector<float>& sums = tlSums;
  for (size_t i0 = 0; i0 < P.B; i0 += kBlockExamples) {
    const size_t i1 = std::min(P.B, i0 + kBlockExamples);
    lists.build(P, i0, i1, j0, j1, i0);
    block.pack(P, i0, i1);
    sums.assign(lists.examples.size(), 0.0f);
    for (size_t c = 0; c < block.chunks(); c++) {
      const size_t offset = std::min(P.d, c * block.chunkLength());
      const size_t len = std::min(block.chunkLength(), P.d - offset);
      const auto rowOf = [&](int32_t e) { return block.chunk(c, e); };
      for (size_t j = j0; j < j1; j++) {
        if (dense[j - j0] >= 0) continue;
        const size_t first = lists.start[j - j0], count = lists.start[j - j0 + 1] - first;
        const float* wChunk = P.weight + j * P.d + offset;
        if (j + 1 < j1) prefetch(wChunk + P.d, len);
        passes(wChunk, len, rowOf, lists.examples.data() + first, count, sums.data() + first);
      }
    }
    for (size_t j = j0; j < j1; j++) {
      if (dense[j - j0] >= 0) continue;
      for (int32_t q = lists.start[j - j0]; q < lists.start[j - j0 + 1]; q++) {
        blend(P, i0 + lists.examples[q], j, sums[q]);
      }
    }
    if (P.relu) reluColumns(P, i0, i1, j0, j1);
  }
}

void neuronBand(const MidlProblem& P, size_t j0, size_t j1) {
  DenseColumns& dense = tlDense;
  dense.choose(P, j0, j1);
  dense.compute(P, j0, j1);
  if (dense.sparseProducts <= kUnpackedProductsPerExample * P.B) {
    unpackedBand(P, j0, j1, dense.column.data());
  } else {
    packedBand(P, j0, j1, dense.column.data());
  }
}

// Up to this batch size midlSparseForward's gather runs on one thread: on the target a
// second thread added less bandwidth than waking it cost (784->512, keep 0.45, batch 1:
// 14.2 us on one thread, 16.6 on two; 2048->512, batch 2: 60.7 against 79.7; measured
// with OpenMP's pool, before midl had its own). midlInference's small batches take
// smallBatchInference instead.
constexpr size_t kGatherSerialMaxBatch = 2;

void runMidl(const MidlProblem& P, bool byNeuron) {
  size_t selected = 0;
  for (size_t i = 0; i < P.B; i++) selected += P.counts[i];
  const bool serial = !worthThreads(selected * P.d) || (!byNeuron && P.B <= kGatherSerialMaxBatch);
  const int parts = serial ? 1 : static_cast<int>(std::min<size_t>(threadCount(), P.n / 16));
  const auto band = [&](size_t j0, size_t j1) { byNeuron ? neuronBand(P, j0, j1) : gatherBand(P, j0, j1); };
  if (parts <= 1) return band(0, P.n);
  onThreads(parts, [&](int t, int count) {
    size_t j0, j1;
    splitRange(P.n, count, t, 16, &j0, &j1);
    band(j0, j1);
  });
}

// Counts within [0, k], selections strictly increasing and inside [0, n).
void checkSelection(const Args& args, const MidlProblem& P) {
  for (size_t i = 0; i < P.B; i++) {
    const int32_t count = P.counts[i];
    if (count < 0 || static_cast<size_t>(count) > P.k) {
      args.rangeError("counts[" + std::to_string(i) + "] = " + std::to_string(count) + " is outside [0, k = " +
                      std::to_string(P.k) + "]");
    }
    const int32_t* row = P.sel + i * P.k;
    for (int32_t t = 0; t < count; t++) {
      if (row[t] < 0 || static_cast<size_t>(row[t]) >= P.n || (t > 0 && row[t] <= row[t - 1])) {
        args.rangeError("sel row " + std::to_string(i) + " must hold strictly increasing neuron indices in [0, " +
                        std::to_string(P.n) + "); position " + std::to_string(t) + " holds " +
                        std::to_string(row[t]));
      }
    }
  }
}

bool useNeuronStrategy(const Args& args, size_t strategy, size_t B, size_t d) {
  if (strategy > 2) args.rangeError("strategy must be 0 (auto), 1 (gather) or 2 (neuron), got " + std::to_string(strategy));
  return strategy == 2 || (strategy == 0 && (B > kGatherMaxBatch || B * d > kGatherMaxInputs));
}

Napi::Value MidlSparseForward(const Napi::CallbackInfo& info) {
  Args args(info, "midlSparseForward", 13);
  MidlProblem P;
  FloatView x = args.floats(0, "x");
  P.B = args.size(1, "B");
  P.d = args.size(2, "d");
  FloatView weight = args.floats(3, "weight"), bias = args.floats(4, "bias");
  P.n = args.size(5, "n");
  FloatView alpha = args.floats(6, "alpha");
  IntView sel = args.ints(7, "sel"), counts = args.ints(8, "counts");
  P.k = args.size(9, "k");
  const size_t act = args.size(10, "act"), strategy = args.size(11, "strategy");
  FloatView y = args.floats(12, "y");
  if (act > 1) args.rangeError("act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  const bool byNeuron = useNeuronStrategy(args, strategy, P.B, P.d);
  args.needLength("x", x.length, P.B * P.d);
  args.needLength("weight", weight.length, P.n * P.d);
  args.needLength("bias", bias.length, P.n);
  args.needLength("alpha", alpha.length, P.B * P.n);
  args.needLength("sel", sel.length, P.B * P.k);
  args.needLength("counts", counts.length, P.B);
  args.needLength("y", y.length, P.B * P.n);
  P.x = x.data;
  P.weight = weight.data;
  P.bias = bias.data;
  P.alpha = alpha.data;
  P.sel = sel.data;
  P.counts = counts.data;
  P.relu = act == 1;
  P.y = y.data;
  checkSelection(args, P);
  runMidl(P, byNeuron);
  return info.Env().Undefined();
}

// ---- The fused inference: MIDL.md section 1 steps 1-8 in one call. ----

// Up to this many rows, the low-rank products run on the dot kernels above (sgemm is
// slow for so few rows, and OpenBLAS's sgemv for rows as short as the rank); beyond, on
// the shared matrix product (gemm.h).
constexpr size_t kMaxDotRows = 4;

// out[e] = shared . rows[e] for any count of rows, over d elements.
void dotsAny(const float* shared, const float* const* rows, size_t count, size_t d, float* out) {
  size_t e = 0;
  for (; e + 8 <= count; e += 8) dots<8>(shared, rows + e, d, out + e);
  for (; e + 4 <= count; e += 4) dots<4>(shared, rows + e, d, out + e);
  for (; e < count; e++) dots<1>(shared, rows + e, d, out + e);
}

// out[j] = a . row j of Bm (rows of K floats) for j in [j0, j1).
void dotRows(const float* a, const float* Bm, size_t K, size_t j0, size_t j1, float* out) {
  const float* rows[8];
  for (size_t j = j0; j < j1; j += 8) {
    const size_t count = std::min<size_t>(8, j1 - j);
    for (size_t q = 0; q < count; q++) rows[q] = Bm + (j + q) * K;
    dotsAny(a, rows, count, K, out + j);
  }
}

// Rows [i0, i1) of C (rows of N floats) += bias.
void addBias(float* C, size_t i0, size_t i1, size_t N, const float* bias) {
  for (size_t i = i0; i < i1; i++) {
    float* row = C + i * N;
    for (size_t j = 0; j < N; j++) row[j] += bias[j];
  }
}

// Rows [i0, i1) of C = A times the transpose of Bm (N x K), plus bias (or null), on the
// dot kernels.
void rowsTimesTransposed(const float* A, size_t i0, size_t i1, size_t K, const float* Bm, size_t N, const float* bias,
                         float* C) {
  for (size_t i = i0; i < i1; i++) dotRows(A + i * K, Bm, K, 0, N, C + i * N);
  if (bias) addBias(C, i0, i1, N, bias);
}

// C (M x N) = A (M x K) times the transpose of Bm (N x K), plus bias (N, or null). The
// choice between the dot kernels and the GEMM is made on the whole of M: split first, two
// threads with 4 rows each took the dot path (the whole layer at batch 8 was 6% slower,
// measured with both builds in one process).
void timesTransposed(const float* A, size_t M, size_t K, const float* Bm, size_t N, const float* bias, float* C) {
  if (M > kMaxDotRows) {
    runGemm(GemmProblem{false, true, M, N, K, 1.0f, 0.0f, A, Bm, C});
    if (bias) parallelFor(M, M * N, [&](size_t i0, size_t i1) { addBias(C, i0, i1, N, bias); });
  } else {
    parallelFor(M, M * N * K, [&](size_t i0, size_t i1) { rowsTimesTransposed(A, i0, i1, K, Bm, N, bias, C); });
  }
}


thread_local std::vector<float> tlLowRank, tlGates;
thread_local std::vector<int32_t> tlSelection;
thread_local std::vector<uint32_t> tlKeys;

// Per example: top-k of the gate logits (the sigmoid is monotonic, so this is the top-k
// of the gates, ties to the lower index), then the gates themselves (written over the
// logits; the sparse kernel reads them at the selected positions), then the threshold.
void selectExamples(float* gates, size_t i0, size_t i1, size_t n, size_t k, double tau, int32_t* sel, int32_t* counts) {
  uint32_t* keys = scratch(tlKeys, 2 * n);
  for (size_t i = i0; i < i1; i++) {
    float* row = gates + i * n;
    int32_t* chosen = sel + i * k;
    topkRow(row, n, k, chosen, keys);
    sigmoidSpan(row, n, row);
    size_t kept = k;
    if (tau > 0) {
      kept = 0;
      for (size_t t = 0; t < k; t++) {
        if (static_cast<double>(row[chosen[t]]) >= tau) chosen[kept++] = chosen[t];
      }
    }
    counts[i] = static_cast<int32_t>(kept);
  }
}

void selectFromLogits(float* gates, size_t B, size_t n, size_t k, double tau, int32_t* sel, int32_t* counts) {
  parallelFor(B, B * n * 8, [&](size_t i0, size_t i1) { selectExamples(gates, i0, i1, n, k, tau, sel, counts); });
}

struct LowRankHeads {
  const float* proj;
  const float* gate;
  const float* gateBias;
  const float* light;
  const float* lightBias;
  size_t r;
};

// The whole layer for a small batch (the gather strategy) in one parallel region with two
// barriers. At batch 1-8 each step mostly streams weights, so two cores read them about
// twice as fast as one; a barrier costs ~0.5 us on the target, so the steps are arranged
// to need few:
// 1. the projection, its rows split across the threads;
// 2. thread 0 computes the gate head and the selection (top-k, gates, threshold) while
//    the others compute the light head;
// 3. the gather, neurons split in bands.
void smallBatchInference(const MidlProblem& P, const LowRankHeads& H, double tau, float* z, float* gates, int32_t* sel,
                         int32_t* counts) {
  onThreads(threadCount(), [&](int t, int parts) {
    size_t a, b;
    splitRange(H.r, parts, t, 1, &a, &b);
    for (size_t i = 0; i < P.B; i++) dotRows(P.x + i * P.d, H.proj, P.d, a, b, z + i * H.r);
    partsBarrier();
    if (t == 0) {
      rowsTimesTransposed(z, 0, P.B, H.r, H.gate, P.n, H.gateBias, gates);
      selectExamples(gates, 0, P.B, P.n, P.k, tau, sel, counts);
    }
    if (parts == 1) {
      rowsTimesTransposed(z, 0, P.B, H.r, H.light, P.n, H.lightBias, P.y);
    } else if (t > 0) {
      splitRange(P.B, parts - 1, t - 1, 1, &a, &b);
      rowsTimesTransposed(z, a, b, H.r, H.light, P.n, H.lightBias, P.y);
    }
    partsBarrier();
    size_t j0, j1;
    splitRange(P.n, parts, t, 16, &j0, &j1);
    gatherBand(P, j0, j1);
  });
}

// A layer's parameters, decoded and checked once by midlPlan for all its midlInference
// calls: passing them on every call cost 0.7-0.8 us a call (two batch-1 layers, 784->512
// and 512->512: 21.0 -> 19.4 us). The plan holds references to the arrays, so they live
// at least as long as it does.
struct LayerPlan {
  static constexpr uint32_t kTag = 0x4d49444c;  // tells a plan from any other External
  uint32_t tag = kTag;
  size_t d, n, r;
  LowRankHeads heads;
  const float* weight;
  const float* bias;
  std::vector<Napi::ObjectReference> arrays;
};

Napi::Value MidlPlan(const Napi::CallbackInfo& info) {
  Args args(info, "midlPlan", 10);
  const size_t d = args.size(0, "d"), n = args.size(1, "n"), r = args.size(2, "r");
  FloatView proj = args.floats(3, "projWeight"), gate = args.floats(4, "gateWeight"), gateBias = args.floats(5, "gateBias");
  FloatView light = args.floats(6, "lightWeight"), lightBias = args.floats(7, "lightBias");
  FloatView weight = args.floats(8, "weight"), bias = args.floats(9, "bias");
  if (r < 1) args.rangeError("r must be at least 1");
  args.needLength("projWeight", proj.length, r * d);
  args.needLength("gateWeight", gate.length, n * r);
  args.needLength("gateBias", gateBias.length, n);
  args.needLength("lightWeight", light.length, n * r);
  args.needLength("lightBias", lightBias.length, n);
  args.needLength("weight", weight.length, n * d);
  args.needLength("bias", bias.length, n);
  auto* plan = new LayerPlan{LayerPlan::kTag, d, n, r,
                             LowRankHeads{proj.data, gate.data, gateBias.data, light.data, lightBias.data, r},
                             weight.data, bias.data, {}};
  for (size_t i = 3; i < 10; i++) plan->arrays.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
  return Napi::External<LayerPlan>::New(info.Env(), plan, [](Napi::Env, LayerPlan* p) { delete p; });
}

const LayerPlan& planArgument(const Napi::CallbackInfo& info, const Args& args) {
  const LayerPlan* plan = info[0].IsExternal() ? info[0].As<Napi::External<LayerPlan>>().Data() : nullptr;
  if (plan == nullptr || plan->tag != LayerPlan::kTag) args.rangeError("plan must come from midlPlan");
  return *plan;
}

Napi::Value MidlInference(const Napi::CallbackInfo& info) {
  Args args(info, "midlInference", 10);
  const LayerPlan& L = planArgument(info, args);
  FloatView x = args.floats(1, "x");
  const size_t B = args.size(2, "B"), k = args.size(3, "k");
  const double tau = args.number(4, "tau");
  const size_t act = args.size(5, "act");
  const bool byNeuron = useNeuronStrategy(args, args.size(6, "strategy"), B, L.d);
  FloatView y = args.floats(7, "y");
  IntView counts = args.ints(8, "counts");
  IntView selOut = info[9].IsNull() ? IntView{nullptr, 0} : args.ints(9, "sel");
  const size_t d = L.d, n = L.n, r = L.r;
  if (act > 1) args.rangeError("act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  if (k < 1 || k > n) args.rangeError("k must be in [1, n = " + std::to_string(n) + "], got " + std::to_string(k));
  args.needLength("x", x.length, B * d);
  args.needLength("y", y.length, B * n);
  args.needLength("counts", counts.length, B);
  if (selOut.data) args.needLength("sel", selOut.length, B * k);
  if (B == 0) return info.Env().Undefined();

  float* z = scratch(tlLowRank, B * r);
  float* gates = scratch(tlGates, B * n);
  int32_t* sel = selOut.data ? selOut.data : scratch(tlSelection, B * k);
  MidlProblem P;
  P.x = x.data;
  P.B = B;
  P.d = d;
  P.weight = L.weight;
  P.bias = L.bias;
  P.n = n;
  P.alpha = gates;
  P.sel = sel;
  P.counts = counts.data;
  P.k = k;
  P.relu = act == 1;
  P.y = y.data;
  const LowRankHeads& H = L.heads;
  if (!byNeuron && worthThreads(B * d * n)) {
    smallBatchInference(P, H, tau, z, gates, sel, counts.data);
    return info.Env().Undefined();
  }
  timesTransposed(x.data, B, d, H.proj, r, nullptr, z);
  timesTransposed(z, B, r, H.gate, n, H.gateBias, gates);
  timesTransposed(z, B, r, H.light, n, H.lightBias, y.data);
  selectFromLogits(gates, B, n, k, tau, sel, counts.data);
  runMidl(P, byNeuron);
  return info.Env().Undefined();
}

}  // namespace

void headProduct(const float* A, size_t M, size_t K, const float* Bm, size_t N, const float* bias, float* C) {
  timesTransposed(A, M, K, Bm, N, bias, C);
}

void selectGates(float* logits, size_t B, size_t n, size_t k, double tau, int32_t* sel, int32_t* counts) {
  selectFromLogits(logits, B, n, k, tau, sel, counts);
}

void registerMidl(Napi::Env env, Napi::Object exports) {
  exports.Set("midlSparseForward", Napi::Function::New(env, MidlSparseForward, "midlSparseForward"));
  exports.Set("midlPlan", Napi::Function::New(env, MidlPlan, "midlPlan"));
  exports.Set("midlInference", Napi::Function::New(env, MidlInference, "midlInference"));
}

}  // namespace midl
