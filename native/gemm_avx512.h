// midl's own SGEMM for AVX-512 machines (gemm_avx512.cc); gemm.cc decides when to use it.
#pragma once

#include <cstddef>

#include "gemm.h"

namespace midl {

// Whether this build has the kernel (compiled for a CPU with AVX-512).
bool haveOwnGemm();

// Rows [m0, m1) and columns [n0, n1) of C for p, on the calling thread. Needs K > 0.
void ownGemmBlock(const GemmProblem& p, size_t m0, size_t m1, size_t n0, size_t n1);

}  // namespace midl
