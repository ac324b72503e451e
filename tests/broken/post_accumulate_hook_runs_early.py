"""Post-accumulate-grad hooks run before accumulation (as an ordinary tensor hook would), so
they see the previous .grad, and nothing stops registering them on non-leaves."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def register_post_accumulate_grad_hook(self, hook):
        return self.register_hook(lambda grad: hook(self))


backend = derive("post-accumulate-hook-runs-early", breaks={"HOOK-5"}, tensor_type=_Tensor)
