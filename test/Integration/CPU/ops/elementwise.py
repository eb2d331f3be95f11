# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# convert-mp-to-linalg, run on the CPU, against numpy: relu, relu6 and their
# gradients (also against finite differences), add, mul, grad_sum, concat,
# split, channel_shuffle, reshape.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, fd_grad, ttype, ty

rng = np.random.default_rng(1)
h = Harness("elementwise")
f32 = np.float32


def rand(*shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(f32)


# Values around both kinks of relu6, kept away from them for the finite
# differences; plus exact 0 and 6 and specials in the plain forward case.
x = rand(2, 3, 4, 5, scale=4.0)
x[np.abs(x) < 0.05] = 0.5
x[np.abs(x - 6) < 0.05] = 6.5
xs = x.copy().reshape(-1)
xs[:6] = [0.0, 6.0, -0.0, np.inf, -np.inf, np.nan]
xs = xs.reshape(x.shape)
dy = rand(*x.shape)

relu = lambda v: np.maximum(v, 0)
relu6 = lambda v: np.minimum(np.maximum(v, 0), 6)
h.add("relu", "mp.relu {0} : " + ty(xs), [xs], [(xs.shape, f32)], [np.where(np.isnan(xs), xs, relu(xs))], tol=0)
h.add("relu6", "mp.relu6 {0} : " + ty(xs), [xs], [(xs.shape, f32)], [np.where(np.isnan(xs), xs, relu6(xs))], tol=0)
h.add("relu_grad", "mp.relu_grad {0}, {1} : " + ty(x), [dy, xs], [(x.shape, f32)],
      [np.where(xs > 0, dy, 0).astype(f32)], tol=0)
h.add("relu6_grad", "mp.relu6_grad {0}, {1} : " + ty(x), [dy, xs], [(x.shape, f32)],
      [np.where((xs > 0) & (xs < 6), dy, 0).astype(f32)], tol=0)
h.add("relu_grad__fd", "mp.relu_grad {0}, {1} : " + ty(x), [dy, x], [(x.shape, f32)],
      [fd_grad(relu, x, dy)], tol=1e-6)
h.add("relu6_grad__fd", "mp.relu6_grad {0}, {1} : " + ty(x), [dy, x], [(x.shape, f32)],
      [fd_grad(relu6, x, dy)], tol=1e-6)

a, b, c = rand(3, 7), rand(3, 7), rand(3, 7)
h.add("add", "mp.add {0}, {1} : " + ty(a), [a, b], [(a.shape, f32)], [a + b], tol=0)
h.add("mul", "mp.mul {0}, {1} : " + ty(a), [a, b], [(a.shape, f32)], [a * b], tol=0)
s0 = np.array(2.5, dtype=f32)
h.add("add__0d", "mp.add {0}, {1} : " + ty(s0), [s0, s0], [((), f32)], [s0 + s0], tol=0)
h.add("grad_sum", "mp.grad_sum {0}, {1}, {2} for {0} : " + ty(a), [a, b, c],
      [(a.shape, f32)], [(a + b) + c], tol=0)
h.add("grad_sum__one", "mp.grad_sum {0} for {1} : " + ty(a), [a, b],
      [(a.shape, f32)], [a], tol=0)

# concat / split along axis 1 and axis 0.
p, q, r = rand(2, 3, 2, 2), rand(2, 1, 2, 2), rand(2, 4, 2, 2)
cat = np.concatenate([p, q, r], axis=1)
h.add("concat", f"mp.concat {{0}}, {{1}}, {{2}} axis 1 : ({ty(p)}, {ty(q)}, {ty(r)}) -> {ty(cat)}",
      [p, q, r], [(cat.shape, f32)], [cat], tol=0)
u, v = rand(2, 5), rand(3, 5)
cat0 = np.concatenate([u, v], axis=0)
h.add("concat__axis0", f"mp.concat {{0}}, {{1}} axis 0 : ({ty(u)}, {ty(v)}) -> {ty(cat0)}",
      [u, v], [(cat0.shape, f32)], [cat0], tol=0)
h.add("split", f"mp.split {{0}} axis 1 : ({ty(cat)}) -> ({ty(p)}, {ty(q)}, {ty(r)})",
      [cat], [(p.shape, f32), (q.shape, f32), (r.shape, f32)], [p, q, r], tol=0)
w = rand(4, 6, 3)
h.add("split__axis2", f"mp.split {{0}} axis 2 : ({ty(w)}) -> ({ttype((4, 6, 1))}, {ttype((4, 6, 2))})",
      [w], [((4, 6, 1), f32), ((4, 6, 2), f32)], [w[:, :, :1], w[:, :, 1:]], tol=0)

# channel_shuffle: output channel i*G + g is input channel g*(C/G) + i.
for groups in (2, 3):
    t = rand(2, 6, 3, 2)
    ref = np.empty_like(t)
    cg = 6 // groups
    for g in range(groups):
        for i in range(cg):
            ref[:, i * groups + g] = t[:, g * cg + i]
    h.add(f"channel_shuffle__g{groups}", f"mp.channel_shuffle {{0}} groups {groups} : {ty(t)}",
          [t], [(t.shape, f32)], [ref], tol=0)

# reshape: flatten, unflatten, to and from rank 0 and 1.
for src, dst in [((2, 3, 4, 5), (2, 60)), ((6, 20), (2, 3, 4, 5)), ((2, 12, 1, 1), (2, 12)),
                 ((4, 6), (24,)), ((24,), (3, 8)), ((1, 1), ()), ((), (1, 1, 1)),
                 ((3, 4), (3, 4))]:
    t = rand(*src)
    name = "reshape__" + "x".join(map(str, src)) + "_to_" + "x".join(map(str, dst))
    h.add(name, f"mp.reshape {{0}} : {ty(t)} to {ttype(dst)}", [t], [(dst, f32)],
          [t.reshape(dst)], tol=0)

h.run()
