// Module entry: thread control and registration of every kernel family.
//
// Threading: one pool only (threads.h). Its threads run the fused loops and also split
// the matrix products, each thread calling a single-threaded OpenBLAS on its block.
// Letting OpenBLAS (pthread build, as Debian ships it) keep its own pool beside ours
// made the two sets of spinning workers fight over the cores: on the 2-core target, a
// gemm followed by a parallel loop stalled for milliseconds.
#include <cblas.h>

#include "common.h"
#include "midl.h"

namespace midl {

static void SetThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads", 1);
  size_t n = args.size(0, "n");
  if (n < 1 || n > 1024) args.rangeError("n must be in [1, 1024], got " + std::to_string(n));
  setThreadCount(static_cast<int>(n));
}

static Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), threadCount());
}

}  // namespace midl

static Napi::Object InitMidl(Napi::Env env, Napi::Object exports) {
  using namespace midl;
  openblas_set_num_threads(1);
  setThreadCount(availableCores());
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  registerAllocator(env, exports);
  registerGemm(env, exports);
  registerElementwise(env, exports);
  registerLoss(env, exports);
  registerConv(env, exports);
  registerPool(env, exports);
  registerBatchNorm(env, exports);
  registerTopk(env, exports);
  registerEmbedding(env, exports);
  registerMidl(env, exports);
  registerMidlTraining(env, exports);
  registerMidlBlock(env, exports);
  registerMidlConv(env, exports);
  return exports;
}

NODE_API_MODULE(midl_native, InitMidl)
