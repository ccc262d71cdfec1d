// Softmax cross-entropy with label smoothing: loss and gradient in one pass per row.
// Exponentials and sums run in double, like the reference, since rows are short.
#include <cmath>
#include <vector>

#include "common.h"

namespace midl {

namespace {

// Loss of one row; writes its gradient when grad is non-null.
double rowLoss(const float* logits, int label, size_t cols, double smoothing, double gradScale, float* grad) {
  double max = -INFINITY;
  for (size_t j = 0; j < cols; j++) max = logits[j] > max ? logits[j] : max;
  double sum = 0;
  for (size_t j = 0; j < cols; j++) sum += std::exp(logits[j] - max);
  const double logSum = std::log(sum) + max;
  const double spread = smoothing / static_cast<double>(cols);
  double loss = 0;
  for (size_t j = 0; j < cols; j++) {
    const double target = (static_cast<int>(j) == label ? 1.0 - smoothing : 0.0) + spread;
    const double logProb = logits[j] - logSum;
    loss -= target * logProb;
    if (grad) grad[j] = static_cast<float>(gradScale * (std::exp(logProb) - target));
  }
  return loss;
}

Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxCrossEntropy", 7);
  FloatView logits = args.floats(0, "logits");
  IntView labels = args.ints(1, "labels");
  size_t rows = args.size(2, "rows"), cols = args.size(3, "cols");
  const double smoothing = args.number(4, "smoothing");
  FloatView grad = args.floatsOrNull(5, "grad");
  const double scale = args.number(6, "scale");
  if (cols < 1) args.rangeError("cols must be at least 1");
  args.needLength("logits", logits.length, rows * cols);
  args.needLength("labels", labels.length, rows);
  if (grad.data) args.needLength("grad", grad.length, rows * cols);
  for (size_t i = 0; i < rows; i++) {
    if (labels.data[i] < 0 || static_cast<size_t>(labels.data[i]) >= cols) {
      args.rangeError("labels[" + std::to_string(i) + "] = " + std::to_string(labels.data[i]) +
                      " is outside [0, " + std::to_string(cols) + ")");
    }
  }
  const double gradScale = rows > 0 ? scale / static_cast<double>(rows) : 0.0;
  // Per-row losses, summed in row order afterwards, so the result does not depend on threads.
  std::vector<double> losses(rows);
  parallelFor(rows, rows * cols * 8, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; i++) {
      losses[i] = rowLoss(logits.data + i * cols, labels.data[i], cols, smoothing, gradScale,
                          grad.data ? grad.data + i * cols : nullptr);
    }
  });
  double total = 0;
  for (double loss : losses) total += loss;
  return Napi::Number::New(info.Env(), rows > 0 ? total / static_cast<double>(rows) : NAN);
}

}  // namespace

void registerLoss(Napi::Env env, Napi::Object exports) {
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy, "softmaxCrossEntropy"));
}

}  // namespace midl
