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
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from conformance import catalogue, spec
from conformance.autograd_model import OPS, SECOND_TIME, AutogradModel, Plan, TensorState
from conformance.check import Check, ConformanceFailure
from conformance.repro import standalone_program

MAX_STEPS = 30
"""Steps per program: enough for a few graphs, backwards and resets, short enough to shrink fast."""
MAX_TENSORS = 12
MAX_HELD = 3
NAMES = [c for c in "abcdefhijkmnpqrstuvwxyz"]  # g is kept for held gradients, l and o read like 1 and 0
VECTOR = 2
"""Vectors have two elements: enough to tell elements apart, and every op keeps tensors of one shape."""
ELEMENTS = st.integers(-3, 3).map(float)
"""Small integers as floats: sums and products of a few of them are exact in float64."""
GRADIENT_ELEMENTS = st.sampled_from([1.0, 2.0, -1.0, 0.0, 1.0 + 2.0**-10])
"""Explicit gradients: exact in float64; 1 + 2**-10 is not a bfloat16 value, so a rounded gradient shows."""
CONSTANTS = st.sampled_from([1.0, -2.0, 0.5])
RARELY = st.tuples(st.booleans(), st.booleans(), st.booleans()).map(all)
"""True one time in eight: backward inside no_grad is a corner, not the common case."""
LEARNING_RATE = 0.5
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


