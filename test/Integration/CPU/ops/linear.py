# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# linear (with and without bias), linear_input_grad, linear_weight_grad and
# bias_grad (2-D and 4-D) lowered by convert-mp-to-linalg and run on the
# CPU, against numpy formulas and float64 finite differences of the forward.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, compare, fd_grad, ty

rng = np.random.default_rng(3)
h = Harness("linear")
f32 = np.float32
f64 = np.float64

N, K, M = 5, 12, 7
x = rng.standard_normal((N, K)).astype(f32)
w = (rng.standard_normal((M, K)) / np.sqrt(K)).astype(f32)
b = rng.standard_normal(M).astype(f32)
dy = rng.standard_normal((N, M)).astype(f32)
fwd = lambda xx, ww: xx.astype(f64) @ ww.astype(f64).T

h.add("linear__bias", f"mp.linear {{0}}, {{1}}, {{2}} : ({ty(x)}, {ty(w)}, {ty(b)}) -> {ty(dy)}",
      [x, w, b], [((N, M), f32)], [fwd(x, w) + b])
h.add("linear__nobias", f"mp.linear {{0}}, {{1}} : ({ty(x)}, {ty(w)}) -> {ty(dy)}",
      [x, w], [((N, M), f32)], [fwd(x, w)])

fd_dx = fd_grad(lambda xx: fwd(xx, w), x, dy, h=0.5)
fd_dw = fd_grad(lambda ww: fwd(x, ww), w, dy, h=0.5)
h.add("linear_input_grad", f"mp.linear_input_grad {{0}}, {{1}} : ({ty(dy)}, {ty(w)}) -> {ty(x)}",
      [dy, w], [(x.shape, f32)], [dy.astype(f64) @ w.astype(f64)],
      extra_checks=[lambda g: ("vs finite differences", compare(g[0], fd_dx), 1e-4)])
h.add("linear_weight_grad", f"mp.linear_weight_grad {{0}}, {{1}} : ({ty(dy)}, {ty(x)}) -> {ty(w)}",
      [dy, x], [(w.shape, f32)], [dy.astype(f64).T @ x.astype(f64)],
      extra_checks=[lambda g: ("vs finite differences", compare(g[0], fd_dw), 1e-4)])

# bias_grad: d/db of sum(dy * (y + b broadcast over all but dim 1)).
for shape in [(N, M), (3, 4, 5, 6)]:
    g = rng.standard_normal(shape).astype(f32)
    axes = (0,) + tuple(range(2, len(shape)))
    bshape = [1] * len(shape)
    bshape[1] = shape[1]
    fd_db = fd_grad(lambda bb: np.broadcast_to(bb.reshape(bshape), shape), np.zeros(shape[1]), g, h=0.5)
    h.add(f"bias_grad__{len(shape)}d", f"mp.bias_grad {{0}} : {ty(g)} -> {ty(b[:shape[1]])}",
          [g], [((shape[1],), f32)], [g.astype(f64).sum(axis=axes)],
          extra_checks=[lambda r, fd=fd_db: ("vs finite differences", compare(r[0], fd), 1e-4)])

h.run()
