"""Training loops: the tutorial's SGD loops, run for their 100 epochs, print the gradients and losses
of the tutorial's log.

Every printed number is checked for exact equality. Each one is the float32 result of the same
sequence of correctly rounded operations (products, differences, squares, their derivatives,
the updates), which is deterministic, and torch 2.13 reproduces the tutorial's log bit for bit.
A tolerance would have nothing to absorb, and none could be set usefully: the one-weight loop
has converged to w = 1.9999996, three float32 steps below 2, where the updates are too small to
move it, so its printed gradients are rounding residue (-7.152557373046875e-07 is 2 (w - 2)).
An engine that rounds differently, say by fusing w*x - y into one multiply-subtract, prints
other residues altogether.
"""

from conformance import spec
from conformance.tutorials import X_DATA, Y_DATA

EPOCHS = 100
LEARNING_RATE = 0.01


def no_grad_step(torch, params):
    """The core form of the untracked update (DATA-5): in place under no_grad, then zeroing."""
    with torch.no_grad():
        for p in params:
            p -= LEARNING_RATE * p.grad
    for p in params:
        p.grad.zero_()


def data_step(torch, params):
    """The tutorial's update, through .data: w.data = w.data - 0.01 * w.grad.data, then w.grad.data.zero_()."""
    for p in params:
        p.data = p.data - LEARNING_RATE * p.grad.data
    for p in params:
        p.grad.data.zero_()


def train(torch, params, forward, step):
    """The tutorial's loop: per sample a squared error, backward, the printed w.grad.item(), the update
    step; per epoch the printed loss_value.item() of the last sample. Returns both, by epoch."""
    grads, losses = [], []
    for _ in range(EPOCHS):
        epoch_grads = []
        for x, y in zip(X_DATA, Y_DATA, strict=True):
            loss_value = (forward(x) - y) ** 2
            loss_value.backward()
            epoch_grads.append([p.grad.item() for p in params])
            step(torch, params)
        grads.append(epoch_grads)
        losses.append(loss_value.item())
    return grads, losses


def check_printed_log(check, names, printed, grads, losses):
    """``printed`` maps an epoch to its printed gradients (per sample, per parameter) and loss."""
    for epoch, (printed_grads, printed_loss) in printed.items():
        for x, sample_printed, sample_grads in zip(X_DATA, printed_grads, grads[epoch], strict=True):
            for name, want, got in zip(names, sample_printed, sample_grads, strict=True):
                check.equal(got, want, f"{name}.grad.item() at epoch {epoch}, sample x = {x}")
        check.equal(losses[epoch], printed_loss, f"loss_value.item() at epoch {epoch}")


ONE_WEIGHT_LOG = {
    epoch: ([[-7.152557373046875e-07], [-2.86102294921875e-06], [-5.7220458984375e-06]], 9.094947017729282e-13)
    for epoch in (97, 98, 99)
}
"""The tutorial's log of code1: its last three epochs print the same values, since w has converged."""


def one_weight_loop(torch, check, step):
    w = torch.tensor([1.0])
    w.requires_grad = True

    def forward(x):
        return w * x

    grads, losses = train(torch, [w], forward, step)
    check_printed_log(check, ["w"], ONE_WEIGHT_LOG, grads, losses)


@spec("TRAIN-1", source="001_7bced7f8c681d456.txt § code1, with the update in its core form (DATA-5)")
def test_one_weight_loop_prints_the_tutorials_log(torch, check):
    """SGD on w·x (w = 1, lr 0.01) with the no_grad update prints, at epochs 97-99, grads -7.152557373046875e-07,
    -2.86102294921875e-06, -5.7220458984375e-06 and loss 9.094947017729282e-13."""
    one_weight_loop(torch, check, no_grad_step)


@spec("TRAIN-1", source="001_7bced7f8c681d456.txt § code1", needs=["data_attribute"])
def test_one_weight_loop_with_data_updates_prints_the_tutorials_log(torch, check):
    """SGD on w·x (w = 1, lr 0.01) updated through .data, as the tutorial writes it, prints, at epochs 97-99,
    grads -7.152557373046875e-07, -2.86102294921875e-06, -5.7220458984375e-06 and loss 9.094947017729282e-13."""
    one_weight_loop(torch, check, data_step)


QUADRATIC_LOG = {
    95: (
        [
            [0.19469690322875977, 0.19469690322875977, 0.19469690322875977],
            [-0.8440914154052734, -0.4220457077026367, -0.21102285385131836],
            [0.6485795974731445, 0.21619319915771484, 0.07206439971923828],
        ],
        0.0012983194319531322,
    ),
    96: (
        [
            [0.19382190704345703, 0.19382190704345703, 0.19382190704345703],
            [-0.8460159301757812, -0.4230079650878906, -0.2115039825439453],
            [0.6516609191894531, 0.21722030639648438, 0.07240676879882812],
        ],
        0.0013106850674375892,
    ),
    97: (
        [
            [0.1929769515991211, 0.1929769515991211, 0.1929769515991211],
            [-0.8478355407714844, -0.4239177703857422, -0.2119588851928711],
            [0.6546220779418945, 0.21820735931396484, 0.07273578643798828],
        ],
        0.001322623691521585,
    ),
    98: (
        [
            [0.19216156005859375, 0.19216156005859375, 0.19216156005859375],
            [-0.8495674133300781, -0.42478370666503906, -0.21239185333251953],
            [0.6574630737304688, 0.21915435791015625, 0.07305145263671875],
        ],
        0.0013341286685317755,
    ),
}
"""The tutorial's log of code2, epochs 95-98: the gradients of w1, w2 and b per sample, then the loss."""


def quadratic_loop(torch, check, step):
    w1 = torch.tensor([1.0])
    w1.requires_grad = True
    w2 = torch.tensor([2.0])
    w2.requires_grad = True
    b = torch.tensor([1.0])
    b.requires_grad = True

    def forward(x):
        return w1 * (x**2) + w2 * x + b

    grads, losses = train(torch, [w1, w2, b], forward, step)
    check_printed_log(check, ["w1", "w2", "b"], QUADRATIC_LOG, grads, losses)


@spec("TRAIN-2", source="001_7bced7f8c681d456.txt § code2, with the update in its core form (DATA-5)")
def test_quadratic_loop_prints_the_tutorials_log(torch, check):
    """SGD on w1·x² + w2·x + b (1, 2, 1; lr 0.01) with the no_grad update prints the tutorial's gradients and
    losses at epochs 95-98, e.g. w1.grad = 0.19469690322875977 at epoch 95, x = 1, and loss 0.0013341286685317755
    at epoch 98."""
    quadratic_loop(torch, check, no_grad_step)


@spec("TRAIN-2", source="001_7bced7f8c681d456.txt § code2", needs=["data_attribute"])
def test_quadratic_loop_with_data_updates_prints_the_tutorials_log(torch, check):
    """SGD on w1·x² + w2·x + b (1, 2, 1; lr 0.01) updated through .data, as the tutorial writes it, prints the
    tutorial's gradients and losses at epochs 95-98, e.g. w1.grad = 0.19469690322875977 at epoch 95, x = 1, and
    loss 0.0013341286685317755 at epoch 98."""
    quadratic_loop(torch, check, data_step)
