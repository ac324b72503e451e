"""detach() returns an alias that stays in the graph (a view of its source), as if detach were a
no-op: gradients flow through the "constant" and the alias requires grad like its source."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        return self.view_as(self)


backend = derive("detach-keeps-graph", breaks={"DET-1", "DET-3", "DET-6", "LEAF-1"}, tensor_type=_Tensor)
