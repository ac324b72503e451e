"""A graph simplifier rewrites (x**a)**b as x**(a·b) but gives the folded node the derivative of the outer
power only, b·x**(a·b - 1): one squaring is right, a loop of squarings has the gradient of a shallower graph."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __pow__(self, exponent):
        base, inner = self.__dict__.get("_power_of", (self, 1))
        folded = torch.Tensor.__pow__(base, inner * exponent)
        # Dividing the tracked part by the inner exponent leaves the value and keeps the outer derivative only.
        result = folded.detach() + (folded - folded.detach()) / inner
        result.__dict__["_power_of"] = (base, inner * exponent)
        return result


backend = derive("repeated-powers-folded", breaks={"CF-3"}, tensor_type=_Tensor)
