"""Random expression graphs: every leaf's gradient through any composition of the contract's operations.

A drawn graph is a short program: a few float64 leaves, then operations from `OPERATIONS`
whose operands are drawn from every tensor defined so far, so leaves and intermediates are
reused (fan-out, diamonds, both operands of one op), and ``out``, the sum of every tensor
nothing else used. The program runs on the backend and, for the finite-difference oracle,
on `NUMPY_TWIN`, NumPy standing in for the contract's members; a failure prints it.

An operation is kept only where it is smooth and well-conditioned at the drawn leaves
(`MARGIN` from kinks, poles and log's domain edge, values within `BOUND`), so finite
differences are accurate to far below `FD_ATOL`. At a kink the derivative is a convention
that finite differences cannot find (CHAIN-5's). Graphs broadcast by adding leading
dimensions; stretching size-1 dimensions is BC-1's property.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from conformance import spec
from conformance.numeric import FD_ATOL, FD_RTOL, jacobian

MARGIN = 0.1
"""The least distance from a kink (relu, clamp) or pole (1/x) and the least argument of log and
sqrt: a finite-difference step (1e-6) never crosses a kink, and 1/x, log and sqrt stay tame."""

BOUND = 10.0
"""The largest magnitude an operation may produce: exp never overflows, and the rounding error
of out (a few hundred at most), which central differences divide by 2e-6, stays near 1e-8."""

LEAF_SHAPES = [(), (2,), (3,), (2, 3), (3, 2)]
"""Small shapes that broadcast ((3,) with (2, 3), () with all) and multiply ((2, 3) @ (3, 2), (2,) @ (2, 3) ...)."""

LEAF_VALUES = st.integers(-8, 8).map(lambda quarters: quarters / 4)
"""Quarters in [-2, 2]: short literals in a printed graph."""

MAX_LEAVES = 3
MAX_OPERATIONS = 8


class Program(str):
    """A graph's code: the leaves' lines, a blank line, one line per operation, then ``out``.

    Its repr is a triple-quoted string, so a falsifying example and a repro snippet show
    the graph as the lines of code that build it.
    """

    def __repr__(self) -> str:
        return f'"""\n{self}"""'


def far_from(values: np.ndarray, *points: float) -> bool:
    return all(np.all(np.abs(values - point) >= MARGIN) for point in points)


def positive(values: np.ndarray) -> bool:
    return bool(np.all(values >= MARGIN))


def anywhere(*operands: np.ndarray) -> bool:
    return True


@dataclass(frozen=True)
class Operation:
    code: str
    """The line's expression, the operands' names filling the braces."""
    smooth_at: Callable[..., bool] = anywhere
    """Whether the operation is smooth and well-conditioned at these operand values."""

    @property
    def arity(self) -> int:
        return self.code.count("{}")


OPERATIONS = (
    Operation("{} + {}"),
    Operation("{} - {}"),
    Operation("{} * {}"),
    Operation("{} / {}", lambda a, b: far_from(b, 0)),
    Operation("-{}"),
    Operation("{} + 1.5"),
    Operation("0.5 - {}"),
    Operation("3 * {}"),
    Operation("{} / 4"),
    Operation("2 / {}", lambda a: far_from(a, 0)),
    Operation("{}.pow(2)"),
    Operation("{} ** 3"),
    Operation("{}.pow(0.5)", positive),
    Operation("torch.exp({})"),
    Operation("{}.exp()"),
    Operation("torch.log({})", positive),
    Operation("torch.sigmoid({})"),
    Operation("torch.tanh({})"),
    Operation("torch.relu({})", lambda a: far_from(a, 0)),
    Operation("{}.clamp(min=-1, max=1)", lambda a: far_from(a, -1, 1)),
    Operation("{}.sum()"),
    Operation("{}.mean()"),
    Operation("{}.t()"),
    Operation("torch.dot({}, {})"),
    Operation("torch.matmul({}, {})"),
    Operation("{} @ {}"),
    Operation("{}.mm({})"),
)


def _require(condition: bool, operation: str) -> None:
    """Reject the shapes torch rejects where NumPy would accept them."""
    if not condition:
        raise ValueError(f"torch's {operation} does not take these shapes")


class TwinTensor(np.ndarray):
    """A float64 array with the contract's tensor methods: the NumPy twin of a tensor."""

    def t(self):
        return self.T

    def pow(self, exponent):
        return self**exponent

    def exp(self):
        return np.exp(self)

    def clamp(self, min=None, max=None):
        return np.clip(self, min, max)

    def mm(self, other):
        _require(self.ndim == other.ndim == 2, "mm")
        return self @ other


def _dot(a, b):
    _require(a.ndim == b.ndim == 1 and a.shape == b.shape, "dot")
    return a @ b


NUMPY_TWIN = SimpleNamespace(
    float64=np.float64,
    tensor=lambda data, dtype, requires_grad: np.asarray(data, dtype=np.float64).view(TwinTensor),
    exp=np.exp,
    log=np.log,
    sigmoid=lambda a: 1 / (1 + np.exp(-a)),
    relu=lambda a: np.maximum(a, 0),
    tanh=np.tanh,
    dot=_dot,
    matmul=np.matmul,
)
"""The members of the backend namespace that programs use, in NumPy."""


def run(program: str, torch) -> dict:
    """Run ``program`` with ``torch`` bound to a backend or `NUMPY_TWIN`; the variables it defines."""
    variables = {}
    exec(program, {"torch": torch}, variables)
    return variables


