"""Stateful specs: random programs of backward, zeroing, detach, retain_graph and untracked updates,
checked after every step against a model of PyTorch's rules.

Fixed examples check one rule at a time; engines break in the interactions (a leaf's grad reset
when the leaf is used again, a shared subgraph freed too early or too late). The hypothesis state
machine below runs programs over the contract on the backend and on `conformance.autograd_model`,
which computes every value and gradient itself in float64, and after every step compares every
tensor's values, requires_grad, leaf-ness and .grad, and every held gradient, with the model.
A failure names the clause it violates and carries the shrunk program, a few lines of contract
code that reproduce it on the backend.
"""

from __future__ import annotations

import functools
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import Phase, reject, settings
from hypothesis import strategies as st
from hypothesis.errors import UnsatisfiedAssumption
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from conformance import catalogue, spec
from conformance.autograd_model import MODIFIED, OPS, SECOND_TIME, AutogradModel, Plan, TensorState
from conformance.check import Check, ConformanceFailure
from conformance.repro import standalone_program

MAX_STEPS = 30
"""Steps per program: enough for a few graphs, backwards and resets, short enough to shrink fast."""
SHRINK_SECONDS = 20.0
"""A bound on shrinking, well within the spec timeout: a program of 30 steps usually shrinks in a second."""
MAX_TENSORS = 12
MAX_HELD = 3
NAMES = [c for c in "abcdefhijkmnpqrstuvwxyz"]  # g is kept for held gradients, l and o read like 1 and 0
VECTOR = 2
"""Vectors have two elements: enough to tell elements apart, and every op keeps tensors of one shape."""
ELEMENTS = st.sampled_from([2.0, -1.0, 3.0, 1.0, 0.0, -3.0])
"""Small integers as floats: sums and products of a few of them are exact in float64."""
GRADIENT_ELEMENTS = st.sampled_from([3.0 + 2.0**-8, 2.5, -1.5, 0.0])
SCALAR_GRADIENTS = st.sampled_from([2.5, -1.5, 0.75, 0.0])
"""Explicit gradients, exact in float64 and not integers, so that a gradient argument ignored (ones used instead)
and a gradient overwriting .grad seldom give the same .grad; 3 + 2**-8 is not a bfloat16 value, so a rounded
vector gradient shows (VJP-3), while a scalar gradient stays exact in bfloat16 (VJP-6 is about the scaling)."""
CONSTANTS = st.sampled_from([1.0, -2.0, 0.5])
RARELY = st.tuples(st.booleans(), st.booleans(), st.booleans()).map(all)
"""True one time in eight: backward inside no_grad is a corner, not the common case."""
LEARNING_RATE = 0.5
SHIFT = 1.0
MAX_ABS = 2.0**20
"""Results beyond this are not computed, so products never overflow nor lose exactness."""
MAX_EXP_INPUT = 3.0
RTOL, ATOL = 1e-7, 1e-6
"""float64 rounding over at most 30 operations on values below 2**20 stays below 1e-9 relative, and exp
differs between libraries by a few ulps; every deviation the clauses name (a missing, doubled, reseeded,
misrouted or bfloat16-rounded gradient) is at least 1e-3 relative."""
TOLERANCE = f"rtol={RTOL!r}, atol={ATOL!r}"

NONLEAF_GRAD_WARNING = "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed"
LEAF_INPLACE = "a leaf Variable that requires grad is being used in an in-place operation"
LEAF_ONLY = "you can only change requires_grad flags of leaf variables"
RETAIN_CONSTANT = "can't retain_grad on Tensor that has requires_grad=False"
IMPLICIT_SCALAR = "grad can be implicitly created only for scalar outputs"
SHAPE_MISMATCH = "Mismatch in shape"

CHECKED_CLAUSES: dict[str, str] = {
    "ACC-1": "a leaf's .grad is the sum of every backward since its last reset, whatever happened in between",
    "ACC-2": "with grad_object_identity, a held .grad is the object backward accumulates into",
    "ACC-3": ".grad stays None until a backward reaches the leaf, and a zero gradient gives zeros",
    "ACC-4": "every .grad backward makes does not require grad, is a leaf and has the leaf's dtype",
    "ZERO-1": "x.grad.zero_() zeroes the object a held reference sees, and backward restarts from zeros",
    "ZERO-2": "x.grad = None gives None, and the next backward a fresh tensor, leaving a held old .grad alone",
    "ZERO-5": "after an untracked update, the next backward still adds to the .grad",
    "LEAF-1": "a tensor is a leaf exactly when the model says so, and grad_fn is None exactly on leaves",
    "LEAF-2": "non-leaves, and leaves that do not require grad, keep .grad None",
    "LEAF-3": "with nonleaf_grad_warning, reading .grad of a non-leaf warns unless it retains its grad",
    "LEAF-4": "with retain_grad, a retaining non-leaf accumulates its gradient; retain_grad on a constant raises",
    "LEAF-5": "requires_grad_(False) on a non-leaf raises",
    "RG-1": "a result requires grad exactly when an input does",
    "RG-3": "requires_grad_() turns a leaf on in place and does not reach back to earlier results",
    "RG-6": "a leaf frozen with requires_grad_(False) gets no gradient",
    "NG-1": "results computed under no_grad, even after a nested no_grad block, are constant leaves",
    "NG-2": "an in-place update of a leaf that requires grad raises outside no_grad",
    "NG-3": "with inplace, a backward through a node that saved a since-updated leaf raises",
    "NG-4": "backward inside no_grad still accumulates",
    "DATA-5": "with no_grad: a -= 0.5 * a.grad changes a's values and keeps a the same leaf that requires grad",
    "DET-1": "detach() gives a leaf with the source's values that does not require grad",
    "DET-2": "a detached tensor sees in-place updates of its source, and the source sees its",
    "DET-3": "no gradient flows through a detached tensor",
    "DET-4": "with inplace, an update through a detached alias of a saved tensor makes the backward raise",
    "DET-6": "a detached tensor made to require grad is a leaf of its own whose gradient stops there",
    "GRAPH-1": "a backward through a node whose saved tensors an earlier backward freed raises",
    "GRAPH-2": "retain_graph=True keeps the graph for the next backward, and the next one without it frees it",
    "GRAPH-3": "with saved_tensor_freeing, a freed graph that saved nothing runs again, and grad_fn stays",
    "GRAPH-4": "a fresh graph runs, also after a backward that raised",
    "MULTI-1": "an output built before another output's backward through shared leaves still backpropagates",
    "CHAIN-7": "the gradient of every backward is the derivative of the graph behind the root",
    "VJP-2": "backward() without a gradient on a vector raises",
    "VJP-3": "backward(v) on a vector adds vᵀJ (told from a wrong derivative by a fresh implicit replay)",
    "VJP-4": "a gradient argument of another shape raises",
    "VJP-6": "backward(v) on a scalar scales the gradient by v",
}
"""Every clause the machine attributes failures to, with what it checks of it."""


