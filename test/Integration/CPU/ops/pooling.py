# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# max_pool2d, avg_pool2d, global_avg_pool and their gradients lowered by
# convert-mp-to-linalg and run on the CPU, against explicit numpy window
# loops: padding (which never wins a max and counts in an average),
# overlapping windows (kernel > stride), non-square windows, ties (the first
# maximum in row-major window order gets the gradient), windows whose only
# real elements are -inf, and 2-D and 4-D global pooling results. Gradients
# of tie-free inputs are also checked against float64 finite differences.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, compare, fd_grad, ttype, ty

rng = np.random.default_rng(5)
h = Harness("pooling")
f32 = np.float32
f64 = np.float64


def geometry(xshape, k, s, p):
    N, C, H, W = xshape
    OH = (H + 2 * p[0] - k[0]) // s[0] + 1
    OW = (W + 2 * p[1] - k[1]) // s[1] + 1
    return N, C, H, W, OH, OW


def windows(xshape, k, s, p):
    """Yields (oh, ow, [(ky, kx, h, w) of the real (unpadded) positions])."""
    N, C, H, W, OH, OW = geometry(xshape, k, s, p)
    for oh in range(OH):
        for ow in range(OW):
            pos = []
            for ky in range(k[0]):
                for kx in range(k[1]):
                    hh, ww = oh * s[0] - p[0] + ky, ow * s[1] - p[1] + kx
                    if 0 <= hh < H and 0 <= ww < W:
                        pos.append((hh, ww))
            yield oh, ow, pos


def max_pool(x, k, s, p):
    N, C, H, W, OH, OW = geometry(x.shape, k, s, p)
    y = np.empty((N, C, OH, OW), f64)
    for oh, ow, pos in windows(x.shape, k, s, p):
        vals = np.stack([x[:, :, hh, ww] for hh, ww in pos], axis=-1).astype(f64)
        y[:, :, oh, ow] = vals.max(axis=-1)
    return y


def max_pool_grad(dy, x, k, s, p):
    """First maximum (row-major window order) of each window gets dy."""
    N, C, H, W, OH, OW = geometry(x.shape, k, s, p)
    dx = np.zeros(x.shape, f64)
    for oh, ow, pos in windows(x.shape, k, s, p):
        for n in range(N):
            for c in range(C):
                best = None
                for hh, ww in pos:
                    if best is None:
                        best = (hh, ww)
                        continue
                    v, b = x[n, c, hh, ww], x[n, c, best[0], best[1]]
                    # NaN is the maximum (PyTorch propagates it).
                    if (np.isnan(v) and not np.isnan(b)) or v > b:
                        best = (hh, ww)
                dx[n, c, best[0], best[1]] += dy[n, c, oh, ow]
    return dx


def avg_pool(x, k, s, p):
    N, C, H, W, OH, OW = geometry(x.shape, k, s, p)
    y = np.zeros((N, C, OH, OW), f64)
    for oh, ow, pos in windows(x.shape, k, s, p):
        for hh, ww in pos:
            y[:, :, oh, ow] += x[:, :, hh, ww]
    return y / (k[0] * k[1])


def avg_pool_grad(dy, xshape, k, s, p):
    dx = np.zeros(xshape, f64)
    for oh, ow, pos in windows(xshape, k, s, p):
        for hh, ww in pos:
            dx[:, :, hh, ww] += dy[:, :, oh, ow] / (k[0] * k[1])
    return dx


def attrs(k, s, p):
    return f"kernel [{k[0]}, {k[1]}] stride [{s[0]}, {s[1]}] padding [{p[0]}, {p[1]}]"


