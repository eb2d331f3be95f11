# RUN: %PYTHON %s > %t.mlir
# RUN: mp-opt %t.mlir | FileCheck %s
#
# Cross-checks the builder's shape rules against the mp verifier: random
# conv2d / pooling configurations that the builder accepts (with the result
# shapes it computes) must verify in mp-opt, and a good share of the random
# configurations must be accepted at all.

import random

from mpt.ir import Builder, ShapeError

rng = random.Random(1234)
funcs, accepted, rejected = [], 0, 0
for i in range(300):
    b = Builder("f%d" % i)
    n, c = rng.randint(1, 3), rng.choice([1, 2, 3, 4, 6, 8])
    h, w = rng.randint(1, 12), rng.randint(1, 12)
    x = b.input((n, c, h, w))
    b.label(n)
    kind = rng.choice(["conv", "max", "avg"])
    try:
        if kind == "conv":
            groups = rng.choice([g for g in (1, 2, 3, 4) if c % g == 0])
            out = groups * rng.randint(1, 3)
            y = b.conv(x, "conv", out, (rng.randint(1, 5), rng.randint(1, 5)),
                       stride=(rng.randint(1, 3), rng.randint(1, 3)),
                       padding=(rng.randint(0, 2), rng.randint(0, 2)),
                       dilation=(rng.randint(1, 3), rng.randint(1, 2)),
                       groups=groups, bias=rng.random() < 0.5)
        else:
            k = (rng.randint(1, 4), rng.randint(1, 4))
            pool = b.max_pool2d if kind == "max" else b.avg_pool2d
            y = pool(x, k, stride=(rng.randint(1, 3), rng.randint(1, 3)),
                     padding=(rng.randint(0, 2), rng.randint(0, 2)))
    except ShapeError:
        rejected += 1
        continue
    accepted += 1
    b.cross_entropy(b.fc(b.flatten(y), "fc", 3))
    funcs.append(b.function_text())

assert accepted > 100 and rejected > 20, (accepted, rejected)
print("module {\n%s\n}" % "\n".join(funcs))

# CHECK: func.func @f0(
