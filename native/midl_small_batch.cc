// MIDL's per-neuron sparse full path for small batches, the gather strategy (midl.cc's
// opening comment): per example, x_i dotted with the selected rows of the thread's band
// of W, four rows per pass so each load of x_i serves four products.
#include "midl_problem.h"

namespace midl {

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

}  // namespace midl
