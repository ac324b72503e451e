"""detach() is an untracked alias like .data, with a version counter of its own; the adapter reports
_version as the number of in-place writes to the memory the aliases share, so every count looks
right, but the saved-tensor check at backward never sees a change made through the alias."""

import torch

from tests.broken import derive


def _own_version(t):
    return torch.Tensor._version.__get__(t)


class _Tensor(torch.Tensor):
    def detach(self):
        alias = self.data
        aliases = self.__dict__.setdefault("_aliases", [self])
        aliases.append(alias)
        alias.__dict__["_aliases"] = aliases
        return alias

    @property
    def _version(self):
        return sum(_own_version(t) for t in self.__dict__.get("_aliases", [self]))


backend = derive("detach-alias-version-miscounted", breaks={"DET-4"}, tensor_type=_Tensor)
