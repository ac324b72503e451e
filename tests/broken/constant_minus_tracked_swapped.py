"""A constant minus a tracked tensor comes out as tracked minus constant: the engine hands Y - y
to y's reflected subtraction and that was written self - other, the slip micrograd's
``def __rsub__(self, other): # other - self`` is careful to avoid."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if func in (torch.Tensor.__sub__, torch.Tensor.sub, torch.sub) and len(args) == 2:
            left, right = args
            if (
                isinstance(left, torch.Tensor)
                and isinstance(right, torch.Tensor)
                and not left.requires_grad
                and right.requires_grad
            ):
                args = (right, left)
        return super().__torch_function__(func, types, args, kwargs)


backend = derive("constant-minus-tracked-swapped", breaks={"CHAIN-6"}, tensor_type=_Tensor)
