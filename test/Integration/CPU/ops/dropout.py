# RUN: %PYTHON %s mp-opt mlir-opt mlir-runner %mlir_c_runner_utils
# REQUIRES: py-numpy
#
# dropout and dropout_grad lowered by convert-mp-to-linalg and run on the
# CPU. The mask is the documented counter-based hash (docs/Design/Lowering.md):
# element i (row-major) of a tensor is dropped iff
#   splitmix64(seed + (i + 1) * 0x9E3779B97F4A7C15) >> 32 < round(ratio * 2^32)
# Checked: both ops reproduce that mask exactly (so they agree with each
# other) with kept elements scaled by f32(1 / (1 - ratio)); the dropped
# fraction is near the ratio; other seeds give other masks; ratio 0 is the
# identity.

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "Inputs"))
import numpy as np
from mp_ops_harness import Harness, ty

rng = np.random.default_rng(9)
h = Harness("dropout")
f32 = np.float32
U64 = np.uint64


def splitmix64(z):
    z = (z ^ (z >> U64(30))) * U64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> U64(27))) * U64(0x94D049BB133111EB)
    return z ^ (z >> U64(31))


def keep_mask(shape, seed, ratio):
    i = np.arange(int(np.prod(shape)), dtype=U64)
    s = np.array(seed, dtype=np.int64).astype(U64)
    with np.errstate(over="ignore"):
        z = splitmix64(s + (i + U64(1)) * U64(0x9E3779B97F4A7C15))
    return ((z >> U64(32)) >= U64(round(ratio * 2.0 ** 32))).reshape(shape)


# The reference hash is splitmix64: its first output for state 0 is the
# published 0xE220A8397B1DCDAF.
with np.errstate(over="ignore"):
    assert int(splitmix64(np.array([0x9E3779B97F4A7C15], dtype=U64))[0]) == 0xE220A8397B1DCDAF


def frac_check(ratio, mask):
    dropped = 1.0 - mask.mean()
    # 5 standard deviations of a binomial fraction.
    tol = 5 * np.sqrt(ratio * (1 - ratio) / mask.size) + 1e-12
    return lambda got: ("dropped fraction %.4f vs ratio" % dropped, abs(dropped - ratio), tol,
                        False)


def case(name, shape, seed, ratio):
    # Nonzero inputs, so a zero in the output means a dropped element.
    x = (rng.choice([-1, 1], size=shape) * (0.5 + rng.random(shape))).astype(f32)
    dy = (rng.choice([-1, 1], size=shape) * (0.5 + rng.random(shape))).astype(f32)
    s = np.array(seed, dtype=np.int64)
    mask = keep_mask(shape, seed, ratio)
    scale = f32(1.0 / (1.0 - ratio))
    r = f"{ratio:.6e}"
    h.add(f"dropout__{name}", f"mp.dropout {{0}}, {{1}} ratio {r} : ({ty(x)}, {ty(s)}) -> {ty(x)}",
          [x, s], [(shape, f32)], [np.where(mask, x * scale, f32(0))], tol=0,
          extra_checks=[frac_check(ratio, mask)] if mask.size >= 100 else [])
    h.add(f"dropout_grad__{name}", f"mp.dropout_grad {{0}}, {{1}} ratio {r} : ({ty(dy)}, {ty(s)}) -> {ty(dy)}",
          [dy, s], [(shape, f32)], [np.where(mask, dy * scale, f32(0))], tol=0,
          extra_checks=[frac_check(ratio, mask)] if mask.size >= 100 else [])
    return mask


m1 = case("r0.5_seed42", (64, 96), 42, 0.5)
m2 = case("r0.5_seed43", (64, 96), 43, 0.5)
assert 0.4 < (m1 != m2).mean() < 0.6, "neighbouring seeds must give unrelated masks"
case("r0.1_4d", (4, 8, 6, 10), 7, 0.1)
case("r0.3_neg_seed", (37, 53), -123456789, 0.3)
case("r0.9_big_seed", (50, 40), 0x7FFFFFFFFFFFFFFF, 0.9)
case("r0", (3, 5), 5, 0.0)
case("r0.5_0d", (), 1, 0.5)

h.run()
