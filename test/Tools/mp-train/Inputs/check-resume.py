import json
import os
import sys

full, resumed, full_log, part_log = sys.argv[1:5]
names = sorted(f for f in os.listdir(full) if f.endswith(".npy"))
assert names
for n in names:
    with open(os.path.join(full, n), "rb") as a, open(os.path.join(resumed, n), "rb") as b:
        assert a.read() == b.read(), n
print("identical parameters: %d tensors" % len(names))
def epochs(path):
    return {e["epoch"]: e for e in map(json.loads, open(path)) if e.get("event") == "epoch"}
f, p = epochs(full_log), epochs(part_log)
assert f[2]["train_loss"] == p[2]["train_loss"], (f[2], p[2])
assert f[2]["test_accuracy"] == p[2]["test_accuracy"]
print("identical epoch 2 train loss %.6f" % f[2]["train_loss"])
