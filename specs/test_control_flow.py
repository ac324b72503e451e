"""Dynamic control flow: Python loops and branches on tensor values, and gradients of the path they take."""

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st

from conformance import spec

MIN_ABS_A = 2.0**-10
MAX_ABS_A = 2.0**10
MAX_DOUBLINGS = 19
"""The most doublings the tutorial's loop makes for MIN_ABS_A <= |a|: b starts at 2a, so |b| >= 2^-9, and the loop
stops at the first k with 2^-9 · 2^k >= 1000, i.e. 2^k >= 512000, k = 19 (2^19 = 524288)."""

DIVISION_RTOL = 2.0**-23
"""d / a against the slope: on the negative branch 100 * b and the division by a each round once in float32, so
d / a is within two half-ulps (2 · 2^-24) of the slope; on the positive branch d = b = 2^n a and nothing rounds."""


def f(check, a):
    """The tutorial's f, whose `while b.norm() < 1000` is bounded by MAX_DOUBLINGS: a backend whose norm or
    comparisons return nonsense makes the spec fail instead of hang."""
    b = a * 2
    for _ in range(MAX_DOUBLINGS):
        if not b.norm() < 1000:  # while b.norm() < 1000:
            break
        b = b * 2
    else:
        still_small = bool(b.norm() < 1000)
        check.that(
            not still_small,
            f"b.norm() < 1000 after {MAX_DOUBLINGS} doublings, the most any |a| >= {MIN_ABS_A} needs",
            expected=False,
            actual=still_small,
        )
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def slope_of_path(a):
    """The slope of f at ``a``, computed in NumPy: b = 2^n a after n doublings (counting b = a * 2), so d = 2^n a
    when a > 0 and d = 100 · 2^n a otherwise. Multiplying by 2 is exact, so this is the path float32 takes too."""
    a = np.float32(a)
    doublings = next(k for k in range(MAX_DOUBLINGS + 1) if abs(2 * a) * np.float32(2.0**k) >= 1000)
    n = 1 + doublings
    return 2.0**n if a > 0 else 100 * 2.0**n


def check_grad_is_slope(check, a, d, slope):
    check.equal(a.grad, slope, "a.grad, the slope of the path taken: 2^n, or 100 · 2^n on the negative branch")
    check.close(d / a, slope, "d / a, which the tutorial compares with a.grad", rtol=DIVISION_RTOL, atol=0.0)


@spec("CF-1", source="000_df3ab9637a332bf6.txt § Code")
@pytest.mark.parametrize(
    ("value", "slope"),
    [(1.3, 1024.0), (0.7, 2048.0), (0.3, 4096.0), (-0.3, 409600.0)],
    ids=["a=1.3:2^10", "a=0.7:2^11", "a=0.3:2^12", "a=-0.3:100*2^12"],
)
def test_grad_of_doubling_loop_is_d_over_a(torch, check, value, slope):
    """d = f(a) doubles 2a until its norm reaches 1000 and multiplies by 100 when negative, so a.grad = d / a:
    1024, 2048 and 4096 at a = 1.3, 0.7, 0.3, and 409600 at a = -0.3."""
    a = torch.tensor(value, requires_grad=True)
    d = f(check, a)
    d.backward()
    check_grad_is_slope(check, a, d, slope)


NONZERO_A = st.one_of(
    st.floats(MIN_ABS_A, MAX_ABS_A, width=32),
    st.floats(-MAX_ABS_A, -MIN_ABS_A, width=32),
)
"""float32 values on both branches, away from 0 so the loop is at most MAX_DOUBLINGS long."""


@spec("CF-1", source="000_df3ab9637a332bf6.txt § Code")
@given(value=NONZERO_A)
def test_grad_is_the_slope_of_the_path_taken(torch, check, value):
    """For any float32 a with 2^-10 <= |a| <= 2^10, a.grad of f(a) is exactly 2^n (a > 0) or 100 · 2^n (a < 0),
    n the number of doublings the loop took, and d / a equals it to float32 rounding."""
    slope = slope_of_path(value)
    note(f"slope of the path at a = {value}: {slope}")
    a = torch.tensor(value, requires_grad=True)
    d = f(check, a)
    d.backward()
    check_grad_is_slope(check, a, d, slope)


def square_or_negate(x):
    if x > 0:
        return x**2
    return -x


