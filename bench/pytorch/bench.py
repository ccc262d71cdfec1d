#!/usr/bin/env python3
"""PyTorch baseline for `npm run bench`.

Usage: bench.py '<json config>'   (or the JSON on stdin)
Config: {"task": "info" | "gemm" | "mlp_epoch" | "mlp_infer" | "midl_layer" | "cnn_epoch",
         "threads": 2, "dataDir": "/work/shared/data/mnist", "seed": 1234,
         "cifar10Dir": "/work/shared/data/cifar-10/cifar-10-batches-bin", ...}
(bench/compare.ts documents every field, BaselineConfig, and every result shape.)
Prints exactly one JSON object on stdout. If torch cannot be imported it prints
{"unavailable": "<reason>"} and exits 0, so callers can skip the column.
"""

import ctypes
import json
import math
import os
import platform
import statistics
import sys
import time

DEFAULT_DATA_DIR = "/work/shared/data/mnist"
DEFAULT_CIFAR10_DIR = "/work/shared/data/cifar-10/cifar-10-batches-bin"


def read_config():
    text = sys.argv[1] if len(sys.argv) > 1 else sys.stdin.read()
    return json.loads(text) if text.strip() else {}


CONFIG = read_config()
THREADS = int(CONFIG.get("threads", 2))
# OpenBLAS and OpenMP read these when the libraries load, i.e. at `import torch`.
os.environ["OMP_NUM_THREADS"] = str(THREADS)
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError as err:
    print(json.dumps({"unavailable": f"torch/numpy not importable by {sys.executable}: {err}"}))
    sys.exit(0)

torch.set_num_threads(THREADS)

from data import load_cifar10, load_mnist  # noqa: E402 (after the thread counts are set)


def openblas_info():
    """OpenBLAS is what Debian's torch calls for float32 GEMM (via libblas.so.3);
    the soname resolves to the copy torch already loaded, so the thread count is live."""
    try:
        lib = ctypes.CDLL("libopenblas.so.0")
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        return {
            "config": lib.openblas_get_config().decode().strip(),
            "corename": lib.openblas_get_corename().decode(),
            "threads": lib.openblas_get_num_threads(),
        }
    except (OSError, AttributeError) as err:
        return {"unavailable": str(err)}


def cpu_capability():
    """ATen's vector ISA for its own kernels (GEMM itself goes to OpenBLAS)."""
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage:" in line:
            return line.split(":", 1)[1].strip()
    return None


def runtime_info():
    return {
        "engine": "pytorch",
        "torchVersion": torch.__version__,
        "numpyVersion": np.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "cpuCapability": cpu_capability(),
        "openblas": openblas_info(),
        "loadAverage": list(os.getloadavg()),
    }


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


