"""The .data attribute: the tutorial's untracked view of a tensor's values ("取data不会建立计算图",
taking .data builds no graph), and no_grad(), its core equivalent for updating a leaf in place."""

import pytest

from conformance import spec

LEARNING_RATE = 0.1

FLOAT32_ROUNDING = dict(rtol=1e-6, atol=0.0)
"""1 - 0.1 * 3 is not exactly 0.7 in float32, and an engine may round 0.1 * grad once more or
less (in float64, say): a few float32 steps (eps 1.2e-7) at most. An update that is missing,
tracked wrongly or applied twice is off by 0.3 or more."""

INTEGER_DATA = "data set to a tensor that requires gradients must be floating point or complex dtype"


def check_flag(check, value, expected, what):
    check.that(value is expected, what, expected=expected, actual=value)


def leaf_after_one_backward(torch):
    """The catalogue's setup: w = [1, 2] with w.grad = x = [3, 4] from y = sum(w * x)."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    x = torch.tensor([3.0, 4.0])
    (w * x).sum().backward()
    return w


def check_still_the_trainable_leaf(check, w, before, how):
    """After an untracked update by ``how``, w is the same object, a leaf that requires grad, .grad kept."""
    check_flag(check, w is before, True, f"w is the same Python object after {how}")
    check_flag(check, w.is_leaf, True, f"w.is_leaf after {how}")
    check_flag(check, w.requires_grad, True, f"w.requires_grad after {how}")
    check.none(w.grad_fn, f"w.grad_fn after {how}: the update was not recorded")
    check.equal(w.grad, [3.0, 4.0], f"w.grad after {how}: the gradient is kept")


@spec("DATA-1", source="001_7bced7f8c681d456.txt § .data 和 .grad")
def test_data_is_an_untracked_alias_of_the_values(torch, check):
    """w.data of w = [1, 2] has w's values, does not require grad, is a leaf, and shares w's storage:
    w.data.mul_(3) makes w [3, 6], and then w.add_(1) under no_grad makes the alias [4, 7]."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    data = w.data
    check.equal(data, [1.0, 2.0], "w.data")
    check_flag(check, data.requires_grad, False, "w.data.requires_grad")
    check_flag(check, data.is_leaf, True, "w.data.is_leaf")

    data.mul_(3)
    check.equal(w, [3.0, 6.0], "w after w.data.mul_(3): the alias writes into w")
    with torch.no_grad():
        w.add_(1)
    check.equal(data, [4.0, 7.0], "w.data after w.add_(1): w writes into the alias")


@spec("DATA-1", source="001_7bced7f8c681d456.txt § code1: w.grad.data.zero_()")
def test_grad_data_is_an_alias_of_the_gradient(torch, check):
    """w.grad.data is an alias of w.grad = [3, 4] that does not require grad: w.grad.data.zero_(), the
    tutorial's zeroing, makes w.grad [0, 0]."""
    w = leaf_after_one_backward(torch)
    grad_data = w.grad.data
    check.equal(grad_data, [3.0, 4.0], "w.grad.data")
    check_flag(check, grad_data.requires_grad, False, "w.grad.data.requires_grad")
    check_flag(check, grad_data.is_leaf, True, "w.grad.data.is_leaf")

    w.grad.data.zero_()
    check.equal(w.grad, [0.0, 0.0], "w.grad after w.grad.data.zero_()")


@spec("DATA-2", source="catalogue: the update of 001_7bced7f8c681d456.txt § code1, with lr 0.1")
def test_data_update_changes_values_without_tracking(torch, check):
    """w.data = w.data - 0.1 * w.grad.data with w = [1, 2], w.grad = [3, 4] computes untracked, makes w [0.7, 1.6],
    and leaves w the same object, a leaf that requires grad, with .grad kept."""
    w = leaf_after_one_backward(torch)
    before = w
    update = w.data - LEARNING_RATE * w.grad.data
    check_flag(check, update.requires_grad, False, "(w.data - 0.1 * w.grad.data).requires_grad")

    w.data = update
    check.close(w, [0.7, 1.6], "w after w.data = w.data - 0.1 * w.grad.data", **FLOAT32_ROUNDING)
    check_still_the_trainable_leaf(check, w, before, "assigning w.data")


@spec("DATA-2", source="catalogue", needs=["inplace"])
def test_data_update_leaves_the_version_at_zero(torch, check):
    """Assigning w.data = w.data - 0.1 * w.grad.data is not an in-place operation on w: w._version stays 0."""
    w = leaf_after_one_backward(torch)
    w.data = w.data - LEARNING_RATE * w.grad.data
    check.version(w, 0, "of w after assigning w.data")


