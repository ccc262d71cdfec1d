"""PyTorch modules that load midl's checkpoints (safetensors files written by `midl train --out`
or `midl reproduce`), with forwards that compute what midl computes.

midl's models are `Sequential`s whose keys follow the module positions (`1.weight`,
`2.proj.weight`, ...), and whose hidden layers fuse their ReLU (midl's `Linear` and `BatchNorm2d`
take an activation). A stock `nn.Sequential(Flatten, Linear, ReLU, ...)` therefore has other
positions; `build_model` builds the same positions from these modules instead:

- `LinearReLU`: `nn.Linear` followed by ReLU, in one module;
- `BatchNorm2dReLU`: `nn.BatchNorm2d` followed by ReLU (midl's BatchNorm2d with activation
  'relu'), after each bias-free 3x3 `nn.Conv2d` of the image benchmarks' CNN;
- `MIDL`: the MID-L layer in its training-mode (dense-then-mask) form, which is also what
  midl's sparse inference kernel computes:
      z = V x,  alpha = sigmoid(W_g z + b_g),  light = W_l z + b_l,  full = W x + b
      m = top-k(alpha) (k = max(1, round(keep * n)), gates below `threshold` dropped)
      y = relu(a * full + (1 - a) * light),  a = alpha * m
  parameters `weight` (n x d), `bias` (n), `proj.weight` (r x d), `gate.weight` (n x r),
  `gate.bias`, `light.weight` (n x r), `light.bias` (see docs/method.md);
- `StaticSparseLinear`: a Linear + ReLU whose neurons outside `kept_index` output 0.

Only the Python standard library and torch are needed (safetensors is read here directly).

Example:
    from midl_torch import load_checkpoint
    model, meta = load_checkpoint('run/final.safetensors')   # model in eval mode
    logits = model(x)                                         # x: [B, *meta['model']['inputShape']]
"""
import json
import struct

import torch
from torch import nn
import torch.nn.functional as F

_DTYPES = {'F32': torch.float32, 'I32': torch.int32, 'F64': torch.float64, 'I64': torch.int64}


def read_safetensors(path):
    """(tensors by name, metadata dict) of a safetensors file."""
    with open(path, 'rb') as f:
        data = f.read()
    (header_len,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + header_len])
    metadata = header.pop('__metadata__', {})
    body = data[8 + header_len:]
    tensors = {}
    for name, info in header.items():
        start, end = info['data_offsets']
        flat = torch.frombuffer(bytearray(body[start:end]), dtype=_DTYPES[info['dtype']])
        tensors[name] = flat.reshape(info['shape'])
    return tensors, metadata


def kept_count(keep, n):
    """k = max(1, round(keep * n)), half-way values rounded up (as midl's keptCount)."""
    return min(n, max(1, int(keep * n + 0.5)))


