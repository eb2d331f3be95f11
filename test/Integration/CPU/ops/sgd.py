# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# sgd (momentum, weight decay, Nesterov, grad_scale; PyTorch's convention)
# and all_finite lowered by convert-mp-to-linalg and run on the CPU, against
# numpy.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, ttype, ty

rng = np.random.default_rng(17)
h = Harness("sgd")
f32 = np.float32
f64 = np.float64


def sgd_ref(p, g, buf, lr, momentum, wd, nesterov, scale):
    """torch.optim.SGD (dampening 0) after GradScaler-style unscaling."""
    p, g, buf = (np.asarray(t, f64) for t in (p, g, buf))
    if scale is not None:
        g = g / float(scale)
    g = g + wd * p
    if momentum != 0:
        buf = momentum * buf + g
        d = g + momentum * buf if nesterov else buf
    else:
        buf, d = g, g
    return p - float(lr) * d, buf


shape = (4, 3, 3, 3)
for name, mom, wd, nest, scaled in [("momentum_wd", 0.9, 5e-4, False, False),
                                     ("nesterov", 0.9, 1e-4, True, False),
                                     ("nesterov_scaled", 0.8, 5e-4, True, True),
                                     ("plain", 0.0, 0.0, False, False),
                                     ("wd_only_scaled", 0.0, 1e-2, False, True)]:
    p = rng.standard_normal(shape).astype(f32)
    g = rng.standard_normal(shape).astype(f32)
    buf = rng.standard_normal(shape).astype(f32)
    lr = np.array(0.05, f32)
    scale = np.array(1024.0, f32) if scaled else None
    if scaled:
        g = (g * scale).astype(f32)
    ins = [p, g, buf, lr] + ([scale] if scaled else [])
    gs = "grad_scale {4} " if scaled else ""
    nv = " nesterov" if nest else ""
    t = ty(p)
    h.add(f"sgd__{name}",
          f"mp.sgd {{0}}, {{1}}, {{2}}, {{3}} {gs}momentum {mom:.6e} weight_decay {wd:.6e}{nv} : "
          f"({', '.join(ty(a) for a in ins)}) -> ({t}, {t})",
          ins, [(shape, f32), (shape, f32)], list(sgd_ref(p, g, buf, lr, mom, wd, nest, scale)),
          tol=1e-6)

# all_finite over several operands of different ranks.
a = rng.standard_normal((3, 4)).astype(f32)
b = rng.standard_normal((2, 2, 2, 2)).astype(f32)
s = np.array(3.0e38, f32)  # large but finite
for name, poke in [("finite", None), ("inf", (1, np.inf)), ("neg_inf", (0, -np.inf)),
                   ("nan", (1, np.nan)), ("scalar_nan", (2, np.nan))]:
    ins = [a.copy(), b.copy(), s.copy()]
    if poke:
        which, v = poke
        ins[which].reshape(-1)[min(5, ins[which].size - 1)] = v
    want = np.array(all(np.isfinite(t).all() for t in ins))
    h.add(f"all_finite__{name}",
          f"mp.all_finite {{0}}, {{1}}, {{2}} : ({', '.join(ty(t) for t in ins)}) -> tensor<i1>",
          ins, [((), np.bool_)], [want])
h.add("all_finite__no_operands", "mp.all_finite : () -> tensor<i1>", [], [((), np.bool_)],
      [np.array(True)])

h.run()
