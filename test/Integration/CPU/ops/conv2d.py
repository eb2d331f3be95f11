# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# conv2d, conv2d_input_grad and conv2d_weight_grad lowered by
# convert-mp-to-linalg and run on the CPU, against numpy: the forward op as
# the textbook sum (one einsum per kernel tap), the gradients as the adjoint
# loops (scatter per kernel tap) and, independently, as central finite
# differences (float64) of the numpy forward op. Configurations: stride 2
# with (H + 2p - k) % s != 0, padding, dilation 2, groups 2, depthwise,
# depthwise with channel multiplier, bias, non-square everything, padding
# larger than the kernel reach, and a gradient that no input element gets.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, fd_grad, ty

rng = np.random.default_rng(7)
h = Harness("conv2d")
f32 = np.float32


def out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def taps(shape_x, w_shape, s, p, d):
    """(ky, kx, row slice, col slice) of the padded input per kernel tap."""
    _, _, H, W = shape_x
    KH, KW = w_shape[2:]
    OH, OW = out_size(H, KH, s[0], p[0], d[0]), out_size(W, KW, s[1], p[1], d[1])
    for ky in range(KH):
        for kx in range(KW):
            ys = slice(ky * d[0], ky * d[0] + s[0] * (OH - 1) + 1, s[0])
            xs = slice(kx * d[1], kx * d[1] + s[1] * (OW - 1) + 1, s[1])
            yield ky, kx, ys, xs


def pad(x, p):
    return np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))


def conv_ref(x, w, b, s, p, d, G):
    N, C, H, W = x.shape
    F, Cg, KH, KW = w.shape
    Fg = F // G
    OH, OW = out_size(H, KH, s[0], p[0], d[0]), out_size(W, KW, s[1], p[1], d[1])
    xp = pad(x.astype(np.float64), p)
    y = np.zeros((N, F, OH, OW))
    for g in range(G):
        xg = xp[:, g * Cg:(g + 1) * Cg]
        wg = w[g * Fg:(g + 1) * Fg].astype(np.float64)
        for ky, kx, ys, xs in taps(x.shape, w.shape, s, p, d):
            y[:, g * Fg:(g + 1) * Fg] += np.einsum("nchw,fc->nfhw", xg[:, :, ys, xs], wg[:, :, ky, kx])
    if b is not None:
        y += b.astype(np.float64)[None, :, None, None]
    return y


def input_grad_ref(dy, w, xshape, s, p, d, G):
    """Adjoint loop: every output gradient goes back to the input elements it
    read, tap by tap; padded positions are cropped at the end."""
    N, C, H, W = xshape
    F, Cg, KH, KW = w.shape
    Fg = F // G
    dxp = np.zeros((N, C, H + 2 * p[0], W + 2 * p[1]))
    for g in range(G):
        dyg = dy[:, g * Fg:(g + 1) * Fg].astype(np.float64)
        wg = w[g * Fg:(g + 1) * Fg].astype(np.float64)
        for ky, kx, ys, xs in taps(xshape, w.shape, s, p, d):
            dxp[:, g * Cg:(g + 1) * Cg, ys, xs] += np.einsum("nfhw,fc->nchw", dyg, wg[:, :, ky, kx])
    return dxp[:, :, p[0]:p[0] + H, p[1]:p[1] + W]


def weight_grad_ref(dy, x, wshape, s, p, d, G):
    F, Cg, KH, KW = wshape
    Fg = F // G
    xp = pad(x.astype(np.float64), p)
    dw = np.zeros(wshape)
    for g in range(G):
        xg = xp[:, g * Cg:(g + 1) * Cg]
        dyg = dy[:, g * Fg:(g + 1) * Fg].astype(np.float64)
        for ky, kx, ys, xs in taps(x.shape, wshape, s, p, d):
            dw[g * Fg:(g + 1) * Fg, :, ky, kx] = np.einsum("nfhw,nchw->fc", dyg, xg[:, :, ys, xs])
    return dw


def attrs(s, p, d, G):
    return f"stride [{s[0]}, {s[1]}] padding [{p[0]}, {p[1]}] dilation [{d[0]}, {d[1]}] groups {G}"