@spec("CF-2", source="catalogue: probe x**2 if x > 0 else -x")
@pytest.mark.parametrize(
    ("value", "result", "derivative"),
    [(2.0, 4.0, 4.0), (-2.0, 2.0, -1.0)],
    ids=["x=2:x**2", "x=-2:-x"],
)
def test_branch_on_a_scalar_tensor(torch, check, value, result, derivative):
    """y = x**2 if x > 0 else -x, with x a 0-d tensor that requires grad, gives y = 4, dy/dx = 4 at x = 2 and
    y = 2, dy/dx = -1 at x = -2: the condition itself adds no gradient."""
    x = torch.tensor(value, requires_grad=True)
    y = square_or_negate(x)
    check.equal(y, result, "y, from the branch taken")
    y.backward()
    check.equal(x.grad, derivative, "x.grad, the derivative of the branch taken only")


AMBIGUOUS = "Boolean value of Tensor with more than one value is ambiguous"


@spec("CF-2", source="catalogue")
@pytest.mark.parametrize(
    "condition",
    [lambda v: v > 0, lambda v: v],
    ids=["bool(v > 0)", "bool(v)"],
)
def test_bool_of_several_elements_raises(torch, check, condition):
    """bool() of a 2-element tensor raises RuntimeError 'Boolean value of Tensor with more than one value is
    ambiguous', while bool() of a 1-element tensor is its truth value."""
    v = torch.tensor([1.0, 2.0], requires_grad=True)
    with check.raises(RuntimeError, AMBIGUOUS, "bool() of a 2-element tensor"):
        bool(condition(v))
    truth = bool(condition(torch.tensor([3.0], requires_grad=True)))
    check.that(truth is True, "bool() of the 1-element tensor [3.0]", expected=True, actual=truth)


@spec("CF-2", source="001_7bced7f8c681d456.txt § code1")
def test_item_gives_a_python_float(torch, check):
    """.item() of the one-element loss (w x - y)² = 1 and of w.grad = 2x(w x - y) = -2 (w = 1, x = 1, y = 2)
    returns the Python floats 1.0 and -2.0."""
    w = torch.tensor([1.0])
    w.requires_grad = True
    x, y = 1.0, 2.0
    loss_value = (w * x - y) ** 2
    loss_value.backward()
    for name, t, expected in (("loss_value", loss_value, 1.0), ("w.grad", w.grad, -2.0)):
        value = t.item()
        check.that(type(value) is float, f"type of {name}.item()", expected=float, actual=type(value))
        check.that(value == expected, f"{name}.item()", expected=expected, actual=value)


MAX_SQUARINGS = 6
"""1.5 needs 4 squarings to exceed 100; after 6 it would be 1.5^64 ≈ 1.8e11, so stopping there means the
comparison is broken, not that the loop needs longer."""

FLOAT32_STEPS_RTOL = 8 * 2.0**-24
"""Every factor of the exact gradient 2^4 · 1.5^15 = 3^15 / 2^11 is 3^k / 2^m with 3^k < 2^24, so float32 holds
it and torch gets it exactly; 8 half-ulps leave an engine room for two roundings in each of the 4 steps (a
derivative 2 y^1 evaluated through exp and log, say) and nothing more."""


@spec("CF-3", source="catalogue: probe squaring 1.5 until it exceeds 100")
def test_graph_depth_follows_the_data(torch, check):
    """Squaring x = 1.5 until it exceeds 100 takes n = 4 steps (y = 1.5^16 = 656.84), and x.grad = 2^n · 1.5^(2^n - 1)
    = 7006.3022."""
    x = torch.tensor(1.5, requires_grad=True)
    y, n = x, 0
    for _ in range(MAX_SQUARINGS):  # while not y > 100:
        if y > 100:
            break
        y = y**2
        n += 1
    check.that(n == 4, "number of squarings until y > 100: 1.5, 2.25, 5.06, 25.6, 656.8", expected=4, actual=n)
    check.close(y, 1.5**16, "y = 1.5^16", rtol=FLOAT32_STEPS_RTOL, atol=0.0)
    y.backward()
    check.close(x.grad, 2**4 * 1.5**15, "x.grad = 2^n · 1.5^(2^n - 1)", rtol=FLOAT32_STEPS_RTOL, atol=0.0)
