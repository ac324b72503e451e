"""w.data hands out the storage together with its owner's requires_grad flag, as an engine that
keeps the flag on the shared buffer does: the alias claims to require grad, though nothing done
through it is recorded."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    @property
    def data(self):
        alias = torch.Tensor.data.__get__(self)
        alias._owner = self
        return alias

    @data.setter
    def data(self, value):
        torch.Tensor.data.__set__(self, value)

    @property
    def requires_grad(self):
        owner = self.__dict__.get("_owner")
        return torch.Tensor.requires_grad.__get__(owner if owner is not None else self)

    @requires_grad.setter
    def requires_grad(self, value):
        torch.Tensor.requires_grad.__set__(self, value)


backend = derive("data-alias-requires-grad", breaks={"DATA-1"}, tensor_type=_Tensor)