@dataclass
class Step:
    """What the last step did, for the checks after it to name the clause a difference violates."""

    kind: str
    target: str | None = None  # the tensor the step acted on
    root: str | None = None
    seed: np.ndarray | None = None
    explicit: bool = False
    under_no_grad: bool = False
    clock: int | None = None  # the model's clock of the backward
    prior: dict[str, np.ndarray | None] = field(default_factory=dict)  # receivers' .grad before the backward
    added: dict[str, np.ndarray] = field(default_factory=dict)  # what the backward added to each receiver


@dataclass
class HeldGrad:
    """``g1 = a.grad``: a reference the program keeps to a leaf's gradient object."""

    of: str
    values: np.ndarray | None  # None once the model cannot tell what the object holds
    current: bool = True  # the object is still the leaf's .grad
    released: bool = False  # the leaf's .grad was set to None after it was taken


@functools.lru_cache(maxsize=8192)
def _compiled(source: str):
    """Lines of the program repeat (the same checks after every step): compile each once."""
    return compile(source, "<program>", "exec")


def _literal(values: np.ndarray) -> str:
    return repr(values.tolist())


def _tensor_source(values: np.ndarray, requires_grad: bool | None = None) -> str:
    flag = "" if requires_grad is None else f", requires_grad={requires_grad}"
    return f"torch.tensor({_literal(values)}, dtype=torch.float64{flag})"


def _near(actual: np.ndarray | None, expected: np.ndarray | None) -> bool:
    """Whether ``actual`` is ``expected`` within the tolerance."""
    if actual is None or expected is None:
        return False
    return actual.shape == np.shape(expected) and bool(np.allclose(actual, expected, rtol=RTOL, atol=ATOL))


def _update(name: str, by_grad: bool = True) -> str:
    """The untracked update of a parameter: a gradient step, or (before any gradient) a shift by a constant."""
    return f"{name} -= {LEARNING_RATE!r} * {name}.grad" if by_grad else f"{name} += {SHIFT!r}"


def _indent(source: str) -> str:
    return "\n".join("    " + line for line in source.splitlines())


