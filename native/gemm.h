// The matrix product every kernel shares: OpenBLAS sgemm (sgemv for thin products),
// split across the thread pool (threads.h) when the product is large enough.
#pragma once

#include <cstddef>
#include <cstdint>

namespace midl {

// C = alpha * op(A) op(B) + beta * C; op(A) is M x K, op(B) is K x N, all row-major.
struct GemmProblem {
  bool transA, transB;
  size_t M, N, K;
  float alpha, beta;
  const float* A;
  const float* B;
  float* C;
  // With transB, column j of op(B) is row bRows[j] of B (a gather of B's rows, so a
  // product can skip rows of a weight matrix without copying the others); null: row j.
  const int32_t* bRows = nullptr;
};

// Runs p on the pool's threads (or inline when small).
void runGemm(const GemmProblem& p);

// Runs p on the calling thread only (for kernels that already split work across the pool).
void runGemmSerial(const GemmProblem& p);

}  // namespace midl
