"""A fusion pass turns float32 (a + b) * c, a and b tensors, into one node that saves only its
first addend, so c's gradient comes out as a instead of a + b. Float64 keeps the unfused ops,
which is why the float64 random graphs (CHAIN-7) do not see it."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __add__(self, other):
        total = super().__add__(other)
        if isinstance(other, torch.Tensor) and total.dtype == torch.float32:
            total.__dict__["_addends"] = (self, other)
        return total

    def __mul__(self, other):
        for total, factor in ((self, other), (other, self)):
            addends = total.__dict__.get("_addends") if isinstance(total, torch.Tensor) else None
            if addends is not None and isinstance(factor, torch.Tensor) and torch.is_grad_enabled():
                first = addends[0].detach()
                # The value is (a + b) c plus a c - a c, exactly 0; the total's gradient is c, right,
                # and c's is a, wrong on purpose (it should be a + b).
                return torch.mul(total, factor.detach()) + (
                    torch.mul(first, factor) - torch.mul(first, factor).detach()
                )
        return super().__mul__(other)

    __rmul__ = __mul__


backend = derive("fused-sum-times-factor", breaks={"CHAIN-1"}, tensor_type=_Tensor)
