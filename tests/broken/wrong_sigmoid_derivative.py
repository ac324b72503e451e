"""sigmoid's derivative drops the factor (1 - s): s instead of s(1 - s), a wrong rule in one operation."""

import torch

from tests.broken import derive, with_rule

backend = derive(
    "wrong-sigmoid-derivative",
    breaks={"CHAIN-2", "CHAIN-7", "VJP-3"},
    sigmoid=with_rule(torch.sigmoid, lambda grad, s: grad * s),  # wrong on purpose: d sigmoid / dz = s (1 - s)
)
