# RUN: %PYTHON %s | FileCheck %s
#
# The forward-function convention of every zoo model: argument order (input,
# label, weights in forward-execution order, BN statistics), names, result
# order, op names, and per-model op counts.

import re
from collections import Counter

import mpt
from mpt.ir import parse_signature

OPS = re.compile(r"^\s*(%[^=]+)= mp\.([a-z_0-9]+) (.*)$", re.M)


def check(model, **kw):
    b = mpt.build(model, batch=4, **kw)
    text = b.to_mlir()
    args = parse_signature(text)
    roles = [a["role"] for a in args]
    # Order of roles.
    assert roles[:2] == ["input", "label"], roles[:2]
    nw = roles.count("weight")
    ns = roles.count("bn_stat")
    assert roles[2:] == ["weight"] * nw + ["bn_stat"] * ns, model
    assert args[0]["ssa"] == "x" and args[0]["name"] == "input"
    assert args[1]["name"] == "label" and args[1]["dtype"] == "i32"
    assert args[1]["shape"] == (4,)
    # BN statistics come in (running_mean, running_var) pairs, one per BN.
    stats = [a["name"] for a in args if a["role"] == "bn_stat"]
    for m, v in zip(stats[::2], stats[1::2]):
        assert m.endswith(".running_mean") and v == m[:-len("mean")] + "var", (m, v)
    # Weights are used in argument order (forward-execution order) and the
    # running statistics in the order of their BN ops.
    ops = OPS.findall(text)
    first_use = {}
    for k, (_, _, rest) in enumerate(ops):
        for name in re.findall(r"%([0-9A-Za-z_$.\-]+)", rest.split(" : ")[0]):
            first_use.setdefault(name, k)
    for role in ("weight", "bn_stat"):
        used = [first_use[a["ssa"]] for a in args if a["role"] == role]
        assert used == sorted(used), (model, role)
    # Every op has a unique mp.name.
    names = re.findall(r'\{mp\.name = "([^"]+)"\}', "\n".join(o[2] for o in ops))
    assert len(names) == len(ops) and len(set(names)) == len(names), model
    # Results: loss, then the new statistics in bn_stat argument order.
    ret = re.search(r"-> \((.*?)\) \{\n", text, re.S).group(1)
    res = re.findall(r'\{mp\.name = "([^"]+)", mp\.role = #mp\.role<([a-z_]+)>\}', ret)
    assert res == [("loss", "loss")] + [(s, "bn_stat") for s in stats], model
    ret_line = re.search(r"return (.*) :", text).group(1).split(", ")
    assert ret_line[0] == "%loss"
    for (name, _), v in zip(res[1:], ret_line[1:]):
        assert v.startswith("%" + name.rsplit(".", 1)[0] + ".new_" + name.rsplit(".", 1)[1])
    counts = Counter(o[1] for o in ops)
    weights = [a["name"] for a in args if a["role"] == "weight"]
    print("%s %s: %d weights, %d stats, %s" % (
        model, kw, nw, ns, " ".join("%s=%d" % kv for kv in sorted(counts.items()))))
    print("  first: %s" % ", ".join(weights[:4]))
    print("  last: %s" % ", ".join(weights[-3:]))
    return b, counts


# CHECK: resnet18 {}: 62 weights, 40 stats, add=8 avg_pool2d=1 batch_norm=20 conv2d=20 linear=1 log_softmax=1 nll_loss=1 relu=17 reshape=1
# CHECK-NEXT: first: conv1.weight, bn1.weight, bn1.bias, layer1.0.conv1.weight
# CHECK-NEXT: last: layer4.1.bn2.bias, linear.weight, linear.bias
b, _ = check("resnet18")
w = [a.pname for a in b.weights]
assert w[-3:] == ["layer4.1.bn2.bias", "linear.weight", "linear.bias"]
assert "layer2.0.shortcut.0.weight" in w and "layer2.0.shortcut.1.bias" in w
assert w.index("layer2.0.bn2.bias") + 1 == w.index("layer2.0.shortcut.0.weight")
assert [a.pname for a in b.bn_stats][:2] == ["bn1.running_mean", "bn1.running_var"]

