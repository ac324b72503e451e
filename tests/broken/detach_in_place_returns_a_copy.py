"""detach_() is detach() under another name: it returns a new detached tensor and leaves the
non-leaf it was called on in the graph (and refuses no view)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach_(self):
        return self.detach()


backend = derive("detach-in-place-returns-a-copy", breaks={"DET-5"}, tensor_type=_Tensor)