def pool_case(name, shape, k, s, p, x=None, fd=True):
    if x is None:
        x = rng.standard_normal(shape).astype(f32)
    y = max_pool(x, k, s, p)
    dy = rng.standard_normal(y.shape).astype(f32)
    a = attrs(k, s, p)
    yt = ttype(y.shape)
    h.add(f"max_pool2d__{name}", f"mp.max_pool2d {{0}} {a} : {ty(x)} -> {yt}",
          [x], [(y.shape, f32)], [y], tol=0)
    extra = []
    if fd:
        fd_mx = fd_grad(lambda xx: max_pool(xx, k, s, p), x, dy, h=1e-4)
        extra = [lambda g, r=fd_mx: ("vs finite differences", compare(g[0], r), 1e-4)]
    h.add(f"max_pool2d_grad__{name}", f"mp.max_pool2d_grad {{0}}, {{1}} {a} : ({yt}, {ty(x)}) -> {ty(x)}",
          [dy, x], [(x.shape, f32)], [max_pool_grad(dy, x, k, s, p)], extra_checks=extra)
    ya = avg_pool(x, k, s, p)
    h.add(f"avg_pool2d__{name}", f"mp.avg_pool2d {{0}} {a} : {ty(x)} -> {yt}",
          [x], [(y.shape, f32)], [ya])
    # avg_pool2d is linear: the finite differences need no tie-free input,
    # only finite values.
    fd_ax = fd_grad(lambda xx: avg_pool(xx, k, s, p), np.zeros(x.shape), dy, h=0.5)
    h.add(f"avg_pool2d_grad__{name}", f"mp.avg_pool2d_grad {{0}} {a} : {yt} -> {ty(x)}",
          [dy], [(x.shape, f32)], [avg_pool_grad(dy, x.shape, k, s, p)],
          extra_checks=[lambda g, r=fd_ax: ("vs finite differences", compare(g[0], r), 1e-4)])


pool_case("2x2_s2", (2, 3, 6, 6), (2, 2), (2, 2), (0, 0))
# Overlapping windows with padding (ResNet stem), odd size.
pool_case("3x3_s2_p1", (2, 2, 7, 7), (3, 3), (2, 2), (1, 1))
# Non-square, stride 1, (H + 2p - k) % s != 0 along W.
pool_case("3x2_s1x2_p1x1", (1, 3, 5, 6), (3, 2), (1, 2), (1, 1))
# Ties: small integers repeat inside windows; the first maximum wins.
ties = rng.integers(-2, 3, size=(2, 3, 6, 6)).astype(f32)
pool_case("ties", ties.shape, (3, 3), (2, 2), (1, 1), x=ties, fd=False)
# -inf inputs: a window whose real elements are all -inf still routes its
# gradient to a real position, never to padding.
neg = rng.standard_normal((1, 2, 4, 4)).astype(f32)
neg[:, :, :2, :2] = -np.inf
pool_case("neg_inf", neg.shape, (2, 2), (2, 2), (1, 1), x=neg, fd=False)
# NaN propagates through the max and takes the gradient (first NaN wins).
nan = rng.standard_normal((1, 2, 5, 5)).astype(f32)
nan[0, 0, 1, 1] = nan[0, 0, 1, 2] = nan[0, 1, 4, 4] = np.nan
pool_case("nan", nan.shape, (3, 3), (2, 2), (1, 1), x=nan, fd=False)

# global_avg_pool (+grad), 2-D and 4-D results.
x = rng.standard_normal((3, 4, 5, 2)).astype(f32)
m = x.astype(f64).mean(axis=(2, 3))
for rank in (2, 4):
    oshape = m.shape if rank == 2 else m.shape + (1, 1)
    h.add(f"global_avg_pool__{rank}d", f"mp.global_avg_pool {{0}} : {ty(x)} -> {ttype(oshape)}",
          [x], [(oshape, f32)], [m.reshape(oshape)])
    dy = rng.standard_normal(oshape).astype(f32)
    ref = np.broadcast_to(dy.reshape(3, 4, 1, 1).astype(f64) / 10, x.shape)
    fd = fd_grad(lambda xx: xx.mean(axis=(2, 3)).reshape(oshape), x, dy, h=0.5)
    h.add(f"global_avg_pool_grad__{rank}d", f"mp.global_avg_pool_grad {{0}} : {ty(dy)} -> {ty(x)}",
          [dy], [(x.shape, f32)], [ref],
          extra_checks=[lambda g, r=fd: ("vs finite differences", compare(g[0], r), 1e-4)])

h.run()
