#include "common.h"

#include <cmath>

namespace midl {

Args::Args(const Napi::CallbackInfo& info, const char* fn, size_t count) : info_(info), fn_(fn) {
  if (info.Length() != count) {
    throw Napi::TypeError::New(info.Env(), std::string(fn) + ": expected " + std::to_string(count) +
                                               " arguments, got " + std::to_string(info.Length()));
  }
}

void Args::typeError(size_t i, const char* name, const char* expected) const {
  throw Napi::TypeError::New(info_.Env(), std::string(fn_) + ": argument " + std::to_string(i + 1) + " (" +
                                              name + ") must be " + expected);
}

void Args::rangeError(const std::string& message) const {
  throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": " + message);
}

void Args::needLength(const char* name, size_t have, size_t need) const {
  if (have < need) {
    rangeError(std::string(name) + " has " + std::to_string(have) + " elements, needs at least " +
               std::to_string(need));
  }
}

// One napi_get_typedarray_info call gives type, length and the data pointer
// already advanced by the view's byteOffset; it fails on anything but a typed array, so
// no separate type check is needed (a kernel call decodes up to 12 arrays).
static bool typedArrayInfo(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* length) {
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, length, data, nullptr, nullptr) != napi_ok) return false;
  return type == want;
}

FloatView Args::floats(size_t i, const char* name) const {
  FloatView view{nullptr, 0};
  void* data = nullptr;
  if (!typedArrayInfo(info_.Env(), info_[i], napi_float32_array, &data, &view.length)) {
    typeError(i, name, "a Float32Array");
  }
  view.data = static_cast<float*>(data);
  return view;
}

FloatView Args::floatsOrNull(size_t i, const char* name) const {
  if (info_[i].IsNull()) return FloatView{nullptr, 0};
  return floats(i, name);
}

IntView Args::ints(size_t i, const char* name) const {
  IntView view{nullptr, 0};
  void* data = nullptr;
  if (!typedArrayInfo(info_.Env(), info_[i], napi_int32_array, &data, &view.length)) {
    typeError(i, name, "an Int32Array");
  }
  view.data = static_cast<int32_t*>(data);
  return view;
}

double Args::number(size_t i, const char* name) const {
  double value = 0;
  if (napi_get_value_double(info_.Env(), info_[i], &value) != napi_ok) typeError(i, name, "a number");
  return value;
}

size_t Args::size(size_t i, const char* name) const {
  double value = number(i, name);
  if (!(value >= 0 && value <= 2147483647.0) || std::floor(value) != value) {
    rangeError(std::string(name) + " must be a non-negative integer below 2^31, got " + std::to_string(value));
  }
  return static_cast<size_t>(value);
}

bool Args::flag(size_t i, const char* name) const {
  bool value = false;
  if (napi_get_value_bool(info_.Env(), info_[i], &value) != napi_ok) typeError(i, name, "a boolean");
  return value;
}

ConvShape convShapeArgs(const Args& args, size_t first) {
  ConvShape s;
  s.batch = args.size(first, "batch");
  s.channels = args.size(first + 1, "channels");
  s.height = args.size(first + 2, "height");
  s.width = args.size(first + 3, "width");
  s.kernelH = args.size(first + 4, "kernelH");
  s.kernelW = args.size(first + 5, "kernelW");
  s.stride = args.size(first + 6, "stride");
  s.pad = args.size(first + 7, "pad");
  if (s.kernelH < 1 || s.kernelW < 1 || s.stride < 1) args.rangeError("kernel sizes and stride must be at least 1");
  if (s.height + 2 * s.pad < s.kernelH || s.width + 2 * s.pad < s.kernelW) {
    args.rangeError("the kernel is larger than the padded input");
  }
  s.outH = (s.height + 2 * s.pad - s.kernelH) / s.stride + 1;
  s.outW = (s.width + 2 * s.pad - s.kernelW) / s.stride + 1;
  return s;
}

}  // namespace midl
