# RUN: %PYTHON %s > %t.mlir
# RUN: mp-gradcheck %t.mlir | FileCheck %s
#
# The ops that route values: add, mul, concat, split, channel_shuffle,
# reshape, and the reverse sweep's summation of fan-out gradients:
#  * %a feeds mul and add, %c feeds mul and concat, %s feeds both operands
#    of one add (its gradient is the sum of two contributions of one op);
#  * mul of two weight-dependent values (both operand gradients);
#  * channel_shuffle with 4 groups of 8 channels (its inverse has 2 groups,
#    so the rule cannot be right by being an involution);
#  * split into 3 pieces along the channels, the last of which never reaches
#    the loss (its gradient is zeros), and split/concat of 2-D tensors along
#    dimension 1;
#  * reshape 4-D -> 2-D (flatten) and 2-D -> 4-D.

from mpt.ir import Builder

b = Builder("dataflow")
x = b.input((2, 3, 4, 4))
a = b.conv(x, "a", 4, 3, padding=1)                  # 2x4x4x4
c = b.conv(x, "c", 4, 1, bias=True)                  # 2x4x4x4
m = b.mul(a, c, name="m")
s = b.add(a, m, name="s")
s = b.add(s, s, name="twice")
cat = b.concat([s, c], axis=1, name="cat")           # 2x8x4x4
sh = b.channel_shuffle(cat, groups=4, name="shuffle")
p0, p1, p2 = b.split(sh, [2, 4, 2], axis=1, name="split")
q = b.reshape(b.global_avg_pool(p0, name="gap"), (2, 2, 1, 1), name="to4d")
q = b.conv(q, "q", 4, 1)                             # 2x4x1x1
q = b.flatten(q, name="flat_q")                      # 2x4
r = b.flatten(p1, name="flat_p1")                    # 2x64
r = b.fc(r, "r", 6)                                  # 2x6
r0, r1 = b.split(r, [2, 4], axis=1, name="split2d")
z = b.concat([r1, q, r0], axis=1, name="cat2d")      # 2x10
b.cross_entropy(b.fc(z, "fc", 5))
print(b.to_mlir())

# CHECK: @dataflow: 8 weights
# CHECK: a.weight {{.*}} ok{{$}}
# CHECK: c.weight {{.*}} ok{{$}}
# CHECK: c.bias {{.*}} ok{{$}}
# CHECK: q.weight {{.*}} ok{{$}}
# CHECK: r.weight {{.*}} ok{{$}}
# CHECK: r.bias {{.*}} ok{{$}}
# CHECK: fc.weight {{.*}} ok{{$}}
# CHECK: fc.bias {{.*}} ok{{$}}
# CHECK: PASS: @dataflow: 8 weights, {{[0-9]+}} elements, 0 out of tolerance, 0 unresolved
