"""The clause catalogue: every semantic the suite checks, by ID.

IDs, levels and statements follow ``pytorch-autograd-semantics.md`` (probed on torch
2.13). Clauses the source documents add beyond it use the same style (CHAIN-6, TRAIN-*).
A core clause applies to every engine; an ext clause is checked only on backends that
declare its feature. Clauses about implementation details are listed in `LEFT_OUT` with
the reason, so the listing shows what is deliberately not checked.
"""

from __future__ import annotations

from dataclasses import dataclass

CATALOGUE_SOURCE = "pytorch-autograd-semantics.md (torch 2.13 probes)"


@dataclass(frozen=True)
class Clause:
    id: str
    level: str  # "core" or "ext"
    area: str
    statement: str
    feature: str | None = None  # the optional feature an ext clause needs


AREAS = {
    "accumulation": "Accumulation and zeroing",
    "detach": "detach()",
    "vjp": "Non-scalar backward and the gradient argument",
    "leaf": "Leaf versus non-leaf",
    "graph": "Graph lifetime and retain_graph",
    "control_flow": "Dynamic control flow",
    "requires_grad": "requires_grad propagation and no_grad",
    "data": "The .data attribute",
    "chain_rule": "Chain-rule examples",
    "broadcasting": "Broadcasting and repeated use",
    "training": "Training loops",
    "inplace": "In-place operations and the version counter",
    "autograd_grad": "autograd.grad and higher order",
    "hooks": "Hooks",
}

