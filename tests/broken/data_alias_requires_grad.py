"""w.data hands out the storage together with its owner's requires_grad flag, as an engine that
keeps the flag on the shared buffer does: the alias claims to require grad, though nothing done
through it is recorded."""

import torch

from tests.broken import derive, torch_attribute


def _data_with_owner(tensor):
    alias = torch.Tensor.data.__get__(tensor)
    alias._owner = tensor
    return alias


def _owners_requires_grad(tensor):
    owner = tensor.__dict__.get("_owner")
    return torch.Tensor.requires_grad.__get__(owner if owner is not None else tensor)


class _Tensor(torch.Tensor):
    data = torch_attribute("data", get=_data_with_owner)
    requires_grad = torch_attribute("requires_grad", get=_owners_requires_grad)


backend = derive("data-alias-requires-grad", breaks={"DATA-1"}, tensor_type=_Tensor)
