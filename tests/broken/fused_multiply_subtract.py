"""a*b - c on float32 is fused into one multiply-subtract rounded once (an FMS rewrite, as
AArch64's fmsub and compilers under -ffp-contract=fast give); torch rounds a*b first."""

from tests.broken import derive
from tests.broken.fused_multiply_add import contracting

backend = derive("fused-multiply-subtract", breaks={"TRAIN-1"}, tensor_type=contracting("__sub__"))
