// Batch normalization over (N, C, S) data (S = H*W for BatchNorm2d, 1 for BatchNorm1d):
// per-channel moments, the per-channel affine map y = act(x * scale + shift) that both the
// training and the eval forward reduce to, and the backward of the training forward.
// Moments and the backward are parallel over channels (each thread owns whole channels);
// the affine map over (image, channel) planes.
#include <cmath>
#include <utility>

#include "common.h"

namespace midl {

namespace {

struct BnShape {
  size_t n, c, s;
  size_t size() const { return n * c * s; }
};

BnShape bnShape(const Args& args, size_t first) {
  return {args.size(first, "n"), args.size(first + 1, "c"), args.size(first + 2, "s")};
}

// Mean and biased variance per channel in one pass over x: sums of (x - k) and (x - k)^2
// about k, the channel's first value (a shift that keeps the variance exact when the mean is
// large against it), float within a plane and double across planes.
Napi::Value ChannelMoments(const Napi::CallbackInfo& info) {
  Args args(info, "channelMoments", 6);
  FloatView x = args.floats(0, "x");
  BnShape s = bnShape(args, 1);
  FloatView mean = args.floats(4, "mean"), var = args.floats(5, "var");
  args.needLength("x", x.length, s.size());
  args.needLength("mean", mean.length, s.c);
  args.needLength("var", var.length, s.c);
  const double count = static_cast<double>(s.n * s.s);
  parallelFor(s.c, s.size(), [&](size_t first, size_t end) {
    for (size_t ch = first; ch < end; ch++) {
      if (count == 0) {
        mean.data[ch] = var.data[ch] = 0;
        continue;
      }
      const float k = x.data[ch * s.s];
      double sum = 0, sq = 0;
      for (size_t i = 0; i < s.n; i++) {
        const float* p = x.data + (i * s.c + ch) * s.s;
        float part = 0, partSq = 0;
        for (size_t j = 0; j < s.s; j++) {
          const float d = p[j] - k;
          part += d;
          partSq += d * d;
        }
        sum += part;
        sq += partSq;
      }
      const double shifted = sum / count;
      const double v = sq / count - shifted * shifted;
      mean.data[ch] = static_cast<float>(k + shifted);
      var.data[ch] = static_cast<float>(v > 0 ? v : 0);
    }
  });
  return info.Env().Undefined();
}

// y = act(x * scale[c] + shift[c]); act 1 is ReLU. y may be x.
Napi::Value ChannelAffine(const Napi::CallbackInfo& info) {
  Args args(info, "channelAffine", 8);
  FloatView x = args.floats(0, "x");
  BnShape s = bnShape(args, 1);
  FloatView scale = args.floats(4, "scale"), shift = args.floats(5, "shift");
  const size_t act = args.size(6, "act");
  FloatView y = args.floats(7, "y");
  args.needLength("x", x.length, s.size());
  args.needLength("y", y.length, s.size());
  args.needLength("scale", scale.length, s.c);
  args.needLength("shift", shift.length, s.c);
  if (act > 1) args.rangeError("act must be 0 (none) or 1 (relu), got " + std::to_string(act));
  parallelFor(s.n * s.c, s.size(), [&](size_t first, size_t end) {
    for (size_t plane = first; plane < end; plane++) {
      const float a = scale.data[plane % s.c], b = shift.data[plane % s.c];
      const float* in = x.data + plane * s.s;
      float* out = y.data + plane * s.s;
      if (act == 1) {
        for (size_t k = 0; k < s.s; k++) out[k] = std::fmax(in[k] * a + b, 0.0f);
      } else {
        for (size_t k = 0; k < s.s; k++) out[k] = in[k] * a + b;
      }
    }
  });
  return info.Env().Undefined();
}

// With xhat = (x - mean) * invstd and g = dy masked by y > 0 when y (the ReLU's output) is given:
// dbias = sum g, dweight = sum g * xhat (both overwritten), and, when dx is given,
// dx = weight * invstd * (g - dbias / m - xhat * dweight / m) (accumulated), m = N * S.
Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormBackward", 12);
  FloatView x = args.floats(0, "x"), dy = args.floats(1, "dy"), y = args.floatsOrNull(2, "y");
  BnShape s = bnShape(args, 3);
  FloatView mean = args.floats(6, "mean"), invstd = args.floats(7, "invstd"), weight = args.floats(8, "weight");
  FloatView dx = args.floatsOrNull(9, "dx");
  FloatView dweight = args.floats(10, "dweight"), dbias = args.floats(11, "dbias");
  args.needLength("x", x.length, s.size());
  args.needLength("dy", dy.length, s.size());
  if (y.data != nullptr) args.needLength("y", y.length, s.size());
  if (dx.data != nullptr) args.needLength("dx", dx.length, s.size());
  for (const auto& [name, v] : {std::pair{"mean", mean}, {"invstd", invstd}, {"weight", weight}, {"dweight", dweight}, {"dbias", dbias}}) {
    args.needLength(name, v.length, s.c);
  }
  const float m = static_cast<float>(s.n * s.s);
  parallelFor(s.c, 2 * s.size(), [&](size_t first, size_t end) {
    for (size_t ch = first; ch < end; ch++) {
      const float mu = mean.data[ch], is = invstd.data[ch];
      double sumG = 0, sumGX = 0;
      for (size_t i = 0; i < s.n; i++) {
        const float* px = x.data + (i * s.c + ch) * s.s;
        const float* pg = dy.data + (i * s.c + ch) * s.s;
        const float* py = y.data != nullptr ? y.data + (i * s.c + ch) * s.s : nullptr;
        float g = 0, gx = 0;
        for (size_t k = 0; k < s.s; k++) {
          const float gk = py == nullptr || py[k] > 0 ? pg[k] : 0.0f;
          g += gk;
          gx += gk * (px[k] - mu);
        }
        sumG += g;
        sumGX += gx;
      }
      const float db = static_cast<float>(sumG), dw = static_cast<float>(sumGX) * is;
      dbias.data[ch] = db;
      dweight.data[ch] = dw;
      if (dx.data == nullptr) continue;
      const float k1 = weight.data[ch] * is, meanG = db / m, k2 = dw / m * is;
      for (size_t i = 0; i < s.n; i++) {
        const float* px = x.data + (i * s.c + ch) * s.s;
        const float* pg = dy.data + (i * s.c + ch) * s.s;
        const float* py = y.data != nullptr ? y.data + (i * s.c + ch) * s.s : nullptr;
        float* pd = dx.data + (i * s.c + ch) * s.s;
        for (size_t k = 0; k < s.s; k++) {
          const float gk = py == nullptr || py[k] > 0 ? pg[k] : 0.0f;
          pd[k] += k1 * (gk - meanG - (px[k] - mu) * k2);
        }
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void registerBatchNorm(Napi::Env env, Napi::Object exports) {
  exports.Set("channelMoments", Napi::Function::New(env, ChannelMoments, "channelMoments"));
  exports.Set("channelAffine", Napi::Function::New(env, ChannelAffine, "channelAffine"));
  exports.Set("batchNormBackward", Napi::Function::New(env, BatchNormBackward, "batchNormBackward"));
}

}  // namespace midl