def time_runs(fn, runs, warmup):
    """Per-call wall times in seconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


# ---------------------------------------------------------------- MNIST (IDX)

def make_mlp(seed):
    torch.manual_seed(seed)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 10),
    )


def make_small_cnn(seed, classes=10):
    """midl's buildModel('cifar10', [3, 32, 32], 10, {variant: 'dense'}): two blocks of two
    3x3 convolution units (pad 1, no bias, batch norm, ReLU) and 2x2 max-pooling, then
    4096 -> 512 -> 10. PyTorch's default inits, as midl's Conv2d, BatchNorm2d and Linear use."""
    torch.manual_seed(seed)

    def unit(i, o):
        return [torch.nn.Conv2d(i, o, 3, padding=1, bias=False), torch.nn.BatchNorm2d(o), torch.nn.ReLU()]

    return torch.nn.Sequential(
        *unit(3, 32), *unit(32, 32), torch.nn.MaxPool2d(2),
        *unit(32, 64), *unit(64, 64), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 8 * 8, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, classes),
    )


def extrapolated_epoch_seconds(batch_seconds, batch_sizes, examples):
    """The first batch's time (it carries the warm-up) plus the others' time per image times
    the images not yet trained; the exact sum when every batch ran."""
    first = batch_seconds[0]
    if len(batch_seconds) == 1:
        return first * examples / batch_sizes[0]
    per_image = sum(batch_seconds[1:]) / sum(batch_sizes[1:])
    return first + per_image * (examples - batch_sizes[0])


def task_cnn_epoch(cfg):
    data_dir = cfg.get("cifar10Dir", DEFAULT_CIFAR10_DIR)
    seed = int(cfg.get("seed", 1234))
    batch = int(cfg.get("batchSize", 128))
    load_start = time.perf_counter()
    x_train, y_train, x_test, y_test, mean, std = load_cifar10(data_dir)
    load_seconds = time.perf_counter() - load_start

    model = make_small_cnn(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(cfg.get("lr", 1e-3)))
    count = x_train.shape[0]
    order = torch.randperm(count, generator=torch.Generator().manual_seed(seed))
    batches = math.ceil(count / batch)
    max_batches = int(cfg.get("maxBatches") or batches)

    model.train()
    loss_sum = 0.0
    batch_seconds, batch_sizes = [], []
    for first in range(0, count, batch):
        if len(batch_seconds) >= max_batches:
            break
        start = time.perf_counter()
        idx = order[first:first + batch]
        loss_sum += train_step(model, optimizer, x_train[idx], y_train[idx])
        batch_seconds.append(time.perf_counter() - start)
        batch_sizes.append(idx.shape[0])
    timed = len(batch_seconds)
    epoch_seconds = extrapolated_epoch_seconds(batch_seconds, batch_sizes, count)

    model.eval()
    correct = 0
    with torch.no_grad():
        for first in range(0, x_test.shape[0], 500):
            logits = model(x_test[first:first + 500])
            correct += (logits.argmax(dim=1) == y_test[first:first + 500]).sum().item()
    return {"epochSeconds": epoch_seconds, "imagesPerSecond": count / epoch_seconds,
            "extrapolated": timed < batches, "batches": batches, "timedBatches": timed,
            "timedSeconds": sum(batch_seconds), "firstBatchSeconds": batch_seconds[0],
            "batchSize": batch, "trainExamples": count, "meanTrainLoss": loss_sum / timed,
            "testAccuracy": correct / x_test.shape[0], "testExamples": x_test.shape[0],
            "channelMean": mean, "channelStd": std, "layout": "NCHW",
            "loadSeconds": load_seconds, "seed": seed}


def task_gemm(cfg):
    shapes = cfg.get("shapes", [[256, 1024, 784], [128, 512, 784]])
    reps = int(cfg.get("reps", 200))
    torch.manual_seed(int(cfg.get("seed", 1234)))
    results = []
    for m, n, k in shapes:
        a, b = torch.randn(m, k), torch.randn(k, n)
        out = torch.empty(m, n)
        times = time_runs(lambda: torch.mm(a, b, out=out), reps, warmup=20)
        median = statistics.median(times)
        results.append({"m": m, "n": n, "k": k, "reps": reps, "medianMs": median * 1e3,
                        "gflops": 2.0 * m * n * k / median / 1e9})
    return {"results": results}


def train_step(model, optimizer, x, y):
    """One Adam step on softmax cross-entropy; returns the batch loss."""
    optimizer.zero_grad(set_to_none=True)
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def task_mlp_epoch(cfg):
    data_dir = cfg.get("dataDir", DEFAULT_DATA_DIR)
    seed = int(cfg.get("seed", 1234))
    batch = int(cfg.get("batchSize", 128))
    load_start = time.perf_counter()
    x_train, y_train = load_mnist(data_dir, "train")
    x_test, y_test = load_mnist(data_dir, "test")
    load_seconds = time.perf_counter() - load_start

    model = make_mlp(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=float(cfg.get("lr", 1e-3)))
    order = torch.randperm(x_train.shape[0], generator=torch.Generator().manual_seed(seed))

    model.train()
    loss_sum = 0.0
    batches = 0
    start = time.perf_counter()
    for first in range(0, x_train.shape[0], batch):
        idx = order[first:first + batch]
        loss_sum += train_step(model, optimizer, x_train[idx], y_train[idx])
        batches += 1
    epoch_seconds = time.perf_counter() - start

    model.eval()
    with torch.no_grad():
        correct = (model(x_test).argmax(dim=1) == y_test).sum().item()
    return {"epochSeconds": epoch_seconds, "batches": batches, "batchSize": batch,
            "trainExamples": x_train.shape[0], "meanTrainLoss": loss_sum / batches,
            "testAccuracy": correct / x_test.shape[0], "loadSeconds": load_seconds,
            "seed": seed}


def task_mlp_infer(cfg):
    x_test, _ = load_mnist(cfg.get("dataDir", DEFAULT_DATA_DIR), "test")
    model = make_mlp(int(cfg.get("seed", 1234))).eval()
    runs_by_batch = cfg.get("runs", {"1": 2000, "256": 200})
    results = []
    with torch.no_grad():
        for batch_text, runs in runs_by_batch.items():
            batch = int(batch_text)
            inputs = [x_test[i:i + batch] for i in range(0, x_test.shape[0] - batch + 1, batch)]
            cursor = [0]

            def infer():
                model(inputs[cursor[0] % len(inputs)])
                cursor[0] += 1

            times = time_runs(infer, int(runs), warmup=max(20, int(runs) // 10))
            results.append({"batch": batch, "runs": int(runs),
                            "medianUs": statistics.median(times) * 1e6,
                            "p95Us": percentile(times, 0.95) * 1e6})
    return {"results": results}


def default_rank(d, n):
    """docs/method.md section 2: largest r with r*(d + 2n) <= n*d/8, clamped to [8, min(d, n)]."""
    return max(8, min(min(d, n), (n * d // 8) // (d + 2 * n)))


def linear_init(out_features, in_features, generator):
    """nn.Linear's default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias."""
    bound = 1.0 / math.sqrt(in_features)
    w = (torch.rand(out_features, in_features, generator=generator) * 2 - 1) * bound
    b = (torch.rand(out_features, generator=generator) * 2 - 1) * bound
    return w, b


