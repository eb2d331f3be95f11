# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""check-memory.py PLAN.txt FREE.txt PLAN_DIR FREE_DIR

Reads `mp-run --memory` output of a planned run and a plan-buffers=false run
of the same function and checks: planned arena == measured allocation peak;
unplanned measured peak == live-buffer peak; arena >= live peak (a lower
bound) and within 10 % of it; every result file identical byte for byte.
"""
import os
import re
import sys


def memory(path):
    text = open(path).read()
    m = re.search(r"memory: arena (\d+) B planned, live peak (\d+) B; "
                  r"allocated peak (\d+) B", text)
    if not m:
        sys.exit("%s: no memory line in:\n%s" % (path, text))
    return [int(g) for g in m.groups()]


plan_txt, free_txt, plan_dir, free_dir = sys.argv[1:5]
arena, live, allocated = memory(plan_txt)
arena_free, live_free, allocated_free = memory(free_txt)
errors = []
if arena <= 0:
    errors.append("no arena planned")
if allocated != arena:
    errors.append("planned: allocated peak %d != arena %d" % (allocated, arena))
if arena_free != 0:
    errors.append("plan-buffers=false still planned an arena (%d)" % arena_free)
if live_free != live:
    errors.append("live peaks differ: %d vs %d" % (live, live_free))
if allocated_free != live_free:
    errors.append("unplanned: allocated peak %d != live peak %d"
                  % (allocated_free, live_free))
if not live <= arena <= 1.10 * live:
    errors.append("arena %d not within [live, 1.1 live] = [%d, %d]"
                  % (arena, live, 1.1 * live))
files = sorted(os.listdir(plan_dir))
if not files or files != sorted(os.listdir(free_dir)):
    errors.append("result files differ: %s vs %s"
                  % (files, sorted(os.listdir(free_dir))))
for f in files:
    with open(os.path.join(plan_dir, f), "rb") as a, \
            open(os.path.join(free_dir, f), "rb") as b:
        if a.read() != b.read():
            errors.append("%s differs between plan-buffers=true and false" % f)
if errors:
    sys.exit("\n".join(errors))
print("ok: arena %d B, live peak %d B, %d results identical"
      % (arena, live, len(files)))
