# RUN: rm -rf %t && mkdir -p %t
# RUN: %PYTHON %s emit %t
# RUN: mp-run %t/codes.mlir -f decode_all --input %t/codes8.npy --input %t/codes16.npy --output-dir %t
# RUN: mp-run %t/codes.mlir -f roundtrip --input %t/x.npy --output-dir %t
# RUN: %PYTHON %s check %t | FileCheck %s
# REQUIRES: py-numpy
#
# Storage codes (mp.encode / mp.decode, docs/Design/Storage.md), run on the
# CPU through mp-run:
#  - decode: every code of every format (all 256 of the 8-bit ones, all
#    65536 of the 16-bit ones) against an independent float64 evaluation of
#    the format's definition (sign, biased exponent, mantissa, subnormals,
#    special codes);
#  - round trip: decode(encode(x)) against mp.cast (the emulation, itself
#    checked against APFloat by mp-cast-check) bit for bit, on every decoded
#    value, the midpoints between neighbours, random values at all scales,
#    signed zeros, subnormals, inf and NaN; the only allowed differences are
#    the documented ones (inf without an inf code is stored as NaN, -0 of a
#    format without spare code is stored as +0).
#
# CHECK-NOT: FAIL
# CHECK: storage codes: 12 formats, 0 failures

import os
import sys

import numpy as np

FORMATS = [
    # (mlir spelling, exp, man, bias, specials)
    ("e4m3", 4, 3, 7, "fn"),
    ("e5m2", 5, 2, 15, "ieee"),
    ("paper_143", 4, 3, 11, "none"),
    ("paper_152", 5, 2, 15, "none"),
    ("<e4m3, overflow = saturate>", 4, 3, 7, "fn"),
    ("<exp = 4, man = 3, bias = 8, specials = fnuz, overflow = nan, rounding = nearest_even>", 4, 3, 8, "fnuz"),
    ("<exp = 5, man = 2, bias = 16, specials = fnuz, overflow = saturate, rounding = nearest_away>", 5, 2, 16, "fnuz"),
    ("<exp = 3, man = 4, bias = 3, specials = ieee, overflow = inf, rounding = nearest_even>", 3, 4, 3, "ieee"),
    ("<exp = 2, man = 5, bias = 1, specials = none, overflow = inf, rounding = nearest_even>", 2, 5, 1, "none"),
    ("paper_169", 6, 9, 31, "none"),
    ("fp16", 5, 10, 15, "ieee"),
    ("bf16", 8, 7, 127, "ieee"),
]


def spelled(f):
    return f if f.startswith("<") else "<%s>" % f


def bits_of(f):
    return 1 + f[1] + f[2]


def container(f):
    return 8 if bits_of(f) <= 8 else 16


def reference_values(f):
    """float32 value of every code of `f` (float64 arithmetic)."""
    _, e, m, bias, specials = f
    n = 1 << (1 + e + m)
    c = np.arange(n, dtype=np.int64)
    sign = (c >> (e + m)) & 1
    ef = (c >> m) & ((1 << e) - 1)
    mf = c & ((1 << m) - 1)
    mag = np.where(ef == 0, mf / 2.0**m * 2.0**(1 - bias),
                   (1 + mf / 2.0**m) * 2.0**(ef.astype(np.float64) - bias))
    v = np.where(sign == 1, -mag, mag)
    top = ef == (1 << e) - 1
    if specials == "ieee":
        v = np.where(top & (mf == 0), np.where(sign == 1, -np.inf, np.inf), v)
        v = np.where(top & (mf != 0), np.nan, v)
    elif specials == "fn":
        v = np.where(top & (mf == (1 << m) - 1), np.nan, v)
    else:  # fnuz, and none by the storage convention: the -0 code is NaN
        v = np.where(c == 1 << (e + m), np.nan, v)
    return v.astype(np.float32)


