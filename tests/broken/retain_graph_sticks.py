"""Once a backward has retained a graph it is never freed: the engine records retain_graph on the
graph instead of reading it on each call, so a later backward without it keeps the graph too."""

import torch

from tests.broken import derive


class _Tensor(torch.Tensor):
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        if retain_graph or create_graph:
            self.__dict__["_retained"] = True
        retain_graph = retain_graph or self.__dict__.get("_retained", False)
        return super().backward(gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)


backend = derive("retain-graph-sticks", breaks={"GRAPH-2"}, tensor_type=_Tensor)
