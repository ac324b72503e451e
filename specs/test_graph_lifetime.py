"""Graph lifetime: backward frees the tensors the graph saved, retain_graph keeps them, and every
forward builds a fresh graph.

A graph-freeing spec must use operations that save tensors (x * x, dot, exp): a graph made only of
additions saves nothing, and PyTorch lets it be backpropagated again (GRAPH-3).
"""

import contextlib

import pytest

from conformance import spec
from conformance.tutorials import X_DATA, Y_DATA

SECOND_TIME = "Trying to backward through the graph a second time"

SAVING_GRAPHS = {
    "sum(x*x)": lambda torch, x: (x * x).sum(),
    "dot(x,x)": lambda torch, x: torch.dot(x, x),
    "sum(exp(x))": lambda torch, x: torch.exp(x).sum(),
}
"""Scalar functions of x whose graphs save tensors: x * x and dot save x, exp saves its result."""


@spec("GRAPH-1", source="004_50a5472a54e6f60e.txt § backward(): 默认同一个运算得到的Tensor仅能进行一次backward()")
@pytest.mark.parametrize("graph", SAVING_GRAPHS.values(), ids=SAVING_GRAPHS.keys())
def test_second_backward_of_the_same_result_raises(torch, check, graph):
    """A result can be backpropagated once: a second backward through its graph, whose saved tensors the first
    freed, raises 'Trying to backward through the graph a second time'."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = graph(torch, x)
    y.backward()
    with check.raises(RuntimeError, SECOND_TIME, "the second y.backward()"):
        y.backward()


@spec("GRAPH-1", source="catalogue")
def test_new_result_through_a_freed_subgraph_raises(torch, check):
    """After z = x * x and z.sum().backward(), backward of (z * 3).sum() must go through z's freed node, so it
    raises 'Trying to backward through the graph a second time'."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    z = x * x
    z.sum().backward()
    with check.raises(RuntimeError, SECOND_TIME, "backward of (z * 3).sum() through the freed z = x * x"):
        (z * 3).sum().backward()


@spec("GRAPH-1", source="catalogue", needs=["autograd_grad"])
def test_second_autograd_grad_raises(torch, check):
    """autograd.grad frees the graph too: a second autograd.grad(y, x) for y = sum(x * x) raises
    'Trying to backward through the graph a second time'."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    torch.autograd.grad(y, x)
    with check.raises(RuntimeError, SECOND_TIME, "the second autograd.grad(y, x)"):
        torch.autograd.grad(y, x)


RETAINED_CALLS = 3


@spec("GRAPH-2", source="catalogue")
def test_retained_backwards_accumulate_until_one_frees_the_graph(torch, check):
    """For y = sum(x * x), x = [1, 2], each y.backward(retain_graph=True) adds 2x (three give [6, 12]); the next
    y.backward() still works and frees the graph, and the one after raises."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    for k in range(1, RETAINED_CALLS + 1):
        y.backward(retain_graph=True)
        check.equal(x.grad, [2.0 * k, 4.0 * k], f"x.grad after {k} retained backward(s), k · 2x")
    y.backward()
    check.equal(x.grad, [8.0, 16.0], "x.grad after the backward that frees the graph, 4 · 2x")
    with check.raises(RuntimeError, SECOND_TIME, "y.backward() after the graph was freed"):
        y.backward()


@spec("GRAPH-2", source="catalogue", needs=["autograd_grad"])
# backward(create_graph=True) on leaves warns about a reference cycle, which is not this clause's concern.
@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True:UserWarning")
def test_create_graph_keeps_the_graph(torch, check):
    """retain_graph defaults to create_graph: after y.backward(create_graph=True), y = sum(x * x), a plain
    y.backward() still works and x.grad = 2x + 2x = [4, 8]."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(create_graph=True)
    y.backward()
    check.equal(x.grad, [4.0, 8.0], "x.grad after backward(create_graph=True) and a plain backward")


@spec("GRAPH-3", source="000_df3ab9637a332bf6.txt § Code: y = x.sum(); y.backward() twice")
def test_sum_backpropagates_again_and_accumulates(torch, check):
    """y = x.sum() saves no tensor, so y.backward() works twice without retain_graph: x.grad = [1, 1, 1, 1], then
    [2, 2, 2, 2] (x = arange(4.0))."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    y = x.sum()
    y.backward()
    check.equal(x.grad, [1.0, 1.0, 1.0, 1.0], "x.grad after the first y.backward()")
    y.backward()
    check.equal(x.grad, [2.0, 2.0, 2.0, 2.0], "x.grad after the second y.backward()")


