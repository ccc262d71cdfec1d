// Convolutional MID-L inference (docs/method.md, "Convolutional MID-L"): per image, the
// gate from the globally average-pooled input picks k output channels; the convolution
// runs for those only, as one dense product of their k filter rows with the image's
// im2col columns (shared by all of them), and blends into the light path (two 1x1
// convolutions, or zero). With at least as many images as threads, each thread takes
// whole images; otherwise the images go one by one through the pooled GEMM.
#include <algorithm>
#include <string>
#include <vector>

#include "common.h"
#include "conv.h"
#include "gemm.h"
#include "midl.h"
#include "topk.h"

namespace midl {

namespace {

struct ConvLayer {
  ConvShape s;       // of the k x k convolution
  size_t filters;    // C_out
  const float* weight;  // C_out x C_in*kh*kw
  const float* bias;    // C_out
  const float* proj;    // r x C_in
  size_t r;
  const float* gate;      // C_out x r
  const float* gateBias;  // C_out
  const float* lightDown;  // r' x C_in, or null (light path zero)
  size_t lightRank;
  const float* lightUp;    // C_out x r'
  const float* lightBias;  // C_out
  size_t k;
  double tau;
  bool relu;
  size_t taps() const { return s.channels * s.kernelH * s.kernelW; }
};

thread_local std::vector<float> tlCols, tlRows, tlFull, tlLight, tlSampled, tlGate;
thread_local std::vector<int32_t> tlSel;
thread_local std::vector<uint32_t> tlKeys;

// The gates of one image x: GAP, projection, gate head; then the top-k channels
// (ascending), their gates (overwriting the logits), the threshold. Returns the count.
size_t selectChannels(const ConvLayer& L, const float* x, float* gates, int32_t* sel) {
  const size_t C = L.s.channels, plane = L.s.inPlane(), F = L.filters;
  float* pooled = scratch(tlGate, C + L.r);
  float* z = pooled + C;
  for (size_t c = 0; c < C; c++) {
    float acc = 0.0f;
    const float* p = x + c * plane;
#pragma omp simd reduction(+ : acc)
    for (size_t i = 0; i < plane; i++) acc += p[i];
    pooled[c] = acc / static_cast<float>(plane);
  }
  for (size_t t = 0; t < L.r; t++) {
    float acc = 0.0f;
    for (size_t c = 0; c < C; c++) acc += L.proj[t * C + c] * pooled[c];
    z[t] = acc;
  }
  for (size_t f = 0; f < F; f++) {
    float acc = L.gateBias[f];
    for (size_t t = 0; t < L.r; t++) acc += L.gate[f * L.r + t] * z[t];
    gates[f] = acc;
  }
  topkRow(gates, F, L.k, sel, scratch(tlKeys, 2 * F));
  sigmoidSpan(gates, F, gates);
  size_t kept = L.k;
  if (L.tau > 0) {
    kept = 0;
    for (size_t t = 0; t < L.k; t++) {
      if (static_cast<double>(gates[sel[t]]) >= L.tau) sel[kept++] = sel[t];
    }
  }
  return kept;
}

// y (C_out x OH*OW) = the light path of image x: U (V' x) + b_l, x read at each window's
// centre (a 1x1 convolution with the layer's stride), or zero. On the calling thread:
// its products are a few percent of the convolution's, too small to pay for waking the pool.
void lightPath(const ConvLayer& L, const float* x, float* y) {
  const auto gemm = runGemmSerial;
  const size_t plane = L.s.outPlane(), F = L.filters, C = L.s.channels;
  if (L.lightDown == nullptr) {
    std::fill(y, y + F * plane, 0.0f);
    return;
  }
  const float* centres = x;
  if (L.s.stride > 1) {
    ConvShape one = L.s;
    one.kernelH = one.kernelW = 1;
    one.pad = 0;
    float* sampled = scratch(tlSampled, C * plane);
    im2col(one, x, sampled);
    centres = sampled;
  }
  float* t = scratch(tlLight, L.lightRank * plane);
  gemm(GemmProblem{false, false, L.lightRank, plane, C, 1.0f, 0.0f, L.lightDown, centres, t});
  gemm(GemmProblem{false, false, F, plane, L.lightRank, 1.0f, 0.0f, L.lightUp, t, y});
  for (size_t f = 0; f < F; f++) {
    const float b = L.lightBias[f];
    float* row = y + f * plane;
    for (size_t i = 0; i < plane; i++) row[i] += b;
  }
}

// One image: selection, light path, the selected filters' convolution blended in, act.
template <typename Gemm>
void image(const ConvLayer& L, const float* x, float* y, int32_t* count, int32_t* selOut, Gemm gemm) {
  const size_t F = L.filters, plane = L.s.outPlane(), taps = L.taps();
  float* gates = scratch(tlFull, F);  // reused below only after the gates are read
  int32_t* sel = selOut ? selOut : scratch(tlSel, L.k);
  const size_t kept = selectChannels(L, x, gates, sel);
  *count = static_cast<int32_t>(kept);
  float* a = scratch(tlRows, kept * taps + kept);
  float* chosenGates = a + kept * taps;
  for (size_t t = 0; t < kept; t++) {
    std::copy_n(L.weight + static_cast<size_t>(sel[t]) * taps, taps, a + t * taps);
    chosenGates[t] = gates[sel[t]];
  }
  lightPath(L, x, y);
  if (kept > 0) {
    float* cols = scratch(tlCols, taps * plane);
    im2col(L.s, x, cols);
    float* full = scratch(tlFull, kept * plane);
    gemm(GemmProblem{false, false, kept, plane, taps, 1.0f, 0.0f, a, cols, full});
    for (size_t t = 0; t < kept; t++) {
      const float g = chosenGates[t], b = L.bias[sel[t]];
      float* out = y + static_cast<size_t>(sel[t]) * plane;
      const float* f = full + t * plane;
      for (size_t i = 0; i < plane; i++) out[i] = g * (f[i] + b) + (1.0f - g) * out[i];
    }
  }
  if (L.relu) {
    for (size_t i = 0; i < F * plane; i++) y[i] = y[i] < 0.0f ? 0.0f : y[i];
  }
}

// midlConvInference(x, batch, channels, height, width, kernelH, kernelW, stride, pad,
//   filters, weight, bias, proj, r, gate, gateBias, lightDown | null, lightRank,
//   lightUp | null, lightBias | null, k, tau, act, y, counts, sel | null)
Napi::Value MidlConvInference(const Napi::CallbackInfo& info) {
  Args args(info, "midlConvInference", 26);
  FloatView x = args.floats(0, "x");
  ConvLayer L;
  L.s = convShapeArgs(args, 1);
  L.filters = args.size(9, "filters");
  FloatView weight = args.floats(10, "weight"), bias = args.floats(11, "bias"), proj = args.floats(12, "projWeight");
  L.r = args.size(13, "r");
  FloatView gate = args.floats(14, "gateWeight"), gateBias = args.floats(15, "gateBias");
  FloatView down = args.floatsOrNull(16, "lightDown");
  L.lightRank = args.size(17, "lightRank");
  FloatView up = args.floatsOrNull(18, "lightUp"), lightBias = args.floatsOrNull(19, "lightBias");
  L.k = args.size(20, "k");
  L.tau = args.number(21, "tau");
  const size_t act = args.size(22, "act");
  FloatView y = args.floats(23, "y");
  IntView counts = args.ints(24, "counts");
  IntView sel = info[25].IsNull() ? IntView{nullptr, 0} : args.ints(25, "sel");
  const size_t B = L.s.batch, F = L.filters, C = L.s.channels;
  if (act > 1) args.rangeError("act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  if (L.k < 1 || L.k > F) args.rangeError("k must be in [1, filters = " + std::to_string(F) + "], got " + std::to_string(L.k));
  if (down.data && (!up.data || !lightBias.data)) args.rangeError("lightUp and lightBias are needed with lightDown");
  args.needLength("x", x.length, B * C * L.s.inPlane());
  args.needLength("weight", weight.length, F * L.taps());
  args.needLength("bias", bias.length, F);
  args.needLength("projWeight", proj.length, L.r * C);
  args.needLength("gateWeight", gate.length, F * L.r);
  args.needLength("gateBias", gateBias.length, F);
  if (down.data) {
    args.needLength("lightDown", down.length, L.lightRank * C);
    args.needLength("lightUp", up.length, F * L.lightRank);
    args.needLength("lightBias", lightBias.length, F);
  }
  args.needLength("y", y.length, B * F * L.s.outPlane());
  args.needLength("counts", counts.length, B);
  if (sel.data) args.needLength("sel", sel.length, B * L.k);
  L.weight = weight.data;
  L.bias = bias.data;
  L.proj = proj.data;
  L.gate = gate.data;
  L.gateBias = gateBias.data;
  L.lightDown = down.data;
  L.lightUp = up.data;
  L.lightBias = lightBias.data;
  L.relu = act == 1;
  const size_t inImage = C * L.s.inPlane(), outImage = F * L.s.outPlane();
  const auto one = [&](size_t i, auto gemm) {
    image(L, x.data + i * inImage, y.data + i * outImage, counts.data + i, sel.data ? sel.data + i * L.k : nullptr, gemm);
  };
  const size_t work = B * L.k * L.taps() * L.s.outPlane();
  if (B < static_cast<size_t>(threadCount()) || !worthThreads(work)) {
    for (size_t i = 0; i < B; i++) one(i, runGemm);
    return info.Env().Undefined();
  }
  onThreads(threadCount(), [&](int t, int parts) {
    size_t first, last;
    splitRange(B, parts, t, 1, &first, &last);
    for (size_t i = first; i < last; i++) one(i, runGemmSerial);
  });
  return info.Env().Undefined();
}

}  // namespace

void registerMidlConv(Napi::Env env, Napi::Object exports) {
  exports.Set("midlConvInference", Napi::Function::New(env, MidlConvInference, "midlConvInference"));
}

}  // namespace midl
