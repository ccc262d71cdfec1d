// Module entry: thread control and registration of every kernel family.
//
// Threading: one pool only. OpenMP threads run the fused loops and also split the
// matrix products, each thread calling a single-threaded OpenBLAS on its block.
// Letting OpenBLAS (pthread build, as Debian ships it) keep its own pool beside
// OpenMP's made the two sets of spinning workers fight over the cores: on the
// 2-core target, a gemm followed by an OpenMP loop stalled for milliseconds.
#include <cblas.h>
#include <omp.h>

#include "common.h"
#include "midl.h"

namespace midl {

static int gThreads = 1;

int threadCount() { return gThreads; }

void setThreadCount(int n) {
  gThreads = n;
  omp_set_num_threads(n);
  openblas_set_num_threads(1);
}

static void SetThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setThreads", 1);
  size_t n = args.size(0, "n");
  if (n < 1 || n > 1024) args.rangeError("n must be in [1, 1024], got " + std::to_string(n));
  setThreadCount(static_cast<int>(n));
}

static Napi::Value GetThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), gThreads);
}

}  // namespace midl

static Napi::Object InitMidl(Napi::Env env, Napi::Object exports) {
  using namespace midl;
  setThreadCount(omp_get_num_procs());
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("getThreads", Napi::Function::New(env, GetThreads, "getThreads"));
  registerGemm(env, exports);
  registerElementwise(env, exports);
  registerLoss(env, exports);
  registerConv(env, exports);
  registerPool(env, exports);
  registerTopk(env, exports);
  registerEmbedding(env, exports);
  registerMidl(env, exports);
  registerMidlTraining(env, exports);
  return exports;
}

NODE_API_MODULE(midl_native, InitMidl)
