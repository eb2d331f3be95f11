# RUN: %PYTHON %s > %t.mlir
# RUN: mp-gradcheck %t.mlir --input-scale 5 | FileCheck %s
#
# relu_grad and relu6_grad. With inputs of standard deviation 5 the relu6
# inputs straddle both kinks, 0 and 6 (the probe lines show elements in all
# three pieces, none exactly at a kink), and the relu input straddles 0; one
# relu6 is on a 4-D tensor. Elements whose steps cross a kink are
# differenced on the frozen function (relu pattern of the base point), so
# some elements are "frozen".

from mpt.ir import Builder

b = Builder("activations")
x = b.input((4, 3, 4, 4))
y = b.conv(x, "conv", 4, 3, padding=1, bias=True)   # 4x4x4x4
y = b.relu6(y, name="act4d")
y = b.flatten(y)                                    # 4x64
y = b.fc(y, "fc1", 16)
y = b.relu6(y, name="act6")
y = b.fc(y, "fc2", 16)
y = b.relu(y, name="act")
b.cross_entropy(b.fc(y, "fc3", 5))
print(b.to_mlir())

# CHECK: kink sites:
# CHECK-NEXT: relu6 'act4d' [4,4,4,4]: 256 inputs, {{[1-9][0-9]*}} <= 0, {{[1-9][0-9]*}} in (0,6), {{[1-9][0-9]*}} >= 6, 0 at 0 or 6
# CHECK-NEXT: relu6 'act6' [4,16]: 64 inputs, {{[1-9][0-9]*}} <= 0, {{[1-9][0-9]*}} in (0,6), {{[1-9][0-9]*}} >= 6, 0 at 0 or 6
# CHECK-NEXT: relu 'act' [4,16]: 64 inputs, {{[1-9][0-9]*}} <= 0, {{[1-9][0-9]*}} > 0, 0 at 0
# CHECK: conv.weight {{.*}} ok{{$}}
# CHECK: conv.bias {{.*}} ok{{$}}
# CHECK: fc1.weight {{.*}} ok{{$}}
# CHECK: fc1.bias {{.*}} ok{{$}}
# CHECK: fc2.weight {{.*}} ok{{$}}
# CHECK: fc2.bias {{.*}} ok{{$}}
# CHECK: fc3.weight {{.*}} ok{{$}}
# CHECK: fc3.bias {{.*}} ok{{$}}
# CHECK: PASS: @activations: 8 weights, 57 elements, 0 out of tolerance, 0 unresolved, {{[1-9][0-9]*}} frozen
