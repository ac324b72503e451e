"""detach() is implemented as .data: it shares the storage but not the version counter, so an in-place
change through the detached alias of a saved tensor also goes unnoticed (DET-4)."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def detach(self):
        return self.data


backend = derive("detach-has-its-own-version", breaks={"VER-1", "DET-4"}, tensor_type=_Tensor)
