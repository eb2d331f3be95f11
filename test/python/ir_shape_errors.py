# RUN: %PYTHON %s | FileCheck %s
#
# Shapes the mp verifier would reject raise mpt.ir.ShapeError (a ValueError)
# with a message that names the expected and the actual shape.

from mpt.ir import Builder, ShapeError


def case(label, fn):
    b = Builder("f")
    x = b.input((2, 4, 8, 8))
    b.label(2)
    try:
        fn(b, x)
    except ShapeError as e:
        assert isinstance(e, ValueError)
        print("%s: %s" % (label, e))
        return
    raise AssertionError("%s: no error" % label)


# CHECK: conv-weight: conv2d: expected weight shape [6, 4, 3, 3] (input channels 4 / groups 1), but got [6, 3, 3, 3]
case("conv-weight", lambda b, x: b.conv2d(x, b.weight("w", (6, 3, 3, 3))))
# CHECK: conv-groups: conv2d input channels (4) must be divisible by groups (3)
case("conv-groups", lambda b, x: b.conv2d(x, b.weight("w", (6, 1, 3, 3)), groups=3))
# CHECK: conv-fit: conv2d: kernel [5, 5] with dilation [3, 3] does not fit the padded input [10, 10] (input [2, 4, 8, 8], padding [1, 1])
case("conv-fit", lambda b, x: b.conv2d(x, b.weight("w", (6, 4, 5, 5)), padding=1, dilation=3))
# CHECK: conv-bias: conv2d: expected bias shape [6] (one per output channel), but got [4]
case("conv-bias", lambda b, x: b.conv2d(x, b.weight("w", (6, 4, 1, 1)), b.weight("b", (4,))))
# CHECK: conv-stride: conv2d stride must be positive, got [0, 1]
case("conv-stride", lambda b, x: b.conv2d(x, b.weight("w", (6, 4, 1, 1)), stride=(0, 1)))
# CHECK: conv-rank: conv2d input must have rank 4, got 2 (shape [2, 256])
case("conv-rank", lambda b, x: b.conv2d(b.flatten(x), b.weight("w", (6, 4, 1, 1))))
# CHECK: linear: linear: expected weight shape [10, 256] (out features x input features 256), but got [10, 100]
case("linear", lambda b, x: b.linear(b.flatten(x), b.weight("w", (10, 100))))
# CHECK: bn: batch_norm: expected running_var shape [4] (one per channel), but got [5]
case("bn", lambda b, x: b.batch_norm(x, b.weight("g", (4,)), b.weight("b", (4,)),
                                     b.bn_stat("m", (4,)), b.bn_stat("v", (5,))))
# CHECK: bn-momentum: batch_norm momentum must be in [0, 1], got 1.5
case("bn-momentum", lambda b, x: b.batch_norm(x, *[b.weight(n, (4,)) for n in "gbmv"],
                                              momentum=1.5))
# CHECK: add: add: operands must have the same shape, got [2, 4, 8, 8] and [2, 4, 4, 4]
case("add", lambda b, x: b.add(x, b.max_pool2d(x, 2)))
# CHECK: concat: concat: input #1 has shape [2, 4, 4, 4], which differs from input #0 [2, 4, 8, 8] outside axis 1
case("concat", lambda b, x: b.concat([x, b.max_pool2d(x, 2)]))
# CHECK: concat-axis: concat axis 4 is out of range for rank 4
case("concat-axis", lambda b, x: b.concat([x, x], axis=4))
# CHECK: split: split: sizes [1, 2] add up to 3 but the input has 4 along axis 1
case("split", lambda b, x: b.split(x, [1, 2]))
# CHECK: split-even: split: cannot split 4 elements along axis 1 into 3 equal pieces
case("split-even", lambda b, x: b.split(x, 3))
# CHECK: shuffle: channel_shuffle: channels (4) must be divisible by groups (3)
case("shuffle", lambda b, x: b.channel_shuffle(x, 3))
# CHECK: reshape: cannot reshape [2, 4, 8, 8] (512 elements) to [2, 100] (200 elements)
case("reshape", lambda b, x: b.reshape(x, (2, 100)))
# CHECK: pool-fit: max_pool2d: kernel [9, 9] does not fit the padded input [8, 8] (input [2, 4, 8, 8])
case("pool-fit", lambda b, x: b.max_pool2d(x, 9))
# CHECK: pool-pad: avg_pool2d: padding [2, 2] must be at most half the kernel [3, 3]
case("pool-pad", lambda b, x: b.avg_pool2d(x, 3, padding=2))
# CHECK: gap-rank: global_avg_pool input must have rank 4, got 2 (shape [2, 256])
case("gap-rank", lambda b, x: b.global_avg_pool(b.flatten(x)))
# CHECK: dropout: dropout ratio must be in [0, 1), got 1.0
case("dropout", lambda b, x: b.dropout(x, 1.0))
# CHECK: log_softmax: log_softmax input must have rank 2, got 4 (shape [2, 4, 8, 8])
case("log_softmax", lambda b, x: b.log_softmax(x))
# CHECK: nll: nll_loss: expected labels shape [4] (one per row of the input), but got [2]
case("nll", lambda b, x: b.nll_loss(b.flatten(b.reshape(x, (4, 128))), b.arguments[1]))
# CHECK: arg: argument 'w' has shape [0, 3] with a non-positive dimension
case("arg", lambda b, x: b.weight("w", (0, 3)))

# Non-shape misuse is a plain ValueError.
b = Builder("g")
b.weight("w", (1,))
for label, fn in [("dup", lambda: b.weight("w", (2,))),
                  ("role", lambda: b.argument("a", (1,), "activation")),
                  ("noloss", lambda: b.to_mlir())]:
    try:
        fn()
    except ValueError as e:
        print("%s: %s" % (label, e))
    else:
        raise AssertionError(label)
# CHECK: dup: duplicate argument name 'w'
# CHECK: role: role 'activation' cannot be passed as an argument; expected one of input, label, weight, bn_stat, seed, learning_rate, loss_scale, momentum, flag
# CHECK: noloss: no loss: call cross_entropy() or set_loss() first
