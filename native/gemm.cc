// C = alpha * op(A) op(B) + beta * C. Products with at most 4 rows (or columns) go to
// OpenBLAS's sgemv, one call per row (column): sgemm is several times slower there (a
// 784->512 layer: 22 us by sgemv at batch 1, 130 us by sgemm at batch 2), and small
// batches are the latency-critical case. Larger products go to midl's own AVX-512 kernel
// where the build has it (gemm_avx512.cc says why), else to OpenBLAS's sgemm;
// MIDL_GEMM=openblas forces the latter. midl's kernel also takes A B^T with 1 to 4 rows
// (a dense layer at batch 1-4), reading B once instead of once per row as the sgemv
// calls do: 784->512 on two threads, 16.4 -> 14.2 us at batch 1 and 41.1 -> 18.3 us at
// batch 4 (both builds in one process). The output is split
// into contiguous blocks, one per pool thread, each handled by a single-threaded call.
#include <cblas.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "gemm_avx512.h"

namespace midl {

namespace {

const bool kUseOwnGemm = [] {
  const char* choice = std::getenv("MIDL_GEMM");
  return haveOwnGemm() && (choice == nullptr || std::strcmp(choice, "openblas") != 0);
}();

CBLAS_TRANSPOSE blasTrans(bool t) { return t ? CblasTrans : CblasNoTrans; }

constexpr size_t kMaxGemvSide = 4;

// Row i of C, columns [n0, n1): alpha * (row i of op(A)) op(B) + beta * C.
void rowTimesB(const GemmProblem& p, size_t i, size_t n0, size_t n1) {
  const int k = static_cast<int>(p.K), n = static_cast<int>(n1 - n0);
  const float* a = p.A + (p.transA ? i : i * p.K);
  const int incA = p.transA ? static_cast<int>(p.M) : 1;
  float* c = p.C + i * p.N + n0;
  if (p.transB) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, p.alpha, p.B + n0 * p.K, k, a, incA, p.beta, c, 1);
  } else {
    cblas_sgemv(CblasRowMajor, CblasTrans, k, n, p.alpha, p.B + n0, static_cast<int>(p.N), a, incA, p.beta, c, 1);
  }
}

// Column j of C, rows [m0, m1): alpha * op(A) (column j of op(B)) + beta * C.
void aTimesColumn(const GemmProblem& p, size_t j, size_t m0, size_t m1) {
  const int k = static_cast<int>(p.K), m = static_cast<int>(m1 - m0), ldc = static_cast<int>(p.N);
  const float* b = p.B + (p.transB ? j * p.K : j);
  const int incB = p.transB ? 1 : static_cast<int>(p.N);
  float* c = p.C + m0 * p.N + j;
  if (p.transA) {
    cblas_sgemv(CblasRowMajor, CblasTrans, k, m, p.alpha, p.A + m0, static_cast<int>(p.M), b, incB, p.beta, c, ldc);
  } else {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, m, k, p.alpha, p.A + m0 * p.K, k, b, incB, p.beta, c, ldc);
  }
}

void gemmBlock(const GemmProblem& p, size_t m0, size_t m1, size_t n0, size_t n1);

thread_local std::vector<float> tlGatheredB;

// gemmBlock of a product whose B rows are gathered (bRows), for the paths that read B in
// place: the rows of op(B)'s columns [n0, n1) are copied out first.
void gatheredBlock(const GemmProblem& p, size_t m0, size_t m1, size_t n0, size_t n1) {
  tlGatheredB.resize(p.N * p.K);
  for (size_t j = n0; j < n1; j++) std::copy_n(p.B + static_cast<size_t>(p.bRows[j]) * p.K, p.K, tlGatheredB.data() + j * p.K);
  GemmProblem q = p;
  q.B = tlGatheredB.data();
  q.bRows = nullptr;
  gemmBlock(q, m0, m1, n0, n1);
}

