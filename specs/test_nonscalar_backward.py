"""Non-scalar backward and the gradient argument: backward(v) computes the vector-Jacobian product vᵀJ,
v may be left out only for one-element outputs, and must otherwise have the output's exact shape."""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import spec
from conformance.numeric import FD_ATOL, FD_RTOL, vjp

IMPLICIT_ONLY_FOR_SCALARS = "grad can be implicitly created only for scalar outputs"


@spec("VJP-1", source="catalogue")
@pytest.mark.parametrize("data", [3.0, [3.0], [[3.0]]], ids=["shape ()", "shape (1,)", "shape (1,1)"])
def test_one_element_output_needs_no_gradient(torch, check, data):
    """(x²).backward() with no gradient works for x = 3 of shape (), (1,) or (1, 1) and gives x.grad = 6 in x's shape."""
    x = torch.tensor(data, requires_grad=True)
    (x**2).backward()
    check.equal(x.grad, np.full(np.shape(data), 6.0), "x.grad = 2x, seeded with an implicit 1")


def _backward_without_gradient(y):
    y.backward()


def _backward_with_gradient_none(y):
    y.backward(None)


OMITTED_GRADIENT = dict(
    argnames="backpropagate",
    argvalues=[_backward_without_gradient, _backward_with_gradient_none],
    ids=["backward()", "backward(None)"],
)


@spec("VJP-2", source="catalogue")
@pytest.mark.parametrize(
    "make_leaf",
    [
        lambda torch: torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
        lambda torch: torch.ones(2, 2, requires_grad=True),
        lambda torch: torch.zeros(0, requires_grad=True),
    ],
    ids=["shape (3,)", "shape (2,2)", "numel 0"],
)
@pytest.mark.parametrize(**OMITTED_GRADIENT)
def test_other_outputs_need_a_gradient(torch, check, make_leaf, backpropagate):
    """backward() or backward(None) on an output with 3, 4 or 0 elements raises
    'grad can be implicitly created only for scalar outputs'."""
    y = 2 * make_leaf(torch)
    with check.raises(
        RuntimeError, IMPLICIT_ONLY_FOR_SCALARS, f"y.backward without a gradient, y of shape {tuple(y.shape)}"
    ):
        backpropagate(y)


TUTORIAL_WEIGHTS = {"x1": 2.0, "w1": 5.0, "w2": 6.0}
"""The tutorial's model x2 = x1 · w1, y = x2 · w2, every tensor 2x2 and filled with one value."""


def _two_weight_model(torch):
    """The leaves x1, w1, w2 of the tutorial's model and its output y = x1 · w1 · w2 = 60 everywhere."""
    leaves = {
        name: torch.tensor(np.full((2, 2), value, dtype=np.float32), requires_grad=True)
        for name, value in TUTORIAL_WEIGHTS.items()
    }
    x2 = leaves["x1"] * leaves["w1"]
    return leaves, x2 * leaves["w2"]


@spec("VJP-2", source="004_50a5472a54e6f60e.txt § 叶子Tensor (an L of more than one element)")
@pytest.mark.parametrize(**OMITTED_GRADIENT)
def test_two_by_two_loss_needs_a_gradient(torch, check, backpropagate):
    """The tutorial's L = Y - y has 2x2 elements, so L.backward() without its first argument raises
    'grad can be implicitly created only for scalar outputs'."""
    _, y = _two_weight_model(torch)
    target = torch.tensor(np.full((2, 2), 10.0, dtype=np.float32))  # Y, the ground truth
    loss = target - y
    with check.raises(RuntimeError, IMPLICIT_ONLY_FOR_SCALARS, "L.backward() on the 2x2 loss L = Y - y"):
        backpropagate(loss)


FLOAT32_PRODUCT = dict(rtol=1e-6, atol=0.0)
"""2 · x · v in float32 is rounded once or twice depending on the order of the products:
within 2 ulp (2.4e-7 relative) of the exact value; a wrong vᵀJ is off by far more."""


