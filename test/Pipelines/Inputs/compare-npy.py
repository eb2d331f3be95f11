# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Compares the .npy files of two mp-run --output-dir folders.

Usage: compare-npy.py REF_DIR TEST_DIR [--rtol R] [--atol A]
                      [--scale element|tensor] [--rtol-for GLOB=R ...]

Every file of REF_DIR must exist in TEST_DIR with the same dtype and shape.
Integer and bool arrays must be equal; float32 elements must satisfy
|t - r| <= atol + rtol * max(|r|, |t|) (NaN only where the reference has
NaN). With --scale tensor, the scale is max |r| over the whole file
instead (a norm-wise relative error, for sums that cancel). --rtol-for gives
files whose name matches GLOB their own tolerance. Prints one line per file and a final `N files match` or exits 1.
Standard library only.
"""

import argparse
import ast
import fnmatch
import math
import os
import struct
import sys


def read_npy(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError(path + ": not a .npy file")
    major = data[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", data[8:12])
        start = 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    body = data[start + hlen:]
    descr, shape = header["descr"], tuple(header["shape"])
    if header.get("fortran_order"):
        raise ValueError(path + ": Fortran order")
    codes = {"<f4": "f", "<i4": "i", "<i8": "q", "|b1": "?"}
    if descr not in codes:
        raise ValueError(path + ": unsupported dtype " + descr)
    count = 1
    for d in shape:
        count *= d
    values = struct.unpack("<%d%s" % (count, codes[descr]),
                           body[:count * struct.calcsize(codes[descr])])
    return descr, shape, values


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("ref")
    parser.add_argument("test")
    parser.add_argument("--rtol", type=float, default=1e-4)
    parser.add_argument("--atol", type=float, default=0.0)
    parser.add_argument("--scale", choices=["element", "tensor"],
                        default="element")
    parser.add_argument("--rtol-for", action="append", default=[],
                        metavar="GLOB=R")
    args = parser.parse_args()
    names = sorted(n for n in os.listdir(args.ref) if n.endswith(".npy"))
    if not names:
        print("error: no .npy files in " + args.ref)
        return 1
    bad = 0
    for name in names:
        rd, rs, rv = read_npy(os.path.join(args.ref, name))
        td, ts, tv = read_npy(os.path.join(args.test, name))
        if (rd, rs) != (td, ts):
            print("%s: MISMATCH %s%s vs %s%s" % (name, rd, rs, td, ts))
            bad += 1
            continue
        rtol = args.rtol
        for spec in args.rtol_for:
            glob, value = spec.rsplit("=", 1)
            if fnmatch.fnmatch(name, glob):
                rtol = float(value)
        worst, worst_at, fails = 0.0, -1, 0
        tensor_scale = max((abs(r) for r in rv if rd == "<f4" and
                            not math.isnan(r) and not math.isinf(r)),
                           default=0.0)
        for i, (r, t) in enumerate(zip(rv, tv)):
            if rd != "<f4":
                ok = r == t
                err = 0.0 if ok else 1.0
            elif math.isnan(r) or math.isnan(t):
                ok = math.isnan(r) and math.isnan(t)
                err = 0.0 if ok else math.inf
            else:
                diff = abs(t - r)
                scale = max(abs(r), abs(t))
                if args.scale == "tensor":
                    scale = tensor_scale
                ok = diff <= args.atol + rtol * scale
                err = diff / scale if scale > 0 else diff
            if not ok:
                fails += 1
            if err > worst:
                worst, worst_at = err, i
        status = "ok" if fails == 0 else "FAIL (%d elements)" % fails
        if rtol != args.rtol:
            status += " (rtol %g)" % rtol
        print("%s: %s%s %s, max rel err %.3g at %d" %
              (name, rd, list(rs), status, worst, worst_at))
        bad += fails != 0
    if bad:
        print("%d of %d files differ" % (bad, len(names)))
        return 1
    print("%d files match" % len(names))
    return 0


if __name__ == "__main__":
    sys.exit(main())