def default_rank(d, n):
    """The largest r with r * (d + 2n) <= n * d / 8, at least 8, at most min(d, n)."""
    return min(min(d, n), max(8, (n * d) // 8 // (d + 2 * n)))


class LinearReLU(nn.Linear):
    """nn.Linear followed by ReLU (midl's Linear with activation 'relu')."""

    def forward(self, x):
        return F.relu(super().forward(x))


class BatchNorm2dReLU(nn.BatchNorm2d):
    """nn.BatchNorm2d followed by ReLU (midl's BatchNorm2d with activation 'relu')."""

    def forward(self, x):
        return F.relu(super().forward(x))


class MIDL(nn.Module):
    """The MID-L layer, dense-then-mask (midl's training-mode math; eval mode selects the same way).

    Args:
        in_features: d. out_features: n.
        keep: share of neurons whose full path is used per input, in (0, 1]. Default 0.45.
        rank: r of the shared projection. Default: default_rank(d, n).
        threshold: a selected neuron whose gate is below it is dropped too. Default 0.
        activation: 'relu' (default) or 'none'.
    Shapes: input [B, d], output [B, n].
    """

    def __init__(self, in_features, out_features, keep=0.45, rank=None, threshold=0.0, activation='relu'):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.keep, self.threshold, self.activation = keep, threshold, activation
        self.rank = rank if rank is not None else default_rank(in_features, out_features)
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.proj = nn.Linear(in_features, self.rank, bias=False)
        self.gate = nn.Linear(self.rank, out_features)
        self.light = nn.Linear(self.rank, out_features)
        bound = 1 / in_features ** 0.5
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def selection_mask(self, alpha):
        """1 where a neuron's full path is used: the top-k gates of each row, at least `threshold`."""
        k = kept_count(self.keep, self.out_features)
        top = torch.topk(alpha, k, dim=1).indices
        mask = torch.zeros_like(alpha).scatter_(1, top, 1.0)
        if self.threshold > 0:
            mask = mask * (alpha >= self.threshold).to(alpha.dtype)
        return mask

    def forward(self, x):
        z = self.proj(x)
        alpha = torch.sigmoid(self.gate(z))
        light = self.light(z)
        full = F.linear(x, self.weight, self.bias)
        a = alpha * self.selection_mask(alpha.detach())
        y = a * full + (1 - a) * light
        return F.relu(y) if self.activation == 'relu' else y


class StaticSparseLinear(nn.Module):
    """Linear + ReLU of which only the neurons in the `kept_index` buffer are computed; the rest output 0."""

    def __init__(self, in_features, out_features, kept):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        self.register_buffer('kept_index', torch.zeros(kept, dtype=torch.int32))

    def forward(self, x):
        mask = torch.zeros(self.weight.shape[0], dtype=x.dtype, device=x.device)
        mask[self.kept_index.long()] = 1
        return F.relu(F.linear(x, self.weight, self.bias)) * mask


def _hidden(in_f, out_f, config, static):
    """The hidden layer(s) of a variant at one position, as midl's models.ts builds them."""
    variant = config['model']
    if variant == 'midl':
        o = config.get('midl') or {}
        return [MIDL(in_f, out_f, keep=config['keep'], rank=o.get('rank'), threshold=o.get('threshold', 0.0),
                     activation=o.get('activation', 'relu'))]
    if variant == 'static' and static:
        return [StaticSparseLinear(in_f, out_f, kept_count(config['keep'], out_f))]
    layers = [LinearReLU(in_f, out_f)]
    if variant == 'dropout':
        layers.append(nn.Dropout(config['dropout']))
    return layers


def _mlp(features, widths, classes, config, static):
    layers, width = [nn.Flatten()], features
    for w in widths:
        layers += _hidden(width, w, config, static)
        width = w
    return nn.Sequential(*layers, nn.Linear(width, classes))


def _small_cnn(shape, classes, config, static):
    channels, height, width = shape
    unit = lambda i, o: [nn.Conv2d(i, o, 3, padding=1, bias=False), BatchNorm2dReLU(o)]
    flat = 64 * (height // 4) * (width // 4)
    return nn.Sequential(*unit(channels, 32), *unit(32, 32), nn.MaxPool2d(2), *unit(32, 64), *unit(64, 64), nn.MaxPool2d(2),
                         nn.Flatten(), *_hidden(flat, 512, config, static), nn.Linear(512, classes))


def build_model(meta):
    """The PyTorch model of a midl checkpoint's metadata (its 'config' and 'model' entries)."""
    config, facts = meta['config'], meta['model']
    shape, classes, static = facts['inputShape'], facts['numClasses'], facts['staticSparse']
    features = 1
    for s in shape:
        features *= s
    if config['dataset'] in ('cifar10', 'cifar100', 'svhn'):
        return _small_cnn(shape, classes, config, static)
    widths = [512, 512] if config['dataset'] == 'mnist' else [256, 256]
    return _mlp(features, widths, classes, config, static)


def load_checkpoint(path):
    """(model in eval mode with the checkpoint's weights, metadata) of a midl checkpoint file."""
    tensors, metadata = read_safetensors(path)
    if metadata.get('format') != 'midl-checkpoint-1':
        raise ValueError(f"{path}: not a midl checkpoint (format {metadata.get('format')!r})")
    meta = json.loads(metadata['meta'])
    model = build_model(meta)
    state = {k[len('model.'):]: v for k, v in tensors.items() if k.startswith('model.')}
    model.load_state_dict(state, strict=True)
    return model.eval(), meta
