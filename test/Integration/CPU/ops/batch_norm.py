# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# batch_norm (training mode: batch statistics with biased variance, running
# statistics with the unbiased one), batch_norm_grad and
# batch_norm_inference lowered by convert-mp-to-linalg and run on the CPU,
# for 4-D and 2-D inputs, against numpy; batch_norm_grad also against float64
# central finite differences of the numpy forward op. One input has a large
# mean relative to its spread, which a one-pass E[x^2] - E[x]^2 would lose.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, compare, fd_grad, ty

rng = np.random.default_rng(11)
h = Harness("batch_norm")
f32 = np.float32
f64 = np.float64
EPS, MOM = 1e-5, 0.1


def axes_of(x):
    return (0,) + tuple(range(2, x.ndim))


def bcast(v, x):
    shape = [1] * x.ndim
    shape[1] = -1
    return np.asarray(v, f64).reshape(shape)


def bn_fwd(x, gamma, beta):
    x = np.asarray(x, f64)
    ax = axes_of(x)
    mean = x.mean(axis=ax)
    var = ((x - bcast(mean, x)) ** 2).mean(axis=ax)
    y = (x - bcast(mean, x)) / np.sqrt(bcast(var, x) + EPS) * bcast(gamma, x) + bcast(beta, x)
    return y, mean, var


def case(name, shape, offset=0.0, spread=1.0):
    C = shape[1]
    x = (offset + spread * rng.standard_normal(shape)).astype(f32)
    gamma = (1 + 0.3 * rng.standard_normal(C)).astype(f32)
    beta = rng.standard_normal(C).astype(f32)
    rm = rng.standard_normal(C).astype(f32)
    rv = (1 + rng.random(C)).astype(f32)
    y, mean, var = bn_fwd(x, gamma, beta)
    M = x.size // C
    new_rm = (1 - MOM) * rm.astype(f64) + MOM * mean
    new_rv = (1 - MOM) * rv.astype(f64) + MOM * var * M / (M - 1)
    cty = ty(gamma)
    h.add(f"batch_norm__{name}",
          f"mp.batch_norm {{0}}, {{1}}, {{2}}, {{3}}, {{4}} eps 1.0e-05 momentum 0.1 : "
          f"({ty(x)}, {cty}, {cty}, {cty}, {cty}) -> ({ty(x)}, {cty}, {cty})",
          [x, gamma, beta, rm, rv], [(shape, f32), ((C,), f32), ((C,), f32)],
          [y, new_rm, new_rv])

    dy = rng.standard_normal(shape).astype(f32)
    # Analytic gradient (float64) ...
    xd = x.astype(f64)
    ax = axes_of(x)
    xhat = (xd - bcast(mean, x)) / np.sqrt(bcast(var, x) + EPS)
    dbeta = dy.astype(f64).sum(axis=ax)
    dgamma = (dy * xhat).sum(axis=ax)
    dx = bcast(gamma, x) / np.sqrt(bcast(var, x) + EPS) * (
        dy - bcast(dbeta, x) / M - xhat * bcast(dgamma, x) / M)
    # ... and finite differences of the forward op.
    hstep = 1e-3 * spread
    fd_dx = fd_grad(lambda xx: bn_fwd(xx, gamma, beta)[0], x, dy, h=hstep)
    fd_dg = fd_grad(lambda gg: bn_fwd(x, gg, beta)[0], gamma, dy, h=1e-3)
    fd_db = fd_grad(lambda bb: bn_fwd(x, gamma, bb)[0], beta, dy, h=1e-3)
    h.add(f"batch_norm_grad__{name}",
          f"mp.batch_norm_grad {{0}}, {{1}}, {{2}} eps 1.0e-05 : "
          f"({ty(x)}, {ty(x)}, {cty}) -> ({ty(x)}, {cty}, {cty})",
          [dy, x, gamma], [(shape, f32), ((C,), f32), ((C,), f32)],
          [dx, dgamma, dbeta],
          extra_checks=[
              lambda g, r=fd_dx: ("dx vs finite differences", compare(g[0], r), 1e-4),
              lambda g, r=fd_dg: ("dgamma vs finite differences", compare(g[1], r), 1e-4),
              lambda g, r=fd_db: ("dbeta vs finite differences", compare(g[2], r), 1e-4)])

    # Inference with the running statistics.
    var_in = (0.5 + rng.random(C)).astype(f32)
    yi = (xd - bcast(rm, x)) / np.sqrt(bcast(var_in, x) + EPS) * bcast(gamma, x) + bcast(beta, x)
    h.add(f"batch_norm_inference__{name}",
          f"mp.batch_norm_inference {{0}}, {{1}}, {{2}}, {{3}}, {{4}} eps 1.0e-05 : "
          f"({ty(x)}, {cty}, {cty}, {cty}, {cty}) -> {ty(x)}",
          [x, gamma, beta, rm, var_in], [(shape, f32)], [yi])


case("4d", (4, 3, 3, 2))
case("2d", (6, 5))
case("4d_offset", (4, 2, 3, 3), offset=100.0, spread=0.5)

h.run()