def case(name, N, C, H, W, F, K, s=(1, 1), p=(0, 0), d=(1, 1), G=1, bias=False):
    K = K if isinstance(K, tuple) else (K, K)
    x = rng.standard_normal((N, C, H, W)).astype(f32)
    w = (rng.standard_normal((F, C // G) + K) / np.sqrt(C // G * K[0] * K[1])).astype(f32)
    b = rng.standard_normal(F).astype(f32) if bias else None
    y = conv_ref(x, w, b, s, p, d, G)
    dy = rng.standard_normal(y.shape).astype(f32)
    a = attrs(s, p, d, G)
    yt = ty(y.astype(f32))
    ins = [x, w] + ([b] if bias else [])
    operands = ", ".join("{%d}" % i for i in range(len(ins)))
    h.add(f"conv2d__{name}", f"mp.conv2d {operands} {a} : ({', '.join(ty(t) for t in ins)}) -> {yt}",
          ins, [(y.shape, f32)], [y])

    fwd_x = lambda xx: conv_ref(xx, w, None, s, p, d, G)
    fwd_w = lambda ww: conv_ref(x, ww, None, s, p, d, G)
    # The op is linear in x and in w, so float64 central differences are
    # exact up to rounding; h = 0.5 keeps that rounding small.
    fd_dx = fd_grad(fwd_x, x, dy, h=0.5)
    fd_dw = fd_grad(fwd_w, w, dy, h=0.5)
    dx_ref = input_grad_ref(dy, w, x.shape, s, p, d, G)
    dw_ref = weight_grad_ref(dy, x, w.shape, s, p, d, G)
    assert np.allclose(dx_ref, fd_dx, atol=1e-9) and np.allclose(dw_ref, fd_dw, atol=1e-9)
    h.add(f"conv2d_input_grad__{name}",
          f"mp.conv2d_input_grad {{0}}, {{1}} {a} : ({ty(dy)}, {ty(w)}) -> {ty(x)}",
          [dy, w], [(x.shape, f32)], [dx_ref],
          extra_checks=[lambda got, r=fd_dx: ("vs finite differences", compare(got[0], r), 1e-4)])
    h.add(f"conv2d_weight_grad__{name}",
          f"mp.conv2d_weight_grad {{0}}, {{1}} {a} : ({ty(dy)}, {ty(x)}) -> {ty(w)}",
          [dy, x], [(w.shape, f32)], [dw_ref],
          extra_checks=[lambda got, r=fd_dw: ("vs finite differences", compare(got[0], r), 1e-4)])


from mp_ops_harness import compare  # noqa: E402

case("basic_bias", 2, 3, 6, 6, 4, 3, p=(1, 1), bias=True)
# (8 + 2 - 3) % 2 == 1: the last input row and column get no gradient.
case("stride2_rem", 2, 3, 8, 8, 4, 3, s=(2, 2), p=(1, 1))
case("stride2_even", 1, 2, 7, 7, 3, 3, s=(2, 2), p=(1, 1), bias=True)
case("dilation2", 2, 2, 7, 7, 3, 3, p=(2, 2), d=(2, 2))
case("groups2", 2, 4, 6, 6, 6, 3, p=(1, 1), G=2, bias=True)
case("depthwise", 2, 4, 7, 7, 4, 3, s=(2, 2), p=(1, 1), G=4)
case("depthwise_rem", 1, 3, 8, 8, 3, 3, s=(2, 2), p=(1, 1), G=3, bias=True)
case("depthwise_mult2", 1, 3, 6, 6, 6, 3, p=(1, 1), G=3)
case("mixed", 2, 4, 9, 8, 6, (3, 2), s=(2, 3), p=(2, 1), d=(2, 1), G=2, bias=True)
# 1x1 kernel with padding: dy rows that only read padding are cropped.
case("pad_beyond_kernel", 1, 2, 5, 6, 3, 1, s=(2, 1), p=(1, 2))
case("stride3_dil2_rem", 1, 2, 10, 9, 2, 2, s=(3, 3), p=(1, 0), d=(2, 2))
# H = 1, k = 1, p = 3, s = 4: output rows 0 and 1 read only padding.
case("no_input_reached", 1, 2, 1, 5, 2, 1, s=(4, 1), p=(3, 0))

h.run()
