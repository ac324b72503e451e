"""backward() does nothing while no_grad() is active, as in engines whose backward checks the global
"recording" flag before running: an optimizer step that backpropagates inside no_grad() gets no gradients."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, *args, **kwargs):
        if torch.is_grad_enabled():
            super().backward(*args, **kwargs)


backend = derive("backward-skipped-under-no-grad", breaks={"NG-4"}, tensor_type=_Tensor)