_C = Clause
CLAUSES: dict[str, Clause] = {
    c.id: c
    for c in [
        _C(
            "ACC-1",
            "core",
            "accumulation",
            "After k backward() calls with no zeroing in between, a leaf's .grad is the sum of the k gradients.",
        ),
        _C(
            "ACC-2",
            "ext",
            "accumulation",
            "Without create_graph, accumulation updates the existing .grad object in place, so it keeps its identity.",
            "grad_object_identity",
        ),
        _C(
            "ACC-3",
            "core",
            "accumulation",
            ".grad is None before the first backward and stays None on leaves the backward never reaches; a leaf reached with a zero gradient gets zeros.",
        ),
        _C(
            "ACC-4",
            "core",
            "accumulation",
            ".grad has the leaf's shape and dtype, does not require grad, and is itself a leaf.",
        ),
        _C(
            "ACC-5",
            "ext",
            "accumulation",
            "Assigning .grad is validated: a wrong shape or dtype raises RuntimeError, a non-tensor raises TypeError, and a later backward accumulates onto the assigned value.",
            "grad_assignment_checks",
        ),
        _C(
            "ZERO-1",
            "core",
            "accumulation",
            "x.grad.zero_() zeroes the gradient in place, and the next backward yields only the new gradient.",
        ),
        _C(
            "ZERO-2",
            "core",
            "accumulation",
            "Setting x.grad = None resets the gradient; the next backward creates a fresh tensor equal to the new gradient.",
        ),
        _C("ZERO-3", "core", "accumulation", "Calling zero_() on a grad that is None raises AttributeError."),
        _C(
            "ZERO-5",
            "core",
            "accumulation",
            "A training loop that never zeroes accumulates gradients across iterations.",
        ),
        _C(
            "DET-1",
            "core",
            "detach",
            "y.detach() has y's values, does not require grad, is a leaf, and has no grad_fn.",
        ),
        _C(
            "DET-2",
            "core",
            "detach",
            "A detached tensor shares storage with its source: an in-place change through one is seen through the other.",
        ),
        _C("DET-3", "core", "detach", "Detached values act as constants: no gradient flows through them."),
        _C(
            "DET-4",
            "ext",
            "detach",
            "An in-place change through a detached alias of a saved tensor makes the later backward raise.",
            "inplace",
        ),
        _C("DET-5", "ext", "detach", "detach_() turns a non-leaf into a leaf that does not require grad.", "inplace"),
        _C(
            "DET-6",
            "core",
            "detach",
            "t.detach().requires_grad_() is an independent leaf whose gradients never reach t's inputs.",
        ),
        _C(
            "VJP-1",
            "core",
            "vjp",
            "Without a gradient argument, backward uses 1 when the output has exactly one element, whatever its shape.",
        ),
        _C(
            "VJP-2",
            "core",
            "vjp",
            "Without a gradient argument, backward on an output with other than one element raises 'grad can be implicitly created only for scalar outputs'.",
        ),
        _C(
            "VJP-3",
            "core",
            "vjp",
            "backward(v) on a non-scalar output accumulates the vector-Jacobian product vᵀJ into each leaf.",
        ),
        _C(
            "VJP-4",
            "core",
            "vjp",
            "The gradient argument must have the output's exact shape; any other shape raises 'Mismatch in shape'.",
        ),
        _C(
            "VJP-5",
            "ext",
            "vjp",
            "The gradient argument's dtype is cast silently to the output's; the leaf grad keeps the leaf's dtype.",
            "gradient_dtype_cast",
        ),
        _C("VJP-6", "core", "vjp", "An explicit gradient on a one-element output scales every leaf gradient by it."),
        _C(
            "VJP-7",
            "ext",
            "vjp",
            "The gradient argument is never aliased into .grad: later accumulation leaves it unchanged.",
            "grad_object_identity",
        ),
        _C("VJP-8", "core", "vjp", "autograd.backward([y1, y2], [g1, g2]) adds the contributions of every root."),
        _C(
            "LEAF-1",
            "core",
            "leaf",
            "A tensor is a leaf exactly when its grad_fn is None: created tensors and detach() results are leaves, results of operations on tensors that require grad are not.",
        ),
        _C(
            "LEAF-2",
            "core",
            "leaf",
            "Backward fills .grad only on leaves that require grad; non-leaves and leaves that do not require grad keep None.",
        ),
        _C(
            "LEAF-3",
            "ext",
            "leaf",
            "Reading .grad of a non-leaf that does not retain its grad returns None with a UserWarning.",
            "nonleaf_grad_warning",
        ),
        _C(
            "LEAF-4",
            "ext",
            "leaf",
            "retain_grad() on a non-leaf makes backward populate, and accumulate into, its .grad.",
            "retain_grad",
        ),
        _C(
            "LEAF-5",
            "core",
            "leaf",
            "requires_grad can be switched off only on leaves: on a non-leaf it raises 'you can only change requires_grad flags of leaf variables'.",
        ),
        _C(
            "GRAPH-1",
            "core",
            "graph",
            "A second backward through saved tensors that were freed raises 'Trying to backward through the graph a second time'.",
        ),
        _C(
            "GRAPH-2",
            "core",
            "graph",
            "retain_graph=True keeps the graph: k retained backward calls accumulate, and the next call without it frees the graph.",
        ),
        _C(
            "GRAPH-3",
            "ext",
            "graph",
            "Only saved tensors are freed: a graph that saved nothing backpropagates again and accumulates, and grad_fn stays attached.",
            "saved_tensor_freeing",
        ),
        _C(
            "GRAPH-4",
            "core",
            "graph",
            "Every forward builds a fresh graph, so repeated forward and backward iterations run cleanly and accumulate.",
        ),
        _C(
            "CF-1",
            "core",
            "control_flow",
            "With loops and branches that depend on the data, the gradient is that of the path taken.",
        ),
        _C(
            "CF-2",
            "core",
            "control_flow",
            "Branching on a one-element tensor works and adds no gradient; bool() on a tensor with several elements raises.",
        ),
        _C(
            "CF-3",
            "core",
            "control_flow",
            "The depth of the graph may depend on the data, and the gradient follows the depth taken.",
        ),
        _C(
            "RG-1",
            "core",
            "requires_grad",
            "An output requires grad exactly when some input does; created tensors do not require grad by default.",
        ),
        _C(
            "RG-2",
            "core",
            "requires_grad",
            "Only floating-point tensors can require grad: integer tensors raise on creation with requires_grad=True and on requires_grad_().",
        ),
        _C(
            "RG-3",
            "core",
            "requires_grad",
            "requires_grad_() works in place, returns self, defaults to True, and does not reach back to results computed before it.",
        ),
        _C(
            "RG-4",
            "ext",
            "requires_grad",
            "Non-differentiable results (comparisons, argmax) do not require grad; sign, floor and round give zero gradients.",
            "non_differentiable_ops",
        ),
        _C(
            "RG-5",
            "ext",
            "requires_grad",
            "An in-place operation with an input that requires grad turns its target into a non-leaf that requires grad.",
            "inplace",
        ),
        _C(
            "RG-6",
            "core",
            "requires_grad",
            "Frozen parameters (requires_grad=False) keep .grad None while trainable ones get gradients.",
        ),
        _C(
            "NG-1",
            "core",
            "requires_grad",
            "Inside no_grad(), results do not require grad, have no grad_fn, are leaves, and act as constants afterwards.",
        ),
        _C(
            "NG-2",
            "core",
            "requires_grad",
            "An in-place update of a leaf that requires grad raises outside no_grad() and is allowed inside it, leaving a leaf.",
        ),
        _C(
            "NG-3",
            "ext",
            "requires_grad",
            "An in-place update under no_grad() of a tensor a graph saved makes the later backward raise.",
            "inplace",
        ),
        _C("NG-4", "core", "requires_grad", "backward() called inside no_grad() still computes gradients."),
        _C(
            "DATA-1",
            "ext",
            "data",
            "w.data is an alias of w's storage that does not require grad and is a leaf.",
            "data_attribute",
        ),
        _C(
            "DATA-2",
            "ext",
            "data",
            "w.data = w.data - lr * w.grad.data updates w's values without tracking, keeping w a leaf that requires grad.",
            "data_attribute",
        ),
        _C(
            "DATA-3",
            "ext",
            "data",
            "Changes through .data bypass the version check, so a later backward uses the changed values without error.",
            "data_attribute",
        ),
        _C("DATA-4", "ext", "data", "Assigning integer data to a tensor that requires grad raises.", "data_attribute"),
        _C(
            "DATA-5",
            "core",
            "data",
            "The core form of an untracked update, with no_grad(): w -= lr * w.grad, changes w's values and keeps it a leaf.",
        ),
        _C("CHAIN-1", "core", "chain_rule", "f = (x + y) z at (-2, 5, -4) gives f = -12 and gradients (-4, -4, 3)."),
        _C(
            "CHAIN-2",
            "core",
            "chain_rule",
            "The sigmoid neuron with w = [2, -3, -3] and x = [-1, -2] gives f = 0.7311, w.grad = [-0.1966, -0.3932, 0.1966], x.grad = [0.3932, -0.5898].",
        ),
        _C(
            "CHAIN-3",
            "core",
            "chain_rule",
            "The two-layer net x.mm(w1).clamp(min=0).mm(w2) with a sum-of-squares loss gets the gradients of hand-written backpropagation.",
        ),
        _C(
            "CHAIN-4",
            "core",
            "chain_rule",
            "The tutorials' worked examples give their printed gradients: 2·dot(x, x) gives 4x, the blitz mean gives 4.5, Q = 3a³ - b² gives 9a² and -2b.",
        ),
        _C(
            "CHAIN-5",
            "ext",
            "chain_rule",
            "At kinks and ties the derivative is PyTorch's choice: relu'(0) = 0, clamp'(0) = 1, abs'(0) = 0, max() splits ties evenly.",
            "subgradient_conventions",
        ),
        _C(
            "CHAIN-6",
            "core",
            "chain_rule",
            "In the model x2 = x1·w1, y = x2·w2, y.backward(g) gives the leaves x1, w1, w2 the chain-rule gradients and leaves x2, y without .grad.",
        ),
        _C(
            "CHAIN-7",
            "core",
            "chain_rule",
            "For any expression graph over the contract's operations, including reused intermediates (fan-out, diamonds), every leaf's gradient is the derivative found by finite differences.",
        ),
        _C(
            "BC-1",
            "core",
            "broadcasting",
            "A leaf's .grad always has the leaf's shape: gradients are summed over the dimensions it was broadcast along.",
        ),
        _C(
            "MULTI-1",
            "core",
            "broadcasting",
            "Every use of a tensor contributes to its gradient, and the contributions are summed.",
        ),
        _C(
            "TRAIN-1",
            "core",
            "training",
            "The one-weight SGD loop of the tutorial (w·x, squared error, lr 0.01, zeroing after each step) prints the tutorial's gradients and losses.",
        ),
        _C(
            "TRAIN-2",
            "core",
            "training",
            "The quadratic-model SGD loop of the tutorial (w1·x² + w2·x + b) prints the tutorial's gradients and losses for its last epochs.",
        ),
        _C(
            "VER-1",
            "ext",
            "inplace",
            "_version starts at 0 and grows by one per in-place operation; views and detach() share it.",
            "inplace",
        ),
        _C(
            "VER-2",
            "ext",
            "inplace",
            "Changing a saved tensor in place raises at backward time, not when the change is made.",
            "inplace",
        ),
        _C(
            "VER-3",
            "ext",
            "inplace",
            "In-place operations on tensors no node saved are fine and are themselves differentiated.",
            "inplace",
        ),
        _C(
            "AG-1",
            "ext",
            "autograd_grad",
            "autograd.grad returns a tuple of gradients that do not require grad, and never touches .grad.",
            "autograd_grad",
        ),
        _C(
            "AG-2",
            "ext",
            "autograd_grad",
            "With create_graph=True the returned gradient can be differentiated again: x³ gives 3x², then 6x.",
            "autograd_grad",
        ),
        _C(
            "AG-3",
            "ext",
            "autograd_grad",
            "autograd.grad raises for unused inputs unless allow_unused=True, and for inputs or outputs that do not require grad.",
            "autograd_grad",
        ),
        _C(
            "AG-4",
            "ext",
            "autograd_grad",
            "autograd.grad can differentiate with respect to a non-leaf.",
            "autograd_grad",
        ),
        _C(
            "AG-5",
            "ext",
            "autograd_grad",
            "backward(inputs=[...]) accumulates only into the listed tensors.",
            "autograd_grad",
        ),
        _C(
            "HOOK-1",
            "ext",
            "hooks",
            "A tensor hook receives the gradient in the tensor's shape on every backward, and a returned tensor replaces it.",
            "hooks",
        ),
        _C(
            "HOOK-2",
            "ext",
            "hooks",
            "Several hooks run in registration order, each on the previous one's result.",
            "hooks",
        ),
        _C(
            "HOOK-3",
            "ext",
            "hooks",
            "The grad kept by retain_grad reflects all tensor hooks, whatever the registration order.",
            "hooks",
        ),
        _C(
            "HOOK-4",
            "ext",
            "hooks",
            "register_hook raises on a tensor that does not require grad, and a hook that changes the gradient's shape raises.",
            "hooks",
        ),
        _C(
            "HOOK-5",
            "ext",
            "hooks",
            "A post-accumulate-grad hook runs after accumulation and sees the summed .grad; on a non-leaf it cannot be registered.",
            "hooks",
        ),
        _C(
            "HOOK-6",
            "ext",
            "hooks",
            "Node hooks on grad_fn see the gradients flowing into and out of the node.",
            "hooks",
        ),
    ]
}
del _C

LEFT_OUT: dict[str, str] = {
    "ZERO-4": "Optimizer.zero_grad and Module.zero_grad belong to torch.optim and torch.nn, outside the autograd contract.",
    "GRAPH-5": "The catalogue marks the state of .grad after a failed second backward as an implementation detail.",
    "NG-5": "inference_mode is a PyTorch-only execution mode with no counterpart in other engines.",
    "FN-1": "grad_fn class names (MulBackward0, ...) are generated names of PyTorch's implementation.",
    "BC-2": "Strides and memory layout of .grad are an implementation detail of PyTorch's storage.",
}
"""Catalogue clauses deliberately without a spec, with the reason."""


def get(clause_id: str) -> Clause:
    """The catalogue entry for ``clause_id``; a KeyError names unknown IDs."""
    try:
        return CLAUSES[clause_id]
    except KeyError:
        raise KeyError(f"unknown clause ID {clause_id!r}; see conformance.catalogue.CLAUSES") from None