@spec("VJP-3", source="catalogue")
def test_backward_with_v_gives_v_times_jacobian(torch, check):
    """(x²).backward(v) at x = [1, 2, 3], v = [1, 0.5, 0.1] gives x.grad = vᵀ diag(2x) = [2, 2, 0.6]."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x**2).backward(torch.tensor([1.0, 0.5, 0.1]))
    check.close(x.grad, [2.0, 2.0, 0.6], "x.grad = v · 2x", **FLOAT32_PRODUCT)


MAX_DOUBLINGS = 30
"""The loop below stops after 9 doublings on a conforming backend; the bound only guards against nonsense norms."""


@spec("VJP-3", source="catalogue: the 60-minute blitz's doubling loop")
def test_blitz_doubling_loop_gives_v_times_1024(torch, check):
    """Doubling y = 2x until its norm reaches 1000 (x = [1, -1.5, 0.5]) makes y = 1024x,
    so y.backward(v) with v = [0.1, 1, 0.0001] gives x.grad / v = 1024 everywhere."""
    x = torch.tensor([1.0, -1.5, 0.5], requires_grad=True)
    y = x * 2
    for _ in range(MAX_DOUBLINGS):
        if not (y.norm() < 1000):
            break
        y = y * 2
    check.equal(y, [1024.0, -1536.0, 512.0], "y = 1024x after the doublings")

    v = torch.tensor([0.1, 1.0, 0.0001])
    y.backward(v)
    # Multiplying by a power of two is exact, so x.grad / v is exactly 1024 in float32.
    check.equal(x.grad / v, np.full(3, 1024.0), "x.grad / v")


@spec("VJP-3", source="002_d01b84c90aaf253a.txt § In [50]-[51] (the all-ones weights)")
def test_backward_with_ones_is_backward_of_the_sum(torch, check):
    """For y = 2x² at x = arange(4.0), y.backward(ones_like(x)) leaves the same x.grad as y.sum().backward()."""
    with_ones = torch.arange(4.0, requires_grad=True)
    (2 * (with_ones**2)).backward(torch.ones_like(with_ones))

    summed = torch.arange(4.0, requires_grad=True)
    (2 * (summed**2)).sum().backward()
    check.equal(with_ones.grad, check.values(summed.grad), "x.grad of y.backward(ones) versus of y.sum().backward()")


@spec("VJP-3", source="004_50a5472a54e6f60e.txt § 叶子Tensor (backward's first argument is dL/dy)")
def test_gradient_argument_stands_for_dl_dy(torch, check):
    """For the tutorial's model and a loss L = sum((Y - y)²) known only through dL/dy = -2(Y - y) = 100,
    y.backward(dL/dy) gives the leaves dL/dleaf: x1.grad = 100·w1·w2 = 3000, w1.grad = 1200, w2.grad = 100·x2 = 1000."""
    leaves, y = _two_weight_model(torch)
    y.backward(torch.tensor(np.full((2, 2), 100.0, dtype=np.float32)))
    for name, value in {"x1": 3000.0, "w1": 1200.0, "w2": 1000.0}.items():
        check.equal(leaves[name].grad, np.full((2, 2), value), f"{name}.grad after y.backward(dL/dy)")


@spec("VJP-3", source="catalogue")
def test_matrix_product_backward_with_v(torch, check):
    """y = x.mm(w) with x = [[1, 2], [3, 4]], w = [[1, 0], [2, 1]] and v = [[1, 2], [3, 4]] gives
    x.grad = v wᵀ = [[1, 4], [3, 10]] and w.grad = xᵀ v = [[10, 14], [14, 20]]."""
    x = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    w = torch.tensor([[1.0, 0.0], [2.0, 1.0]], requires_grad=True)
    # v is not symmetric, so an engine that transposes or reorders it is caught.
    x.mm(w).backward(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    check.equal(x.grad, [[1.0, 4.0], [3.0, 10.0]], "x.grad = v wᵀ")
    check.equal(w.grad, [[10.0, 14.0], [14.0, 20.0]], "w.grad = xᵀ v")


MODERATE_FLOATS = st.floats(-3.0, 3.0, allow_subnormal=False)
"""Values where exp, sigmoid, tanh and x³ stay below 30, so the finite differences keep their accuracy."""

NON_SCALAR_SHAPES = hnp.array_shapes(min_dims=1, max_dims=3, max_side=3).filter(lambda shape: np.prod(shape) >= 2)
"""Outputs of two or more elements: an explicit gradient on a one-element output is VJP-6's concern."""

