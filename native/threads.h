// midl's thread pool: the caller plus threadCount() - 1 workers that spin briefly between
// jobs, then sleep. It replaces OpenMP's, whose fork and join cost 3.2 us and whose barrier
// 1.8 us on the 2-core target, where one cache line takes 0.5 us to go between the cores
// and back: a batch-1 dense MLP forward spent 6.4 of its 34 us starting and joining two.
#pragma once

#include <cstddef>

namespace midl {

// Current thread count (set by setThreads, default: all cores).
int threadCount();
void setThreadCount(int n);

// The cores this process may run on.
int availableCores();

using PartFn = void (*)(void* context, int part, int parts);

// Runs fn(context, t, parts) for t in [0, parts): part 0 on the calling thread, the others
// on workers; returns when all are done. A call made while another runs (from inside a
// part, or from a second thread) runs as one part, fn(context, 0, 1), on the calling
// thread: bodies split their work by the `parts` they are given.
void runParts(int parts, PartFn fn, void* context);

// Waits until every part of the running runParts call has reached this point. Only the
// parts of one runParts call may use it, all of them the same number of times.
void partsBarrier();

// runParts for a callable body(t, parts).
template <typename Body>
void onThreads(int parts, Body&& body) {
  runParts(
      parts, [](void* context, int t, int n) { (*static_cast<Body*>(context))(t, n); },
      const_cast<void*>(static_cast<const void*>(&body)));
}

}  // namespace midl
