"""no_grad() switches recording on when it exits instead of restoring the mode it found, a flag set and reset
rather than saved: a nested no_grad() ends the outer one early."""

from contextlib import contextmanager

import torch

from tests.broken import derive


@contextmanager
def _no_grad():
    torch.set_grad_enabled(False)
    try:
        yield
    finally:
        torch.set_grad_enabled(True)


backend = derive("no-grad-exit-enables-grad", breaks={"NG-1"}, no_grad=_no_grad)
