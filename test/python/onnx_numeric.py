# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# REQUIRES: py-onnx, py-numpy
# RUN: %PYTHON %s mp-run %t | FileCheck %s
#
# The imported graph computes what the ONNX model (in training mode) plus
# cross-entropy computes: a conv (bias, pads 1) - BatchNormalization - Relu -
# MaxPool - GlobalAveragePool - Flatten - Gemm classifier (Inputs/
# onnx_models.py: tiny) is imported with --weights-dir, its forward function
# is JIT-run by mp-run on those weights, and the loss and the new BN running
# statistics are compared with a NumPy reference of the same graph (batch
# statistics, biased variance for normalization, unbiased for the running
# variance, ONNX momentum 0.9).

import os
import shutil
import subprocess
import sys

import numpy as np
from onnx import numpy_helper, save

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
from onnx_models import tiny  # noqa: E402

from mpt.ir import parse_signature  # noqa: E402

mp_run, out = sys.argv[1], sys.argv[2]
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
model = tiny()
save(model, os.path.join(out, "tiny.onnx"))
subprocess.run([sys.executable, "-m", "mpt", "import-onnx", os.path.join(out, "tiny.onnx"),
                "-o", os.path.join(out, "tiny.mlir"), "--weights-dir",
                os.path.join(out, "w")], check=True)
text = open(os.path.join(out, "tiny.mlir")).read()

rng = np.random.RandomState(7)
x = rng.normal(size=(4, 2, 6, 6)).astype(np.float32)
label = np.array([0, 3, 1, 2], np.int32)
np.save(os.path.join(out, "x.npy"), x)
np.save(os.path.join(out, "label.npy"), label)
files = []
for a in parse_signature(text, "tiny"):
    if a["role"] == "input":
        files.append(os.path.join(out, "x.npy"))
    elif a["role"] == "label":
        files.append(os.path.join(out, "label.npy"))
    else:
        files.append(os.path.join(out, "w", "%s@%s.npy" % (a["role"], a["name"])))
    print("arg %s %s" % (a["role"], a["name"]))
# CHECK: arg input input
# CHECK-NEXT: arg label label
# CHECK-NEXT: arg weight conv.weight
# CHECK-NEXT: arg weight conv.bias
# CHECK-NEXT: arg weight bn.weight
# CHECK-NEXT: arg weight bn.bias
# CHECK-NEXT: arg weight fc.weight
# CHECK-NEXT: arg weight fc.bias
# CHECK-NEXT: arg bn_stat bn.running_mean
# CHECK-NEXT: arg bn_stat bn.running_var
cmd = [mp_run, os.path.join(out, "tiny.mlir"), "-f", "tiny", "--output-dir",
       os.path.join(out, "res")]
for f in files:
    cmd += ["--input", f]
subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
loss, mean, var = [np.load(os.path.join(out, "res", "tiny.result%d.npy" % i))
                   for i in range(3)]

# NumPy reference, from the ONNX initializers (not from the .npy files).
w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
y = np.zeros((4, 3, 6, 6))
for i in range(6):
    for j in range(6):
        y[:, :, i, j] = np.einsum("nckl,ockl->no", xp[:, :, i:i + 3, j:j + 3],
                                  w["conv.weight"])
y += w["conv.bias"][None, :, None, None]
bmean = y.mean(axis=(0, 2, 3))
bvar = y.var(axis=(0, 2, 3))
n = y.size // 3
y = (y - bmean[None, :, None, None]) / np.sqrt(bvar[None, :, None, None] + 1e-5)
y = y * w["bn.weight"][None, :, None, None] + w["bn.bias"][None, :, None, None]
y = np.maximum(y, 0)
y = y.reshape(4, 3, 3, 2, 3, 2).max(axis=(3, 5))
feat = y.mean(axis=(2, 3))
logits = feat @ w["fc.weight"].T + w["fc.bias"]
logp = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
ref_loss = -logp[np.arange(4), label].mean()
ref_mean = 0.9 * w["bn.running_mean"] + 0.1 * bmean
ref_var = 0.9 * w["bn.running_var"] + 0.1 * bvar * n / (n - 1)

for what, got, ref in (("loss", loss, ref_loss), ("running_mean", mean, ref_mean),
                       ("running_var", var, ref_var)):
    err = np.max(np.abs(got - ref) / np.maximum(1.0, np.abs(ref)))
    print("%s: %s" % (what, "ok" if err < 1e-5 else "MISMATCH %g\n%s\n%s" % (err, got, ref)))
# CHECK: loss: ok
# CHECK-NEXT: running_mean: ok
# CHECK-NEXT: running_var: ok
