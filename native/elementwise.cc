// Fused element-wise kernels: bias + activation, ReLU backward, column sums, Adam.
// Loops are written so GCC vectorizes them; they go parallel only above
// kParallelMinWork elements.
#include <cmath>

#include "common.h"

namespace midl {

namespace {

void biasActRows(const float* x, const float* bias, size_t rows, size_t cols, bool relu, float* out) {
  parallelFor(rows, rows * cols, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) {
      const float* xr = x + i * cols;
      float* outr = out + i * cols;
      if (bias) {
        for (size_t j = 0; j < cols; j++) outr[j] = xr[j] + bias[j];
      } else if (outr != xr) {
        for (size_t j = 0; j < cols; j++) outr[j] = xr[j];
      }
      if (relu) {
        for (size_t j = 0; j < cols; j++) outr[j] = outr[j] < 0.0f ? 0.0f : outr[j];
      }
    }
  });
}

// A separate function with restrict pointers, so GCC vectorizes it into a blend. Written
// inside the lambda it stayed a branch per value, which mispredicts on real signs: 150
// instead of 20 us for a 128 x 512 batch.
void reluBackwardRange(const float* __restrict dy, const float* __restrict y, float* __restrict dx, size_t count) {
  for (size_t i = 0; i < count; i++) dx[i] = y[i] > 0.0f ? dy[i] : 0.0f;
}

Napi::Value BiasAct(const Napi::CallbackInfo& info) {
  Args args(info, "biasAct", 6);
  FloatView x = args.floats(0, "x");
  FloatView bias = args.floatsOrNull(1, "bias");
  size_t rows = args.size(2, "rows"), cols = args.size(3, "cols");
  size_t act = args.size(4, "act");
  FloatView out = args.floats(5, "out");
  if (act > 1) args.rangeError("act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  args.needLength("x", x.length, rows * cols);
  if (bias.data) args.needLength("bias", bias.length, cols);
  args.needLength("out", out.length, rows * cols);
  biasActRows(x.data, bias.data, rows, cols, act == 1, out.data);
  return info.Env().Undefined();
}

Napi::Value ReluBackward(const Napi::CallbackInfo& info) {
  Args args(info, "reluBackward", 3);
  FloatView dy = args.floats(0, "dy"), y = args.floats(1, "y"), dx = args.floats(2, "dx");
  const size_t count = dy.length;
  args.needLength("y", y.length, count);
  args.needLength("dx", dx.length, count);
  parallelFor(count, count, [&](size_t begin, size_t end) {
    reluBackwardRange(dy.data + begin, y.data + begin, dx.data + begin, end - begin);
  });
  return info.Env().Undefined();
}

// Each thread owns a band of columns and walks all rows in order, so sums are
// accumulated in the same order as a serial loop.
Napi::Value SumRows(const Napi::CallbackInfo& info) {
  Args args(info, "sumRows", 5);
  FloatView x = args.floats(0, "x");
  size_t rows = args.size(1, "rows"), cols = args.size(2, "cols");
  FloatView out = args.floats(3, "out");
  bool accumulate = args.flag(4, "accumulate");
  args.needLength("x", x.length, rows * cols);
  args.needLength("out", out.length, cols);
  const float* xp = x.data;
  float* o = out.data;
  const size_t band = 256;
  parallelFor((cols + band - 1) / band, rows * cols, [&](size_t firstBand, size_t endBand) {
    const size_t j0 = firstBand * band, j1 = endBand * band < cols ? endBand * band : cols;
    if (!accumulate) {
      for (size_t j = j0; j < j1; j++) o[j] = 0.0f;
    }
    for (size_t i = 0; i < rows; i++) {
      const float* xr = xp + i * cols;
      for (size_t j = j0; j < j1; j++) o[j] += xr[j];
    }
  });
  return info.Env().Undefined();
}

struct AdamConstants {
  float lr, beta1, beta2, eps, weightDecay;
  bool decoupled;
  float invCorrection1, invCorrection2;
};

// One thread's share of the update. The loop vectorizes, sqrt and division included,
// because everything it reads is a local or a restrict pointer (through the lambda's
// captured references GCC reloads the constants and gives up) and binding.gyp builds with
// -fno-math-errno (with errno, GCC keeps a scalar sqrt call). Vector sqrt and division
// round exactly as scalar ones, so the results are unchanged: 4.5x faster here.
void adamRange(float* __restrict param, const float* __restrict grad, float* __restrict m, float* __restrict v,
               size_t count, AdamConstants c) {
  const float l2 = c.decoupled ? 0.0f : c.weightDecay;
  const float shrink = c.decoupled ? 1.0f - c.lr * c.weightDecay : 1.0f;
  for (size_t i = 0; i < count; i++) {
    const float g = grad[i] + l2 * param[i];
    const float mi = c.beta1 * m[i] + (1.0f - c.beta1) * g;
    const float vi = c.beta2 * v[i] + (1.0f - c.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    param[i] = param[i] * shrink - c.lr * (mi * c.invCorrection1) / (std::sqrt(vi * c.invCorrection2) + c.eps);
  }
}

void adamUpdate(float* param, const float* grad, float* m, float* v, size_t count, const AdamConstants& c) {
  parallelFor(count, count, [&](size_t begin, size_t end) {
    adamRange(param + begin, grad + begin, m + begin, v + begin, end - begin, c);
  });
}

Napi::Value AdamStep(const Napi::CallbackInfo& info) {
  Args args(info, "adamStep", 11);
  FloatView param = args.floats(0, "param"), grad = args.floats(1, "grad");
  FloatView m = args.floats(2, "m"), v = args.floats(3, "v");
  AdamConstants c;
  c.lr = static_cast<float>(args.number(4, "lr"));
  const double beta1 = args.number(5, "beta1"), beta2 = args.number(6, "beta2");
  c.beta1 = static_cast<float>(beta1);
  c.beta2 = static_cast<float>(beta2);
  c.eps = static_cast<float>(args.number(7, "eps"));
  c.weightDecay = static_cast<float>(args.number(8, "weightDecay"));
  c.decoupled = args.flag(9, "decoupled");
  const size_t step = args.size(10, "step");
  if (step < 1) args.rangeError("step counts from 1, got 0");
  c.invCorrection1 = static_cast<float>(1.0 / (1.0 - std::pow(beta1, static_cast<double>(step))));
  c.invCorrection2 = static_cast<float>(1.0 / (1.0 - std::pow(beta2, static_cast<double>(step))));
  const size_t count = param.length;
  args.needLength("grad", grad.length, count);
  args.needLength("m", m.length, count);
  args.needLength("v", v.length, count);
  adamUpdate(param.data, grad.data, m.data, v.data, count, c);
  return info.Env().Undefined();
}

}  // namespace

void registerElementwise(Napi::Env env, Napi::Object exports) {
  exports.Set("biasAct", Napi::Function::New(env, BiasAct, "biasAct"));
  exports.Set("reluBackward", Napi::Function::New(env, ReluBackward, "reluBackward"));
  exports.Set("sumRows", Napi::Function::New(env, SumRows, "sumRows"));
  exports.Set("adamStep", Napi::Function::New(env, AdamStep, "adamStep"));
}

}  // namespace midl
