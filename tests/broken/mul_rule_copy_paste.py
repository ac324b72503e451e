"""mul's rule was copy-pasted for the second operand without swapping the factors:
d(a·b)/db comes out as b instead of a, which is right only when a and b are the same tensor."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __mul__(self, other):
        if not (isinstance(other, torch.Tensor) and other.requires_grad):
            return super().__mul__(other)  # with b constant there is no rule for b to get wrong
        a, b = self, other
        # The value is a·b (plus b·b - b·b, exactly 0). The gradient is b for a, right, and
        # b for b, wrong: built from ordinary ops so in-place changes of the result stay legal.
        wrong_for_b = torch.mul(b, b.detach()) - torch.mul(b, b).detach()
        return torch.mul(a, b.detach()) + wrong_for_b

    __rmul__ = __mul__


# Every clause with a spec that multiplies two different tensors that require grad.
MULTIPLYING_CLAUSES = {
    "CHAIN-1",
    "CHAIN-2",
    "CHAIN-6",
    "CHAIN-7",
    "BC-1",
    "AG-5",
    "ACC-1",
    "DET-3",
    "NG-1",
    "RG-6",
    "VJP-3",
}

backend = derive("mul-rule-copy-paste", breaks=MULTIPLYING_CLAUSES, tensor_type=_Tensor)
