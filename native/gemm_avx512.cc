// midl's own single-threaded SGEMM for AVX-512 machines, on a block of C.
//
// Why not OpenBLAS here: the Debian OpenBLAS (0.3.21) computes wrong results or crashes
// with its AVX-512 kernels on some recent CPUs, so such machines pin it to its AVX2
// kernels (OPENBLAS_CORETYPE=Haswell), which use half the vector width. This kernel uses
// all of it. Machines without AVX-512 keep OpenBLAS (gemm.cc).
//
// Layout: op(B) is copied, one K-block at a time, into panels of 32 columns stored
// k-major (a panel stays in L1 while every row of A streams past it); op(A) is read in
// place, one broadcast per row and k. The micro-tile is 8 rows x 32 columns: 16 zmm
// accumulators, two vector loads and 8 broadcasts per 16 FMAs.
#include "gemm_avx512.h"

#if defined(__AVX512F__)

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "simd.h"

namespace midl {

namespace {

constexpr size_t kTileRows = 8;
// Longest K-block: a 32-column panel of it (40 KB) fits the L1 data cache.
constexpr size_t kMaxDepth = 320;
// Widest block of columns packed at once (a multiple of the panel width), so the packed
// copy of B stays bounded (5 MB per thread) however wide C is.
constexpr size_t kMaxBlockCols = 4096;

__mmask16 lanes(size_t count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << count) - 1);
}

// Transposes 16 rows of 16 floats in registers: r[i][k] becomes r[k][i].
void transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {  // pairs of rows interleaved within each 128-bit lane
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {  // four rows per lane: u[i + c] holds k = 4 * lane + c
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], 0x44);
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], 0xEE);
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0x44);
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], 0xEE);
  }
  for (int c = 0; c < 4; c++) {  // gather the four row groups' lanes
    const __m512 even0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0x88), even1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0x88);
    const __m512 odd0 = _mm512_shuffle_f32x4(r[c], r[4 + c], 0xDD), odd1 = _mm512_shuffle_f32x4(r[8 + c], r[12 + c], 0xDD);
    t[c] = _mm512_shuffle_f32x4(even0, even1, 0x88);       // k = c
    t[8 + c] = _mm512_shuffle_f32x4(even0, even1, 0xDD);   // k = 8 + c
    t[4 + c] = _mm512_shuffle_f32x4(odd0, odd1, 0x88);     // k = 4 + c
    t[12 + c] = _mm512_shuffle_f32x4(odd0, odd1, 0xDD);    // k = 12 + c
  }
  for (int i = 0; i < 16; i++) r[i] = t[i];
}

// Half a panel (16 of its 32 columns) from `count` <= 16 rows of B, each a column of op(B)
// starting at rows[i]; missing rows are zeros.
void packRowsAsColumns(const float* const* rows, size_t count, size_t depth, float* half) {
  size_t k = 0;
  for (; k + 16 <= depth; k += 16) {
    __m512 r[16];
    for (size_t i = 0; i < 16; i++) r[i] = i < count ? _mm512_loadu_ps(rows[i] + k) : _mm512_setzero_ps();
    transpose16(r);
    for (size_t i = 0; i < 16; i++) _mm512_store_ps(half + (k + i) * kPanelCols, r[i]);
  }
  for (; k < depth; k++) {
    for (size_t i = 0; i < 16; i++) half[k * kPanelCols + i] = i < count ? rows[i][k] : 0.0f;
  }
}

// One K-block [k0, k0 + depth) of op(B), columns [n0, n1), as zero-padded 32-column panels.
void packPanels(const GemmProblem& p, size_t k0, size_t depth, size_t n0, size_t n1, float* out) {
  for (size_t j0 = n0; j0 < n1; j0 += kPanelCols) {
    const size_t width = std::min(kPanelCols, n1 - j0);
    float* panel = out + (j0 - n0) * depth;
    if (!p.transB) {
      const __mmask16 lo = lanes(width), hi = lanes(width > 16 ? width - 16 : 0);
      for (size_t k = 0; k < depth; k++) {
        const float* src = p.B + (k0 + k) * p.N + j0;
        _mm512_store_ps(panel + k * kPanelCols, _mm512_maskz_loadu_ps(lo, src));
        _mm512_store_ps(panel + k * kPanelCols + 16, _mm512_maskz_loadu_ps(hi, src + 16));
      }
    } else {
      // Column j of op(B) is a row of B: transpose 16 x 16 blocks into the panel.
      const float* rows[kPanelCols];
      for (size_t i = 0; i < width; i++) {
        const size_t row = p.bRows ? static_cast<size_t>(p.bRows[j0 + i]) : j0 + i;
        rows[i] = p.B + row * p.K + k0;
      }
      packRowsAsColumns(rows, std::min<size_t>(width, 16), depth, panel);
      packRowsAsColumns(rows + 16, width > 16 ? width - 16 : 0, depth, panel + 16);
    }
  }
}

