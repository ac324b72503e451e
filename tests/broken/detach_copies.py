"""detach() returns a copy, as mygrad's spelling of it, mg.tensor(y, constant=True), does by default
(copy=True): changes through either tensor are not seen through the other, and the copy has a
version counter of its own."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        return super().detach().clone()


backend = derive("detach-copies", breaks={"DET-2", "DET-4", "VER-1"}, tensor_type=_Tensor)