def task_midl_layer(cfg):
    d, n = int(cfg.get("inFeatures", 784)), int(cfg.get("outFeatures", 512))
    keep = float(cfg.get("keep", 0.45))
    k = max(1, round(keep * n))
    r = int(cfg.get("rank", default_rank(d, n)))
    gen = torch.Generator().manual_seed(int(cfg.get("seed", 1234)))
    w, b = linear_init(n, d, gen)
    v, _ = linear_init(r, d, gen)
    g, bg = linear_init(n, r, gen)
    u, bl = linear_init(n, r, gen)
    x_test, _ = load_mnist(cfg.get("dataDir", DEFAULT_DATA_DIR), "test")

    def midl_forward(x):
        # Dense-then-mask: what a direct PyTorch port of the layer does at inference.
        z = F.linear(x, v)
        alpha = torch.sigmoid(F.linear(z, g, bg))
        light = F.linear(z, u, bl)
        mask = torch.zeros_like(alpha).scatter_(1, alpha.topk(k, dim=1).indices, 1.0)
        a = alpha * mask
        full = F.linear(x, w, b)
        return torch.relu(a * full + (1 - a) * light)

    def linear_forward(x):
        return torch.relu(F.linear(x, w, b))

    runs_by_batch = cfg.get("runs", {"1": 2000, "8": 1000, "64": 300, "256": 200})
    results = []
    with torch.no_grad():
        for batch_text, runs in runs_by_batch.items():
            batch, runs = int(batch_text), int(runs)
            x = x_test[:batch].contiguous()
            midl = time_runs(lambda: midl_forward(x), runs, warmup=max(20, runs // 10))
            dense = time_runs(lambda: linear_forward(x), runs, warmup=max(20, runs // 10))
            results.append({"batch": batch, "runs": runs,
                            "midlMedianMs": statistics.median(midl) * 1e3,
                            "midlP95Ms": percentile(midl, 0.95) * 1e3,
                            "linearMedianMs": statistics.median(dense) * 1e3,
                            "linearP95Ms": percentile(dense, 0.95) * 1e3})
    return {"inFeatures": d, "outFeatures": n, "keep": keep, "k": k, "rank": r,
            "variant": "dense-then-mask", "results": results}


TASKS = {
    "info": lambda cfg: {},
    "gemm": task_gemm,
    "mlp_epoch": task_mlp_epoch,
    "mlp_infer": task_mlp_infer,
    "midl_layer": task_midl_layer,
    "cnn_epoch": task_cnn_epoch,
}


def main():
    task = CONFIG.get("task")
    if task not in TASKS:
        print(f"unknown task {task!r}; expected one of {sorted(TASKS)}", file=sys.stderr)
        sys.exit(2)
    result = TASKS[task](CONFIG)
    print(json.dumps({"task": task, "runtime": runtime_info(), **result}))


if __name__ == "__main__":
    main()