@spec("DATA-3", source="catalogue")
def test_inplace_change_through_data_is_used_by_backward_without_error(torch, check):
    """After y = w ** 2 saved w = [1, 2], w.data.mul_(10) raises nothing, and y.sum().backward() uses the changed
    values: w.grad = 2 · [10, 20] = [20, 40], not [2, 4]."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    # The catalogue probes w * w; w ** 2 saves w the same way without using it twice, so the
    # expected gradient does not also depend on fan-out accumulation (MULTI-1).
    y = w**2
    w.data.mul_(10)  # unlike a change through detach() (DET-4), the version check does not see it
    check.equal(w, [10.0, 20.0], "w after w.data.mul_(10)")
    check.equal(y, [1.0, 4.0], "y, computed before the change")

    y.sum().backward()
    check.equal(w.grad, [20.0, 40.0], "w.grad, from the saved w that now holds [10, 20]")


@spec("DATA-3", source="catalogue", needs=["inplace"])
def test_inplace_change_through_data_leaves_the_version_at_zero(torch, check):
    """w.data.mul_(10) changes w without counting as an in-place operation on w: w._version stays 0."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    w.data.mul_(10)
    check.version(w, 0, "of w after w.data.mul_(10)")


@spec("DATA-4", source="catalogue")
def test_integer_data_raises(torch, check):
    """Assigning integer data to w.data, where w = [1, 2] requires grad, raises RuntimeError 'data set to a tensor
    that requires gradients must be floating point or complex dtype' and leaves w a float32 [1, 2]."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    with check.raises(RuntimeError, INTEGER_DATA, "w.data = tensor([1, 2]) of int64"):
        w.data = torch.tensor([1, 2])
    check.equal(w, [1.0, 2.0], "w after the rejected assignment")
    check.that(
        w.dtype == torch.float32, "w.dtype after the rejected assignment", expected=torch.float32, actual=w.dtype
    )


@spec("DATA-4", source="catalogue")
def test_data_accepts_another_shape_and_float_dtype(torch, check):
    """w.data accepts data of another shape, (1, 3), and of another float dtype, float64; w takes them and stays
    a leaf that requires grad."""
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    w.data = torch.tensor([[1.0, 2.0, 3.0]])
    check.shape(w, (1, 3), "w after assigning w.data of shape (1, 3)")
    check.equal(w, [[1.0, 2.0, 3.0]], "w after assigning w.data of shape (1, 3)")

    w.data = torch.tensor([0.5], dtype=torch.float64)
    check.that(w.dtype == torch.float64, "w.dtype after assigning float64 data", expected=torch.float64, actual=w.dtype)
    check.equal(w, [0.5], "w after assigning float64 data")
    check_flag(check, w.is_leaf, True, "w.is_leaf after both assignments")
    check_flag(check, w.requires_grad, True, "w.requires_grad after both assignments")


@spec("DATA-5", source="catalogue")
def test_no_grad_update_changes_values_and_keeps_the_leaf(torch, check):
    """with no_grad(): w -= 0.1 * w.grad, with w = [1, 2], w.grad = [3, 4], makes w [0.7, 1.6] and leaves w the same
    object, a leaf that requires grad, with .grad kept."""
    w = leaf_after_one_backward(torch)
    before = w
    with torch.no_grad():
        w -= LEARNING_RATE * w.grad
    check.close(w, [0.7, 1.6], "w after w -= 0.1 * w.grad under no_grad", **FLOAT32_ROUNDING)
    check_still_the_trainable_leaf(check, w, before, "w -= 0.1 * w.grad under no_grad")


@spec("DATA-5", source="catalogue", needs=["data_attribute"])
def test_no_grad_update_gives_the_values_of_the_data_update(torch, check):
    """with no_grad(): w -= 0.1 * w.grad gives exactly the values of the tutorial's w.data = w.data - 0.1 * w.grad.data."""
    by_no_grad, by_data = leaf_after_one_backward(torch), leaf_after_one_backward(torch)
    with torch.no_grad():
        by_no_grad -= LEARNING_RATE * by_no_grad.grad
    by_data.data = by_data.data - LEARNING_RATE * by_data.grad.data
    # The same float32 operations on the same values: the results are equal to the bit.
    check.equal(by_no_grad, check.values(by_data), "w after the no_grad update, versus after the .data update")


@spec("DATA-5", source="catalogue", needs=["inplace"])
def test_no_grad_update_counts_as_one_inplace_operation(torch, check):
    """with no_grad(): w -= 0.1 * w.grad is an in-place operation on w: w._version goes from 0 to 1."""
    w = leaf_after_one_backward(torch)
    check.version(w, 0, "of w before the update")
    with torch.no_grad():
        w -= LEARNING_RATE * w.grad
    check.version(w, 1, "of w after w -= 0.1 * w.grad under no_grad")


@spec("DATA-5", source="catalogue")
# Reading .grad of the non-leaf warns (LEAF-3); that is not this clause's concern.
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_update_outside_no_grad_rebinds_w_to_a_non_leaf(torch, check):
    """Without no_grad, w = w - 0.1 * w.grad computes [0.7, 1.6] but rebinds w to a non-leaf result with a grad_fn
    and no .grad, while the original leaf keeps [1, 2]."""
    w = leaf_after_one_backward(torch)
    original = w
    w = w - LEARNING_RATE * w.grad
    check.close(w, [0.7, 1.6], "w = w - 0.1 * w.grad", **FLOAT32_ROUNDING)
    check_flag(check, w is original, False, "w is a new object")
    check_flag(check, w.is_leaf, False, "w.is_leaf of the new w")
    check_flag(check, w.grad_fn is not None, True, "the new w has a grad_fn")
    check.none(w.grad, "w.grad of the new w, a non-leaf")
    check.equal(original, [1.0, 2.0], "the original leaf, unchanged")
