// The AVX-512 intrinsics, when the compiler targets AVX-512 (-march=native on such a CPU);
// kernels keep a plain loop for the other case.
#pragma once

#if defined(__AVX512F__)
// GCC 12's AVX-512 headers raise false -Wmaybe-uninitialized and -Wuninitialized
// warnings on their placeholder operands (GCC PR105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop
#endif
