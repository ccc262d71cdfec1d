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
// The strategies live in midl_small_batch.cc (gather) and midl_large_batch.cc (neuron),
// sharing midl_problem.h; this file chooses between them and runs the fused inference.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "gemm_avx512.h"
#include "midl.h"
#include "midl_problem.h"
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
