"""Reading one tensor at several integer indices keeps only one read's gradient: each read's
gradient is written into the tensor's, where it should be added, so the last write wins. A single
read is right; the tutorial's neuron reads w[0], w[1] and w[2]."""

import torch

from tests.broken import derive
from tests.broken.fanout_last_write_wins import tracked_use


class _Tensor(torch.Tensor):
    def __getitem__(self, index):
        if isinstance(index, int) and torch.is_grad_enabled():
            return torch.Tensor.__getitem__(tracked_use(self), index)
        return super().__getitem__(index)


backend = derive("repeated-reads-last-write-wins", breaks={"CHAIN-2"}, tensor_type=_Tensor)
