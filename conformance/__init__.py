"""autograd-conformance: PyTorch's autograd semantics as executable specs for any engine.

PYTEST_DONT_REWRITE: the console script imports this package before pytest starts, and
the harness asserts through `conformance.check`, not through rewritten asserts.
"""

from conformance.contract import CONTRACT_VERSION, FEATURES, Backend, Tensor
from conformance.spec import spec

__version__ = "0.1.0"
__all__ = ["CONTRACT_VERSION", "FEATURES", "Backend", "Tensor", "__version__", "spec"]
