"""a*b + c on float32 is fused into one multiply-add rounded once, the way tinygrad's MULACC
rewrite and C compilers under -ffp-contract=fast contract it; torch rounds a*b first.
The values differ from PyTorch's in the last bits, which the tutorial's printed log shows."""

import torch

from tests.broken import derive


def contracting(operator):
    """A tensor type whose ``product <operator> c`` rounds once, like a fused a*b ± c."""

    class _Tensor(torch.Tensor):
        def __mul__(self, other):
            product = super().__mul__(other)
            product._factors = (self, other)
            return product

        __rmul__ = __mul__

        def _fused(self, other):
            result = getattr(super(), operator)(other)
            factors = getattr(self, "_factors", None)
            if factors is None or result.dtype != torch.float32:
                return result
            with torch.no_grad():
                # A product of two float32 values is exact in float64, so this rounds once.
                a, b, c = (torch.as_tensor(v, dtype=torch.float32).double() for v in (*factors, other))
                exact = getattr(a * b, operator)(c).float()
                # exact - result is a few ulps, exactly representable; adding it back leaves
                # the gradient of the unfused expression untouched.
                correction = exact - result
            return result + correction

    setattr(_Tensor, operator, _Tensor._fused)
    return _Tensor


backend = derive("fused-multiply-add", breaks={"TRAIN-2"}, tensor_type=contracting("__add__"))