// Where a micro-tile reads op(A): element (r, k) is at a[r * rowStep + k * depthStep].
struct ASlice {
  const float* a;
  size_t rowStep, depthStep;
};

// C tile (Rows x width, Rows <= 8) = alpha * A tile x panel + beta * C tile; beta == 0 does
// not read C.
template <int Rows>
void microTile(ASlice s, const float* panel, size_t depth, float* c, size_t ldc, size_t width, float alpha, float beta) {
  __m512 lo[Rows], hi[Rows];
#pragma GCC unroll 8
  for (int r = 0; r < Rows; r++) lo[r] = hi[r] = _mm512_setzero_ps();
  const float* a = s.a;
  for (size_t k = 0; k < depth; k++, a += s.depthStep, panel += kPanelCols) {
    const __m512 b0 = _mm512_load_ps(panel), b1 = _mm512_load_ps(panel + 16);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; r++) {
      const __m512 ar = _mm512_set1_ps(a[r * s.rowStep]);
      lo[r] = _mm512_fmadd_ps(ar, b0, lo[r]);
      hi[r] = _mm512_fmadd_ps(ar, b1, hi[r]);
    }
  }
  const __mmask16 mlo = lanes(width), mhi = lanes(width > 16 ? width - 16 : 0);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
#pragma GCC unroll 8
  for (int r = 0; r < Rows; r++) {
    float* cr = c + r * ldc;
    __m512 x0 = _mm512_mul_ps(va, lo[r]), x1 = _mm512_mul_ps(va, hi[r]);
    if (beta != 0.0f) {
      x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mlo, cr), x0);
      x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mhi, cr + 16), x1);
    }
    _mm512_mask_storeu_ps(cr, mlo, x0);
    _mm512_mask_storeu_ps(cr + 16, mhi, x1);
  }
}

using TileFn = void (*)(ASlice, const float*, size_t, float*, size_t, size_t, float, float);
constexpr TileFn kTiles[kTileRows + 1] = {nullptr,         microTile<1>, microTile<2>, microTile<3>, microTile<4>,
                                          microTile<5>,    microTile<6>, microTile<7>, microTile<8>};

// A 64-byte aligned scratch buffer per thread, grown on demand.
float* panelBuffer(size_t floats) {
  struct FreeAligned {
    void operator()(float* f) const { std::free(f); }
  };
  thread_local std::unique_ptr<float, FreeAligned> buffer;
  thread_local size_t capacity = 0;
  if (floats > capacity) {
    const size_t bytes = (floats * sizeof(float) + 63) / 64 * 64;
    buffer.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    capacity = bytes / sizeof(float);
  }
  return buffer.get();
}

// C rows [m0, m0 + Rows), columns [j, j + Cols) = alpha * A rows times B^T + beta * C,
// without packing: each row of B is loaded once and dotted with every row of A, which
// stays in L1. Rows x Cols independent sums keep the FMA units busy while B streams in.
template <int Rows, int Cols>
void fewRowsColumns(const GemmProblem& p, size_t m0, size_t j) {
  const float* a = p.A + m0 * p.K;
  const float* b = p.B + j * p.K;
  __m512 acc[Rows][Cols];
#pragma GCC unroll 16
  for (int r = 0; r < Rows; r++) {
#pragma GCC unroll 8
    for (int c = 0; c < Cols; c++) acc[r][c] = _mm512_setzero_ps();
  }
  const auto step = [&](size_t k, __mmask16 use) {
    __m512 bk[Cols];
#pragma GCC unroll 8
    for (int c = 0; c < Cols; c++) bk[c] = _mm512_maskz_loadu_ps(use, b + c * p.K + k);
#pragma GCC unroll 8
    for (int r = 0; r < Rows; r++) {
      const __m512 ar = _mm512_maskz_loadu_ps(use, a + r * p.K + k);
#pragma GCC unroll 8
      for (int c = 0; c < Cols; c++) acc[r][c] = _mm512_fmadd_ps(bk[c], ar, acc[r][c]);
    }
  };
  // Start with the few lanes that bring B's first row to a 64-byte boundary: streamed rows
  // read across cache-line boundaries run a third slower (784->512 at batch 1). When K is
  // a multiple of 16, every row of B is then aligned.
  const size_t lead = std::min(p.K, (64 - reinterpret_cast<uintptr_t>(b) % 64) % 64 / sizeof(float));
  if (lead > 0) step(0, lanes(lead));
  const size_t tail = (p.K - lead) % 16, body = p.K - tail;
  for (size_t k = lead; k < body; k += 16) step(k, 0xFFFF);
  if (tail > 0) step(body, lanes(tail));
#pragma GCC unroll 8
  for (int r = 0; r < Rows; r++) {
#pragma GCC unroll 8
    for (int c = 0; c < Cols; c++) {
      float* out = p.C + (m0 + r) * p.N + j + c;
      const float dot = p.alpha * _mm512_reduce_add_ps(acc[r][c]);
      *out = p.beta == 0.0f ? dot : dot + p.beta * *out;
    }
  }
}

