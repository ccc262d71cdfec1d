"""Runs a midl checkpoint in PyTorch on inputs saved by midl and compares with midl's outputs.

    /usr/bin/python3 interop/pytorch/compare.py CHECKPOINT CASE
CASE is a safetensors file holding 'x' (inputs) and 'y' (midl's eval-mode outputs for them).
Prints one JSON object: max_abs_diff, argmax_agreement (share of rows whose top class agrees),
rows.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from midl_torch import load_checkpoint, read_safetensors  # noqa: E402


def main(checkpoint, case):
    model, _ = load_checkpoint(checkpoint)
    tensors, _ = read_safetensors(case)
    with torch.no_grad():
        y = model(tensors['x'])
    expected = tensors['y']
    print(json.dumps({
        'max_abs_diff': float((y - expected).abs().max()),
        'argmax_agreement': float((y.argmax(1) == expected.argmax(1)).double().mean()),
        'rows': int(y.shape[0]),
    }))


if __name__ == '__main__':
    main(*sys.argv[1:3])