SMOOTH_ELEMENTWISE = [
    (lambda torch, x: torch.exp(x), np.exp),
    (lambda torch, x: torch.sigmoid(x), lambda x: 1.0 / (1.0 + np.exp(-x))),
    (lambda torch, x: torch.tanh(x), np.tanh),
    (lambda torch, x: x**3, lambda x: x**3),
]
"""(the function on the backend, the same function in NumPy for the finite differences)."""


def _float64_leaf(torch, values):
    return torch.tensor(values, dtype=torch.float64, requires_grad=True)


@spec("VJP-3", source="catalogue")
@pytest.mark.parametrize(("function", "numpy_function"), SMOOTH_ELEMENTWISE, ids=["exp", "sigmoid", "tanh", "x**3"])
@given(shape=NON_SCALAR_SHAPES, data=st.data())
def test_backward_with_v_matches_finite_differences(torch, check, function, numpy_function, shape, data):
    """For any shape of two or more elements, x and v, f(x).backward(v) puts vᵀJ into x.grad,
    J the finite-difference Jacobian of f."""
    x_np = data.draw(hnp.arrays(np.float64, shape, elements=MODERATE_FLOATS), label="x")
    v_np = data.draw(hnp.arrays(np.float64, shape, elements=MODERATE_FLOATS), label="v")
    x = _float64_leaf(torch, x_np)
    function(torch, x).backward(torch.tensor(v_np, dtype=torch.float64))
    check.close(x.grad, vjp(numpy_function, x_np, v_np), "x.grad versus vᵀJ", rtol=FD_RTOL, atol=FD_ATOL)


@spec("VJP-3", source="catalogue")
@given(
    sizes=st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4)).filter(lambda nkm: nkm[0] * nkm[2] >= 2),
    data=st.data(),
)
def test_matmul_backward_with_v_matches_finite_differences(torch, check, sizes, data):
    """For any (n, k) x, (k, m) w and (n, m) v with n·m >= 2, (x @ w).backward(v) puts vᵀJ into x.grad and w.grad."""
    n, k, m = sizes
    x_np, w_np, v_np = (
        data.draw(hnp.arrays(np.float64, shape, elements=MODERATE_FLOATS), label=name)
        for name, shape in [("x", (n, k)), ("w", (k, m)), ("v", (n, m))]
    )
    note(f"x {x_np.shape} @ w {w_np.shape}")
    x, w = _float64_leaf(torch, x_np), _float64_leaf(torch, w_np)
    (x @ w).backward(torch.tensor(v_np, dtype=torch.float64))
    want_x = vjp(lambda x_: x_ @ w_np, x_np, v_np)
    want_w = vjp(lambda w_: x_np @ w_, w_np, v_np)
    check.close(x.grad, want_x, "x.grad versus vᵀJ", rtol=FD_RTOL, atol=FD_ATOL)
    check.close(w.grad, want_w, "w.grad versus vᵀJ", rtol=FD_RTOL, atol=FD_ATOL)


@spec("VJP-4", source="catalogue")
@pytest.mark.parametrize(
    ("gradient_shape", "output_shape"),
    [((2,), (3,)), ((1,), (3,)), ((), (3,)), ((1,), ())],
    ids=["(2,) for (3,)", "(1,) for (3,)", "() for (3,)", "(1,) for ()"],
)
def test_gradient_of_another_shape_is_rejected(torch, check, gradient_shape, output_shape):
    """A gradient whose shape differs from the output's raises 'Mismatch in shape', even when it would broadcast."""
    # The 004 tutorial says a broadcastable gradient is accepted; torch 2.13 rejects it, and this suite follows torch.
    y = 2 * torch.tensor(np.ones(output_shape, dtype=np.float32), requires_grad=True)
    gradient = torch.tensor(np.ones(gradient_shape, dtype=np.float32))
    with check.raises(
        RuntimeError, "Mismatch in shape", f"backward of a {output_shape} output with a {gradient_shape} gradient"
    ):
        y.backward(gradient)


