"""The op rules, and nothing else: each op's forward and its vector-Jacobian product side by side.

A rule maps input arrays (and keyword parameters that are not differentiated) to
``(output, saved, vjps)``. ``saved`` holds the forward values the VJPs read, each one an
input array or the output itself: it is what a backward frees (PyTorch's saved tensors);
everything else a VJP needs, such as a shape, it closes over. ``vjps`` has one VJP per
input, as HIPS autograd's ``defvjp``: ``vjp(g, *saved)`` maps the output's gradient ``g``
to that input's gradient (None meaning "no gradient"), so the engine computes only the
gradients that go somewhere (PyTorch's ``needs_input_grad``): none for a constant.

The VJPs are NumPy code that tensors also understand (through NumPy's ``__array_ufunc__``
and ``__array_function__``), as in HIPS autograd: a plain backward runs them on arrays,
and backward(create_graph=True) runs them on tensors, so that they record a graph in
turn and can be differentiated again. Hence operators and ``np.*`` calls, not methods
only arrays have.
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
        reduced = {axis % len(shape) for axis in (dim if isinstance(dim, tuple) else (dim,))}
        g = np.reshape(g, tuple(1 if axis in reduced else size for axis, size in enumerate(shape)))
    return np.broadcast_to(g, shape)


# ***** elementwise binary ops (inputs broadcast) *****


def add(x, y):
    # d(x + y) = dx + dy
    xs, ys = x.shape, y.shape
    return x + y, (), (lambda g: unbroadcast(g, xs), lambda g: unbroadcast(g, ys))


def sub(x, y):
    # d(x - y) = dx - dy
    xs, ys = x.shape, y.shape
    return x - y, (), (lambda g: unbroadcast(g, xs), lambda g: unbroadcast(-g, ys))


def mul(x, y):
    # d(x y) = y dx + x dy
    return x * y, (x, y), (lambda g, x, y: unbroadcast(g * y, x.shape), lambda g, x, y: unbroadcast(g * x, y.shape))


def div(x, y):
    # d(x / y) = dx / y - x dy / y²
    return (
        x / y,
        (x, y),
        (lambda g, x, y: unbroadcast(g / y, x.shape), lambda g, x, y: unbroadcast(-g * x / y**2, y.shape)),
    )


def pow(x, y):
    # d(x^y) = y x^(y-1) dx + x^y log(x) dy; PyTorch makes the first term 0 where y = 0,
    # and the second 0 where x = 0 and y >= 0 (where x^y is 0 or 1 whatever log(x) says)
    out = x**y
    return (
        out,
        (x, y, out),
        (
            lambda g, x, y, out: unbroadcast(np.where(y == 0, 0.0, g * y * x ** (y - 1)), x.shape),
            lambda g, x, y, out: unbroadcast(np.where((x == 0) & (y >= 0), 0.0, g * out * np.log(x)), y.shape),
        ),
    )


def maximum(x, y):
    # d max(x, y) = dx where x > y, dy where y > x; PyTorch splits g in half at ties
    return (
        np.maximum(x, y),
        (x, y),
        (
            lambda g, x, y: unbroadcast(g * _share(x, y), x.shape),
            lambda g, x, y: unbroadcast(g * (1 - _share(x, y)), y.shape),
        ),
    )


def _share(x, y):
    """x's share of the gradient of max(x, y): all of it where x > y, half where they tie."""
    return (x > y) + 0.5 * (x == y)


def _no_gradient(g):
    """The VJP of an input a result without gradient (boolean, integer) was computed from."""
    return None


def _comparison(compare):
    """A comparison (or a logical and): its boolean result carries no gradient to either side."""

    def rule(x, y):
        return compare(x, y), (), (_no_gradient, _no_gradient)

    rule.__name__ = compare.__name__
    return rule


lt, le, gt, ge, eq, ne, logical_and = map(
    _comparison, (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal, np.logical_and)
)


def where(x, y, condition):
    # d where(c, x, y) = dx where c holds, dy elsewhere; the condition is a parameter, never differentiated
    xs, ys = x.shape, y.shape
    return (
        np.where(condition, x, y),
        (),
        (lambda g: unbroadcast(np.where(condition, g, 0), xs), lambda g: unbroadcast(np.where(condition, 0, g), ys)),
    )


# ***** matrix products *****


def matmul(a, b):
    # d(a @ b) = da @ b + a @ db; a 1-d a acts as a row (1, n), a 1-d b as a column (n, 1)
    return a @ b, (a, b), (_matmul_da, _matmul_db)


def _matmul_da(g, a, b):
    g, rows, cols = _as_matrices(g, a, b)
    return np.reshape(unbroadcast(g @ np.swapaxes(cols, -1, -2), rows.shape), a.shape)  # dL/da = g @ bᵀ


def _matmul_db(g, a, b):
    g, rows, cols = _as_matrices(g, a, b)
    return np.reshape(unbroadcast(np.swapaxes(rows, -1, -2) @ g, cols.shape), b.shape)  # dL/db = aᵀ @ g


def _as_matrices(g, a, b):
    """g, a and b with the dimensions a 1-d operand lacks: a as a row (1, n), b as a column (n, 1)."""
    rows = np.reshape(a, (1, -1)) if a.ndim == 1 else a
    cols = np.reshape(b, (-1, 1)) if b.ndim == 1 else b
    g = np.reshape(g, g.shape + (1,)) if b.ndim == 1 else g  # the column b's dimension, then the row a's one
    g = np.reshape(g, g.shape[:-1] + (1,) + g.shape[-1:]) if a.ndim == 1 else g
    return g, rows, cols