def _update(name: str) -> str:
    return f"{name} -= {LEARNING_RATE!r} * {name}.grad"


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

    # -- running lines of the program -------------------------------------------------------

    def _run(self, source: str, clause: str | Callable[[], str]) -> None:
        """Run one step of the program; an error from the backend violates ``clause``."""
        self.program.append(source)
        try:
            exec(_compiled(source), self.namespace)
        except ConformanceFailure as failure:
            self._fail(failure, clause)
        except Exception as error:  # the backend raised where the model expects none
            self._fail(ConformanceFailure(f"{type(error).__name__}: {error}"), clause)

    def _check(self, source: str, clause: str | Callable[[], str]) -> None:
        """Run a check; if it fails, the program so far followed by it reproduces the failure."""
        try:
            exec(_compiled(source), self.namespace)
        except ConformanceFailure as failure:
            chosen = clause() if callable(clause) else clause
            if chosen in self.masked:
                return
            self.program.append(source)
            self._fail(failure, chosen)

    def _fail(self, failure: ConformanceFailure, clause: str | Callable[[], str]) -> None:
        clause = clause() if callable(clause) else clause
        if clause in self.masked:
            # A step that a masked clause's deviation broke cannot go on in step with the model.
            raise MaskedDeviation(clause)
        body = "\n".join(self.program)
        entry = catalogue.get(clause)
        program = standalone_program(body, self.torch.name, f"clause {clause}, found by specs/test_stateful.py")
        raise ConformanceFailure(
            f"{failure}\n  violates {clause}: {entry.statement}\n\n"
            f"The program (shrunk by hypothesis) that reproduces it:\n\n{program}",
            clause,
            program=body,
        )

    def _masked(self, clause: str) -> bool:
        return clause in self.masked

    # -- what exists --------------------------------------------------------------------------

    @property
    def tensors(self) -> dict[str, TensorState]:
        return self.model.tensors

    def _room(self) -> bool:
        return len(self.tensors) < MAX_TENSORS

    def _name(self) -> str:
        return next(self.names)

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
            and s.grad is not None
            and self.model.update_allowed(n, inplace)
            and self._bounded(self.model.values(n) - LEARNING_RATE * s.grad)
        ]

    # -- rules --------------------------------------------------------------------------------

    @precondition(lambda self: self._room())
    @rule(data=st.data())
    def create_leaf(self, data) -> None:
        shape = data.draw(st.sampled_from([(VECTOR,), ()]), label="shape")
        values = np.array(data.draw(st.lists(ELEMENTS, min_size=VECTOR, max_size=VECTOR), label="values"))
        values = values.reshape(shape) if shape else values[0]
        requires_grad = data.draw(st.sampled_from([True, False, None]), label="requires_grad")
        name = self._name()
        self._run(f"{name} = {_tensor_source(values, requires_grad)}", "RG-1")
        self.model.leaf(name, values, bool(requires_grad))
        self.verify(Step("create", name))

    def _operations(self) -> list[tuple[str, tuple[str, ...]]]:
        """Every (op, inputs) over the tensors so far whose result stays bounded."""
        found = []
        for x in self.tensors:
            vx = self.model.values(x)
            found.append(("add_const", (x,)))
            if np.all(vx <= MAX_EXP_INPUT):
                found.append(("exp", (x,)))
            if vx.ndim:
                found.append(("sum", (x,)))
            for y in self.tensors:
                if self.tensors[y].shape == self.tensors[x].shape:
                    found.append(("add", (x, y)))
                    if self._bounded(vx * self.model.values(y)):
                        found.append(("mul", (x, y)))
        return found

    def _compute(self, data, grad_enabled: bool) -> str:
        """Apply a drawn operation in the model; return its line."""
        op, inputs = data.draw(st.sampled_from(self._operations()), label="operation")
        k = data.draw(CONSTANTS, label="constant") if op == "add_const" else None
        name = self._name()
        self.model.apply(name, op, list(inputs), k, grad_enabled)
        return f"{name} = {OPS[op][0].format(*inputs, k=k)}"

    @precondition(lambda self: self._room() and self.tensors)
    @rule(data=st.data())
    def compute(self, data) -> None:
        source = self._compute(data, grad_enabled=True)
        self._run(source, "CHAIN-7")
        self.verify(Step("compute"))

    @precondition(lambda self: len(self.tensors) < MAX_TENSORS - 1 and self.tensors and not self._masked("NG-1"))
    @rule(data=st.data(), nested=st.booleans())
    def compute_under_no_grad(self, data, nested: bool) -> None:
        """Results under no_grad; also after a nested no_grad block, whose exit must not switch recording on."""
        source = self._compute(data, grad_enabled=False)
        if nested:
            source = f"with torch.no_grad():\n{_indent(source)}\n{self._compute(data, grad_enabled=False)}"
        self._run(f"with torch.no_grad():\n{_indent(source)}", "NG-1")
        self.verify(Step("no_grad"))

    @precondition(lambda self: self._room() and self.tensors)
    @rule(data=st.data())
    def detach(self, data) -> None:
        source = data.draw(st.sampled_from(list(self.tensors)), label="source")
        name = self._name()
        self._run(f"{name} = {source}.detach()", "DET-1")
        self.model.detach(name, source)
        self.verify(Step("detach", name))

    @precondition(lambda self: self._roots())
    @rule(data=st.data())
    def backward(self, data) -> None:
        root = data.draw(st.sampled_from(self._roots()), label="root")
        state = self.tensors[root]
        explicit = bool(state.shape) or data.draw(st.booleans(), label="explicit gradient")
        seed = np.ones(state.shape)
        if explicit:
            seed = np.array(data.draw(st.lists(GRADIENT_ELEMENTS, min_size=VECTOR, max_size=VECTOR), label="gradient"))
            seed = seed if state.shape else seed[0]
        retain = data.draw(st.booleans(), label="retain_graph") and not self._masked("GRAPH-2")
        under_no_grad = data.draw(RARELY, label="inside no_grad") and not self._masked("NG-4")
        plan = self.model.plan(root)
        if plan.outcome == "unspecified":
            return
        arguments = [_tensor_source(seed)] if explicit else []
        call = f"{root}.backward({', '.join(arguments + (['retain_graph=True'] if retain else []))})"
        if under_no_grad:
            call = f"with torch.no_grad():\n{_indent(call)}"
        if plan.outcome == "raises":
            self._backward_that_raises(root, call, plan)
            return
        step = Step("backward", root=root, seed=seed, explicit=explicit, under_no_grad=under_no_grad)
        step.prior = {n: self.tensors[n].grad for n in plan.leaves}
        self._run(call, lambda: self._unexpected_error_clause(root, retain, under_no_grad))
        step.added = self.model.run_backward(root, seed, plan, retain)
        for held in self.held.values():
            if held.current and held.of in step.added:
                if "grad_object_identity" in self.features:
                    held.values = held.values + step.added[held.of]
                else:  # the backward may have put a new object in .grad: the held one is no longer followed
                    held.values, held.current = None, False
        self.verify(step)

    def _backward_that_raises(self, root: str, call: str, plan: Plan) -> None:
        clause = self._missing_error_clause(plan)
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
        name = data.draw(st.sampled_from(self._leaves_with_grad()), label="leaf")
        if zero and not self._masked("ZERO-1"):
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

    @precondition(lambda self: self._leaves_with_grad() and len(self.held) < MAX_HELD)
    @rule(data=st.data())
    def hold_grad(self, data) -> None:
        name = data.draw(st.sampled_from(self._leaves_with_grad()), label="leaf")
        held = f"g{len(self.held) + 1}"
        self._run(f"{held} = {name}.grad", "ACC-1")
        self.held[held] = HeldGrad(name, self.tensors[name].grad.copy())
        self.verify(Step("hold", name))

    def _requiring_grad(self) -> list[str]:
        return [n for n, s in self.tensors.items() if s.requires_grad]

    @precondition(lambda self: "retain_grad" in self.features and self._requiring_grad() and not self._masked("LEAF-4"))
    @rule(data=st.data())
    def retain_grad(self, data) -> None:
        name = data.draw(st.sampled_from(self._requiring_grad()), label="tensor")
        state = self.tensors[name]
        self._run(f"{name}.retain_grad()", "LEAF-4")
        state.retains_grad = not state.is_leaf  # on a leaf, retain_grad() changes nothing
        self._check(
            f"check.that({name}.retains_grad is {state.retains_grad}, '{name}.retains_grad', "
            f"expected={state.retains_grad}, actual={name}.retains_grad)",
            "LEAF-4",
        )
        self.verify(Step("retain", name))

    @precondition(lambda self: self._updatable() and not self._masked("DATA-5"))
    @rule(data=st.data())
    def update(self, data) -> None:
        """The untracked parameter update of a training loop: with no_grad(), a -= 0.5 * a.grad."""
        name = data.draw(st.sampled_from(self._updatable()), label="leaf")
        before = self.namespace[name]
        self._run(f"with torch.no_grad():\n    {_update(name)}", "DATA-5")
        self.model.update(name, self.model.values(name) - LEARNING_RATE * self.tensors[name].grad)
        if self.namespace[name] is not before:
            self.program[-1:] = [f"{name}_before = {name}", self.program[-1]]
            self._check(
                f"check.that({name} is {name}_before, '{name} after the update is the tensor it was', "
                f"expected='the same object', actual='another object')",
                "DATA-5",
            )
        self.verify(Step("update", name))

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
        name = data.draw(st.sampled_from(self._switchable()), label="leaf")
        state = self.tensors[name]
        turning_on = not state.requires_grad
        clause = ("DET-6" if state.origin == "detach" else "RG-3") if turning_on else "RG-6"
        if self._masked(clause):
            return
        self._run(f"{name}.requires_grad_()" if turning_on else f"{name}.requires_grad_(False)", clause)
        state.requires_grad, state.frozen = turning_on, not turning_on
        if turning_on:
            state.switched_on_at = self.model.tick()
        self.verify(Step("switch", name))

    def _misuses(self) -> list[tuple[str, str, str, str]]:
        """(clause, error fragment, what, call) of every call the state allows that must raise."""
        found = []
        for name, state in self.tensors.items():
            if not state.is_leaf and self.model.plan(name).outcome == "runs":
                found.append(
                    ("LEAF-5", LEAF_ONLY, "requires_grad_(False) on a non-leaf", f"{name}.requires_grad_(False)")
                )
                wrong = _tensor_source(np.ones(VECTOR + 1 if state.shape else VECTOR))
                found.append(
                    ("VJP-4", SHAPE_MISMATCH, "backward with a gradient of another shape", f"{name}.backward({wrong})")
                )
                if state.shape:
                    found.append(("VJP-2", IMPLICIT_SCALAR, "backward() of a vector", f"{name}.backward()"))
            if "retain_grad" in self.features and not state.requires_grad:
                found.append(("LEAF-4", RETAIN_CONSTANT, "retain_grad() of a constant", f"{name}.retain_grad()"))
        found += [("NG-2", LEAF_INPLACE, "an in-place update outside no_grad", _update(n)) for n in self._updatable()]
        return [m for m in found if not self._masked(m[0])]

    @precondition(lambda self: self._misuses())
    @rule(data=st.data())
    def misuse(self, data) -> None:
        """A call that must raise, and change nothing."""
        misuses = self._misuses()
        # The clause first, so that many constants do not crowd out the other misuses.
        clause = data.draw(st.sampled_from(sorted({m[0] for m in misuses})), label="clause")
        _, fragment, what, call = data.draw(st.sampled_from([m for m in misuses if m[0] == clause]), label="misuse")
        self._run(f"with check.raises(RuntimeError, {fragment!r}, {what!r}):\n    {call}", clause)
        self.verify(Step("misuse"))

    # -- the clause of a failed backward ---------------------------------------------------

    def _missing_error_clause(self, plan: Plan) -> str:
        if plan.fragment == SECOND_TIME:
            return "GRAPH-2" if any(node.retained for node in plan.freed_nodes) else "GRAPH-1"
        # NG-3 when the saved tensor itself was updated, DET-4 when the update went through another alias.
        through_alias = any(
            updated != saved
            for saved, storage in plan.modified
            for updated in self.model.storages[storage].updated_through
        )
        return "DET-4" if through_alias else "NG-3"

    def _unexpected_error_clause(self, root: str, retain: bool, under_no_grad: bool) -> str:
        nodes, _ = self.model.graph(root)
        if under_no_grad:
            return "NG-4"
        if any(node.retained and not node.freed for node in nodes):
            return "GRAPH-2"
        if any(node.freed for node in nodes):
            return "GRAPH-3"
        if self.model.failed_backward_through_its_leaves(root):
            return "GRAPH-4"
        if self.model.predates_a_backward_through_its_leaves(root):
            return "MULTI-1"
        return "GRAPH-2" if retain else "GRAPH-4"

    # -- invariants, after every step ------------------------------------------------------

    def verify(self, step: Step) -> None:
        for name, state in self.tensors.items():
            self._verify_flags(name, state, step)
        for name in self.tensors:
            self._check(
                f"check.close({name}, {_literal(self.model.values(name))}, 'values of {name}', {TOLERANCE})",
                self._value_clause(name, step),
            )
        order = sorted(self.tensors.items(), key=lambda item: self._grad_order(item[1]))
        for name, state in order:
            self._verify_grad(name, state, step)
        for held, grad in self.held.items():
            if grad.values is not None:
                self._check(
                    f"check.close({held}, {_literal(grad.values)}, '{held}, the .grad of {grad.of} held since it was taken', {TOLERANCE})",
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
                self._check(
                    f"check.that(({name}.grad.requires_grad, {name}.grad.is_leaf, {name}.grad.dtype == torch.float64) == "
                    f"(False, True, True), '{name}.grad: (requires_grad, is_leaf, dtype is float64)', expected=(False, True, True), "
                    f"actual=({name}.grad.requires_grad, {name}.grad.is_leaf, {name}.grad.dtype == torch.float64))",
                    "ACC-4",
                )

    @staticmethod
    def _grad_order(state: TensorState) -> int:
        """Leaves that require grad first, then constants, then frozen leaves, then non-leaves:
        a backend that gives constants a gradient is then told by a constant (LEAF-2) before a
        frozen leaf (RG-6)."""
        if not state.is_leaf:
            return 3
        return 0 if state.requires_grad else 2 if state.frozen else 1

    def _verify_flags(self, name: str, state: TensorState, step: Step) -> None:
        flag = state.requires_grad
        self._check(
            f"check.that({name}.requires_grad is {flag}, '{name}.requires_grad', expected={flag}, actual={name}.requires_grad)",
            lambda: self._flag_clause(state, step),
        )
        if not state.is_leaf and (state.node.freed or state.node.retained or state.node.unsettled):
            if "saved_tensor_freeing" not in self.features:
                return  # whether grad_fn stays after backward is GRAPH-3's, an ext clause
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
        if state.frozen:
            return "RG-6"
        if state.switched_on_at is not None:
            return "RG-3"
        if any((self.tensors[n].switched_on_at or -1) > state.born for n in self.model.ancestors(state.name)):
            return "RG-3"  # an input was switched on after this result was computed
        return "LEAF-1" if leaf else "RG-1"

    def _value_clause(self, name: str, step: Step) -> str:
        if step.kind == "update" and name in self.model.aliases(step.target):
            return "DATA-5" if name == step.target else "DET-2"
        return "CHAIN-7"

    def _verify_grad(self, name: str, state: TensorState, step: Step) -> None:
        if state.is_leaf:
            self._check(self._grad_check(f"{name}.grad", state.grad), lambda: self._leaf_grad_clause(name, state, step))
            return
        retains = state.retains_grad
        if retains:
            self._check(
                self._grad_check(f"{name}.grad", state.grad), lambda: self._grad_clause(name, state, step, "LEAF-4")
            )
        else:
            self._check(f"check.none({name}.grad, '{name}.grad of a non-leaf')", "LEAF-2")
        if "nonleaf_grad_warning" in self.features:
            if retains:
                self._check(
                    f"with check.no_warning('reading {name}.grad, which retains its grad'):\n    {name}.grad", "LEAF-3"
                )
            else:
                self._check(
                    f"with check.warns(UserWarning, {NONLEAF_GRAD_WARNING!r}, 'reading {name}.grad of a non-leaf'):\n    {name}.grad",
                    "LEAF-3",
                )

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
        if step.kind != "backward" or name not in step.added:
            if step.kind == "zero" and step.target == name:
                return "ZERO-1"
            if step.kind == "none" and step.target == name:
                return "ZERO-2"
            if state.grad is None and step.kind == "backward":
                return "ACC-3"  # a leaf the backward never reached got a gradient
            return accumulation  # the gradient changed although nothing added to it or reset it
        prior, added = step.prior[name], step.added[name]

        def near(a, b):
            return a is not None and b is not None and a.shape == b.shape and np.allclose(a, b, rtol=RTOL, atol=ATOL)

        if step.under_no_grad and (actual is None or near(actual, prior)) and np.any(added):
            return "NG-4"
        if actual is None:
            if prior is not None:
                return accumulation
            if not np.any(added):
                return "ACC-3"
        elif prior is not None and near(actual, added):
            # Replaced instead of added: after an untracked update of the leaf, that is a training loop's clause.
            updated = state.updated_at is not None and state.updated_at > max(state.reached_by[:-1], default=-1)
            return "ZERO-5" if updated else accumulation
        return self._gradient_clause(name, step, actual, prior)

    def _gradient_clause(self, name: str, step: Step, actual: np.ndarray | None, prior: np.ndarray | None) -> str:
        """A wrong gradient: through detach (DET-3, DET-6), the gradient argument (VJP-3, VJP-6), or the derivative."""
        base = 0 if prior is None else prior
        through = self.model.gradients(step.root, step.seed, through_detach=True).get(name)
        if actual is not None and through is not None and np.allclose(actual, base + through, rtol=RTOL, atol=ATOL):
            switched = any(
                s.origin == "detach" and s.requires_grad
                for s in (self.tensors[n] for n in self.model.graph(step.root)[1])
            )
            return "DET-6" if switched else "DET-3"
        if self._replay_is_right(name, step):
            if step.explicit:
                return "VJP-3" if self.tensors[step.root].shape else "VJP-6"
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


class MaskedDeviation(Exception):
    """A step failed on a masked clause: the program cannot go on in step with the model."""


def machine(backend, masked: frozenset[str] = frozenset()) -> type[AutogradPrograms]:
    """The state machine class for ``backend``, with ``masked`` clauses left unchecked."""
    return type("AutogradPrograms", (AutogradPrograms,), {"backend": backend, "masked": frozenset(masked)})


def run(backend, masked: frozenset[str] = frozenset(), **overrides) -> None:
    """Run the machine on ``backend`` under the current hypothesis profile, with ``overrides`` of its settings."""
    run_state_machine_as_test(machine(backend, masked), settings=settings(stateful_step_count=MAX_STEPS, **overrides))


@spec("ACC-1", source="catalogue: random programs checked against a model of the rules, after every step")
@pytest.mark.filterwarnings(f"ignore:{NONLEAF_GRAD_WARNING}:UserWarning")
def test_random_programs_follow_the_rules_of_autograd(torch, check):
    """Every program of leaves, expressions, backward (retained or not, with or without a gradient), .grad reads,
    zero_(), .grad = None, detach, retain_grad and no_grad updates leaves every tensor, .grad and error as the model
    of PyTorch's rules predicts; a failure names the violated clause and prints the program that reproduces it."""
    run(torch)