@spec("VJP-5", source="catalogue")
@pytest.mark.parametrize(
    ("make_gradient", "expected"),
    [
        (lambda torch: torch.tensor([1.0, 2.0], dtype=torch.float64), [2.0, 4.0]),
        (lambda torch: torch.tensor([1, 2], dtype=torch.int64), [2.0, 4.0]),
        (lambda torch: torch.tensor([1.0, -1.0]) > 0, [2.0, 0.0]),
    ],
    ids=["float64", "int64", "bool"],
)
def test_gradient_dtype_is_cast_to_the_outputs(torch, check, make_gradient, expected):
    """A float64, int64 or bool gradient for the float32 output 2x is cast: [1, 2] gives x.grad = [2, 4],
    [True, False] gives [2, 0], and x.grad stays float32."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (2 * x).backward(make_gradient(torch))
    check.equal(x.grad, expected, "x.grad, with the gradient cast to float32")
    check.that(x.grad.dtype == torch.float32, "x.grad.dtype", expected=torch.float32, actual=x.grad.dtype)


@spec("VJP-5", source="catalogue")
def test_gradient_given_as_a_list_is_rejected(torch, check):
    """A Python list as the gradient raises TypeError 'gradients can be either Tensors or None, but got float'."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with check.raises(TypeError, "gradients can be either Tensors or None, but got float", "y.backward([1.0, 1.0])"):
        (2 * x).backward([1.0, 1.0])


@spec("VJP-6", source="catalogue")
@pytest.mark.parametrize("scale", [2.0, -0.5], ids=["tensor(2.)", "tensor(-0.5)"])
def test_gradient_of_a_scalar_output_scales_the_grads(torch, check, scale):
    """(x²).sum().backward(tensor(s)) at x = [1, 2, 3] gives x.grad = s · 2x: [4, 8, 12] for s = 2."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x**2).sum().backward(torch.tensor(scale))
    check.equal(x.grad, scale * np.array([2.0, 4.0, 6.0]), f"x.grad = {scale} · 2x")


@spec("VJP-7", source="catalogue")
def test_gradient_argument_is_not_aliased_into_grad(torch, check):
    """After x.backward(v) twice (v = [3, 4]), x.grad is not v, holds [6, 8] while v stays [3, 4],
    and zeroing v leaves x.grad alone."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    v = torch.tensor([3.0, 4.0])
    x.backward(v)
    check.that(x.grad is not v, "x.grad is not the gradient argument v", expected="a new tensor", actual="v itself")
    x.backward(v)
    check.equal(x.grad, [6.0, 8.0], "x.grad after two x.backward(v)")
    check.equal(v, [3.0, 4.0], "v after the accumulation into x.grad")
    v.zero_()
    check.equal(x.grad, [6.0, 8.0], "x.grad after v.zero_()")


@spec("VJP-8", source="catalogue")
def test_backward_of_several_roots_sums_them(torch, check):
    """autograd.backward([2x, 3x], [ones, ones]) at x = [1, 1] gives x.grad = 2 + 3 = [5, 5]."""
    x = torch.ones(2, requires_grad=True)
    torch.autograd.backward([x * 2, x * 3], [torch.ones(2), torch.ones(2)])
    check.equal(x.grad, [5.0, 5.0], "x.grad, summed over both roots")


@spec("VJP-8", source="catalogue")
def test_backward_of_several_roots_pairs_each_with_its_gradient(torch, check):
    """autograd.backward([2x, 3x], [g1, g2]) with g1 = [1, 2], g2 = [10, 20] gives x.grad = 2 g1 + 3 g2 = [32, 64]."""
    x = torch.ones(2, requires_grad=True)
    torch.autograd.backward([x * 2, x * 3], [torch.tensor([1.0, 2.0]), torch.tensor([10.0, 20.0])])
    check.equal(x.grad, [32.0, 64.0], "x.grad = 2 g1 + 3 g2, each root weighted by its own gradient")
