"""The result of an operation that saves it for backward (exp, sigmoid, tanh) is write-protected:
changing it in place raises at once, where PyTorch lets the change happen and raises only if a
backward then needs the changed value."""

import torch

from tests.broken import derive

SAVING_THEIR_RESULT = {"exp", "sigmoid", "tanh"}


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        result = super().__torch_function__(func, types, args, kwargs)
        if getattr(func, "__name__", None) in SAVING_THEIR_RESULT and getattr(result, "requires_grad", False):
            result.__dict__["_saved_by_its_node"] = True
        return result

    def add_(self, other):
        self._refuse_if_saved()
        return super().add_(other)

    def mul_(self, other):
        self._refuse_if_saved()
        return super().mul_(other)

    def __setitem__(self, index, value):
        self._refuse_if_saved()
        return super().__setitem__(index, value)

    def _refuse_if_saved(self):
        if self.__dict__.get("_saved_by_its_node"):
            raise RuntimeError("a tensor saved for backward cannot be modified in place")


backend = derive("saved-results-write-protected", breaks={"VER-2"}, tensor_type=_Tensor)
