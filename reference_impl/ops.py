"""The op rules, and nothing else: each op's forward and its vector-Jacobian product side by side.

A rule maps input arrays (and keyword parameters that are not differentiated) to
``(output, saved, vjp)``. ``saved`` holds the forward values the VJP reads: it is what
a backward frees (PyTorch's saved tensors); everything else the VJP needs, such as a
shape, it closes over. ``vjp(g, *saved)`` maps the output's gradient ``g`` to one
gradient per input, None meaning "no gradient".
"""

import numpy as np


def unbroadcast(g, shape):
    """Sum ``g`` over the dimensions broadcasting added or stretched, back to the input's ``shape``."""
    if g.shape == shape:
        return g  # nothing was broadcast (the common case)
    g = np.add.reduce(g, axis=tuple(range(g.ndim - len(shape))))  # np.sum without its Python wrapper's cost
    stretched = tuple(axis for axis, size in enumerate(shape) if size == 1 and g.shape[axis] != 1)
    return np.add.reduce(g, axis=stretched, keepdims=True)


def unreduce(g, shape, dim, keepdim):
    """Undo a reduction over ``dim`` (all dimensions when None): put the reduced axes back, broadcast g along them."""
    if dim is not None and not keepdim:
        g = np.expand_dims(g, dim)
    return np.broadcast_to(g, shape)


# ***** elementwise binary ops (inputs broadcast) *****


def add(x, y):
    # d(x + y) = dx + dy
    xs, ys = x.shape, y.shape
    return x + y, (), lambda g: (unbroadcast(g, xs), unbroadcast(g, ys))


def sub(x, y):
    # d(x - y) = dx - dy
    xs, ys = x.shape, y.shape
    return x - y, (), lambda g: (unbroadcast(g, xs), unbroadcast(-g, ys))


def mul(x, y):
    # d(x y) = y dx + x dy
    return x * y, (x, y), lambda g, x, y: (unbroadcast(g * y, x.shape), unbroadcast(g * x, y.shape))


def div(x, y):
    # d(x / y) = dx / y - x dy / y²
    return x / y, (x, y), lambda g, x, y: (unbroadcast(g / y, x.shape), unbroadcast(-g * x / y**2, y.shape))


def pow(x, y):
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy; PyTorch makes the first term 0 where y = 0,
    # and the second 0 where x = 0 and y >= 0 (where x^y is 0 or 1 whatever log(x) says)
    out = x**y
    return out, (x, y, out), _pow_vjp


def _pow_vjp(g, x, y, out):
    dx = np.where(y == 0, 0.0, g * y * x ** (y - 1))
    dy = np.where((x == 0) & (y >= 0), 0.0, g * out * np.log(x))
    return unbroadcast(dx, x.shape), unbroadcast(dy, y.shape)


def maximum(x, y):
    # d max(x, y) = dx where x > y, dy where y > x; PyTorch splits g in half at ties
    return np.maximum(x, y), (x, y), _maximum_vjp


def _maximum_vjp(g, x, y):
    share = (x > y) + 0.5 * (x == y)  # x's share of g
    return unbroadcast(g * share, x.shape), unbroadcast(g * (1 - share), y.shape)


def _comparison(compare):
    """A comparison: its boolean result carries no gradient to either side."""

    def rule(x, y):
        return compare(x, y), (), lambda g: (None, None)

    rule.__name__ = compare.__name__
    return rule


lt, le, gt, ge, eq, ne = map(
    _comparison, (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)
)


# ***** matrix products *****


def matmul(a, b):
    # d(a @ b) = da @ b + a @ db; a 1-d a acts as a row (1, n), a 1-d b as a column (n, 1)
    return a @ b, (a, b), _matmul_vjp


def _matmul_vjp(g, a, b):
    rows, cols = np.atleast_2d(a), (b[:, None] if b.ndim == 1 else b)
    g = g[..., None] if b.ndim == 1 else g  # the column b's dimension, then the row a's one
    g = g[..., None, :] if a.ndim == 1 else g
    da = g @ np.swapaxes(cols, -1, -2)  # dL/da = g @ bᵀ
    db = np.swapaxes(rows, -1, -2) @ g  # dL/db = aᵀ @ g
    return unbroadcast(da, rows.shape).reshape(a.shape), unbroadcast(db, cols.shape).reshape(b.shape)


