"""autograd-conformance: PyTorch's autograd semantics as executable specs for any engine."""

from conformance.contract import CONTRACT_VERSION, FEATURES, Backend, Tensor
from conformance.spec import spec

__version__ = "0.1.0"
__all__ = ["CONTRACT_VERSION", "FEATURES", "Backend", "Tensor", "__version__", "spec"]
