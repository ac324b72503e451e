"""Finite differences in float64: an oracle for gradients that trusts no autograd engine."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

FD_STEP = 1e-6
"""Central-difference step. In float64 the truncation error is O(h²) ≈ 1e-12 times the
third derivative and the rounding error is O(ε/h) ≈ 1e-10 times the function's scale,
so the estimate is good to about 1e-8 relative for the smooth functions the specs use."""

FD_RTOL = 1e-5
FD_ATOL = 1e-6
"""Tolerance for comparing an engine's float64 gradient with `jacobian`: a few hundred
times the error of the estimate above, and far below any error of a wrong derivative
rule (which is of the order of the gradient itself)."""


def jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float = FD_STEP) -> np.ndarray:
    """d f(x) / d x by central differences; shape ``f(x).shape + x.shape``."""
    x = np.asarray(x, dtype=np.float64)
    out_shape = np.shape(f(x))
    jac = np.zeros(out_shape + x.shape)
    for index in np.ndindex(*x.shape):
        bump = np.zeros_like(x)
        bump[index] = step
        jac[(...,) + index] = (np.asarray(f(x + bump)) - np.asarray(f(x - bump))) / (2 * step)
    return jac


def vjp(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """vᵀJ of ``f`` at ``x``, with J from `jacobian`: what backward(v) should put in x.grad."""
    jac = jacobian(f, x)
    v = np.asarray(v, dtype=np.float64)
    return np.tensordot(v, jac, axes=v.ndim)
