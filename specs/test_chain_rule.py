"""Chain-rule examples: the tutorials' worked computations, with the values they print."""

from conformance import spec


@spec("CHAIN-4", source="000_df3ab9637a332bf6.txt § Code")
def test_two_dot_x_x_gives_4x(torch, check):
    """y = 2 * dot(x, x) backpropagates 4x into x (x = arange(4.0): y = 28, x.grad = [0, 4, 8, 12])."""
    x = torch.arange(4.0)
    x.requires_grad_(True)
    check.none(x.grad, "x.grad before any backward")

    y = 2 * torch.dot(x, x)
    check.equal(y, 28.0, "y = 2 * dot(x, x)")
    y.backward()
    check.equal(x.grad, [0.0, 4.0, 8.0, 12.0], "x.grad after y.backward(), which is 4x")
