// midl's own SGEMM for AVX-512 machines (gemm_avx512.cc); gemm.cc decides when to use it.
#pragma once

#include <cstddef>

#include "gemm.h"

namespace midl {

// Columns of op(B) per packed panel: products whose width is a multiple of it waste no
// lanes (MID-L's dense columns come in whole panels for that reason).
constexpr size_t kPanelCols = 32;

// Whether this build has the kernel (compiled for a CPU with AVX-512).
bool haveOwnGemm();

// Whether p is an A B^T product with 1 to 4 short rows, which the kernel computes without
// packing B, reading it once instead of once per row as OpenBLAS's sgemv calls do.
bool isFewRowsProduct(const GemmProblem& p);

// Rows [m0, m1) and columns [n0, n1) of C for p, on the calling thread. Needs K > 0.
void ownGemmBlock(const GemmProblem& p, size_t m0, size_t m1, size_t n0, size_t n1);

}  // namespace midl
