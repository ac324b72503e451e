"""log's backward was copied from exp's: it multiplies the gradient by the saved result (log x)
instead of dividing it by x. Only the random graphs (CHAIN-7) take a log."""

import torch

from tests.broken import derive, with_rule

# wrong on purpose: d log(x) / dx = 1 / x
backend = derive("log-rule-copied-from-exp", breaks={"CHAIN-7"}, log=with_rule(torch.log, lambda grad, y: grad * y))
