# Compares an uninterrupted run with one that was stopped and resumed:
# every saved tensor byte for byte, and the JSON-lines logs line for line
# (apart from the wall-clock fields, which no two runs share).
import json
import os
import sys

full, resumed, full_log, part_log = sys.argv[1:5]
names = sorted(f for f in os.listdir(full) if f.endswith(".npy"))
assert names
assert names == sorted(f for f in os.listdir(resumed) if f.endswith(".npy"))
for n in names:
    with open(os.path.join(full, n), "rb") as a, open(os.path.join(resumed, n), "rb") as b:
        assert a.read() == b.read(), n
print("identical state: %d tensors" % len(names))

CLOCK = {"seconds", "images_per_second", "compile_seconds"}


def lines(path):
    out = []
    for line in open(path):
        event = json.loads(line)
        out.append({k: v for k, v in event.items() if k not in CLOCK})
    return out


f, p = lines(full_log), lines(part_log)
assert len(f) == len(p), (len(f), len(p))
for i, (a, b) in enumerate(zip(f, p)):
    assert a == b, (i, a, b)
kinds = {}
for e in f:
    kinds[e["event"]] = kinds.get(e["event"], 0) + 1
print("identical logs: %d lines %s" % (len(f), " ".join(
    "%s=%d" % kv for kv in sorted(kinds.items()))))
