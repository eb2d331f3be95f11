# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# log_softmax, log_softmax_grad, nll_loss, nll_loss_grad and count_correct
# lowered by convert-mp-to-linalg and run on the CPU, against numpy (float64)
# and, for the gradients, float64 finite differences of the numpy forward.
# Covers large logits (max subtraction), -inf logits, i32 and i64 labels,
# and arg-max ties and NaN (first maximum wins, NaN counts as the maximum).

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, compare, fd_grad, ttype, ty

rng = np.random.default_rng(13)
h = Harness("loss")
f32 = np.float32
f64 = np.float64


def log_softmax(x):
    x = np.asarray(x, f64)
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


N, C = 6, 5
x = rng.standard_normal((N, C)).astype(f32) * 3
big = (x + np.array([[1000], [-1000], [80], [0], [0], [0]], f32)).astype(f32)
big[3, 2] = -np.inf
for name, t in [("plain", x), ("large_and_neg_inf", big)]:
    h.add(f"log_softmax__{name}", f"mp.log_softmax {{0}} : {ty(t)}", [t], [(t.shape, f32)],
          [log_softmax(t)])

dy = rng.standard_normal((N, C)).astype(f32)
y = log_softmax(x).astype(f32)
ref = dy - np.exp(y.astype(f64)) * dy.astype(f64).sum(axis=1, keepdims=True)
fd = fd_grad(log_softmax, x, dy, h=1e-4)
h.add("log_softmax_grad", f"mp.log_softmax_grad {{0}}, {{1}} : {ty(y)}", [dy, y], [(y.shape, f32)],
      [ref], extra_checks=[lambda g: ("vs finite differences", compare(g[0], fd), 1e-4)])

logp = log_softmax(x).astype(f32)
for lt in (np.int32, np.int64):
    labels = rng.integers(0, C, size=N).astype(lt)
    lname = np.dtype(lt).name
    nll = lambda lp: np.array(-np.asarray(lp, f64)[np.arange(N), labels].mean())
    h.add(f"nll_loss__{lname}", f"mp.nll_loss {{0}}, {{1}} : ({ty(logp)}, {ty(labels)}) -> tensor<f32>",
          [logp, labels], [((), f32)], [nll(logp)])
    g = np.array(0.75, f32)
    fdn = fd_grad(nll, logp, g, h=0.5)
    refg = np.zeros((N, C))
    refg[np.arange(N), labels] = -0.75 / N
    h.add(f"nll_loss_grad__{lname}", f"mp.nll_loss_grad {{0}}, {{1}} : (tensor<f32>, {ty(labels)}) -> {ty(logp)}",
          [g, labels], [((N, C), f32)], [refg],
          extra_checks=[lambda r, fd=fdn: ("vs finite differences", compare(r[0], fd), 1e-4)])

# count_correct: ties (small integers) and NaN rows; np.argmax returns the
# first maximum and treats NaN as the maximum, as the op does.
M = 40
scores = rng.integers(0, 3, size=(M, 4)).astype(f32)
scores[5, 2] = np.nan
scores[6, :] = np.nan
scores[7, 1] = -np.inf
for lt in (np.int32, np.int64):
    pred = np.argmax(scores, axis=1)
    labels = rng.integers(0, 4, size=M).astype(lt)
    labels[:20] = pred[:20]  # make sure plenty are right
    labels[5], labels[6] = 2, 0
    want = np.array((pred == labels).sum(), np.int64)
    h.add(f"count_correct__{np.dtype(lt).name}",
          f"mp.count_correct {{0}}, {{1}} : ({ty(scores)}, {ty(labels)}) -> tensor<i64>",
          [scores, labels], [((), np.int64)], [want])

h.run()
