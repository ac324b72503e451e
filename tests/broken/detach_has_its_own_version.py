"""detach() is implemented as .data: it shares the storage but not the version counter."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        return self.data


backend = derive("detach-has-its-own-version", breaks={"VER-1"}, tensor_type=_Tensor)
