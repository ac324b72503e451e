"""The built-in `torch` backend: PyTorch itself, the semantics every spec is written against.

A thin namespace: each member is the torch function of the same name. It declares every
optional feature, since the features are defined by what torch does.
"""

import numpy as np
import torch

from conformance.contract import FEATURES

name = "torch"
version = torch.__version__
features = frozenset(FEATURES)

float32, float64, int64 = torch.float32, torch.float64, torch.int64
autograd = torch.autograd

tensor = torch.tensor
arange = torch.arange
ones = torch.ones
zeros = torch.zeros
ones_like = torch.ones_like
zeros_like = torch.zeros_like
dot = torch.dot
matmul = torch.matmul
exp = torch.exp
log = torch.log
sigmoid = torch.sigmoid
relu = torch.relu
tanh = torch.tanh
no_grad = torch.no_grad
is_grad_enabled = torch.is_grad_enabled


def to_numpy(t: torch.Tensor) -> np.ndarray:
    # numpy(force=True) reads the storage without going through detach(), which is under test.
    return t.numpy(force=True).copy()