NOTHING_SAVED = {
    "sum(x+1)": (lambda x: (x + 1).sum(), [1.0, 1.0]),
    "sum(x+x)": (lambda x: (x + x).sum(), [2.0, 2.0]),
    "sum(-x)": (lambda x: (-x).sum(), [-1.0, -1.0]),
}
"""Graphs of additions and negations, which save no tensor, with their gradient in x."""


@spec("GRAPH-3", source="catalogue")
@pytest.mark.parametrize(("graph", "gradient"), NOTHING_SAVED.values(), ids=NOTHING_SAVED.keys())
def test_graph_that_saved_nothing_backpropagates_again(torch, check, graph, gradient):
    """Only saved tensors are freed: a graph of additions and negations backpropagates a second time without
    retain_graph, and x.grad accumulates to twice the gradient."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = graph(x)
    y.backward()
    y.backward()
    check.equal(x.grad, [2 * g for g in gradient], "x.grad after two backwards")


@spec("GRAPH-3", source="catalogue")
def test_grad_fn_stays_attached_after_backward(torch, check):
    """Freeing the saved tensors keeps the graph's nodes: after y.backward(), y = sum(z), z = x * x, both y and z
    still have a grad_fn and require grad."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    z = x * x
    y = z.sum()
    y.backward()
    for name, t in (("y", y), ("z", z)):
        check.that(t.grad_fn is not None, f"{name}.grad_fn after backward", expected="a node", actual=t.grad_fn)
        check.that(t.requires_grad, f"{name}.requires_grad after backward", expected=True, actual=t.requires_grad)


@spec("GRAPH-4", source="004_50a5472a54e6f60e.txt § backward(): 再次运算得到的Tesnor，可以再次进行backward()")
def test_a_recomputed_result_can_backward_again(torch, check):
    """Once y = sum(x * x) has been backpropagated, a second y.backward() is refused, but recomputing y gives a
    new graph that backpropagates normally: x.grad = 2x = [2, 4] (x = [1, 2])."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    # This raises: that, and what it leaves in x.grad, is GRAPH-1's and GRAPH-5's concern, not this clause's.
    with contextlib.suppress(Exception):
        y.backward()
    x.grad = None

    y = (x * x).sum()
    y.backward()
    check.equal(x.grad, [2.0, 4.0], "x.grad from the recomputed y, 2x")


ITERATIONS = 3


@spec("GRAPH-4", source="catalogue")
def test_each_forward_builds_a_fresh_graph(torch, check):
    """Recomputing y = sum(x * x) after each backward gives a fresh graph, so three forward and backward
    iterations run cleanly and x.grad accumulates to 3 · 2x = [6, 12] (x = [1, 2])."""
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    for k in range(1, ITERATIONS + 1):
        y = (x * x).sum()
        y.backward()
        check.equal(x.grad, [2.0 * k, 4.0 * k], f"x.grad after {k} iteration(s), k · 2x")


@spec("GRAPH-4", source="001_7bced7f8c681d456.txt § code1: 只要作完backward，这个计算图就没有了，下次计算是新的计算图")
def test_training_loop_builds_a_new_graph_per_sample(torch, check):
    """In the tutorial's loop, loss = (w·x - y)² is rebuilt and backpropagated for each sample; at w = 1,
    dloss/dw = 2x(wx - y) = -2x² gives w.grad = -2, -8, -18, zeroed in between."""
    w = torch.tensor([1.0])
    w.requires_grad = True
    # The tutorial also updates w after each sample; that is another clause's concern, so w stays 1 here.
    for x, y in zip(X_DATA, Y_DATA, strict=True):
        loss_value = (w * x - y) ** 2
        # The tutorial backpropagates the one-element loss itself; summing it to 0-d keeps the rule for
        # an implicit gradient on a one-element tensor (VJP-2) out of this spec.
        loss_value.sum().backward()
        check.equal(w.grad, [-2.0 * x * x], f"w.grad for the sample x = {x}, y = {y}")
        w.grad.zero_()
