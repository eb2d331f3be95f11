# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Compares the per-step losses of two mp-train JSON-lines logs.
usage: compare_losses.py A.jsonl B.jsonl RTOL"""

import json
import math
import sys


def losses(path):
    out = []
    with open(path) as f:
        for line in f:
            ev = json.loads(line)
            if ev.get("event") == "step":
                out.append(ev["loss"])
    return out


a, b, rtol = losses(sys.argv[1]), losses(sys.argv[2]), float(sys.argv[3])
print("%d steps compared" % min(len(a), len(b)))
bad = [(i, x, y) for i, (x, y) in enumerate(zip(a, b))
       if not (math.isfinite(x) and math.isfinite(y))
       or abs(x - y) > rtol * max(abs(x), abs(y))]
if len(a) != len(b) or not a or bad:
    print("losses differ: %s vs %s" % (a, b))
    sys.exit(1)
print("losses match")
