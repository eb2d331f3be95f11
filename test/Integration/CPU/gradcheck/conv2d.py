# RUN: %PYTHON %s > %t.mlir
# RUN: mp-gradcheck %t.mlir | FileCheck %s
#
# conv2d's three gradient rules (conv2d_input_grad, conv2d_weight_grad,
# bias_grad) against central differences: stride 2 with (H + 2p - k) % s != 0
# and groups 2, dilation 2, depthwise, depthwise with channel multiplier and a
# non-square kernel/stride/padding, with and without bias. Every conv but the
# first also backpropagates to its input.

from mpt.ir import Builder

b = Builder("convs")
x = b.input((2, 4, 10, 10))
y = b.conv(x, "plain", 8, 3, padding=1, bias=True)                 # 2x8x10x10
y = b.conv(y, "strided", 8, 3, stride=2, padding=1, groups=2)      # 2x8x5x5
y = b.conv(y, "dilated", 8, 3, padding=2, dilation=2, bias=True)   # 2x8x5x5
y = b.conv(y, "depthwise", 8, 3, padding=1, groups=8, bias=True)   # 2x8x5x5
y = b.conv(y, "multiplier", 16, (1, 3), stride=(1, 2), padding=(0, 1),
           groups=8)                                                # 2x16x5x3
y = b.global_avg_pool(y)
b.cross_entropy(b.fc(y, "fc", 10))
print(b.to_mlir())

# CHECK: @convs: 10 weights, 1466 parameters
# CHECK: plain.weight {{.*}} ok{{$}}
# CHECK: plain.bias {{.*}} ok{{$}}
# CHECK: strided.weight {{.*}} ok{{$}}
# CHECK: dilated.weight {{.*}} ok{{$}}
# CHECK: dilated.bias {{.*}} ok{{$}}
# CHECK: depthwise.weight {{.*}} ok{{$}}
# CHECK: depthwise.bias {{.*}} ok{{$}}
# CHECK: multiplier.weight {{.*}} ok{{$}}
# CHECK: fc.weight {{.*}} ok{{$}}
# CHECK: fc.bias {{.*}} ok{{$}}
# CHECK: PASS: @convs: 10 weights, 80 elements, 0 out of tolerance, 0 unresolved
