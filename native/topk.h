// Top-k of one row, shared by topkRows and the fused MID-L kernels.
#pragma once

#include <cstddef>
#include <cstdint>

namespace midl {

// The indices of the k largest of row[0 .. cols) (1 <= k <= cols), ascending, written to
// out[0 .. k); ties go to the lower index. keys is scratch of 2 * cols entries.
void topkRow(const float* row, size_t cols, size_t k, int32_t* out, uint32_t* keys);

}  // namespace midl
