"""The graph and the backward pass: topological order, then the chain rule one node at a time.

A `Node` is one recorded op (PyTorch's ``grad_fn``). Each of its inputs is an edge: the
Node that produced that input, the leaf tensor that accumulates its gradient, or None when
no gradient flows there (a constant: its VJP never runs). Gradients are whatever the VJPs
return (NumPy arrays, or tensors when the backward is itself recorded); the engine only adds
them up and hands them to the hooks, so it knows nothing of arrays or of any op. Both kinds of edge carry the hooks
registered on their tensor (``_tensor_hooks``); a leaf also has ``_accumulate_grad(g)``.
"""

FREED = (
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)
MODIFIED = "one of the variables needed for gradient computation has been modified by an inplace operation"


class Node:
    """One recorded op: a VJP per input, the forward values the VJPs read, and where its inputs came from."""

    # Hooks, in registration order: tuples, empty on the class so that recording a node costs nothing for them.
    _tensor_hooks = ()  # g -> g, registered on the tensor this node made
    _pre_hooks = ()  # g -> g, on the node: the gradient of its output, before the VJP
    _post_hooks = ()  # (grads_in, g) -> grads_in, on the node: the gradients the VJP returned

    # per saved value: its tensor's version counter (a one-element list), and the count when saved
    counters = saved_versions = ()

    def __init__(self, name, vjps, saved, inputs):
        self.name = name
        self.vjps = vjps  # per input, vjp(g, *saved) -> that input's gradient, None meaning "no gradient"
        self.saved = saved  # the saved tensors' values; None once a backward has freed them
        self.inputs = inputs  # one edge per input: a Node, a leaf tensor, or None
        self.retained = None  # the tensor this node made, once that tensor calls retain_grad()

    def __repr__(self):
        return f"<{self.name} node>"


def toposort(roots):
    """Every edge reachable from ``roots``, each one before all the edges it sends gradient to."""
    order, visited = [], set()
    stack = [(root, False) for root in roots]
    while stack:  # depth-first, iterative so that deep graphs do not hit the recursion limit
        edge, inputs_done = stack.pop()
        if inputs_done:
            order.append(edge)  # post-order: after every edge it sends gradient to
        elif edge not in visited:
            visited.add(edge)
            stack.append((edge, True))
            inputs = edge.inputs if isinstance(edge, Node) else ()
            stack.extend((edge_in, False) for edge_in in inputs if edge_in is not None)
    return order[::-1]


def backward(roots, grads, retain_graph=False, inputs=None, unpack=None):
    """Backpropagate ``grads[i]``, the gradient of root edge ``roots[i]``, into every leaf they reach.

    Several roots, or several uses of one tensor, add up. Without ``retain_graph`` each node
    frees its saved tensors once used, so a later backward through it raises. Given the edges
    ``inputs``, it accumulates nowhere and runs only the nodes that lead to them: it returns
    {input edge: its gradient} instead (autograd.grad). ``unpack(node)``, given when the
    backward is itself recorded (create_graph), gives a node's saved values as graph tensors.
    """
    total = {}  # edge -> the gradient of its output, summed over every use seen so far
    for root, g in zip(roots, grads, strict=True):
        total[root] = g if root not in total else total[root] + g
    order = toposort(roots)
    captured, runs = {}, _leading_to(order, inputs) if inputs is not None else None

    # topological order: a node runs only once every use of its output has sent its gradient
    for edge in order:
        g = total.pop(edge, None)
        if g is None:
            continue  # every use of this edge sent None: no gradient flows here
        for hook in edge._tensor_hooks:
            g = hook(g)  # Tensor.register_hook: each hook sees the previous one's result
        if inputs is not None:
            if edge in inputs:
                captured[edge] = g
            if edge not in runs:
                continue  # nothing this edge sends gradient to is wanted
        if not isinstance(edge, Node):
            edge._accumulate_grad(g)  # a leaf: .grad = g if .grad is None else .grad + g
            continue
        if edge.saved is None:
            raise RuntimeError(FREED)
        for counter, version in zip(edge.counters, edge.saved_versions, strict=True):
            if counter[0] != version:  # a saved tensor was changed in place since the forward
                raise RuntimeError(
                    f"{MODIFIED}: a tensor {edge.name} saved is at version {counter[0]}; "
                    f"expected version {version} instead."
                )
        if edge.retained is not None:
            edge.retained._accumulate_grad(g)  # retain_grad(): after the tensor's hooks, like a leaf's .grad
        for hook in edge._pre_hooks:
            g = hook(g)

        # the chain rule: each input's VJP maps the output's gradient to that input's gradient;
        # only the inputs a gradient goes to run theirs (PyTorch's needs_input_grad)
        assert len(edge.vjps) == len(edge.inputs), f"{edge.name}: {len(edge.vjps)} VJPs for {len(edge.inputs)} inputs"
        saved = edge.saved if unpack is None else unpack(edge)
        grads_in = [
            None if edge_in is None else vjp(g, *saved) for edge_in, vjp in zip(edge.inputs, edge.vjps, strict=True)
        ]
        for hook in edge._post_hooks:
            grads_in = hook(grads_in, g)
        for edge_in, g_in in zip(edge.inputs, grads_in, strict=True):
            if edge_in is not None and g_in is not None:
                total[edge_in] = g_in if edge_in not in total else total[edge_in] + g_in

        if edge.saved and not retain_graph:
            edge.saved = None  # PyTorch frees only saved tensors: a node that saved none can run again
    return captured


def _leading_to(order, inputs):
    """The nodes in ``order`` (topological) with a path to some edge in ``inputs``: the ones that must run."""
    runs = set()
    for edge in reversed(order):  # every edge after the edges it sends gradient to
        if isinstance(edge, Node) and any(e in inputs or e in runs for e in edge.inputs):
            runs.add(edge)
    return runs
