"""dot's backward never returns, as an engine stuck in a cycle of its graph does."""

from tests.misbehaving import with_dot_backward


def _spin() -> None:
    while True:
        pass


backend = with_dot_backward("hangs-in-backward", _spin)
