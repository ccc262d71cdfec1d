"""The PyTorch baseline's data readers: MNIST (IDX, gzip) and CIFAR-10 (binary batches),
normalised as midl's loaders do. Imported by bench.py after it has set the thread counts."""

import gzip
import math
import os

import numpy as np
import torch

MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic = int.from_bytes(raw[0:4], "big")
    if magic >> 8 != 0x08:  # type code 0x08 = unsigned byte
        raise ValueError(f"{path}: not an unsigned-byte IDX file (magic {magic:#x})")
    ndim = magic & 0xFF
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != math.prod(dims):
        raise ValueError(f"{path}: {data.size} bytes of data, header says {dims}")
    return data.reshape(dims)


def load_mnist(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte.gz"))
    x = images.reshape(images.shape[0], -1).astype(np.float32) / 255.0
    x = (x - MNIST_MEAN) / MNIST_STD
    return torch.from_numpy(x), torch.from_numpy(labels.astype(np.int64))


# ---------------------------------------------------------------- CIFAR-10 (binary)

CIFAR_PIXELS = 3 * 32 * 32


def read_cifar10_records(files):
    """Records of 1 label byte + 3072 pixel bytes (R, G, B planes of 32x32), files in order."""
    pixels, labels = [], []
    for path in files:
        with open(path, "rb") as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8)
        if raw.size == 0 or raw.size % (1 + CIFAR_PIXELS) != 0:
            raise ValueError(f"{path}: size {raw.size} is not a multiple of the {1 + CIFAR_PIXELS}-byte record")
        records = raw.reshape(-1, 1 + CIFAR_PIXELS)
        labels.append(records[:, 0].astype(np.int64))
        pixels.append(records[:, 1:].reshape(-1, 3, 32, 32))
    return np.concatenate(pixels), np.concatenate(labels)


def cifar_channel_stats(pixels):
    """midl's src/data/images.ts channelStats: per-channel mean and population std of pixel/255
    on the training set, summed exactly through a histogram of the 256 byte values."""
    mean, std = [], []
    for c in range(pixels.shape[1]):
        hist = np.bincount(pixels[:, c].ravel(), minlength=256).tolist()
        total = sum_ = sum_sq = 0.0
        for v, n in enumerate(hist):  # midl's order of summation, so the statistics are bit-identical
            scaled = v / 255
            total += n
            sum_ += n * scaled
            sum_sq += n * scaled * scaled
        m = sum_ / total if total > 0 else 0.0
        variance = max(0.0, sum_sq / total - m * m) if total > 0 else 0.0
        mean.append(m)
        std.append(math.sqrt(variance) if variance > 1e-12 else 1.0)
    return mean, std


def cifar_normalize(pixels, mean, std):
    """(p/255 - mean[c]) / std[c], through a float32 table per channel as midl's normalizeImages does."""
    out = np.empty(pixels.shape, dtype=np.float32)
    for c in range(pixels.shape[1]):
        table = ((np.arange(256, dtype=np.float64) / 255 - mean[c]) / std[c]).astype(np.float32)
        out[:, c] = table[pixels[:, c]]
    return out


def load_cifar10(data_dir):
    """The training batches present (data_batch_1.bin..5) and test_batch.bin, NCHW float32,
    normalized with statistics fitted on the training images (as midl's loadDataset('cifar10'))."""
    train_files = [os.path.join(data_dir, f"data_batch_{i}.bin") for i in range(1, 6)]
    train_files = [f for f in train_files if os.path.exists(f)]
    if not train_files:
        raise FileNotFoundError(f"{data_dir}: no CIFAR-10 training batch (data_batch_1.bin..data_batch_5.bin)")
    train_pixels, train_labels = read_cifar10_records(train_files)
    test_pixels, test_labels = read_cifar10_records([os.path.join(data_dir, "test_batch.bin")])
    mean, std = cifar_channel_stats(train_pixels)
    return (torch.from_numpy(cifar_normalize(train_pixels, mean, std)), torch.from_numpy(train_labels),
            torch.from_numpy(cifar_normalize(test_pixels, mean, std)), torch.from_numpy(test_labels), mean, std)


# ---------------------------------------------------------------- tasks