// Rows [m0, m1) and columns [n0, n1) of C.
void gemmBlock(const GemmProblem& p, size_t m0, size_t m1, size_t n0, size_t n1) {
  if (m0 >= m1 || n0 >= n1) return;
  const bool thin = p.M <= kMaxGemvSide || p.N <= kMaxGemvSide;
  if (kUseOwnGemm && (!thin || isFewRowsProduct(p))) {
    ownGemmBlock(p, m0, m1, n0, n1);
  } else if (p.bRows != nullptr) {
    gatheredBlock(p, m0, m1, n0, n1);
  } else if (p.M <= kMaxGemvSide) {
    for (size_t i = m0; i < m1; i++) rowTimesB(p, i, n0, n1);
  } else if (p.N <= kMaxGemvSide) {
    for (size_t j = n0; j < n1; j++) aTimesColumn(p, j, m0, m1);
  } else {
    const int lda = static_cast<int>(p.transA ? p.M : p.K), ldb = static_cast<int>(p.transB ? p.K : p.N);
    const float* a = p.A + (p.transA ? m0 : m0 * p.K);
    const float* b = p.B + (p.transB ? n0 * p.K : n0);
    cblas_sgemm(CblasRowMajor, blasTrans(p.transA), blasTrans(p.transB), static_cast<int>(m1 - m0),
                static_cast<int>(n1 - n0), static_cast<int>(p.K), p.alpha, a, lda, b, ldb, p.beta,
                p.C + m0 * p.N + n0, static_cast<int>(p.N));
  }
}

// K == 0: the product is empty, so C = beta * C (exact zeros when beta is 0).
void scaleC(const GemmProblem& p) {
  const size_t count = p.M * p.N;
  for (size_t i = 0; i < count; i++) p.C[i] = p.beta == 0 ? 0.0f : p.beta * p.C[i];
}

}  // namespace

void runGemmSerial(const GemmProblem& p) {
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0) return scaleC(p);
  gemmBlock(p, 0, p.M, 0, p.N);
}

void runGemm(const GemmProblem& p) {
  if (p.M == 0 || p.N == 0) return;
  if (p.K == 0) return scaleC(p);
  // Split along the longer side of C: the other operand, packed whole by every
  // thread, is then the smaller one. Blocks are multiples of the kernels' width. midl's
  // kernel reads A in place, and A^T from strided columns, so for A^T products (the weight
  // gradients) each thread is better off with its own rows: 512x784x128 ran at 306
  // against 280 GFLOP/s split by columns (both builds in one process, 5 rounds).
  const bool splitRows = p.M > p.N || (kUseOwnGemm && p.transA && p.M >= 64);
  const size_t along = splitRows ? p.M : p.N, align = kUseOwnGemm && !splitRows ? 32 : 16;
  const int parts = worthThreads(p.M * p.N * p.K) ? static_cast<int>(std::min<size_t>(threadCount(), along / align)) : 1;
  if (parts <= 1) return gemmBlock(p, 0, p.M, 0, p.N);
  onThreads(parts, [&](int t, int n) {
    size_t begin, end;
    splitRange(along, n, t, align, &begin, &end);
    if (splitRows) {
      gemmBlock(p, begin, end, 0, p.N);
    } else {
      gemmBlock(p, 0, p.M, begin, end);
    }
  });
}

namespace {

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm", 10);
  GemmProblem p;
  p.transA = args.flag(0, "transA");
  p.transB = args.flag(1, "transB");
  p.M = args.size(2, "M");
  p.N = args.size(3, "N");
  p.K = args.size(4, "K");
  p.alpha = static_cast<float>(args.number(5, "alpha"));
  FloatView a = args.floats(6, "A"), b = args.floats(7, "B");
  p.beta = static_cast<float>(args.number(8, "beta"));
  FloatView c = args.floats(9, "C");
  args.needLength("A", a.length, p.M * p.K);
  args.needLength("B", b.length, p.K * p.N);
  args.needLength("C", c.length, p.M * p.N);
  p.A = a.data;
  p.B = b.data;
  p.C = c.data;
  runGemm(p);
  return info.Env().Undefined();
}

Napi::Value GemmKernel(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kUseOwnGemm ? "midl-avx512" : "openblas");
}

}  // namespace

void registerGemm(Napi::Env env, Napi::Object exports) {
  exports.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  exports.Set("gemmKernel", Napi::Function::New(env, GemmKernel, "gemmKernel"));
}

}  // namespace midl