def finite_difference_gradients(program: str) -> dict[str, np.ndarray]:
    """d out / d leaf for every leaf of ``program``, by central differences on its NumPy run."""
    leaf_lines, operation_lines = program.split("\n\n")
    leaves = run(leaf_lines, NUMPY_TWIN)
    operations = compile(operation_lines, "<graph>", "exec")

    def out(name, values):
        variables = {**leaves, name: np.asarray(values).view(TwinTensor)}
        exec(operations, {"torch": NUMPY_TWIN}, variables)
        return variables["out"]

    return {name: jacobian(partial(out, name), values) for name, values in leaves.items()}


def _values(operation: Operation, operands: list[str], variables: dict) -> np.ndarray | None:
    """The operation's values on these operands in NumPy; None where it is not smooth, where torch
    rejects the shapes, or beyond `BOUND`."""
    if not operation.smooth_at(*(variables[name] for name in operands)):
        return None
    try:
        values = eval(operation.code.format(*operands), {"torch": NUMPY_TWIN}, variables)
    except ValueError:  # shapes torch rejects
        return None
    return values if np.all(np.abs(values) <= BOUND) else None


@st.composite
def programs(draw) -> Program:
    """A random graph. Each operation's last operand is drawn among the tensors it can take;
    an operation that can take none is left out."""
    leaf_lines, variables = [], {}
    for index in range(draw(st.integers(1, MAX_LEAVES))):
        values = draw(hnp.arrays(np.float64, draw(st.sampled_from(LEAF_SHAPES)), elements=LEAF_VALUES))
        leaf_lines.append(f"x{index} = torch.tensor({values.tolist()!r}, dtype=torch.float64, requires_grad=True)")
        variables.update(run(leaf_lines[-1], NUMPY_TWIN))

    operation_lines, used = [], set()
    for _ in range(MAX_OPERATIONS):
        operation = draw(st.sampled_from((None, *OPERATIONS)))  # shrinking turns steps into None, dropping them
        if operation is None:
            continue
        newest_first = list(reversed(variables))
        operands = [draw(st.sampled_from(newest_first)) for _ in range(operation.arity - 1)]
        results = {last: _values(operation, [*operands, last], variables) for last in newest_first}
        fitting = [last for last, values in results.items() if values is not None]
        if not fitting:
            continue
        operands.append(draw(st.sampled_from(fitting)))
        name = f"v{len(operation_lines)}"
        variables[name] = results[operands[-1]]
        operation_lines.append(f"{name} = {operation.code.format(*operands)}")
        used.update(operands)
    out = " + ".join(f"{name}.sum()" for name in variables if name not in used)
    return Program("\n".join(leaf_lines) + "\n\n" + "\n".join([*operation_lines, f"out = {out}"]) + "\n")


EVERY_OPERATION = Program(
    """x0 = torch.tensor([[0.5, -1.0, 1.5], [-0.25, 0.75, -1.5]], dtype=torch.float64, requires_grad=True)
x1 = torch.tensor([1.0, -0.5, 0.25], dtype=torch.float64, requires_grad=True)
x2 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)

v0 = x0 * x1
v1 = torch.tanh(v0)
v2 = torch.sigmoid(v0)
v3 = v1 - v2
v4 = v3 / x2
v5 = torch.exp(v4)
v6 = torch.log(v5)
v7 = 2 / v5
v8 = v6 * v7
v9 = torch.relu(v0)
v10 = 3 * v0
v11 = v10.clamp(min=-1, max=1)
v12 = v9 + v11
v13 = -v12
v14 = 0.5 - v13
v15 = v14 / 4
v16 = v15.exp()
v17 = v16.pow(0.5)
v18 = v17 + 1.5
v19 = v8 ** 3
v20 = v17.pow(2)
v21 = v19 + v20
v22 = v21.t()
v23 = x0.mm(v22)
v24 = x0 @ x1
v25 = torch.matmul(v23, v24)
v26 = v22 @ v24
v27 = torch.dot(v26, x1)
v28 = v18.mean()
v29 = v27 * v28
v30 = v23.sum()
out = v25.sum() + v29.sum() + v30.sum()
"""
)
"""Every operation of `OPERATIONS` once, with fan-out (v0 feeds four operations) and diamonds
(v0 to v3, v5 to v8): whatever the number of examples, no operation's rule goes unchecked."""


def check_gradients(torch, check, graph: str) -> None:
    """out.backward() leaves in each leaf of ``graph`` the derivative of out by finite differences."""
    variables = run(graph, torch)
    variables["out"].backward()
    for leaf, gradient in finite_difference_gradients(graph).items():
        # Central differences are good to ~1e-8 at these smooth, bounded points (numeric.FD_STEP);
        # a wrong rule is off by the size of the gradient itself.
        check.close(
            variables[leaf].grad, gradient, f"{leaf}.grad versus finite differences", rtol=FD_RTOL, atol=FD_ATOL
        )


@spec("CHAIN-7", source="catalogue")
def test_graph_of_every_operation_gets_the_finite_difference_gradients(torch, check):
    """In EVERY_OPERATION, a graph of every operation with fan-out and diamonds, out.backward() gives
    each of the leaves x0, x1, x2 the derivative of out found by finite differences."""
    check_gradients(torch, check, EVERY_OPERATION)


@spec("CHAIN-7", source="catalogue")
@given(graph=programs())
def test_random_graph_gets_the_finite_difference_gradients(torch, check, graph):
    """For any graph of the contract's operations over float64 leaves, reused intermediates included,
    out.backward() gives every leaf the derivative of out found by finite differences."""
    check_gradients(torch, check, graph)
