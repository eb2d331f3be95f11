"""Checks that two mp-train runs are the same run: every saved tensor bit for
bit, and every step's and epoch's loss and accuracy in the two logs.

  check-same-run.py LABEL SAVE_A SAVE_B LOG_A LOG_B
"""
import json
import os
import sys

def records(path):
    keys = ("loss", "train_loss", "test_loss", "test_accuracy", "skipped_steps")
    out = []
    for line in open(path):
        r = json.loads(line)
        if r.get("event") in ("step", "epoch"):
            out.append(tuple((k, r[k]) for k in keys if k in r))
    return out


def main():
    label, a, b, log_a, log_b = sys.argv[1:6]
    # The tensors; state.json names each run's own log.
    def tensors(d):
        return sorted(n for n in os.listdir(d) if n.endswith(".npy"))
    names = tensors(a)
    if names != tensors(b) or not names:
        print("FAIL %s: saved tensors differ: %s vs %s" %
              (label, names, tensors(b)))
        return
    # .npy files hold a header and the raw data: equal files, equal tensors.
    differ = [n for n in names
              if open(os.path.join(a, n), "rb").read() !=
              open(os.path.join(b, n), "rb").read()]
    ra, rb = records(log_a), records(log_b)
    if differ:
        print("FAIL %s: %d of %d tensors differ, first %s" %
              (label, len(differ), len(names), differ[0]))
    elif ra != rb or not ra:
        print("FAIL %s: the logs differ (%d and %d records)" %
              (label, len(ra), len(rb)))
    else:
        print("%s: same run (%d tensors, %d log records)" %
              (label, len(names), len(ra)))


if __name__ == "__main__":
    main()
