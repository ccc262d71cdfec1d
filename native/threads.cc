#include "threads.h"

#include <sched.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace midl {

namespace {

// How long an idle worker (or a waiting part) spins before it sleeps (yields): long enough
// to span the gaps between the kernel calls of a forward pass, short enough that a pool
// left idle, or a core shared with another process, is given back quickly.
constexpr auto kSpinTime = std::chrono::microseconds(50);

inline void cpuRelax() {
#if defined(__x86_64__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done() holds; after kSpinTime, yields the core between checks.
template <typename Done>
void spinUntil(Done done) {
  for (int i = 0; i < 64; i++) {
    if (done()) return;
    cpuRelax();
  }
  const auto until = std::chrono::steady_clock::now() + kSpinTime;
  while (!done()) {
    for (int i = 0; i < 64 && !done(); i++) cpuRelax();
    if (std::chrono::steady_clock::now() > until) sched_yield();
  }
}

// One per worker, on its own cache line: the master writes the job, then moves `ticket`
// on to hand it over (one line to fetch when the worker starts).
struct alignas(64) Worker {
  std::atomic<uint64_t> ticket{0};
  PartFn fn = nullptr;
  void* context = nullptr;
  int parts = 1;
};

struct Pool {
  uint64_t jobs = 0;
  alignas(64) std::atomic<int> pending{0};  // parts still running on workers
  alignas(64) std::atomic<int> arrived{0};  // partsBarrier: parts at the current barrier
  std::atomic<uint32_t> barrierPhase{0};
  alignas(64) std::atomic<bool> busy{false};
  std::atomic<int> sleepers{0};
  std::mutex mutex;
  std::condition_variable wake;
  std::vector<std::unique_ptr<Worker>> workers;
};

Pool& pool() {
  // Never destroyed: the workers live as long as the process (they sleep when idle).
  static Pool* instance = new Pool();
  return *instance;
}

// The number of parts of the runParts call this thread is running a part of (1: none).
thread_local int tlParts = 1;

void runPart(PartFn fn, void* context, int part, int parts) {
  struct Restore {
    int outer = tlParts;
    ~Restore() { tlParts = outer; }
  } restore;
  tlParts = parts;
  fn(context, part, parts);
}

void workerLoop(Pool& p, Worker& me, int index) {
  uint64_t seen = 0;
  // seq_cst pairs with the master's ticket store and sleepers load: a worker about to
  // sleep either sees its new ticket or is seen sleeping, and woken.
  const auto handed = [&] { return me.ticket.load(std::memory_order_seq_cst) != seen; };
  for (;;) {
    const auto until = std::chrono::steady_clock::now() + kSpinTime;
    while (!handed() && std::chrono::steady_clock::now() < until) {
      for (int i = 0; i < 64 && !handed(); i++) cpuRelax();
    }
    if (!handed()) {
      std::unique_lock<std::mutex> lock(p.mutex);
      p.sleepers.fetch_add(1, std::memory_order_seq_cst);
      p.wake.wait(lock, handed);
      p.sleepers.fetch_sub(1, std::memory_order_relaxed);
    }
    seen = me.ticket.load(std::memory_order_acquire);
    runPart(me.fn, me.context, index + 1, me.parts);
    p.pending.fetch_sub(1, std::memory_order_acq_rel);
  }
}

int gThreads = 1;

}  // namespace

int threadCount() { return gThreads; }

void setThreadCount(int n) { gThreads = n < 1 ? 1 : n; }

int availableCores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void runParts(int parts, PartFn fn, void* context) {
  Pool& p = pool();
  bool idle = false;
  if (parts <= 1 || tlParts > 1 || !p.busy.compare_exchange_strong(idle, true, std::memory_order_acquire)) {
    runPart(fn, context, 0, 1);
    return;
  }
  while (static_cast<int>(p.workers.size()) < parts - 1) {
    p.workers.push_back(std::make_unique<Worker>());
    std::thread(workerLoop, std::ref(p), std::ref(*p.workers.back()), static_cast<int>(p.workers.size()) - 1).detach();
  }
  p.jobs++;
  p.pending.store(parts - 1, std::memory_order_relaxed);
  for (int w = 0; w < parts - 1; w++) {
    Worker& worker = *p.workers[w];
    worker.fn = fn;
    worker.context = context;
    worker.parts = parts;
    worker.ticket.store(p.jobs, std::memory_order_seq_cst);
  }
  if (p.sleepers.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard<std::mutex> lock(p.mutex);
    p.wake.notify_all();
  }
  // Even if part 0 throws, the workers finish theirs before the job's context goes away.
  struct JoinWorkers {
    Pool& p;
    ~JoinWorkers() {
      spinUntil([&] { return p.pending.load(std::memory_order_acquire) == 0; });
      p.busy.store(false, std::memory_order_release);
    }
  } join{p};
  runPart(fn, context, 0, parts);
}

void partsBarrier() {
  if (tlParts <= 1) return;
  Pool& p = pool();
  const uint32_t phase = p.barrierPhase.load(std::memory_order_acquire);
  if (p.arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == tlParts) {
    p.arrived.store(0, std::memory_order_relaxed);
    p.barrierPhase.store(phase + 1, std::memory_order_release);
    return;
  }
  spinUntil([&] { return p.barrierPhase.load(std::memory_order_acquire) != phase; });
}

}  // namespace midl
