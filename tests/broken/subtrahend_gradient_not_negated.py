"""The float32 kernel of a - b hands the subtrahend +g instead of -g when b requires grad, a sign
slip in a dtype-specialized backward. Float64 is right, which is why the float64 random graphs
(CHAIN-7) do not see it; Q = 3a³ - b² does."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __sub__(self, other):
        difference = super().__sub__(other)
        if (
            isinstance(other, torch.Tensor)
            and other.requires_grad
            and difference.dtype == torch.float32
            and torch.is_grad_enabled()
        ):
            # Adding 2 (b - b), exactly 0, turns b's gradient -g into +g (wrong on purpose).
            return difference + 2 * (other - other.detach())
        return difference


backend = derive("subtrahend-gradient-not-negated", breaks={"CHAIN-4"}, tensor_type=_Tensor)