# Width 0.25 rounds to multiples of 4: 16/16/32/64/128.
b, _ = check("resnet18", width=0.25, num_classes=100)
assert [a.shape[0] for a in b.weights if a.pname.endswith("conv1.weight")][:4] == \
    [16, 16, 16, 32]
assert b.weights[-2].shape == (100, 128)
# CHECK: resnet18 {'width': 0.25, 'num_classes': 100}: 62 weights, 40 stats

# 17 blocks: 3 convs each, 4 shortcut convs, stem and last conv; 14 stride-1 adds.
# CHECK: mobilenetv2 {}: 173 weights, 114 stats, add=14 avg_pool2d=1 batch_norm=57 conv2d=57 linear=1 log_softmax=1 nll_loss=1 relu=36 reshape=1
# CHECK-NEXT: first: conv1.weight, bn1.weight, bn1.bias, layers.0.conv1.weight
b, _ = check("mobilenetv2")
assert b.weights[-3].shape == (1280,)  # bn2.bias
assert "layers.0.shortcut.0.weight" in [a.pname for a in b.weights]
# Last conv is 1280 * max(1, width).
b, _ = check("mobilenetv2", width=1.5)
assert [a.shape for a in b.weights if a.pname == "conv2.weight"] == [(1920, 480, 1, 1)]
# CHECK: mobilenetv2 {'width': 1.5}

# 3 down blocks (5 convs) + 13 basic blocks (3 convs), stem, last conv.
# CHECK: shufflenetv2 {}: 170 weights, 112 stats, avg_pool2d=1 batch_norm=56 channel_shuffle=16 concat=16 conv2d=56 linear=1 log_softmax=1 nll_loss=1 relu=37 reshape=1 split=13
# CHECK-NEXT: first: conv1.weight, bn1.weight, bn1.bias, layer1.0.conv1.weight
b, _ = check("shufflenetv2")
assert [a.shape for a in b.weights if a.pname == "conv1.weight"] == [(24, 3, 3, 3)]
assert [a.shape for a in b.weights if a.pname == "conv2.weight"] == [(1024, 464, 1, 1)]
b, _ = check("shufflenetv2", width=0.5)
assert [a.shape for a in b.weights if a.pname == "conv2.weight"] == [(1024, 224, 1, 1)]
# CHECK: shufflenetv2 {'width': 0.5}

# Stem, 8 fire modules of 3 convs, 1x1 classifier conv: 26 convs, all with bias.
# CHECK: squeezenet {}: 102 weights, 50 stats, avg_pool2d=1 batch_norm=25 concat=8 conv2d=26 log_softmax=1 max_pool2d=3 nll_loss=1 relu=17 reshape=1
# CHECK-NEXT: first: conv1.weight, conv1.bias, bn1.weight, bn1.bias
# CHECK-NEXT: last: fire9.bn3.bias, conv2.weight, conv2.bias
b, _ = check("squeezenet")
b, _ = check("squeezenet", width=0.1, num_classes=100)
assert b.weights[-2].shape == (100, 512, 1, 1)
# CHECK: squeezenet {'width': 0.1, 'num_classes': 100}

# CHECK: lenet {}: 10 weights, 0 stats, conv2d=2 linear=3 log_softmax=1 max_pool2d=2 nll_loss=1 relu=4 reshape=1
check("lenet")
# CHECK: lenet {'batch_norm': True, 'size': (28, 28), 'in_channels': 1}: 12 weights, 4 stats, batch_norm=2 conv2d=2
b, _ = check("lenet", batch_norm=True, size=(28, 28), in_channels=1)
assert b.weights[0].shape == (6, 1, 5, 5) and b.weights[1].pname == "bn1.weight"
assert [a.shape for a in b.weights if a.pname == "fc1.weight"] == [(120, 256)]

# CHECK: small_cnn {}: 8 weights, 4 stats, batch_norm=2 conv2d=2 global_avg_pool=1 linear=1 log_softmax=1 max_pool2d=2 nll_loss=1 relu=2
check("small_cnn")

# Non-square and non-32 inputs pool over the whole final map.
b = mpt.build("resnet18", batch=2, size=(40, 24), width=0.5)
assert re.search(r"mp\.avg_pool2d %\S+ kernel \[5, 3\] stride \[5, 3\]", b.to_mlir())
print("ok")
# CHECK: ok
