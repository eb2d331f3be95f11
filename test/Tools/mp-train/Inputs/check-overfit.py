"""Checks an mp-train log: the loss fell at least 10x over the run, and the
two saved runs are bit-identical, tensor by tensor."""
import json
import os
import sys

log, a, b = sys.argv[1:4]
losses = [json.loads(l)["loss"] for l in open(log)
          if json.loads(l).get("event") == "step"]
assert len(losses) == 100, len(losses)
first = sum(losses[:3]) / 3
last = sum(losses[-3:]) / 3
drop = first / last
assert drop >= 10, (first, last)
print("loss drop %.1fx >= 10x (%.4f -> %.4f)" % (drop, first, last))
names = sorted(f for f in os.listdir(a) if f.endswith(".npy"))
assert names and names == sorted(f for f in os.listdir(b) if f.endswith(".npy"))
for n in names:
    with open(os.path.join(a, n), "rb") as fa, open(os.path.join(b, n), "rb") as fb:
        assert fa.read() == fb.read(), n
print("bit-identical: %d tensors" % len(names))
