# RUN: %PYTHON %s mp-opt
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Randomized check of mp-plan-buffers' packing.

Generates functions of random buffers (sizes, element types, first and last
uses, views) used by linalg.copy, runs `mp-opt --mp-plan-buffers`, and checks
the output independently of the pass: each buffer's live interval is
recomputed from the positions of the ops that use its memref.view (or a view
of it) in the output, and no two buffers whose intervals intersect may share
a byte of the arena; every offset is 64-aligned; the arena holds every
buffer; and the arena is no smaller than the most bytes live at once.
"""
import random
import re
import subprocess
import sys

MP_OPT = sys.argv[1]
BYTES = {"f32": 4, "i8": 1, "i64": 8, "f16": 2}


def generate(rng, name):
    n = rng.randint(2, 14)
    types = [(rng.choice([1, 3, 16, 100, 257, 1024]), rng.choice(list(BYTES)))
             for _ in range(n)]
    lines = ["func.func @%s(%%io: memref<4096xi8>) {" % name]
    for i, (size, t) in enumerate(types):
        lines.append("  %%b%d = memref.alloc() : memref<%dx%s>" % (i, size, t))
    # A random program: each step copies one live buffer into another.
    steps = rng.randint(n, 3 * n)
    for s in range(steps):
        i = rng.randrange(n)
        js = [j for j in range(n) if types[j] == types[i] and j != i]
        size, t = types[i]
        if js and rng.random() < 0.7:
            j = rng.choice(js)
            lines.append("  linalg.copy ins(%%b%d : memref<%dx%s>) outs(%%b%d : memref<%dx%s>)"
                         % (i, size, t, j, size, t))
        else:
            v = "%%v%d" % s
            lines.append("  %s = memref.subview %%b%d[0] [1] [1] : memref<%dx%s> to memref<1x%s, strided<[1]>>"
                         % (v, i, size, t, t))
            lines.append("  linalg.copy ins(%s : memref<1x%s, strided<[1]>>) outs(%s : memref<1x%s, strided<[1]>>)"
                         % (v, t, v, t))
    lines.append("  return")
    lines.append("}")
    return "\n".join(lines)


def check(text, name):
    body = text[text.index("func.func @%s(" % name):]
    header, rest = body.split("\n", 1)
    m = re.search(r"%(\w+): memref<(\d+)xi8>\)", header)
    arena_name, arena = (m.group(1), int(m.group(2))) if m else (None, 0)
    ops = []
    for line in rest.split("\n"):
        if line.strip() == "}":
            break
        ops.append(line.strip())
    consts = {}
    for op in ops:
        c = re.match(r"(%\w+) = arith.constant (\d+) : index", op)
        if c:
            consts[c.group(1)] = int(c.group(2))
    buffers = {}  # view name -> [offset, bytes, first, last]
    alias = {}
    for pos, op in enumerate(ops):
        v = re.match(r"(%\w+) = memref.view %(\w+)\[(%\w+)\]\[\] : memref<\d+xi8> to memref<(\d+)x(\w+)>", op)
        if v:
            assert v.group(2) == arena_name, op
            off = consts[v.group(3)]
            buffers[v.group(1)] = [off, int(v.group(4)) * BYTES[v.group(5)], pos, pos]
            alias[v.group(1)] = v.group(1)
            continue
        s = re.match(r"(%\w+) = memref.subview (%\w+)\[", op)
        if s and s.group(2) in alias:
            alias[s.group(1)] = alias[s.group(2)]
        for name_ in re.findall(r"%\w+", op):
            if name_ in alias:
                b = buffers[alias[name_]]
                b[3] = max(b[3], pos)
        assert "memref.alloc" not in op, "unplanned alloc: " + op
    items = list(buffers.values())
    for off, size, first, last in items:
        assert off % 64 == 0, "offset %d not aligned" % off
        assert off + size <= arena, "buffer [%d, %d) outside arena %d" % (off, off + size, arena)
    for i, a in enumerate(items):
        for b in items[i + 1:]:
            live_together = a[2] <= b[3] and b[2] <= a[3]
            overlap = a[0] < b[0] + b[1] and b[0] < a[0] + a[1]
            assert not (live_together and overlap), "overlap: %s %s" % (a, b)
    peak = 0
    for pos in range(len(ops)):
        peak = max(peak, sum(s for o, s, f, l in items if f <= pos <= l))
    assert arena >= peak, "arena %d below live peak %d" % (arena, peak)
    return len(items)


rng = random.Random(20261203)
names = ["f%d" % k for k in range(60)]
module = "\n".join(generate(rng, n) for n in names)
out = subprocess.run([MP_OPT, "--mp-plan-buffers", "-"], input=module,
                     capture_output=True, text=True)
if out.returncode != 0:
    sys.exit(out.stderr)
total = sum(check(out.stdout, n) for n in names)
print("ok: %d functions, %d buffers, no overlap" % (len(names), total))
