"""bool() of a tensor with several elements is any() of them instead of an error, as NumPy-minded engines
sometimes make it, so `if v > 0:` on a vector silently takes a branch."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def __bool__(self):
        return bool(self.any()) if self.numel() > 1 else super().__bool__()


backend = derive("bool-means-any", breaks={"CF-2"}, tensor_type=_Tensor)
