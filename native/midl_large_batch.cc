// MIDL's per-neuron sparse full path for large batches, the neuron strategy (midl.cc's
// opening comment): per neuron of the thread's band, W_j dotted with every example that
// selected it, eight examples per pass, over blocks of x packed chunk by chunk; neurons
// most of the batch selected run as dense columns of one matrix product.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "gemm_avx512.h"
#include "midl_problem.h"

namespace midl {

namespace {

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

}  // namespace

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

}  // namespace midl
