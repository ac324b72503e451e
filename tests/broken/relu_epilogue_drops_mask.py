"""clamp(min=0) followed by mm is fused into a matrix product with a ReLU epilogue, as inference
libraries fuse Linear+ReLU, and the fused backward forgets the mask: the gradient reaches the
clamped input where it was negative too. Without the mm, clamp is right."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def clamp(self, min=None, max=None):
        clamped = super().clamp(min=min, max=max)
        if min == 0 and max is None:
            clamped.__dict__["_relu_of"] = self
        return clamped

    def mm(self, other):
        relu_input = self.__dict__.get("_relu_of")
        if relu_input is None or not torch.is_grad_enabled():
            return super().mm(other)
        # The value is clamp(h); the gradient reaches h unmasked (wrong on purpose).
        unmasked = relu_input + (self - relu_input).detach()
        return unmasked.mm(other)


backend = derive("relu-epilogue-drops-mask", breaks={"CHAIN-3"}, tensor_type=_Tensor)