def t(x):
    # d(xᵀ) = (dx)ᵀ
    return x.T, (), (lambda g: np.transpose(g),)


def swapaxes(x, axis1, axis2):
    # d(swapaxes x) = swapaxes dx
    return np.swapaxes(x, axis1, axis2), (), (lambda g: np.swapaxes(g, axis1, axis2),)


def reshape(x, shape):
    # d(reshape x) = reshape dx, back to x's shape
    xs = x.shape
    return np.reshape(x, shape), (), (lambda g: np.reshape(g, xs),)


def broadcast_to(x, shape):
    # d(broadcast x) = the sum of dx over the copies broadcasting made
    xs = x.shape
    return np.broadcast_to(x, shape), (), (lambda g: unbroadcast(g, xs),)


def clone(x):
    # d(copy of x) = dx
    return x.copy(), (), (lambda g: g,)


# ***** elementwise unary ops *****


def neg(x):
    # d(-x) = -dx
    return -x, (), (lambda g: -g,)


def exp(x):
    # d(e^x) = e^x dx: saves its output
    out = np.exp(x)
    return out, (out,), (lambda g, out: g * out,)


def log(x):
    # d(log x) = dx / x
    return np.log(x), (x,), (lambda g, x: g / x,)


def sigmoid(x):
    # d(s(x)) = s(x) (1 - s(x)) dx, with s(x) = 1 / (1 + e^-x)
    out = 1 / (1 + np.exp(-x))
    return out, (out,), (lambda g, out: g * out * (1 - out),)


def tanh(x):
    # d(tanh x) = (1 - tanh² x) dx
    out = np.tanh(x)
    return out, (out,), (lambda g, out: g * (1 - out**2),)


def relu(x):
    # d(max(x, 0)) = dx where x > 0, else 0; NOTE: 0 at x = 0 (clamp says 1 there)
    out = np.maximum(x, 0)
    return out, (out,), (lambda g, out: g * (out > 0),)


def clamp(x, min=None, max=None):
    # d(clamp x) = dx on the closed interval min <= x <= max, ends included, else 0
    low, high = -np.inf if min is None else min, np.inf if max is None else max
    return np.clip(x, min, max), (x,), (lambda g, x: np.where((x >= low) & (x <= high), g, 0),)


def abs(x):
    # d|x| = sign(x) dx, 0 at x = 0
    return np.abs(x), (x,), (lambda g, x: g * np.sign(x),)


def _piecewise_constant(f):
    """sign, floor, round: flat almost everywhere, so PyTorch gives them zero gradients (not None)."""

    def rule(x):
        return f(x), (), (lambda g: np.zeros_like(g),)

    rule.__name__ = f.__name__
    return rule


sign, floor, round = map(_piecewise_constant, (np.sign, np.floor, np.round))


def zero(x):
    # zero_(): the result is the constant 0, so x gets a zero gradient
    return np.zeros_like(x), (), (lambda g: np.zeros_like(g),)


# ***** reductions *****


def sum(x, dim=None, keepdim=False):
    # d(sum x) = sum dx: every element gets the gradient of the sum it went into
    shape = x.shape
    return np.sum(x, axis=dim, keepdims=keepdim), (), (lambda g: unreduce(g, shape, dim, keepdim),)


def mean(x, dim=None, keepdim=False):
    # d(mean x) = sum dx / n, n the number of elements averaged
    shape, out = x.shape, np.mean(x, axis=dim, keepdims=keepdim)
    n = x.size / np.size(out)
    return out, (), (lambda g: unreduce(g / n, shape, dim, keepdim),)


def norm(x):
    # d|x| = x·dx / |x|; PyTorch makes it 0 at x = 0
    out = np.sqrt(np.sum(x * x))
    return out, (x, out), (lambda g, x, out: g * np.where(out == 0, 0, x / out),)


def max(x):
    # d(max x) = dx at the maximum; PyTorch splits g evenly between tied maxima
    out = np.max(x)
    return out, (x, out), (lambda g, x, out: g * (x == out) / np.sum(x == out),)


def argmax(x):
    # an index: no gradient
    return np.argmax(x), (), (_no_gradient,)


# ***** indexing *****


def getitem(x, index):
    # d(x[index]) scatters g into x[index] of a zero gradient of x's shape
    shape = x.shape
    return x[index], (), (lambda g: _scatter(g, shape, index),)


def _scatter(g, shape, index):
    dx = np.zeros_like(g, shape=shape)
    np.add.at(dx, index, g)  # add.at, not assignment: an index may repeat
    return dx


def add_at(x, value, index):
    # np.add.at(x, index, value) on a copy of x: d = dx + dvalue scattered to index, so x gets g, value g[index]
    vs = value.shape
    out = x.copy()
    np.add.at(out, index, value)
    return out, (), (lambda g: g, lambda g: unbroadcast(g[index], vs))


def setitem(x, value, index):
    # x[index] = value: x's overwritten elements get no gradient, value gets g[index]
    vs = value.shape
    out = x.copy()
    out[index] = value
    kept = np.ones(x.shape, bool)
    kept[index] = False
    return out, (), (lambda g: np.where(kept, g, 0), lambda g: unbroadcast(g[index], vs))