def emit(out):
    lines = ["#id = affine_map<(d0) -> (d0)>", "module {"]
    # decode_all: every code of every format.
    rets, types, body = [], [], []
    for i, f in enumerate(FORMATS):
        w = container(f)
        n = 1 << bits_of(f)
        src = "%a8" if w == 8 else "%a16"
        size = 256 if w == 8 else 65536
        body += [
            f"    %e{i} = tensor.empty() : tensor<{size}xi{w}>",
            f"    %t{i} = linalg.generic {{indexing_maps = [#id, #id], iterator_types = [\"parallel\"]}} "
            f"ins({src} : tensor<{size}xi32>) outs(%e{i} : tensor<{size}xi{w}>) {{",
            f"    ^bb0(%x: i32, %o: i{w}):",
            f"      %c = arith.trunci %x : i32 to i{w}",
            f"      linalg.yield %c : i{w}",
            f"    }} -> tensor<{size}xi{w}>",
            f"    %d{i} = mp.decode %t{i} from {spelled(f[0])} : tensor<{size}xi{w}> -> tensor<{size}xf32>",
        ]
        rets.append(f"%d{i}")
        types.append(f"tensor<{size}xf32>")
    lines.append("  func.func @decode_all(%%a8: tensor<256xi32>, %%a16: tensor<65536xi32>) -> (%s) {" % ", ".join(types))
    lines += body
    lines.append("    return %s : %s" % (", ".join(rets), ", ".join(types)))
    lines.append("  }")

    # roundtrip: mp.cast and decode(encode) of the same values.
    xs = [np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45, 3e38],
                   np.float32)]
    rng = np.random.default_rng(5)
    for f in FORMATS:
        v = reference_values(f)
        v = np.unique(v[np.isfinite(v)])
        mid = ((v[1:].astype(np.float64) + v[:-1]) / 2).astype(np.float32)
        xs += [v, mid, np.nextafter(mid, np.float32(np.inf)),
               np.nextafter(mid, np.float32(-np.inf)), v * np.float32(1.5)]
    scales = 2.0 ** rng.uniform(-150, 128, 20000)
    xs.append((rng.standard_normal(20000) * scales).astype(np.float32))
    x = np.concatenate(xs).astype(np.float32)
    n = x.size
    rets, types, body = [], [], []
    for i, f in enumerate(FORMATS):
        w = container(f)
        body += [
            f"    %c{i} = mp.cast %x to {spelled(f[0])} : tensor<{n}xf32>",
            f"    %e{i} = mp.encode %x to {spelled(f[0])} : tensor<{n}xf32> -> tensor<{n}xi{w}>",
            f"    %d{i} = mp.decode %e{i} from {spelled(f[0])} : tensor<{n}xi{w}> -> tensor<{n}xf32>",
        ]
        rets += [f"%c{i}", f"%d{i}"]
        types += [f"tensor<{n}xf32>"] * 2
    lines.append("  func.func @roundtrip(%%x: tensor<%dxf32>) -> (%s) {" % (n, ", ".join(types)))
    lines += body
    lines.append("    return %s : %s" % (", ".join(rets), ", ".join(types)))
    lines.append("  }")
    lines.append("}")
    open(os.path.join(out, "codes.mlir"), "w").write("\n".join(lines) + "\n")
    np.save(os.path.join(out, "codes8.npy"), np.arange(256, dtype=np.int32))
    np.save(os.path.join(out, "codes16.npy"), np.arange(65536, dtype=np.int32))
    np.save(os.path.join(out, "x.npy"), x)


def same_bits(a, b):
    """Equal bit for bit, any NaN matching any NaN."""
    nan = np.isnan(a) & np.isnan(b)
    return nan | (a.view(np.uint32) == b.view(np.uint32))


def check(out):
    failures = 0
    x = np.load(os.path.join(out, "x.npy"))
    for i, f in enumerate(FORMATS):
        ref = reference_values(f)
        got = np.load(os.path.join(out, "decode_all.result%d.npy" % i))[:ref.size]
        bad = np.flatnonzero(~same_bits(got, ref))
        if bad.size:
            failures += 1
            print("FAIL decode %s: %d codes, first 0x%x -> %r, expected %r" %
                  (f[0], bad.size, bad[0], got[bad[0]], ref[bad[0]]))
        cast = np.load(os.path.join(out, "roundtrip.result%d.npy" % (2 * i)))
        dec = np.load(os.path.join(out, "roundtrip.result%d.npy" % (2 * i + 1)))
        ok = same_bits(dec, cast)
        if f[4] != "ieee":  # no inf code: inf is kept as NaN
            ok |= np.isinf(cast) & np.isnan(dec)
        if f[4] == "none":  # no spare code: -0 is kept as +0
            ok |= (cast == 0) & np.signbit(cast) & (dec.view(np.uint32) == 0)
        bad = np.flatnonzero(~ok)
        if bad.size:
            failures += 1
            print("FAIL round trip %s: %d values, first %r: cast %r, stored %r" %
                  (f[0], bad.size, x[bad[0]], cast[bad[0]], dec[bad[0]]))
        else:
            print("ok   %s: %d codes, %d values" % (f[0], ref.size, x.size))
    print("storage codes: %d formats, %d failures" % (len(FORMATS), failures))


if __name__ == "__main__":
    {"emit": emit, "check": check}[sys.argv[1]](sys.argv[2])
