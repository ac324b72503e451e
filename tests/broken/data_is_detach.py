"""w.data is implemented as w.detach(): the alias shares w's version counter, so a change through
it is caught by the version check, and a backward through a graph that saved w raises."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        torch.Tensor.data.__set__(self, value)


backend = derive("data-is-detach", breaks={"DATA-3"}, tensor_type=_Tensor)
