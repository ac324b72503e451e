"""A model of PyTorch's autograd rules in NumPy float64, for the stateful spec.

It follows a program over the contract step by step and predicts, from its own values and
its own vector-Jacobian products, never from the backend under test: every tensor's values,
which tensors are leaves and require grad, every leaf's (and retaining non-leaf's) .grad,
which graph nodes backward has freed, and which backward must raise which error.

Torch's rules, as the model keeps them:
  * a node saves tensors when its derivative needs them: ``x * y`` saves the other operand of
    each operand that requires grad, ``exp`` saves its result; ``+``, ``+ k`` and ``sum`` save
    nothing. Backward without retain_graph frees what the nodes it runs saved (GRAPH-1, GRAPH-2);
    a graph that saved nothing runs again (GRAPH-3).
  * an in-place update of a saved tensor makes a later backward through the saving node raise
    (NG-3, DET-4); detach() shares storage, so an update through either alias counts.
  * backward accumulates into every leaf it reaches that requires grad now, and into non-leaves
    that retain their grad; a failed backward leaves .grad and the freeing unspecified (GRAPH-5).
Where another engine could conform and still differ from torch (whether ``x * c`` also saves
``x``, whether ``exp`` saves its input or its result, the order of two errors), the model calls
the outcome unspecified and the machine does not take that step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SECOND_TIME = "Trying to backward through the graph a second time"
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"

OPS = {
    # name: (source template, saves tensors)
    "add": ("{0} + {1}", False),
    "mul": ("{0} * {1}", True),
    "add_const": ("{0} + {k!r}", False),
    "exp": ("{0}.exp()", True),
    "sum": ("{0}.sum()", False),
}


def forward(op: str, values: list[np.ndarray], k: float | None = None) -> np.ndarray:
    """The value of ``op`` on ``values``, in float64."""
    if op == "add":
        return values[0] + values[1]
    if op == "mul":
        return values[0] * values[1]
    if op == "add_const":
        return values[0] + k
    if op == "exp":
        return np.exp(values[0])
    if op == "sum":
        return np.asarray(values[0].sum())
    raise ValueError(op)


def vjp(op: str, values: tuple[np.ndarray, ...], result: np.ndarray, g: np.ndarray) -> list[np.ndarray]:
    """The gradient of each input of ``op``, given the gradient ``g`` of its result."""
    if op == "add":
        return [g, g]
    if op == "mul":
        return [g * values[1], g * values[0]]
    if op == "add_const":
        return [g]
    if op == "exp":
        return [g * result]
    if op == "sum":
        return [np.broadcast_to(g, values[0].shape).copy()]
    raise ValueError(op)


@dataclass
class Storage:
    """The memory a tensor and its detached aliases share."""

    values: np.ndarray
    version: int = 0
    updates: list[tuple[int, str]] = field(default_factory=list)  # (version reached, tensor updated through)


@dataclass
class Node:
    """The grad_fn of a non-leaf."""

    op: str
    inputs: tuple[str, ...]
    tracked: tuple[bool, ...]  # which inputs required grad when the node was built: gradients flow only to those
    values: tuple[np.ndarray, ...]  # the inputs' values when the node was built
    result: np.ndarray
    saved: tuple[tuple[str, int, int], ...]  # (tensor, storage, version) torch saves, and every engine needs
    maybe_saved: frozenset[int]  # storages an engine may save or not: updating them is left unspecified
    built_at: int
    constant: float | None = None  # k of add_const
    freed: bool = False
    retained: bool = False  # a backward with retain_graph=True ran it before it was freed
    unsettled: bool = False  # a failed backward went through it: whether it was freed is unspecified

    @property
    def saves(self) -> bool:
        return OPS[self.op][1]


@dataclass
class TensorState:
    name: str
    storage: int
    shape: tuple[int, ...]
    requires_grad: bool
    node: Node | None
    born: int
    origin: str  # "created", "op", "detach" or "no_grad"
    inputs: tuple[str, ...] = ()  # what an operation's result was computed from, graph or not
    grad: np.ndarray | None = None
    retains_grad: bool = False
    detached_from: str | None = None
    frozen: bool = False  # requires_grad switched off by hand
    switched_on_at: int | None = None  # when requires_grad_() turned it on
    updated_at: int | None = None  # when an in-place update last changed it
    reached_by: list[int] = field(default_factory=list)  # clock of each successful backward that reached it
    failed_by: list[int] = field(default_factory=list)  # clock of each failed backward that reached it

    @property
    def is_leaf(self) -> bool:
        return self.node is None


@dataclass
class Plan:
    """What a backward will do: ``outcome`` is "runs", "raises" or "unspecified"."""

    outcome: str
    nodes: list[Node]
    leaves: list[str]  # tensors the backward reaches and accumulates into (leaves and retaining non-leaves)
    fragment: str = ""  # the error message fragment, when it raises
    freed_nodes: list[Node] = field(default_factory=list)  # the freed nodes that make it raise
    modified: list[tuple[str, int, int]] = field(default_factory=list)  # (tensor, storage, version) changed since saved


class AutogradModel:
    """The state of one program: its tensors, their storages and graph nodes."""

    def __init__(self, saved_tensor_freeing: bool) -> None:
        # Without the saved_tensor_freeing feature, running a freed graph that saved nothing is unspecified.
        self.saved_tensor_freeing = saved_tensor_freeing
        self.tensors: dict[str, TensorState] = {}
        self.storages: list[Storage] = []
        self.clock = 0

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def values(self, name: str) -> np.ndarray:
        return self.storages[self.tensors[name].storage].values

    def _add(self, name: str, values: np.ndarray, **kwargs) -> TensorState:
        self.storages.append(Storage(np.array(values, dtype=np.float64)))
        state = TensorState(name, len(self.storages) - 1, np.shape(values), born=self.clock, **kwargs)
        self.tensors[name] = state
        return state

    def leaf(self, name: str, values: np.ndarray, requires_grad: bool) -> TensorState:
        return self._add(name, values, requires_grad=requires_grad, node=None, origin="created")

    def apply(self, name: str, op: str, inputs: list[str], k: float | None = None, grad_enabled: bool = True):
        """``name = op(inputs)``; under no_grad (``grad_enabled`` False) the result is a constant leaf."""
        states = [self.tensors[i] for i in inputs]
        values = [self.values(i).copy() for i in inputs]
        result = forward(op, values, k)
        tracked = tuple(s.requires_grad for s in states)
        if not (grad_enabled and any(tracked)):
            origin = "op" if grad_enabled else "no_grad"
            return self._add(name, result, requires_grad=False, node=None, origin=origin, inputs=tuple(inputs))
        saved, maybe = (), frozenset()
        if op == "mul":
            partners = [states[1 - i] for i in (0, 1) if tracked[i]]
            saved = tuple((p.name, p.storage, self.storages[p.storage].version) for p in partners)
            maybe = frozenset(s.storage for s in states) - {p.storage for p in partners}
        node = Node(op, tuple(inputs), tracked, tuple(values), result, saved, maybe, built_at=self.clock, constant=k)
        state = self._add(name, result, requires_grad=True, node=node, origin="op", inputs=tuple(inputs))
        if op == "exp":  # exp saves its result in torch; another engine may save its input instead
            node.maybe_saved = frozenset({states[0].storage, state.storage})
        return state

    def detach(self, name: str, source: str) -> TensorState:
        state = TensorState(
            name,
            self.tensors[source].storage,
            self.tensors[source].shape,
            False,
            None,
            self.clock,
            "detach",
            detached_from=source,
        )
        self.tensors[name] = state
        return state

    # -- graph traversal --------------------------------------------------------------------

    def _order(self, root: str, through_detach: bool = False) -> list[str]:
        """The tensors the backward from ``root`` reaches, each before its inputs."""
        reached, pending = {root}, [root]
        while pending:
            state = self.tensors[pending.pop()]
            # Through detach, into constant inputs too: a detached input passes its gradient on to its source.
            inputs = zip(state.node.inputs, state.node.tracked, strict=True) if state.node else ()
            following = [i for i, t in inputs if t or through_detach]
            if through_detach and state.detached_from is not None:
                following.append(state.detached_from)
            for name in following:
                if name not in reached:
                    reached.add(name)
                    pending.append(name)
        # A tensor is made after its inputs, so the reverse order of creation is a topological order.
        position = {n: i for i, n in enumerate(self.tensors)}
        return sorted(reached, key=position.__getitem__, reverse=True)

    def gradients(self, root: str, seed: np.ndarray, through_detach: bool = False) -> dict[str, np.ndarray]:
        """The gradient of every tensor the backward from ``root`` with ``seed`` reaches.

        ``through_detach`` lets gradients flow from detached tensors into their sources: the
        wrong rule of an engine that ignores detach, used to name the clause such an engine breaks.
        """
        grads = {root: np.array(seed, dtype=np.float64)}
        for name in self._order(root, through_detach):
            state, g = self.tensors[name], grads.get(name)
            if g is None:
                continue
            targets: list[tuple[str, np.ndarray]] = []
            if state.node is not None:
                parts = vjp(state.node.op, state.node.values, state.node.result, g)
                inputs = zip(state.node.inputs, state.node.tracked, parts, strict=True)
                targets = [(i, p) for i, t, p in inputs if t or through_detach]
            if through_detach and state.detached_from is not None:
                targets.append((state.detached_from, g))
            for target, part in targets:
                grads[target] = grads[target] + part if target in grads else np.array(part, dtype=np.float64)
        return grads

    def graph(self, root: str) -> tuple[list[Node], list[str]]:
        """The nodes a backward from ``root`` runs, and every tensor it reaches."""
        order = self._order(root)
        return [self.tensors[n].node for n in order if self.tensors[n].node is not None], order

    def plan(self, root: str) -> Plan:
        nodes, order = self.graph(root)
        receivers = [
            n
            for n in order
            if (self.tensors[n].is_leaf and self.tensors[n].requires_grad) or self.tensors[n].retains_grad
        ]
        # After a failed backward, whether its nodes were freed is unspecified: that matters for nodes that saved.
        if any(node.unsettled and (node.saves or not self.saved_tensor_freeing) for node in nodes):
            return Plan("unspecified", nodes, receivers)
        freed = [node for node in nodes if node.freed and node.saves]
        if any(node.freed and not node.saves for node in nodes) and not self.saved_tensor_freeing:
            return Plan("unspecified", nodes, receivers)
        modified = [
            (saved, storage, version)
            for node in nodes
            if not node.freed
            for saved, storage, version in node.saved
            if self.storages[storage].version != version
        ]
        if freed and modified:
            return Plan("unspecified", nodes, receivers)  # which error comes first is the engine's order
        if freed:
            return Plan("raises", nodes, receivers, SECOND_TIME, freed_nodes=freed)
        if modified:
            return Plan("raises", nodes, receivers, MODIFIED, modified=modified)
        return Plan("runs", nodes, receivers)

    def run_backward(self, root: str, seed: np.ndarray, plan: Plan, retain_graph: bool) -> dict[str, np.ndarray]:
        """Apply a backward that runs; return what it added to each receiver."""
        clock = self.tick()
        grads = self.gradients(root, seed)
        added = {}
        for name in plan.leaves:
            state = self.tensors[name]
            added[name] = grads[name]
            state.grad = grads[name].copy() if state.grad is None else state.grad + grads[name]
        for name in self._order(root):
            self.tensors[name].reached_by.append(clock)
        for node in plan.nodes:
            if retain_graph:
                node.retained = node.retained or not node.freed
            else:
                node.freed = True
        return added

    def fail_backward(self, root: str, plan: Plan) -> list[str]:
        """A backward that raised: its nodes become unsettled; returns the tensors whose .grad is unspecified."""
        clock = self.tick()
        for node in plan.nodes:
            node.unsettled = True
        for name in self._order(root):
            self.tensors[name].failed_by.append(clock)
        return plan.leaves

    def predates_another_backward_through_its_leaves(self, root: str) -> bool:
        """Whether the graph of ``root`` was built before a backward of another output reached one of its leaves."""
        nodes, order = self.graph(root)
        first = min(node.built_at for node in nodes)
        ran = set(self.tensors[root].reached_by)
        leaves = [self.tensors[n] for n in order if self.tensors[n].is_leaf]
        return any(clock > first and clock not in ran for leaf in leaves for clock in leaf.reached_by)

    def failed_backwards_through_its_leaves(self, root: str) -> bool:
        _, order = self.graph(root)
        return any(self.tensors[n].failed_by for n in order if self.tensors[n].is_leaf)

    # -- in-place changes ----------------------------------------------------------------------

    def live_nodes(self) -> list[Node]:
        return [s.node for s in self.tensors.values() if s.node is not None and not s.node.freed]

    def update_allowed(self, name: str, inplace_feature: bool) -> bool:
        """Whether an in-place update of ``name`` has a specified outcome on every later backward."""
        storage = self.tensors[name].storage
        for node in self.live_nodes():
            saved = any(s == storage for _, s, _ in node.saved)
            if storage in node.maybe_saved or saved and (node.unsettled or not inplace_feature):
                return False
        return True

    def saved_by_a_live_node(self, name: str) -> bool:
        storage = self.tensors[name].storage
        return any(s == storage for node in self.live_nodes() for _, s, _ in node.saved)

    def update(self, name: str, new_values: np.ndarray) -> None:
        state = self.tensors[name]
        storage = self.storages[state.storage]
        storage.values = np.array(new_values, dtype=np.float64)
        storage.version += 1
        storage.updates.append((storage.version, name))
        clock = self.tick()
        for alias in self.aliases(name):  # the values of every tensor over the storage changed
            self.tensors[alias].updated_at = clock

    def ancestors(self, name: str) -> set[str]:
        """Every tensor ``name`` was computed from, itself included, whether it required grad or not."""
        found, pending = {name}, [name]
        while pending:
            for i in self.tensors[pending.pop()].inputs:
                if i not in found:
                    found.add(i)
                    pending.append(i)
        return found

    def aliases(self, name: str) -> list[str]:
        storage = self.tensors[name].storage
        return [n for n, s in self.tensors.items() if s.storage == storage]
