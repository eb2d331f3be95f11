# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# RUN: rm -rf %t && mkdir -p %t
# RUN: %PYTHON %s mp-opt mp-run mlir-opt mlir-runner %mlir_c_runner_utils %t | FileCheck %s
# REQUIRES: py-numpy
#
# The TOSA import computes what the TOSA graph computes. A small NHWC CNN
# (conv + bias, ReLU clamp, max pool, depthwise conv, ReLU6 clamp, residual
# add, average pool, a constant scale, an NHWC flatten with H, W > 1, matmul,
# bias add) with random weights is
#   1. evaluated in float64 numpy (NHWC, OHWI, HWCM, as TOSA defines the ops);
#   2. run through upstream mlir-opt (tosa-to-linalg) and mlir-runner, which
#      checks the numpy reference against TOSA's own lowering;
#   3. imported with convert-tosa-to-mp (weights written as .npy) and run by
#      mp-run: the logits and the cross-entropy loss must match;
#   4. built into a training step (fp32: its loss equals the forward's; and
#      policy=ours ratio=0.5), which mp-run executes.
#
# CHECK: numpy vs upstream TOSA lowering: ok
# CHECK: imported logits: ok
# CHECK: imported loss: ok
# CHECK: fp32 train step loss: ok
# CHECK: ours 0.5 train step: ok

import os
import re
import subprocess
import sys

import numpy as np

mp_opt, mp_run, mlir_opt, runner, cutils, tmp = sys.argv[1:7]
if not os.path.isabs(cutils) or not os.path.exists(cutils):
    cutils = os.path.join(os.path.dirname(os.path.dirname(
        os.path.realpath(runner))), "lib", os.path.basename(cutils))
libs = ",".join([cutils, os.path.join(os.path.dirname(cutils),
                                      "libmlir_runner_utils.so")])

rng = np.random.default_rng(7)
f32 = np.float32
N, H, W, C, K = 4, 8, 8, 3, 10


def randn(*shape, scale=1.0):
    return (scale * rng.standard_normal(shape)).astype(f32)


x = randn(N, H, W, C)
w1 = randn(6, 3, 3, C, scale=0.4)          # OHWI
b1 = randn(6, scale=0.1)
wd = randn(3, 3, 6, 2, scale=0.4)          # HWCM
bd = randn(12, scale=0.1)
w2 = randn(1, 2 * 2 * 12, K, scale=0.3)    # matmul weight [1, K_in, K_out]
b2 = randn(1, K, scale=0.1)
labels = rng.integers(0, K, N).astype(np.int32)


def dense(a):
    a = np.ascontiguousarray(a)
    return 'dense<"0x' + a.astype(a.dtype.newbyteorder("<")).tobytes().hex().upper() + '">'


def ty(shape, elt="f32"):
    return "tensor<" + "".join("%dx" % d for d in shape) + elt + ">"


def const(name, a):
    return '  %%%s = "tosa.const"() {values = %s : %s} : () -> %s' % (
        name, dense(a), ty(a.shape), ty(a.shape))


TOSA = "\n".join([
    "func.func @cnn(%%x: %s) -> %s {" % (ty((N, H, W, C)), ty((N, K))),
    const("w1", w1), const("b1", b1), const("wd", wd), const("bd", bd),
    const("w2", w2), const("b2", b2),
    const("zp", np.zeros(1, f32)),
    '  %sh = "tosa.const"() {values = dense<0> : tensor<1xi8>} : () -> tensor<1xi8>',
    '  %half = "tosa.const"() {values = dense<0.5> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>',
    "  %%c1 = tosa.conv2d %%x, %%w1, %%b1, %%zp, %%zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, "
    "stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (%s, %s, %s, tensor<1xf32>, tensor<1xf32>) -> %s"
    % (ty((N, H, W, C)), ty(w1.shape), ty(b1.shape), ty((N, H, W, 6))),
    "  %%r1 = tosa.clamp %%c1 {min_val = 0.0 : f32, max_val = 3.40282347E+38 : f32} : (%s) -> %s"
    % (ty((N, H, W, 6)), ty((N, H, W, 6))),
    "  %%p1 = tosa.max_pool2d %%r1 {kernel = array<i64: 2, 2>, stride = array<i64: 2, 2>, "
    "pad = array<i64: 0, 0, 0, 0>} : (%s) -> %s" % (ty((N, H, W, 6)), ty((N, 4, 4, 6))),
    "  %%d = tosa.depthwise_conv2d %%p1, %%wd, %%bd, %%zp, %%zp {acc_type = f32, pad = array<i64: 1, 1, 1, 1>, "
    "stride = array<i64: 1, 1>, dilation = array<i64: 1, 1>} : (%s, %s, %s, tensor<1xf32>, tensor<1xf32>) -> %s"
    % (ty((N, 4, 4, 6)), ty(wd.shape), ty(bd.shape), ty((N, 4, 4, 12))),
    "  %%r2 = tosa.clamp %%d {min_val = 0.0 : f32, max_val = 6.0 : f32} : (%s) -> %s"
    % (ty((N, 4, 4, 12)), ty((N, 4, 4, 12))),
    "  %%s = tosa.add %%r2, %%d : (%s, %s) -> %s" % ((ty((N, 4, 4, 12)),) * 3),
    "  %%p2 = tosa.avg_pool2d %%s, %%zp, %%zp {acc_type = f32, kernel = array<i64: 2, 2>, "
    "stride = array<i64: 2, 2>, pad = array<i64: 0, 0, 0, 0>} : (%s, tensor<1xf32>, tensor<1xf32>) -> %s"
    % (ty((N, 4, 4, 12)), ty((N, 2, 2, 12))),
    "  %%h = tosa.mul %%p2, %%half, %%sh : (%s, tensor<1x1x1x1xf32>, tensor<1xi8>) -> %s"
    % (ty((N, 2, 2, 12)), ty((N, 2, 2, 12))),
    "  %%fs = tosa.const_shape {values = dense<[1, %d, 48]> : tensor<3xindex>} : () -> !tosa.shape<3>" % N,
    "  %%f = tosa.reshape %%h, %%fs : (%s, !tosa.shape<3>) -> %s" % (ty((N, 2, 2, 12)), ty((1, N, 48))),
    "  %%m = tosa.matmul %%f, %%w2, %%zp, %%zp : (%s, %s, tensor<1xf32>, tensor<1xf32>) -> %s"
    % (ty((1, N, 48)), ty(w2.shape), ty((1, N, K))),
    "  %%ms = tosa.const_shape {values = dense<[%d, %d]> : tensor<2xindex>} : () -> !tosa.shape<2>" % (N, K),
    "  %%m2 = tosa.reshape %%m, %%ms : (%s, !tosa.shape<2>) -> %s" % (ty((1, N, K)), ty((N, K))),
    "  %%y = tosa.add %%m2, %%b2 : (%s, %s) -> %s" % (ty((N, K)), ty(b2.shape), ty((N, K))),
    "  return %%y : %s" % ty((N, K)),
    "}",
]) + "\n"

