// MID-L with block selection (docs/method.md, "Block selection"): the gate scores the
// n / b blocks of b consecutive neurons, and the full path runs as small dense products
// over the selected blocks, so it keeps the dense product's speed per multiply-add.
//
// Per block q, the m_q examples that selected it and the block's b rows W_q of W form
// one small dense product on the shared GEMM (gemm.h; kPackedExamples says which form).
// The blocks are split across threads in contiguous bands of about equal work; each
// thread blends its own columns of y and applies the activation to them.
#include <algorithm>
#include <string>
#include <vector>

#include "common.h"
#include "gemm.h"
#include "midl.h"

namespace midl {

namespace {

// A layer's parameters, decoded and checked once (as midl.cc's LayerPlan).
struct BlockPlan {
  static constexpr uint32_t kTag = 0x4d49424b;  // tells a block plan from any other External
  uint32_t tag = kTag;
  size_t d, n, r, b;
  const float* proj;       // r x d
  const float* gate;       // n/b x r
  const float* gateBias;   // n/b
  const float* light;      // n x r
  const float* lightBias;  // n
  const float* weight;     // n x d
  const float* bias;       // n
  std::vector<Napi::ObjectReference> arrays;
  size_t blocks() const { return n / b; }
};

// One call's selection, as lists of examples per block (CSR: block q owns
// examples[start[q] .. start[q + 1])).
struct BlockProblem {
  const BlockPlan* L;
  const float* x;
  size_t B;
  const float* gates;  // B x n/b
  const int32_t* start;
  const int32_t* examples;
  bool relu;
  float* y;  // B x n: the light path on entry
};

thread_local std::vector<float> tlRows, tlProduct, tlLowRank, tlGates;

// From this many examples on, a block's product is W_q times the examples' rows, which
// the GEMM gathers as it packs them into panels (no copy of its own, W_q read in place);
// below, the examples' rows are gathered (or read in place when consecutive) and times
// W_q^T, which runs on the few-rows kernel (W_q unpacked) for up to 4 examples. Measured
// on the target, one thread, 784->512 and 2048->512 at b = 32: the first form took
// 0.58-0.71 of the dense layer at batch 256 (m ~ 115) against 0.74-0.78, the second
// 0.77-0.79 at batch 64 (m ~ 29) against 0.97-1.17.
constexpr size_t kPackedExamples = 64;
thread_local std::vector<int32_t> tlSelection, tlStart, tlExamples;

// Block q's full path for the examples that selected it, blended into y.
void blockFullPath(const BlockProblem& P, size_t q) {
  const BlockPlan& L = *P.L;
  const size_t m = static_cast<size_t>(P.start[q + 1] - P.start[q]), d = L.d, b = L.b;
  if (m == 0) return;
  const int32_t* ex = P.examples + P.start[q];
  const float* wq = L.weight + q * b * d;
  float* C = scratch(tlProduct, m * b);
  // C[e * es + t * ts] holds example e's product with row t of the block.
  size_t es = b, ts = 1;
  if (m < kPackedExamples) {
    const float* A = P.x + static_cast<size_t>(ex[0]) * d;
    if (static_cast<size_t>(ex[m - 1] - ex[0]) != m - 1) {
      float* rows = scratch(tlRows, m * d);
      for (size_t e = 0; e < m; e++) std::copy_n(P.x + static_cast<size_t>(ex[e]) * d, d, rows + e * d);
      A = rows;
    }
    runGemmSerial(GemmProblem{false, true, m, b, d, 1.0f, 0.0f, A, wq, C});
  } else {
    runGemmSerial(GemmProblem{false, true, b, m, d, 1.0f, 0.0f, wq, P.x, C, ex});
    es = 1;
    ts = m;
  }
  const float* bias = L.bias + q * b;
  for (size_t e = 0; e < m; e++) {
    const size_t i = static_cast<size_t>(ex[e]);
    const float a = P.gates[i * L.blocks() + q];
    float* y = P.y + i * L.n + q * b;
    const float* c = C + e * es;
    for (size_t t = 0; t < b; t++) y[t] = a * (c[t * ts] + bias[t]) + (1.0f - a) * y[t];
  }
}

// Blocks [q0, q1): their full paths, then the activation over their columns of every row.
void blockBand(const BlockProblem& P, size_t q0, size_t q1) {
  for (size_t q = q0; q < q1; q++) blockFullPath(P, q);
  if (!P.relu) return;
  const size_t n = P.L->n, j0 = q0 * P.L->b, j1 = q1 * P.L->b;
  for (size_t i = 0; i < P.B; i++) {
    float* row = P.y + i * n;
    for (size_t j = j0; j < j1; j++) row[j] = row[j] < 0.0f ? 0.0f : row[j];
  }
}

// The first block of part t of `parts`, so that each part's blocks hold about equal
// shares of the selected (example, block) pairs.
size_t bandStart(const BlockProblem& P, size_t blocks, int t, int parts) {
  const size_t total = static_cast<size_t>(P.start[blocks]);
  const size_t target = total * static_cast<size_t>(t) / static_cast<size_t>(parts);
  return static_cast<size_t>(std::lower_bound(P.start, P.start + blocks, static_cast<int32_t>(target)) - P.start);
}

void fullPath(const BlockProblem& P) {
  const size_t blocks = P.L->blocks();
  const size_t work = static_cast<size_t>(P.start[blocks]) * P.L->b * P.L->d;
  if (!worthThreads(work)) return blockBand(P, 0, blocks);
  onThreads(threadCount(), [&](int t, int parts) {
    const size_t q0 = t == 0 ? 0 : bandStart(P, blocks, t, parts);
    const size_t q1 = t + 1 == parts ? blocks : bandStart(P, blocks, t + 1, parts);
    blockBand(P, q0, q1);
  });
}

// The CSR lists of examples per block from sel (B x k, counts[i] valid per row).
void examplesPerBlock(const int32_t* sel, const int32_t* counts, size_t B, size_t k, size_t blocks, int32_t* start,
                      int32_t* examples) {
  std::fill(start, start + blocks + 1, 0);
  for (size_t i = 0; i < B; i++) {
    for (int32_t t = 0; t < counts[i]; t++) start[sel[i * k + t] + 1]++;
  }
  for (size_t q = 0; q < blocks; q++) start[q + 1] += start[q];
  std::vector<int32_t> cursor(start, start + blocks);
  for (size_t i = 0; i < B; i++) {
    for (int32_t t = 0; t < counts[i]; t++) examples[cursor[sel[i * k + t]]++] = static_cast<int32_t>(i);
  }
}

Napi::Value MidlBlockPlan(const Napi::CallbackInfo& info) {
  Args args(info, "midlBlockPlan", 11);
  const size_t d = args.size(0, "d"), n = args.size(1, "n"), r = args.size(2, "r"), b = args.size(3, "blockSize");
  FloatView proj = args.floats(4, "projWeight"), gate = args.floats(5, "gateWeight"), gateBias = args.floats(6, "gateBias");
  FloatView light = args.floats(7, "lightWeight"), lightBias = args.floats(8, "lightBias");
  FloatView weight = args.floats(9, "weight"), bias = args.floats(10, "bias");
  if (r < 1) args.rangeError("r must be at least 1");
  if (b < 1 || n % b != 0) args.rangeError("blockSize must divide n = " + std::to_string(n) + ", got " + std::to_string(b));
  args.needLength("projWeight", proj.length, r * d);
  args.needLength("gateWeight", gate.length, n / b * r);
  args.needLength("gateBias", gateBias.length, n / b);
  args.needLength("lightWeight", light.length, n * r);
  args.needLength("lightBias", lightBias.length, n);
  args.needLength("weight", weight.length, n * d);
  args.needLength("bias", bias.length, n);
  auto* plan = new BlockPlan{BlockPlan::kTag, d, n, r, b, proj.data, gate.data, gateBias.data,
                             light.data, lightBias.data, weight.data, bias.data, {}};
  for (size_t i = 4; i < 11; i++) plan->arrays.push_back(Napi::Persistent(info[i].As<Napi::Object>()));
  return Napi::External<BlockPlan>::New(info.Env(), plan, [](Napi::Env, BlockPlan* p) { delete p; });
}

// midlBlockInference(plan, x, B, k, tau, act, y, counts, sel): k blocks kept per example;
// counts[i] = blocks selected for example i; sel (B x k, or null) the selected blocks.
Napi::Value MidlBlockInference(const Napi::CallbackInfo& info) {
  Args args(info, "midlBlockInference", 9);
  const BlockPlan* plan = info[0].IsExternal() ? info[0].As<Napi::External<BlockPlan>>().Data() : nullptr;
  if (plan == nullptr || plan->tag != BlockPlan::kTag) args.rangeError("plan must come from midlBlockPlan");
  const BlockPlan& L = *plan;
  FloatView x = args.floats(1, "x");
  const size_t B = args.size(2, "B"), k = args.size(3, "k");
  const double tau = args.number(4, "tau");
  const size_t act = args.size(5, "act");
  FloatView y = args.floats(6, "y");
  IntView counts = args.ints(7, "counts");
  IntView selOut = info[8].IsNull() ? IntView{nullptr, 0} : args.ints(8, "sel");
  const size_t blocks = L.blocks();
  if (act > 1) args.rangeError("act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  if (k < 1 || k > blocks) args.rangeError("k must be in [1, n/b = " + std::to_string(blocks) + "], got " + std::to_string(k));
  args.needLength("x", x.length, B * L.d);
  args.needLength("y", y.length, B * L.n);
  args.needLength("counts", counts.length, B);
  if (selOut.data) args.needLength("sel", selOut.length, B * k);
  if (B == 0) return info.Env().Undefined();

  float* z = scratch(tlLowRank, B * L.r);
  float* gates = scratch(tlGates, B * blocks);
  int32_t* sel = selOut.data ? selOut.data : scratch(tlSelection, B * k);
  headProduct(x.data, B, L.d, L.proj, L.r, nullptr, z);
  headProduct(z, B, L.r, L.gate, blocks, L.gateBias, gates);
  headProduct(z, B, L.r, L.light, L.n, L.lightBias, y.data);
  selectGates(gates, B, blocks, k, tau, sel, counts.data);
  int32_t* start = scratch(tlStart, blocks + 1);
  int32_t* examples = scratch(tlExamples, B * k);
  examplesPerBlock(sel, counts.data, B, k, blocks, start, examples);
  fullPath(BlockProblem{&L, x.data, B, gates, start, examples, act == 1, y.data});
  return info.Env().Undefined();
}

}  // namespace

void registerMidlBlock(Napi::Env env, Napi::Object exports) {
  exports.Set("midlBlockPlan", Napi::Function::New(env, MidlBlockPlan, "midlBlockPlan"));
  exports.Set("midlBlockInference", Napi::Function::New(env, MidlBlockInference, "midlBlockInference"));
}

}  // namespace midl
