# RUN: %PYTHON %s > %t.mlir
# RUN: mp-gradcheck %t.mlir --samples 6 | FileCheck %s
#
# linear (with and without bias: linear_input_grad, linear_weight_grad,
# bias_grad) and training-mode batch_norm on 4-D and 2-D inputs
# (batch_norm_grad: input, gamma and beta; batch 4 so the 2-D statistics are
# not degenerate). Both BN inputs depend on weights, so the input gradient
# through the batch statistics is checked too. A constant shift before BN
# does not change the loss, so each BN output goes through a smooth
# nonlinearity (mul by itself) before the next layer: otherwise beta's
# gradient would be exactly 0 and prove nothing.

from mpt.ir import Builder

b = Builder("linear_bn")
x = b.input((4, 3, 6, 6))
y = b.conv(x, "conv1", 6, 3, padding=1)            # 4x6x6x6
y = b.bn(y, "bn4d")
y = b.mul(y, y, name="square4d")
y = b.conv(y, "conv2", 4, 3, stride=2)             # 4x4x2x2
y = b.flatten(y)                                   # 4x16
y = b.fc(y, "fc1", 8, bias=False)
y = b.bn(y, "bn2d")
y = b.mul(y, y, name="square2d")
b.cross_entropy(b.fc(y, "fc2", 5, bias=True))
print(b.to_mlir())

# CHECK: @linear_bn: 9 weights
# CHECK: conv1.weight {{.*}} ok{{$}}
# CHECK: bn4d.weight {{.*}} ok{{$}}
# CHECK: bn4d.bias {{.*}} ok{{$}}
# CHECK: conv2.weight {{.*}} ok{{$}}
# CHECK: fc1.weight {{.*}} ok{{$}}
# CHECK: bn2d.weight {{.*}} ok{{$}}
# CHECK: bn2d.bias {{.*}} ok{{$}}
# CHECK: fc2.weight {{.*}} ok{{$}}
# CHECK: fc2.bias {{.*}} ok{{$}}
# CHECK: PASS: @linear_bn: 9 weights, {{[0-9]+}} elements, 0 out of tolerance, 0 unresolved