# -- 1. numpy reference (float64) --------------------------------------------


def conv_nhwc(a, w, b, groups=1):
    """a: N x H x W x Ci, w: O x kh x kw x Ci/groups; stride 1, pad 1."""
    n, h, wd_, ci = a.shape
    o, kh, kw, cg = w.shape
    ap = np.pad(a, ((0, 0), (1, 1), (1, 1), (0, 0)))
    out = np.zeros((n, h, wd_, o))
    og = o // groups
    for oc in range(o):
        g = oc // og
        for dy in range(kh):
            for dx in range(kw):
                patch = ap[:, dy:dy + h, dx:dx + wd_, g * cg:(g + 1) * cg]
                out[..., oc] += patch @ w[oc, dy, dx, :]
    return out + b


def pool(a, k, op):
    n, h, w, c = a.shape
    return op(a.reshape(n, h // k, k, w // k, k, c), axis=(2, 4))


a = x.astype(np.float64)
c1 = conv_nhwc(a, w1.astype(np.float64), b1)
r1 = np.maximum(c1, 0)
p1 = pool(r1, 2, np.max)
# Depthwise: output channel c*M + m uses input channel c and wd[:, :, c, m].
wd_o = wd.astype(np.float64).transpose(2, 3, 0, 1).reshape(12, 3, 3, 1)
d = conv_nhwc(p1, wd_o, bd, groups=6)
r2 = np.clip(d, 0, 6)
s = r2 + d
p2 = pool(s, 2, np.mean) * 0.5
flat = p2.reshape(N, 48)                       # NHWC flatten order
ref_logits = flat @ w2[0].astype(np.float64) + b2.astype(np.float64)


def ce_loss(logits, lab):
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -logp[np.arange(len(lab)), lab].mean()


ref_loss = ce_loss(ref_logits, labels)


def rel_err(got, ref):
    return float(np.max(np.abs(np.asarray(got, np.float64) - ref)) /
                 max(np.max(np.abs(ref)), 1e-30))


def check(label, err, tol):
    print("%s: %s (rel err %.3g, tol %g)" % (label, "ok" if err <= tol else "FAILED", err, tol))
    if err > tol:
        sys.exit(1)


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.exit("command failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr[-4000:]))
    return p.stdout


tosa_path = os.path.join(tmp, "cnn.tosa.mlir")
with open(tosa_path, "w") as f:
    f.write(TOSA)

# -- 2. upstream TOSA lowering ------------------------------------------------

main = "\n".join([
    "func.func private @printMemrefI32(memref<*xi32>)",
    "func.func @main() {",
    "  %%in = arith.constant %s : %s" % (dense(x), ty(x.shape)),
    "  %%y = call @cnn(%%in) : (%s) -> %s" % (ty(x.shape), ty((N, K))),
    "  %%e = tensor.empty() : %s" % ty((N, K), "i32"),
    "  %%b = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], "
    "iterator_types = [\"parallel\", \"parallel\"]} ins(%%y : %s) outs(%%e : %s) {" % (ty((N, K)), ty((N, K), "i32")),
    "  ^bb0(%v: f32, %o: i32):",
    "    %c = arith.bitcast %v : f32 to i32",
    "    linalg.yield %c : i32",
    "  } -> %s" % ty((N, K), "i32"),
    "  %%m = bufferization.to_buffer %%b : %s to memref<%dx%dxi32>" % (ty((N, K), "i32"), N, K),
    "  %%u = memref.cast %%m : memref<%dx%dxi32> to memref<*xi32>" % (N, K),
    "  call @printMemrefI32(%u) : (memref<*xi32>) -> ()",
    "  return",
    "}",
]) + "\n"
upstream_path = os.path.join(tmp, "cnn.upstream.mlir")
with open(upstream_path, "w") as f:
    f.write(TOSA + main)
lowered = run([mlir_opt, upstream_path,
               "--pass-pipeline=builtin.module(func.func(tosa-to-linalg-named, tosa-to-linalg, "
               "tosa-to-arith, tosa-to-tensor))",
               ])
lowered = run([mlir_opt, "--canonicalize", "--cse",
               "--one-shot-bufferize=bufferize-function-boundaries "
               "function-boundary-type-conversion=identity-layout-map",
               "--convert-linalg-to-loops", "--lower-affine", "--convert-scf-to-cf",
               "--expand-strided-metadata", "--lower-affine",
               "--finalize-memref-to-llvm", "--convert-math-to-llvm",
               "--convert-math-to-libm", "--convert-arith-to-llvm",
               "--convert-cf-to-llvm", "--convert-func-to-llvm",
               "--reconcile-unrealized-casts"], input=lowered)
out = run([runner, "-e", "main", "-entry-point-result=void", "-shared-libs=" + libs],
          input=lowered)
bits = [int(t) for t in re.findall(r"-?\d+", out.split("data =", 1)[1])]
upstream_logits = np.array(bits, np.int64).astype(np.int32).view(f32).reshape(N, K)
check("numpy vs upstream TOSA lowering", rel_err(upstream_logits, ref_logits), 1e-5)

# -- 3. import and run --------------------------------------------------------

wdir = os.path.join(tmp, "weights")
fwd_path = os.path.join(tmp, "cnn.mp.mlir")
run([mp_opt, tosa_path, "--convert-tosa-to-mp=weights-dir=" + wdir, "-o", fwd_path])
fwd = open(fwd_path).read()
sig = fwd.split("func.func @cnn(", 1)[1].split(") -> ", 1)[0]
names = re.findall(r'mp.name = "([^"]+)"', sig)
assert names[:2] == ["input", "label"], names
np.save(os.path.join(tmp, "input.npy"), np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
np.save(os.path.join(tmp, "label.npy"), labels)
inputs = [os.path.join(tmp, "input.npy"), os.path.join(tmp, "label.npy")]
inputs += [os.path.join(wdir, "weight@" + n + ".npy") for n in names[2:]]
flags = sum((["--input", p] for p in inputs), [])

# The same function returning its logits (the log_softmax operand).
logits_var = re.search(r"mp.log_softmax (%[\w.]+)", fwd).group(1)
logits_fn = re.sub(r"-> \(tensor<f32> \{[^}]*\}\)", "-> %s" % ty((N, K)), fwd, count=1)
logits_fn = re.sub(r"return (%[\w.]+) : tensor<f32>",
                   "return %s : %s" % (logits_var, ty((N, K))), logits_fn, count=1)
logits_path = os.path.join(tmp, "cnn.logits.mlir")
with open(logits_path, "w") as f:
    f.write(logits_fn)
odir = os.path.join(tmp, "out")
run([mp_run, logits_path, "-f", "cnn", "--output-dir", odir] + flags)
got_logits = np.load(os.path.join(odir, "cnn.result0.npy"))
check("imported logits", rel_err(got_logits, ref_logits), 1e-5)

run([mp_run, fwd_path, "-f", "cnn", "--output-dir", odir] + flags)
got_loss = np.load(os.path.join(odir, "cnn.result0.npy"))
check("imported loss", rel_err(got_loss, ref_loss), 1e-5)

# -- 4. training steps --------------------------------------------------------

for policy, label in [("policy=fp32", "fp32 train step loss"),
                      ("policy=ours ratio=0.5", "ours 0.5 train step")]:
    step_path = os.path.join(tmp, "cnn.step.mlir")
    run([mp_opt, fwd_path, "--mp-build-training-step",
         "--mp-assign-precision=" + policy, "-o", step_path])
    run([mp_run, step_path, "-f", "cnn_train_step", "--output-dir", odir] + flags)
    loss = np.load(os.path.join(odir, "cnn_train_step.result0.npy"))
    new_w = np.load(os.path.join(odir, "cnn_train_step.result1.npy"))
    old_w = np.load(inputs[2])
    assert np.isfinite(loss) and np.all(np.isfinite(new_w)), (loss, new_w)
    assert not np.array_equal(new_w, old_w), "the step did not update the weights"
    # fp32: the step's forward is the imported forward; with FP8 storage
    # the loss moves, but stays close.
    check(label, rel_err(loss, ref_loss), 1e-5 if policy == "policy=fp32" else 0.2)
