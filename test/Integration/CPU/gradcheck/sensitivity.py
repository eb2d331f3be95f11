# RUN: %PYTHON %s %t.mlir
#
# The check is sensitive: one graph with every differentiable op passes, and
# multiplying the results of one kind of backward op in the training step by
# 1.05 (--inject-fault) makes it fail with exit status 1. Each fault costs a
# compilation (about 2 s), so by default four kinds are faulted (the
# fan-out sum, batch norm, max pooling, channel shuffle);
# sensitivity-all.test (lit --param exhaustive=1) faults all 20. Ops of the
# forward dialect also appear in the backward pass: mul (mul's gradient),
# split (concat's), concat (split's), channel_shuffle (its own inverse) and
# reshape (its own).

import subprocess
import sys

from mpt.ir import Builder  # lit puts python/ on PYTHONPATH

b = Builder("all_ops")
x = b.input((4, 3, 8, 8))
y = b.conv(x, "c1", 8, 3, stride=2, padding=1, bias=True)       # 4x8x4x4
y = b.relu6(y, name="act6")
y1, y2 = b.split(y, [4, 4], axis=1, name="split")
m = b.mul(y1, y2, name="mul")
s = b.add(m, y1, name="add")                                    # y1 fans out
y = b.concat([s, y2], axis=1, name="cat")                       # y2 fans out
y = b.channel_shuffle(y, groups=2, name="shuffle")
y = b.conv(y, "dw", 8, 3, padding=2, dilation=2, groups=8)
y = b.bn(y, "bn4d")
y = b.relu(y, name="act")
y = b.max_pool2d(y, 3, stride=2, padding=1, name="maxpool")     # 4x8x2x2
y = b.avg_pool2d(y, 2, stride=1, padding=1, name="avgpool")     # 4x8x3x3
y = b.global_avg_pool(y, name="gap")                            # 4x8
y = b.fc(y, "fc1", 16, bias=False)
y = b.bn(y, "bn2d")
y = b.dropout(y, 0.25, name="drop")
y = b.reshape(y, (4, 4, 2, 2), name="to4d")
y = b.flatten(b.global_avg_pool(y, keepdims=True, name="gap4d"))
b.cross_entropy(b.fc(y, "fc2", 5))
path = sys.argv[1]
with open(path, "w") as f:
    f.write(b.to_mlir())

BACKWARD_OPS = [
    "mp.conv2d_input_grad", "mp.conv2d_weight_grad", "mp.bias_grad",
    "mp.linear_input_grad", "mp.linear_weight_grad", "mp.batch_norm_grad",
    "mp.relu_grad", "mp.relu6_grad", "mp.max_pool2d_grad",
    "mp.avg_pool2d_grad", "mp.global_avg_pool_grad", "mp.dropout_grad",
    "mp.log_softmax_grad", "mp.nll_loss_grad", "mp.grad_sum", "mp.mul",
    "mp.split", "mp.concat", "mp.channel_shuffle", "mp.reshape",
]


def gradcheck(*args):
    p = subprocess.run(["mp-gradcheck", path, "--input-scale", "3",
                        "--samples", "3"] + list(args),
                       capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr


rc, out = gradcheck()
assert rc == 0 and "PASS: @all_ops" in out, out
if sys.argv[2:] != ["all"]:
    BACKWARD_OPS = ["mp.grad_sum", "mp.batch_norm_grad", "mp.max_pool2d_grad",
                    "mp.channel_shuffle"]
for op in BACKWARD_OPS:
    rc, out = gradcheck("--inject-fault=" + op)
    assert "injected fault:" in out and rc == 1 and "FAIL: @all_ops" in out, \
        "fault in %s not detected (exit %d):\n%s" % (op, rc, out)
print("ok")
