# RUN: %PYTHON %s > %t.mlir
# RUN: mp-gradcheck %t.mlir | FileCheck %s
#
# max_pool2d_grad, avg_pool2d_grad and global_avg_pool_grad:
#  * max_pool2d 3x3 / stride 2 / padding 1 (overlapping windows: an input
#    element can win several windows and collects all their gradients), and
#    2x2 / stride 1 / padding 1 on a 2x2 map (corner windows hold one real
#    element, padding never wins);
#  * avg_pool2d 3x3 / stride 2 / padding 1 and 2x2 / stride 1 / padding 1
#    (zero padding counts in the divisor);
#  * global_avg_pool to N x C and to N x C x 1 x 1.
# The max-pool inputs come straight from convs (no relu), so the probe lines
# show no ties. Elements whose steps change a window's arg-max are
# differenced on the frozen function (each max_pool2d replaced by a
# selection of its base point's arg-max), so some elements are "frozen".

from mpt.ir import Builder

b = Builder("pooling")
x = b.input((2, 3, 8, 8))
y = b.conv(x, "c1", 4, 3, padding=1)                             # 2x4x8x8
y = b.max_pool2d(y, 3, stride=2, padding=1, name="max_overlap")  # 2x4x4x4
y = b.conv(y, "c2", 4, 3, padding=1, bias=True)                  # 2x4x4x4
y = b.avg_pool2d(y, 3, stride=2, padding=1, name="avg_overlap")  # 2x4x2x2
g1 = b.global_avg_pool(y, name="gap2d")                          # 2x4
y = b.conv(y, "c3", 4, 1)                                        # 2x4x2x2
y = b.max_pool2d(y, 2, stride=1, padding=1, name="max_pad")      # 2x4x3x3
y = b.avg_pool2d(y, 2, stride=1, padding=1, name="avg_pad")      # 2x4x4x4
g2 = b.global_avg_pool(y, keepdims=True, name="gap4d")           # 2x4x1x1
g2 = b.flatten(g2)
z = b.concat([g1, g2], axis=1)                                   # 2x8
b.cross_entropy(b.fc(z, "fc", 5))
print(b.to_mlir())

# CHECK: kink sites:
# CHECK-NEXT: max_pool2d 'max_overlap' [2,4,8,8]: 128 windows (kernel [3,3] stride [2,2] padding [1,1]), 0 ties (0 more at 0)
# CHECK-NEXT: max_pool2d 'max_pad' [2,4,2,2]: 72 windows (kernel [2,2] stride [1,1] padding [1,1]), 0 ties (0 more at 0)
# CHECK: c1.weight {{.*}} ok{{$}}
# CHECK: c2.weight {{.*}} ok{{$}}
# CHECK: c2.bias {{.*}} ok{{$}}
# CHECK: c3.weight {{.*}} ok{{$}}
# CHECK: fc.weight {{.*}} ok{{$}}
# CHECK: fc.bias {{.*}} ok{{$}}
# CHECK: PASS: @pooling: 6 weights, {{[0-9]+}} elements, 0 out of tolerance, 0 unresolved, {{[1-9][0-9]*}} frozen
