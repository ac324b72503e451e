"""What the seed tutorials share between spec files: their training data and their 2x2 tensors."""

import numpy as np

X_DATA = [1.0, 2.0, 3.0]
Y_DATA = [2.0, 4.0, 6.0]
"""The training samples of 001_7bced7f8c681d456.txt § code1: y = 2x, so the fitted weight is 2."""


def filled_2x2(torch, value):
    """A 2x2 float32 tensor of ``value``, made from NumPy as 004_50a5472a54e6f60e.txt does with from_numpy."""
    return torch.tensor(np.full((2, 2), value, dtype=np.float32))
