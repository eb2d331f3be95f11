# RUN: mp-opt %examples/resnet18_cifar10.mlir > %t.mlir
# RUN: %PYTHON %s %examples/resnet18_cifar10.mlir %t.mlir | FileCheck %s
#
# Parameter counts of the zoo models at width 1.0, and the parameter count of
# the bundled ResNet-18 CIFAR-10 example read back from its IR, both as
# emitted and as printed again by mp-opt.

import re
import sys

import mpt
from mpt.ir import parse_signature

# Numbers of the PyTorch reference models (the paper's pytorch_cifar models;
# LeNet is kuangliu's): sum of p.numel() over model.parameters().
EXPECTED = {
    ("resnet18", 10): 11173962,
    ("resnet18", 100): 11220132,
    ("mobilenetv2", 10): 2296922,
    ("shufflenetv2", 10): 1263854,
    ("squeezenet", 10): 734986,
    ("lenet", 10): 62006,
}
for (model, classes), n in sorted(EXPECTED.items()):
    b = mpt.build(model, batch=2, num_classes=classes)
    assert b.num_parameters() == n, (model, classes, b.num_parameters(), n)
    print("%s/%d: %d" % (model, classes, b.num_parameters()))
# CHECK: lenet/10: 62006
# CHECK: mobilenetv2/10: 2296922
# CHECK: resnet18/10: 11173962
# CHECK: resnet18/100: 11220132
# CHECK: shufflenetv2/10: 1263854
# CHECK: squeezenet/10: 734986


def count(text):
    """Independent of mpt: sums the elements of every role-weight argument."""
    head = text[text.index("func.func"):]
    head = head[:head.index("->")]
    total = tensors = 0
    for dims in re.findall(r"tensor<([0-9x]+)xf32>\s*\{[^}]*#mp\.role<weight>", head):
        n = 1
        for d in dims.split("x"):
            n *= int(d)
        total += n
        tensors += 1
    return total, tensors


for path in sys.argv[1:]:
    text = open(path).read()
    total, tensors = count(text)
    args = parse_signature(text)
    assert total == sum(
        mpt.ir.num_elements(a["shape"]) for a in args if a["role"] == "weight")
    print("file: %d parameters in %d tensors" % (total, tensors))
    assert total == 11173962
# CHECK: file: 11173962 parameters in 62 tensors
# CHECK: file: 11173962 parameters in 62 tensors
