# RUN: %PYTHON %s > %t.mlir
# RUN: mp-gradcheck %t.mlir | FileCheck %s
#
# dropout_grad: the mask is a function of the seed argument (mp-gradcheck
# passes the same fixed seed to the forward function and to the train step),
# so the loss is a smooth function of the weights and the backward op must
# recompute exactly the forward mask and scale. Ratios 0.25 on a 4-D tensor
# and 0.5 on a 2-D one, each with its own seed. log_softmax_grad and
# nll_loss_grad are checked here as in every other test: they start every
# backward pass.

from mpt.ir import Builder

b = Builder("dropout")
x = b.input((4, 3, 4, 4))
y = b.conv(x, "conv", 4, 3, padding=1, bias=True)    # 4x4x4x4
y = b.dropout(y, 0.25, name="drop4d")
y = b.flatten(b.avg_pool2d(y, 2, name="pool"))       # 4x16
y = b.fc(y, "fc1", 12)
y = b.dropout(y, 0.5, name="drop2d")
b.cross_entropy(b.fc(y, "fc2", 7))
print(b.to_mlir())

# CHECK: @dropout: 6 weights
# CHECK: conv.weight {{.*}} ok{{$}}
# CHECK: conv.bias {{.*}} ok{{$}}
# CHECK: fc1.weight {{.*}} ok{{$}}
# CHECK: fc1.bias {{.*}} ok{{$}}
# CHECK: fc2.weight {{.*}} ok{{$}}
# CHECK: fc2.bias {{.*}} ok{{$}}
# CHECK: PASS: @dropout: 6 weights, {{[0-9]+}} elements, 0 out of tolerance, 0 unresolved
