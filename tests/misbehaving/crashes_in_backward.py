"""dot's backward kills the process, as a native engine's segfault or failed assert does."""

import os

from tests.misbehaving import with_dot_backward

backend = with_dot_backward("crashes-in-backward", os.abort)