class AutogradPrograms(RuleBasedStateMachine):
    """Random programs over the contract, run on ``backend`` and on the model side by side.

    ``masked`` clauses are not checked and the steps that check them are not taken: with an
    engine's known deviations masked, the machine finds the next one.
    """

    backend = None
    masked: frozenset[str] = frozenset()

    def __init__(self) -> None:
        super().__init__()
        self.torch = type(self).backend
        self.features = self.torch.features
        self.model = AutogradModel(saved_tensor_freeing="saved_tensor_freeing" in self.features)
        self.check = Check(self.torch)
        self.namespace: dict = {"torch": self.torch, "check": self.check}
        self.program: list[str] = []
        self.held: dict[str, HeldGrad] = {}
        self.names = iter(NAMES)
        self.actions: list[tuple[str, dict]] = []  # what the program did, for `shrink` to replay
        self.verified = 0  # tensors that existed at the last verify
        self.last_failure: ConformanceFailure | None = None  # the failure of the last step, for its clause

    # -- running lines of the program -------------------------------------------------------

    def _run(self, source: str, clause: str | Callable[[], str]) -> None:
        """Run one step of the program; an error from the backend violates ``clause``."""
        self.program.append(source)
        try:
            exec(_compiled(source), self.namespace)
            return
        except ConformanceFailure as failure:
            failed = failure
        except Exception as error:  # the backend raised where the model expects none
            failed = ConformanceFailure(f"{type(error).__name__}: {error}")
        # Raised outside the except block: with no exception context, hypothesis sees one bug, not one per cause.
        self.last_failure = failed
        self._fail(failed, clause)

    def _check(self, source: str, clause: str | Callable[[], str], masked: Callable[[], None] | None = None) -> None:
        """Run a check; if it fails, the program so far followed by it reproduces the failure.

        A failure on a masked clause is passed over; ``masked`` then brings the model in step with the backend
        (by default nothing needs to, as for a property the model does not build on).
        """
        try:
            exec(_compiled(source), self.namespace)
            return
        except ConformanceFailure as failure:
            failed = failure
        chosen = clause() if callable(clause) else clause
        if chosen not in self.masked:
            self.program.append(source)
            self._fail(failed, chosen)
        if masked is not None:
            masked()

    def _fail(self, failure: ConformanceFailure, clause: str | Callable[[], str]) -> None:
        clause = clause() if callable(clause) else clause
        if clause in self.masked:
            reject()  # a masked deviation broke the step: the program cannot go on in step with the model
        body = "\n".join(self.program)
        entry = catalogue.get(clause)
        program = standalone_program(body, self.torch.name, f"clause {clause}, found by specs/test_stateful.py")
        error = ConformanceFailure(
            f"{failure}\n  violates {clause}: {entry.statement}\n\n"
            f"The program that reproduces it (shrunk, {len(self.actions)} steps):\n\n{program}",
            clause,
            program=body,
        )
        error.actions = list(self.actions)
        raise error

    def _masked(self, clause: str) -> bool:
        return clause in self.masked

    # -- what exists --------------------------------------------------------------------------

    @property
    def tensors(self) -> dict[str, TensorState]:
        return self.model.tensors

    def _room(self) -> bool:
        return len(self.tensors) < MAX_TENSORS

    def _name(self) -> str:
        return next(name for name in self.names if name not in self.tensors)

    def _bounded(self, values: np.ndarray) -> bool:
        return bool(np.all(np.abs(values) <= MAX_ABS))

    def _roots(self) -> list[str]:
        return [n for n, s in self.tensors.items() if not s.is_leaf]

    def _leaves_with_grad(self) -> list[str]:
        return [n for n, s in self.tensors.items() if s.is_leaf and s.grad is not None]

    def _updatable(self) -> list[str]:
        inplace = "inplace" in self.features
        return [
            n
            for n, s in self.tensors.items()
            if s.is_leaf
            and s.requires_grad
            and self.model.update_allowed(n, inplace)
            and self._bounded(self._updated_values(n))
        ]

    # -- rules: each draws its choices, then performs them ---------------------------------
    #
    # A performed action is recorded with its choices (names, values, flags), so that `shrink` can replay a
    # failing program with steps left out; an action whose choices no longer fit the state is skipped.

    def perform(self, kind: str, **choices) -> None:
        self.actions.append((kind, choices))
        if getattr(self, f"_{kind}")(**choices) is False:
            self.actions.pop()

    @precondition(lambda self: self._room())
    @rule(data=st.data())
    def create_leaf(self, data) -> None:
        shape = data.draw(st.sampled_from([(VECTOR,), ()]), label="shape")
        values = data.draw(st.lists(ELEMENTS, min_size=VECTOR, max_size=VECTOR), label="values")
        # None leaves requires_grad to its default, False (RG-1); half the leaves require grad.
        flags = [True, False] if self._masked("RG-1") else [True, False, True, None]
        requires_grad = data.draw(st.sampled_from(flags), label="requires_grad")
        self.perform("create_leaf", name=self._name(), values=values if shape else values[0], flag=requires_grad)

    def _create_leaf(self, name: str, values, flag: bool | None) -> None:
        values = np.array(values)
        self._run(f"{name} = {_tensor_source(values, flag)}", "RG-1")
        self.model.leaf(name, values, bool(flag))
        self.verify(Step("create", name))

    def _operations(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every (op, inputs) over the tensors so far whose result stays bounded."""
        return [(op, inputs) for op in OPS for inputs in self._inputs(op) if self._computable(op, inputs)]

    def _inputs(self, op: str) -> list[tuple[str, ...]]:
        if op in ("add", "mul"):
            return [(x, y) for x in self.tensors for y in self.tensors]
        return [(x,) for x in self.tensors]

    def _computable(self, op: str, inputs: tuple[str, ...]) -> bool:
        if not all(i in self.tensors for i in inputs):
            return False
        values = [self.model.values(i) for i in inputs]
        if op == "exp":
            return bool(np.all(values[0] <= MAX_EXP_INPUT))
        if op == "sum":
            return values[0].ndim > 0
        if op in ("add", "mul"):
            same = values[0].shape == values[1].shape
            return same and (op == "add" or self._bounded(values[0] * values[1]))
        return True

    def _draw_operation(self, data) -> dict:
        op, inputs = data.draw(st.sampled_from(self._operations()), label="operation")
        k = data.draw(CONSTANTS, label="constant") if op == "add_const" else None
        return {"name": self._name(), "op": op, "inputs": inputs, "k": k}

    def _apply(self, name: str, op: str, inputs: tuple[str, ...], k: float | None, grad_enabled: bool) -> str:
        """Apply an operation in the model; return its line of the program."""
        self.model.apply(name, op, list(inputs), k, grad_enabled)
        return f"{name} = {OPS[op][0].format(*inputs, k=k)}"

    @precondition(lambda self: self._room() and self.tensors)
    @rule(data=st.data())
    def compute(self, data) -> None:
        self.perform("compute", **self._draw_operation(data))

    def _compute(self, name: str, op: str, inputs: tuple[str, ...], k: float | None) -> bool | None:
        if not self._computable(op, inputs):
            return False
        self._run(self._apply(name, op, inputs, k, grad_enabled=True), "CHAIN-7")
        self.verify(Step("compute", name))
        return None

    @precondition(lambda self: len(self.tensors) < MAX_TENSORS - 1 and self.tensors and not self._masked("NG-1"))
    @rule(data=st.data(), nested=st.booleans())
    def compute_under_no_grad(self, data, nested: bool) -> None:
        """Results under no_grad; also after a nested no_grad block, whose exit must not switch recording on."""
        first = self._draw_operation(data)
        if not nested:
            self.perform("compute_under_no_grad", inner=first, after=None)
            return
        # The second operation may use the first's result: the model knows it while drawing.
        self.model.apply(first["name"], first["op"], list(first["inputs"]), first["k"], grad_enabled=False)
        after = self._draw_operation(data)
        del self.tensors[first["name"]]
        self.perform("compute_under_no_grad", inner=first, after=after)

    def _compute_under_no_grad(self, inner: dict, after: dict | None) -> bool | None:
        if not self._computable(inner["op"], inner["inputs"]):
            return False
        source = self._apply(**inner, grad_enabled=False)
        if after is not None:
            if not self._computable(after["op"], after["inputs"]):
                del self.tensors[inner["name"]]
                return False
            source = f"with torch.no_grad():\n{_indent(source)}\n{self._apply(**after, grad_enabled=False)}"
        self._run(f"with torch.no_grad():\n{_indent(source)}", "NG-1")
        self.verify(Step("no_grad"))
        return None

    @precondition(lambda self: self._room() and self.tensors)
    @rule(data=st.data())
    def detach(self, data) -> None:
        """d = c.detach(), or the independent leaf of DET-6, d = c.detach().requires_grad_()."""
        source = data.draw(st.sampled_from(list(self.tensors)), label="source")
        require = data.draw(st.booleans(), label="requires_grad_()") and not self._masked("DET-6")
        self.perform("detach", name=self._name(), source=source, require=require)

    def _detach(self, name: str, source: str, require: bool) -> bool | None:
        if source not in self.tensors:
            return False
        self._run(
            f"{name} = {source}.detach(){'.requires_grad_()' if require else ''}", "DET-6" if require else "DET-1"
        )
        state = self.model.detach(name, source)
        if require:
            state.requires_grad, state.switched_on_at = True, self.model.tick()
        self.verify(Step("detach", name))
        return None

    @precondition(lambda self: self._roots())
    @rule(data=st.data())
    def backward(self, data) -> None:
        roots = self._roots()
        # Half the time a root whose backward must raise, if any: the graph-lifetime and version rules.
        raising = [r for r in roots if self.model.plan(r).outcome == "raises"]
        pool = raising if raising and data.draw(st.booleans(), label="a raising root") else roots
        root = data.draw(st.sampled_from(pool), label="root")
        shape = self.tensors[root].shape
        seed = None
        if shape:
            seed = data.draw(st.lists(GRADIENT_ELEMENTS, min_size=VECTOR, max_size=VECTOR), label="gradient")
        elif data.draw(st.booleans(), label="explicit gradient"):
            seed = data.draw(SCALAR_GRADIENTS, label="gradient")
        retain = data.draw(st.booleans(), label="retain_graph")
        under_no_grad = data.draw(RARELY, label="inside no_grad")
        self.perform("backward", root=root, seed=seed, retain=retain, under_no_grad=under_no_grad)

    def _backward(self, root: str, seed, retain: bool, under_no_grad: bool) -> bool | None:
        if root not in self._roots() or np.shape(seed) != self.tensors[root].shape and seed is not None:
            return False
        if seed is None and self.tensors[root].shape:
            return False
        if (retain and self._masked("GRAPH-2")) or (under_no_grad and self._masked("NG-4")):
            return False
        plan = self.model.plan(root)
        if (
            plan.outcome == "unspecified"
            or plan.outcome == "raises"
            and any(not self.tensors[n].is_leaf for n in plan.leaves)
        ):
            return False  # a failed backward leaves .grad unspecified, and only a leaf's can be reset alike everywhere
        explicit = seed is not None
        seed = np.array(seed) if explicit else np.ones(())
        arguments = ([_tensor_source(seed)] if explicit else []) + (["retain_graph=True"] if retain else [])
        call = f"{root}.backward({', '.join(arguments)})"
        if under_no_grad:
            call = f"with torch.no_grad():\n{_indent(call)}"
        if plan.outcome == "raises":
            self._backward_that_raises(root, call, plan)
            return None
        step = Step("backward", root=root, seed=seed, explicit=explicit, under_no_grad=under_no_grad)
        step.prior = {n: self.tensors[n].grad for n in plan.leaves}
        self._run(call, lambda: self._unexpected_error_clause(root, retain, under_no_grad))
        step.added = self.model.run_backward(root, seed, plan, retain)
        step.clock = self.model.clock
        for held in self.held.values():
            if held.current and held.of in step.added:
                if "grad_object_identity" in self.features:
                    held.values = held.values + step.added[held.of]
                else:  # the backward may have put a new object in .grad: the held one is no longer followed
                    held.values, held.current = None, False
        self.verify(step)
        return None

    def _backward_that_raises(self, root: str, call: str, plan: Plan) -> None:
        clause = lambda: self._missing_error_clause(root, plan)  # noqa: E731
        what = (
            "backward through a freed graph"
            if plan.fragment == SECOND_TIME
            else "backward after a saved tensor changed"
        )
        self._run(f"with check.raises(RuntimeError, {plan.fragment!r}, {what!r}):\n{_indent(call)}", clause)
        # What a failed backward leaves in .grad is unspecified (GRAPH-5): the program resets it.
        for name in self.model.fail_backward(root, plan):
            self._run(f"{name}.grad = None  # unspecified after a failed backward (GRAPH-5)", "ZERO-2")
            self.tensors[name].grad = None
            for held in self.held.values():
                if held.of == name and held.current:
                    held.values, held.current = None, False
        self.verify(Step("failed backward"))

    @precondition(lambda self: self._leaves_with_grad())
    @rule(data=st.data(), zero=st.booleans())
    def reset_grad(self, data, zero: bool) -> None:
        """x.grad.zero_() or x.grad = None."""
        self.perform("reset_grad", name=data.draw(st.sampled_from(self._leaves_with_grad()), label="leaf"), zero=zero)

    def _reset_grad(self, name: str, zero: bool) -> bool | None:
        if name not in self._leaves_with_grad() or (zero and self._masked("ZERO-1")):
            return False
        if zero:
            self._run(f"{name}.grad.zero_()", "ZERO-1")
            self.tensors[name].grad = np.zeros(self.tensors[name].shape)
        else:
            self._run(f"{name}.grad = None", "ZERO-2")
            self.tensors[name].grad = None
        for held in self.held.values():
            if held.of == name and held.current:
                if zero:
                    held.values = np.zeros(self.tensors[name].shape)
                else:
                    held.current, held.released = False, True
        self.verify(Step("zero" if zero else "none", name))
        return None

    @precondition(lambda self: self._leaves_with_grad() and len(self.held) < MAX_HELD)
    @rule(data=st.data())
    def hold_grad(self, data) -> None:
        name = data.draw(st.sampled_from(self._leaves_with_grad()), label="leaf")
        self.perform("hold_grad", held=f"g{len(self.held) + 1}", name=name)

    def _hold_grad(self, held: str, name: str) -> bool | None:
        if name not in self._leaves_with_grad():
            return False
        self._run(f"{held} = {name}.grad", "ACC-1")
        self.held[held] = HeldGrad(name, self.tensors[name].grad.copy())
        self.verify(Step("hold", name))
        return None

    def _requiring_grad(self) -> list[str]:
        """Tensors that require grad and do not retain it yet (retain_grad() is called once per tensor)."""
        return [n for n, s in self.tensors.items() if s.requires_grad and not s.retains_grad]

    @precondition(lambda self: "retain_grad" in self.features and self._requiring_grad() and not self._masked("LEAF-4"))
    @rule(data=st.data())
    def retain_grad(self, data) -> None:
        self.perform("retain_grad", name=data.draw(st.sampled_from(self._requiring_grad()), label="tensor"))

    def _retain_grad(self, name: str) -> bool | None:
        if name not in self._requiring_grad():
            return False
        state = self.tensors[name]
        self._run(f"{name}.retain_grad()", "LEAF-4")
        state.retains_grad = not state.is_leaf  # on a leaf, retain_grad() changes nothing
        self._check(
            f"check.that({name}.retains_grad is {state.retains_grad}, '{name}.retains_grad', "
            f"expected={state.retains_grad}, actual={name}.retains_grad)",
            "LEAF-4",
        )
        self.verify(Step("retain", name))
        return None

    @precondition(lambda self: self._updatable() and not self._masked("DATA-5"))
    @rule(data=st.data())
    def update(self, data) -> None:
        """The untracked parameter update of a training loop: with no_grad(), a -= 0.5 * a.grad (a += 1.0 before
        a has a gradient)."""
        candidates = self._updatable()
        # Half the time a leaf a graph saved, if any: the update that a later backward must notice (NG-3, DET-4).
        saved = [n for n in candidates if self.model.saved_by_a_live_node(n)]
        pool = saved if saved and data.draw(st.booleans(), label="a saved leaf") else candidates
        self.perform("update", name=data.draw(st.sampled_from(pool), label="leaf"))

    def _updated_values(self, name: str) -> np.ndarray:
        grad = self.tensors[name].grad
        return self.model.values(name) + (SHIFT if grad is None else -LEARNING_RATE * grad)

    def _update(self, name: str) -> bool | None:
        if name not in self._updatable():
            return False
        before = self.namespace[name]
        self._run(f"with torch.no_grad():\n    {_update(name, self.tensors[name].grad is not None)}", "DATA-5")
        self.model.update(name, self._updated_values(name))
        if self.namespace[name] is not before:
            self.program[-1:] = [f"{name}_before = {name}", self.program[-1]]
            self.namespace[f"{name}_before"] = before
            self._check(
                f"check.that({name} is {name}_before, '{name} after the update is the tensor it was', "
                f"expected='the same object', actual='another object')",
                "DATA-5",
            )
        self.verify(Step("update", name))
        return None

    def _switchable(self) -> list[str]:
        """Leaves that do not require grad, to switch on, and leaves no graph uses yet, to freeze (the catalogue
        specifies freezing a parameter before the forward; whether a graph built earlier still accumulates into a
        leaf frozen since is not a clause)."""
        used = {
            i for s in self.tensors.values() if s.node for i, t in zip(s.node.inputs, s.node.tracked, strict=True) if t
        }
        return [n for n, s in self.tensors.items() if s.is_leaf and (not s.requires_grad or n not in used)]

    @precondition(lambda self: self._switchable())
    @rule(data=st.data())
    def switch_requires_grad(self, data) -> None:
        """requires_grad_() on a leaf that does not require grad; requires_grad_(False) freezes one that does."""
        self.perform("switch_requires_grad", name=data.draw(st.sampled_from(self._switchable()), label="leaf"))

    def _switch_requires_grad(self, name: str) -> bool | None:
        if name not in self._switchable():
            return False
        state = self.tensors[name]
        turning_on = not state.requires_grad
        clause = ("DET-6" if state.origin == "detach" else "RG-3") if turning_on else "RG-6"
        if self._masked(clause):
            return False
        self._run(f"{name}.requires_grad_()" if turning_on else f"{name}.requires_grad_(False)", clause)
        state.requires_grad, state.frozen = turning_on, not turning_on
        if turning_on:
            state.switched_on_at = self.model.tick()
        self.verify(Step("switch", name))
        return None

    def _misuses(self) -> dict[tuple[str, str], tuple[str, str, str]]:
        """(clause, tensor) -> (error fragment, what, call) of every call the state allows that must raise."""
        found = {}
        for name, state in self.tensors.items():
            if not state.is_leaf and self.model.plan(name).outcome == "runs":
                found["LEAF-5", name] = (
                    LEAF_ONLY,
                    "requires_grad_(False) on a non-leaf",
                    f"{name}.requires_grad_(False)",
                )
                if state.shape:  # on vectors, the outputs whose gradient argument is required
                    wrong = _tensor_source(np.ones(1))  # broadcastable to the output, and still refused
                    call = f"{name}.backward({wrong})"
                    found["VJP-4", name] = (SHAPE_MISMATCH, "backward with a gradient of another shape", call)
                    found["VJP-2", name] = (IMPLICIT_SCALAR, "backward() of a vector", f"{name}.backward()")
            if "retain_grad" in self.features and not state.requires_grad:
                found["LEAF-4", name] = (RETAIN_CONSTANT, "retain_grad() of a constant", f"{name}.retain_grad()")
        for name in self._updatable():
            update = _update(name, self.tensors[name].grad is not None)
            found["NG-2", name] = (LEAF_INPLACE, "an in-place update outside no_grad", update)
        return {key: misuse for key, misuse in found.items() if not self._masked(key[0])}

    @precondition(lambda self: self._misuses())
    @rule(data=st.data())
    def misuse(self, data) -> None:
        """A call that must raise, and change nothing."""
        misuses = self._misuses()
        # The clause first, so that many constants do not crowd out the other misuses.
        clause = data.draw(st.sampled_from(sorted({c for c, _ in misuses})), label="clause")
        name = data.draw(st.sampled_from([n for c, n in misuses if c == clause]), label="tensor")
        self.perform("misuse", clause=clause, name=name)

    def _misuse(self, clause: str, name: str) -> bool | None:
        misuse = self._misuses().get((clause, name))
        if misuse is None:
            return False
        fragment, what, call = misuse
        self._run(
            f"with check.raises(RuntimeError, {fragment!r}, {what!r}):\n    {call}",
            lambda: self._misuse_clause(clause, name),
        )
        self.verify(Step("misuse"))
        return None

    def _misuse_clause(self, clause: str, name: str) -> str:
        """A backward that raised another error than the misuse's may have refused for a stateful cause first."""
        if clause in ("VJP-2", "VJP-4") and "no exception" not in str(self.last_failure):
            if self.model.failed_backwards_through_its_leaves(name):
                return "GRAPH-4"
            if self.model.predates_another_backward_through_its_leaves(name):
                return "MULTI-1"
        return clause

    # -- the clause of a failed backward ---------------------------------------------------

    def _missing_error_clause(self, root: str, plan: Plan) -> str:
        """The clause of a backward that should raise and did not, or raised another error."""
        other_error = "no exception" not in str(self.last_failure)
        if other_error and self.model.predates_another_backward_through_its_leaves(root):
            return "MULTI-1"  # its own error: the backward of another output through shared leaves spoiled it
        if plan.fragment == SECOND_TIME:
            return "GRAPH-2" if any(node.retained for node in plan.freed_nodes) else "GRAPH-1"
        # NG-3 when the saved tensor itself was updated, DET-4 when the update went through another alias.
        through_alias = any(
            updated != saved
            for saved, storage, version in plan.modified
            for reached, updated in self.model.storages[storage].updates
            if reached > version
        )
        # An engine that misses the change even when made to the saved leaf itself breaks NG-3, whatever alias.
        return "DET-4" if through_alias and self._direct_update_noticed() else "NG-3"

    def _direct_update_noticed(self) -> bool:
        """Whether, on fresh tensors, backward notices an update under no_grad of a leaf a product saved."""
        torch = self.torch
        try:
            x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
            w = torch.tensor([3.0, 4.0], dtype=torch.float64, requires_grad=True)
            y = (x * w).sum()
            with torch.no_grad():
                x.add_(1.0)
            y.backward()
        except RuntimeError as error:
            return MODIFIED in str(error)
        return False

    def _unexpected_error_clause(self, root: str, retain: bool, under_no_grad: bool) -> str:
        nodes, _ = self.model.graph(root)
        failed = self.model.failed_backwards_through_its_leaves(root)
        if self.model.predates_another_backward_through_its_leaves(root) and not failed:
            return "MULTI-1"  # another output's backward through shared leaves spoiled this graph
        if failed:
            return "GRAPH-4"  # a failed backward left the leaves unusable
        if under_no_grad:
            return "NG-4"
        if any(node.retained and not node.freed for node in nodes):
            return "GRAPH-2"
        if any(node.freed for node in nodes):
            return "GRAPH-3"
        return "GRAPH-2" if retain else "GRAPH-4"

    # -- invariants, after every step ------------------------------------------------------

    def verify(self, step: Step) -> None:
        """Check every tensor, .grad and held gradient against the model.

        Each check is a line of the program, run only when a quick comparison of the backend's state with
        the model's fails (the line then reports the difference, within the tolerance); most steps pass, so
        this keeps a program's checks, and hypothesis's shrinking, fast.
        """
        fresh = list(self.tensors)[self.verified :]
        self.verified = len(self.tensors)
        for name, state in self.tensors.items():
            self._verify_flags(name, state, step)
        for name in self.tensors:
            values = self.model.values(name)
            if not self._same(self.namespace[name], values):
                self._check(
                    f"check.close({name}, {_literal(values)}, 'values of {name}', {TOLERANCE})",
                    self._value_clause(name, step),
                    masked=reject,
                )
        for name, state in sorted(self.tensors.items(), key=lambda item: self._grad_order(item[1])):
            self._verify_grad(name, state, step, warning=name in fresh or name in (step.root, step.target))
        for held, grad in self.held.items():
            if grad.values is not None and not self._same(self.namespace[held], grad.values):
                self._check(
                    f"check.close({held}, {_literal(grad.values)}, '{held}, the .grad of {grad.of} held since', "
                    f"{TOLERANCE})",
                    lambda grad=grad: self._held_clause(grad, step),
                )
            if grad.current and step.kind == "backward" and grad.of in step.added:
                self._check(
                    f"check.that({grad.of}.grad is {held}, '{grad.of}.grad is still {held} after the backward', "
                    f"expected=True, actual={grad.of}.grad is {held})",
                    "ACC-2",
                )
        for name in step.added:
            if self.tensors[name].is_leaf:
                properties = f"({name}.grad.requires_grad, {name}.grad.is_leaf, {name}.grad.dtype == torch.float64)"
                self._check(
                    f"check.that({properties} == (False, True, True), '{name}.grad: (requires_grad, is_leaf, "
                    f"dtype is float64)', expected=(False, True, True), actual={properties})",
                    "ACC-4",
                )

    def _same(self, t, expected: np.ndarray | None) -> bool:
        """Whether ``t`` holds exactly ``expected`` (None for None): the quick comparison before a check."""
        if t is None or expected is None:
            return t is None and expected is None
        got = np.asarray(self.torch.to_numpy(t))
        return got.shape == expected.shape and got.tolist() == expected.tolist()

    @staticmethod
    def _grad_order(state: TensorState) -> int:
        """Leaves that require grad first, then constants, then frozen leaves, then non-leaves:
        a backend that gives constants a gradient is then told by a constant (LEAF-2) before a
        frozen leaf (RG-6)."""
        if not state.is_leaf:
            return 3
        return 0 if state.requires_grad else 2 if state.frozen else 1

    def _verify_flags(self, name: str, state: TensorState, step: Step) -> None:
        t, flag = self.namespace[name], state.requires_grad
        if t.requires_grad is not flag:
            self._check(
                f"check.that({name}.requires_grad is {flag}, '{name}.requires_grad', expected={flag}, "
                f"actual={name}.requires_grad)",
                lambda: self._flag_clause(state, step),
                masked=reject,  # the model's graph would no longer be the engine's
            )
        if t.is_leaf is state.is_leaf and (t.grad_fn is None) is state.is_leaf:
            return
        if not state.is_leaf and (state.node.freed or state.node.retained or state.node.unsettled):
            if "saved_tensor_freeing" in self.features:  # else whether grad_fn stays is unspecified (GRAPH-3 is ext)
                self._check(f"check.leaf({name}, False, '{name} after a backward through it')", "GRAPH-3")
            return
        self._check(f"check.leaf({name}, {state.is_leaf}, {name!r})", lambda: self._flag_clause(state, step, leaf=True))

    def _flag_clause(self, state: TensorState, step: Step, leaf: bool = False) -> str:
        if step.kind == "update" and state.name in self.model.aliases(step.target):
            return "DATA-5"
        if state.origin == "detach":
            return "DET-6" if state.switched_on_at is not None else "DET-1"
        if state.origin == "no_grad":
            return "NG-1"
        if any(
            (self.tensors[n].switched_on_at or -1) > state.born for n in self.model.ancestors(state.name) - {state.name}
        ):
            return "RG-3"  # an input was switched on after this result was computed
        if state.frozen:
            return "RG-6"
        if state.switched_on_at is not None:
            return "RG-3"
        if not (leaf or state.requires_grad) and any(self._detached_from_tracked(i) for i in state.inputs):
            return "DET-3"  # a detached input of a tensor that requires grad made the result track it
        return "LEAF-1" if leaf else "RG-1"

    def _detached_from_tracked(self, name: str) -> bool:
        """Whether ``name`` is a constant detached from (or sharing storage with) a tensor that requires grad."""
        state = self.tensors[name]
        return (
            state.origin == "detach"
            and not state.requires_grad
            and any(self.tensors[alias].requires_grad for alias in self.model.aliases(name))
        )

    def _value_clause(self, name: str, step: Step) -> str:
        if step.kind == "update" and name in self.model.aliases(step.target):
            return "DATA-5" if name == step.target else "DET-2"
        if step.kind == "detach" and name == step.target:
            return "DET-1"
        return "CHAIN-7"

    def _verify_grad(self, name: str, state: TensorState, step: Step, warning: bool) -> None:
        """.grad of ``name``; for a non-leaf the model's grad is None unless it retains it, and, with the
        nonleaf_grad_warning feature, whether reading it warns is checked on the tensors the step touched."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grad = self.namespace[name].grad
        if not self._same(grad, state.grad):
            accumulation = "ACC-1" if state.is_leaf else "LEAF-4"
            if state.is_leaf:
                clause = lambda: self._leaf_grad_clause(name, state, step)  # noqa: E731
            elif state.retains_grad:
                clause = lambda: self._grad_clause(name, state, step, accumulation)  # noqa: E731
            else:
                clause = "LEAF-2"
            self._check(self._grad_check(f"{name}.grad", state.grad), clause, masked=lambda: self._adopt_grad(name))
        if state.is_leaf or not warning or "nonleaf_grad_warning" not in self.features:
            return
        if state.retains_grad:
            self._check(
                f"with check.no_warning('reading {name}.grad, which retains its grad'):\n    {name}.grad", "LEAF-3"
            )
        else:
            self._check(
                f"with check.warns(UserWarning, {NONLEAF_GRAD_WARNING!r}, 'reading {name}.grad of a non-leaf'):\n"
                f"    {name}.grad",
                "LEAF-3",
            )

    def _adopt_grad(self, name: str) -> None:
        """Take the backend's .grad as the model's, after a masked deviation, and stop following its held grads."""
        self.tensors[name].grad = self._actual_grad(name)
        for held in self.held.values():
            if held.of == name:
                held.values, held.current = None, False

    @staticmethod
    def _grad_check(expression: str, expected: np.ndarray | None) -> str:
        if expected is None:
            return f"check.none({expression}, {expression!r})"
        return f"check.close({expression}, {_literal(expected)}, {expression!r}, {TOLERANCE})"

    def _actual_grad(self, name: str) -> np.ndarray | None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grad = self.namespace[name].grad
        return None if grad is None else self.check.values(grad)

    def _leaf_grad_clause(self, name: str, state: TensorState, step: Step) -> str:
        if not state.requires_grad and step.kind == "backward":
            return "RG-6" if state.frozen else "LEAF-2"
        return self._grad_clause(name, state, step, "ACC-1")

    def _grad_clause(self, name: str, state: TensorState, step: Step, accumulation: str) -> str:
        """The clause a wrong .grad of ``name`` after ``step`` violates."""
        actual = self._actual_grad(name)
        prior, added = step.prior.get(name, state.grad), step.added.get(name)
        # Replaced instead of kept or added to: after an untracked update of the leaf, the training loop's clause.
        updated = state.updated_at is not None and state.updated_at > max(
            (clock for clock in state.reached_by if clock != step.clock), default=-1
        )
        replaced = "ZERO-5" if updated else accumulation
        if step.kind == "backward" and self._flows_through_detach(name, step, actual, prior):
            return "DET-6" if self._detached_leaf_in_graph(step.root) else "DET-3"
        if added is None:
            if step.kind == "zero" and step.target == name:
                return "ZERO-1"
            if step.kind == "none" and step.target == name:
                return "ZERO-2"
            if state.grad is None:
                return "ACC-3"  # a gradient although no backward reached the tensor
            return replaced  # the gradient changed although nothing added to it or reset it
        if step.under_no_grad and (actual is None or _near(actual, prior)):
            return "NG-4"
        if actual is None:
            if prior is not None:
                return replaced
            if not np.any(added):
                return "ACC-3"
        elif step.explicit and self._seed_ignored(name, step, actual, prior) and self._replay_is_right(name, step):
            return "VJP-3" if self.tensors[step.root].shape else "VJP-6"
        elif prior is not None and _near(actual, added):
            return replaced
        return self._gradient_clause(name, step, prior)

    def _seed_ignored(self, name: str, step: Step, actual: np.ndarray, prior: np.ndarray | None) -> bool:
        """Whether ``actual`` is what ``name`` would hold had the backward used ones for its gradient argument."""
        ones = self.model.gradients(step.root, np.ones(self.tensors[step.root].shape))[name]
        return _near(actual, ones if prior is None else prior + ones)

    def _flows_through_detach(self, name: str, step: Step, actual: np.ndarray | None, prior) -> bool:
        """Whether ``actual`` is what ``name`` would hold if gradients flowed from detached tensors to their sources."""
        through = self.model.gradients(step.root, step.seed, through_detach=True).get(name)
        return through is not None and _near(actual, through if prior is None else prior + through)

    def _detached_leaf_in_graph(self, root: str) -> bool:
        return any(
            self.tensors[n].origin == "detach" and self.tensors[n].requires_grad for n in self.model.graph(root)[1]
        )

    def _gradient_clause(self, name: str, step: Step, prior: np.ndarray | None) -> str:
        """A wrong gradient: the gradient argument's (VJP-3, VJP-6) when a fresh replay without it is right,
        else the derivative's (CHAIN-7)."""
        if self._replay_is_right(name, step):
            # The derivatives are right on a fresh graph: what differs is the program's state.
            if step.explicit:
                return "VJP-3" if self.tensors[step.root].shape else "VJP-6"
            if not self.tensors[name].is_leaf:
                return "LEAF-4"  # the graph is right, the retained grad is not
            if any(self.tensors[n].origin == "detach" for n in self.model.ancestors(step.root)):
                # The replay's constants are fresh tensors: the engine confused detached aliases with their sources.
                return "DET-6" if self._detached_leaf_in_graph(step.root) else "DET-3"
            return "ACC-1" if prior is not None else "GRAPH-4"
        return "CHAIN-7"

    def _replay_is_right(self, name: str, step: Step) -> bool:
        """Whether a fresh copy of the root's graph, from fresh leaves, backpropagated without a gradient
        argument ((root * v).sum() for an explicit v), gives ``name`` the model's gradient."""
        torch, fresh = self.torch, {}

        def build(n: str, values: np.ndarray, tracked: bool):
            state = self.tensors[n]
            if n in fresh:
                return fresh[n]
            if state.node is None or not tracked:
                t = torch.tensor(values.tolist(), dtype=torch.float64, requires_grad=tracked and state.requires_grad)
            else:
                node = state.node
                inputs = [build(i, v, t) for i, v, t in zip(node.inputs, node.values, node.tracked, strict=True)]
                scope = {f"x{i}": x for i, x in enumerate(inputs)}
                t = eval(OPS[node.op][0].format(*scope, k=node.constant), {}, scope)  # the model's own templates
                if n == name and "retain_grad" in self.features:
                    t.retain_grad()
            fresh[n] = t
            return t

        try:
            root = build(step.root, self.model.values(step.root), True)
            if step.explicit:
                (root * torch.tensor(step.seed.tolist(), dtype=torch.float64)).sum().backward()
            else:
                root.backward()
            grad = fresh[name].grad
            expected = self.model.gradients(step.root, step.seed)[name]
            return grad is not None and np.allclose(self.check.values(grad), expected, rtol=RTOL, atol=ATOL)
        except Exception:  # a replay that fails tells nothing in favour of the gradient argument
            return False

    def _held_clause(self, held: HeldGrad, step: Step) -> str:
        if step.kind == "zero":
            return "ZERO-1"
        if step.kind == "backward":
            return "ZERO-2" if held.released else "ACC-2"
        return "ACC-1"


def machine(backend, masked: frozenset[str] = frozenset()) -> type[AutogradPrograms]:
    """The state machine class for ``backend``, with ``masked`` clauses left unchecked."""
    return type("AutogradPrograms", (AutogradPrograms,), {"backend": backend, "masked": frozenset(masked)})


def replay(backend, masked: frozenset[str], actions: list[tuple[str, dict]]) -> ConformanceFailure | None:
    """Perform ``actions`` on a fresh program; the failure they lead to, if any."""
    program = machine(backend, masked)()
    try:
        for kind, choices in actions:
            program.perform(kind, **choices)
    except ConformanceFailure as failure:
        return failure
    except UnsatisfiedAssumption:  # a masked deviation
        return None
    return None


def shrink(backend, masked: frozenset[str], failure: ConformanceFailure) -> ConformanceFailure:
    """The failure of the shortest program found by leaving steps out of ``failure``'s while it still fails
    (on any clause: the shortest program shows its clause most plainly): chunks of steps, then single steps,
    from the end (delta debugging), within SHRINK_SECONDS.

    Hypothesis's own shrinking of a state machine whose choices depend on its state takes minutes; replaying
    the recorded choices takes milliseconds per program."""
    deadline = time.monotonic() + SHRINK_SECONDS
    actions = failure.actions
    chunk = max(1, len(actions) // 2)
    while time.monotonic() < deadline:
        start, improved = len(actions) - chunk, False
        while start >= 0 and time.monotonic() < deadline:
            found = replay(backend, masked, actions[:start] + actions[start + chunk :])
            if found is not None and len(found.actions) < len(actions):
                failure, actions, improved = found, found.actions, True
                start = min(start, len(actions) - chunk)
            else:
                start -= chunk
        if not improved:
            if chunk == 1:
                break
            chunk //= 2
    return failure


def run(backend, masked: frozenset[str] = frozenset(), **overrides) -> None:
    """Run the machine on ``backend`` under the current hypothesis profile, with ``overrides`` of its settings;
    a failure is raised with its program shrunk."""
    current = settings()
    try:
        run_state_machine_as_test(
            machine(backend, masked),
            settings=settings(
                stateful_step_count=MAX_STEPS,
                # Every failure is raised from one place: one bug, whose program `shrink` shortens instead.
                report_multiple_bugs=False,
                phases=[phase for phase in current.phases if phase is not Phase.shrink],
                **overrides,
            ),
        )
    except ConformanceFailure as failure:
        raise shrink(backend, frozenset(masked), failure) from None


@spec("ACC-1", source="catalogue: random programs checked against a model of the rules, after every step")
@pytest.mark.filterwarnings(f"ignore:{NONLEAF_GRAD_WARNING}:UserWarning")
def test_random_programs_follow_the_rules_of_autograd(torch, check):
    """Every program of leaves, expressions, backward (retained or not, with or without a gradient), .grad reads,
    zero_(), .grad = None, detach, retain_grad and no_grad updates leaves every tensor, .grad and error as the model
    of PyTorch's rules predicts; a failure names the violated clause and prints the program that reproduces it."""
    run(torch)
