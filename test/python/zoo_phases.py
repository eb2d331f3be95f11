# RUN: %PYTHON %s mp-opt %t | FileCheck %s
#
# For every zoo model and every policy: no value of the backward pass is in
# the tensor set as a forward tensor, and no activation gradient gets a
# forward format. The activations (v) of a step are exactly the input image
# and the named results of the forward function's ops (each op's mp.name, or
# "<name>#<i>" for ops with several results); an unnamed v (split_3,
# concat_0, mul_1) would be a value a gradient rule built. Every cast of the
# step is checked against the kind of the tensor it rounds: v and theta get
# the forward formats (1-4-3/b11 saturating or 1-6-9), dv and dtheta the
# gradient formats (1-5-2 or 1-6-9, overflow to inf), and no cast after the
# first mp.grad_sum (the backward pass) uses a forward format.

import json
import os
import re
import subprocess
import sys

import mpt

MP_OPT, TMP = sys.argv[1], sys.argv[2]
os.makedirs(TMP, exist_ok=True)

MODELS = [("lenet", {}), ("small_cnn", {}), ("resnet18", {"width": 0.1}),
          ("mobilenetv2", {"width": 0.1}), ("shufflenetv2", {"width": 0.1}),
          ("squeezenet", {"width": 0.1})]
POLICIES = ["fp32", "uniform-high", "uniform-low", "op", "ours ratio=0.1",
            "ours ratio=0.5", "ours ratio=1"]
FORWARD = {"paper_143", "paper_169"}
GRADIENT = {"paper_152", "paper_169, overflow = inf"}
NAMED = re.compile(r'^\s*(%[^=]+)= mp\.([a-z_0-9]+) .*\{mp\.name = "([^"]+)"', re.M)
SHAPE_ONLY = {"reshape", "channel_shuffle"}
CAST = re.compile(r'mp\.cast %\S+ to <([^>]*)> \{mp\.tensor = "([^"]+)"\}')


def run(args):
    p = subprocess.run([MP_OPT] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    assert p.returncode == 0, p.stderr
    return p.stdout


def forward_names(text):
    """Names of the activations the forward function's ops produce."""
    names = {"input"}
    for results, op, name in NAMED.findall(text):
        if op in SHAPE_ONLY:
            continue
        results = results.strip()
        n = int(results.split(":")[1]) if ":" in results else results.count(",") + 1
        if op == "batch_norm":
            n = 1  # the new running statistics are state, not activations
        names |= {name} if n == 1 else {"%s#%d" % (name, i) for i in range(n)}
    return names


for model, kw in MODELS:
    src = os.path.join(TMP, model + ".mlir")
    text = mpt.emit(model, batch=2, **kw)
    with open(src, "w") as f:
        f.write(text)
    expected = forward_names(text)
    step = os.path.join(TMP, model + ".step.mlir")
    run([src, "--mp-build-training-step", "-o", step])
    checked = 0
    for policy in POLICIES:
        opt = "--mp-assign-precision=policy=" + policy
        out = os.path.join(TMP, model + ".assigned.mlir")
        report = json.loads(run([step, opt, "--mp-report=format=json", "-o", out]))
        fn = report["functions"][0]
        kinds = {t["name"]: t["kind"] for t in fn["tensors"]}
        acts = {t["name"] for t in fn["tensors"] if t["kind"] == "v"}
        assert acts == expected, (model, policy, sorted(acts ^ expected))
        for t in fn["tensors"]:
            if t["kind"] in ("v", "theta"):
                assert t["phase"] == "forward", (model, t["name"])
                assert t["format"] in FORWARD | {"fp32"}, (model, policy, t)
            elif t["kind"] in ("dv", "dtheta"):
                assert t["phase"] == "backward", (model, t["name"])
                assert t["format"] in GRADIENT | {"fp32"}, (model, policy, t)
                assert t["name"].endswith(".grad"), (model, t["name"])
                assert t["name"][:-5] in kinds, (model, t["name"])
        ir = open(out).read()
        body = ir[ir.index("_train_step("):]
        backward = body[body.index("mp.grad_sum"):]
        for fmt, tensor in CAST.findall(body):
            kind = kinds[tensor]
            allowed = FORWARD if kind in ("v", "theta") else GRADIENT
            assert fmt in allowed, (model, policy, tensor, kind, fmt)
            checked += 1
        for fmt, tensor in CAST.findall(backward):
            assert fmt in GRADIENT, (model, policy, tensor, fmt)
    assert checked > 0, model
    print("%s: %d activations, %d casts checked under %d policies"
          % (model, len(expected), checked, len(POLICIES)))

# CHECK: lenet: {{[0-9]+}} activations
# CHECK: small_cnn:
# CHECK: resnet18:
# CHECK: mobilenetv2:
# CHECK: shufflenetv2:
# CHECK: squeezenet:
