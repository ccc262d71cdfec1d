// Keeps freed memory in the process instead of handing it back to the kernel.
//
// V8 takes every ArrayBuffer's memory from glibc's malloc, and an eval forward makes
// fresh output arrays (a 256 x 512 layer output is 512 KB). With glibc's defaults, blocks
// over 128 KB (a threshold that adapts upwards) are mmap'd and the top of the heap is
// trimmed once 128 KB-2 MB of it is free, so the same memory is returned and faulted in
// again, page by page, call after call. On the 2-core VM this doubled or tripled a whole
// layer call in some stretches of a run and not others (784->512 at batch 256: dense 0.7
// against 2.7 ms, docs/benchmarks.md). Fixed thresholds keep blocks up to 32 MB in the
// heap and up to 128 MB of free heap top: the process's memory stays at its peak instead.
//
// Left alone when the user tuned malloc (MALLOC_* or GLIBC_TUNABLES) or set
// MIDL_MALLOC=system, and on C libraries other than glibc.
#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "common.h"

namespace midl {

namespace {

constexpr int kMmapThreshold = 32 << 20;  // glibc's upper limit for this setting on 64-bit
constexpr int kTrimThreshold = 128 << 20;

bool userTunedMalloc() {
  const char* choice = std::getenv("MIDL_MALLOC");
  if (choice != nullptr && std::strcmp(choice, "system") == 0) return true;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr) return true;
  for (const char* name : {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

// 'midl' when the thresholds above are in force, else 'system'.
const char* tuneAllocator() {
#if defined(__GLIBC__)
  if (!userTunedMalloc() && mallopt(M_MMAP_THRESHOLD, kMmapThreshold) == 1 &&
      mallopt(M_TRIM_THRESHOLD, kTrimThreshold) == 1) {
    return "midl";
  }
#endif
  return "system";
}

const char* const kAllocator = tuneAllocator();

Napi::Value Allocator(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kAllocator); }

}  // namespace

void registerAllocator(Napi::Env env, Napi::Object exports) {
  exports.Set("allocator", Napi::Function::New(env, Allocator, "allocator"));
}

}  // namespace midl