def t(x):
    # d(xᵀ) = (dx)ᵀ
    return x.T, (), lambda g: (g.T,)


# ***** elementwise unary ops *****


def neg(x):
    # d(-x) = -dx
    return -x, (), lambda g: (-g,)


def exp(x):
    # d(e^x) = e^x dx: saves its output
    out = np.exp(x)
    return out, (out,), lambda g, out: (g * out,)


def log(x):
    # d(log x) = dx / x
    return np.log(x), (x,), lambda g, x: (g / x,)


def sigmoid(x):
    # d(s(x)) = s(x) (1 - s(x)) dx, with s(x) = 1 / (1 + e^-x)
    out = 1 / (1 + np.exp(-x))
    return out, (out,), lambda g, out: (g * out * (1 - out),)


def tanh(x):
    # d(tanh x) = (1 - tanh² x) dx
    out = np.tanh(x)
    return out, (out,), lambda g, out: (g * (1 - out**2),)


def relu(x):
    # d(max(x, 0)) = dx where x > 0, else 0; NOTE: 0 at x = 0 (clamp says 1 there)
    out = np.maximum(x, 0)
    return out, (out,), lambda g, out: (g * (out > 0),)


def clamp(x, min=None, max=None):
    # d(clamp x) = dx on the closed interval min <= x <= max, ends included, else 0
    return np.clip(x, min, max), (x,), lambda g, x: (g * ((min is None or x >= min) & (max is None or x <= max)),)


def abs(x):
    # d|x| = sign(x) dx, 0 at x = 0
    return np.abs(x), (x,), lambda g, x: (g * np.sign(x),)


def _piecewise_constant(f):
    """sign, floor, round: flat almost everywhere, so PyTorch gives them zero gradients (not None)."""

    def rule(x):
        return f(x), (), lambda g: (np.zeros_like(g),)

    rule.__name__ = f.__name__
    return rule


sign, floor, round = map(_piecewise_constant, (np.sign, np.floor, np.round))


def zero(x):
    # zero_(): the result is the constant 0, so x gets a zero gradient
    return np.zeros_like(x), (), lambda g: (np.zeros_like(g),)


# ***** reductions *****


def sum(x, dim=None, keepdim=False):
    # d(sum x) = sum dx: every element gets the gradient of the sum it went into
    shape = x.shape
    return np.sum(x, axis=dim, keepdims=keepdim), (), lambda g: (unreduce(g, shape, dim, keepdim),)


def mean(x, dim=None, keepdim=False):
    # d(mean x) = sum dx / n, n the number of elements averaged
    shape, out = x.shape, np.mean(x, axis=dim, keepdims=keepdim)
    n = x.size / np.size(out)
    return out, (), lambda g: (unreduce(g / n, shape, dim, keepdim),)


def norm(x):
    # d|x| = x·dx / |x|; PyTorch makes it 0 at x = 0
    out = np.sqrt(np.sum(x * x))
    return out, (x, out), lambda g, x, out: (g * np.where(out == 0, 0, x / out),)


def max(x):
    # d(max x) = dx at the maximum; PyTorch splits g evenly between tied maxima
    out = np.max(x)
    return out, (x, out), lambda g, x, out: (g * (x == out) / np.sum(x == out),)


def argmax(x):
    # an index: no gradient
    return np.argmax(x), (), lambda g: (None,)


# ***** indexing *****


def getitem(x, index):
    # d(x[index]) scatters g into x[index] of a zero gradient of x's shape
    shape = x.shape
    return x[index], (), lambda g: (_scatter(g, shape, index),)


def _scatter(g, shape, index):
    dx = np.zeros(shape, g.dtype)
    np.add.at(dx, index, g)  # add.at, not assignment: an index may repeat
    return dx


def setitem(x, value, index):
    # x[index] = value: x's overwritten elements get no gradient, value gets g[index]
    vs = value.shape
    out = x.copy()
    out[index] = value
    return out, (), lambda g: (_zero_at(g, index), unbroadcast(g[index], vs))


def _zero_at(g, index):
    g = g.copy()
    g[index] = 0
    return g