// Columns [n0, n1) of the few-rows product: 8 columns of B per pass for 1-2 rows, 4 for
// 3-4 (16 columns at 1 row ran at half the speed), then one by one.
template <int Rows>
void fewRowsTile(const GemmProblem& p, size_t m0, size_t n0, size_t n1) {
  size_t j = n0;
  constexpr int kCols = Rows <= 2 ? 8 : 4;
  for (; j + kCols <= n1; j += kCols) fewRowsColumns<Rows, kCols>(p, m0, j);
  for (; j < n1; j++) fewRowsColumns<Rows, 1>(p, m0, j);
}

constexpr size_t kFewRowsMin = 1, kFewRowsMax = 4;
using FewRowsFn = void (*)(const GemmProblem&, size_t, size_t, size_t);
constexpr FewRowsFn kFewRowTiles[kFewRowsMax + 1] = {nullptr, fewRowsTile<1>, fewRowsTile<2>, fewRowsTile<3>, fewRowsTile<4>};

}  // namespace

bool haveOwnGemm() { return true; }

// 1 to 4 rows, short enough to stay in L1 beside the stream of B (32 KB). Measured with
// both builds in one process: from 5 rows packing B is as fast or faster.
bool isFewRowsProduct(const GemmProblem& p) {
  return p.transB && !p.transA && p.bRows == nullptr && p.M >= kFewRowsMin && p.M <= kFewRowsMax && p.M * p.K <= 8192;
}

void ownGemmBlock(const GemmProblem& p, size_t m0, size_t m1, size_t n0, size_t n1) {
  if (isFewRowsProduct(p)) return kFewRowTiles[m1 - m0](p, m0, n0, n1);
  const size_t blocks = (p.K + kMaxDepth - 1) / kMaxDepth;
  const size_t step = (p.K + blocks - 1) / blocks;
  const size_t widest = std::min(kMaxBlockCols, (n1 - n0 + kPanelCols - 1) / kPanelCols * kPanelCols);
  float* packed = panelBuffer(widest * step);
  for (size_t c0 = n0; c0 < n1; c0 += kMaxBlockCols) {
    const size_t c1 = std::min(n1, c0 + kMaxBlockCols);
    for (size_t k0 = 0; k0 < p.K; k0 += step) {
      const size_t depth = std::min(step, p.K - k0);
      packPanels(p, k0, depth, c0, c1, packed);
      const float beta = k0 == 0 ? p.beta : 1.0f;  // later K-blocks add to the first's result
      for (size_t j0 = c0; j0 < c1; j0 += kPanelCols) {
        const float* panel = packed + (j0 - c0) * depth;
        const size_t width = std::min(kPanelCols, c1 - j0);
        for (size_t i0 = m0; i0 < m1; i0 += kTileRows) {
          const size_t rows = std::min(kTileRows, m1 - i0);
          const ASlice s = p.transA ? ASlice{p.A + k0 * p.M + i0, 1, p.M} : ASlice{p.A + i0 * p.K + k0, p.K, 1};
          kTiles[rows](s, panel, depth, p.C + i0 * p.N + j0, p.N, width, p.alpha, beta);
        }
      }
    }
  }
}

}  // namespace midl

#else

namespace midl {

bool haveOwnGemm() { return false; }

bool isFewRowsProduct(const GemmProblem&) { return false; }

void ownGemmBlock(const GemmProblem&, size_t, size_t, size_t, size_t) {}

}  // namespace midl

#endif
