"""Inputs for, and checks of, one training step with dynamic loss scaling.

  skipped-step.py inputs STEP.mlir FUNC SCALE DIR   write one .npy per argument
                                                    (loss_scale = SCALE), print
                                                    the mp-run --input flags
  skipped-step.py check STEP.mlir FUNC DIR OUT MODE compare results with inputs:
                                                    MODE=skipped: every weight
                                                    and momentum bit-identical;
                                                    MODE=taken: weights changed
"""
import os
import re
import sys

import numpy as np


def signature(path, func):
    """[(role, name, shape, dtype)] of the arguments and of the results."""
    text = open(path).read()
    start = text.index("func.func @%s(" % func)
    end = text.index("{\n", text.index(") -> (", start))
    head = text[start:end]
    args_text, results_text = head.split(") -> (", 1)
    pattern = re.compile(r'tensor<([0-9x]*)(f32|i32|i64|i1)>\s*\{([^}]*)\}')

    def parse(s):
        out = []
        for dims, elt, attrs in pattern.findall(s):
            shape = tuple(int(d) for d in dims.split("x") if d)
            name = re.search(r'mp.name = "([^"]*)"', attrs)
            role = re.search(r'mp.role = #mp.role<(\w+)>', attrs)
            out.append((role.group(1) if role else "",
                        name.group(1) if name else "", shape, elt))
        return out

    return parse(args_text), parse(results_text)


def inputs(path, func, scale, out_dir):
    args, _ = signature(path, func)
    rng = np.random.default_rng(7)
    os.makedirs(out_dir, exist_ok=True)
    flags = []
    for i, (role, name, shape, elt) in enumerate(args):
        if role == "label":
            a = rng.integers(0, 10, size=shape).astype(np.int32)
        elif role == "learning_rate":
            a = np.array(0.1, np.float32)
        elif role == "loss_scale":
            a = np.array(scale, np.float32)
        elif role == "momentum":
            a = rng.normal(0, 0.01, size=shape).astype(np.float32)
        elif name.endswith("running_var"):
            a = np.ones(shape, np.float32)
        elif elt == "i1":
            a = np.zeros(shape, np.bool_)
        else:
            a = rng.normal(0, 0.3, size=shape).astype(np.float32)
        file = os.path.join(out_dir, "arg%d.npy" % i)
        np.save(file, a)
        flags.append("--input " + file)
    print(" ".join(flags))


def check(path, func, in_dir, out_dir, mode):
    args, results = signature(path, func)
    by_key = {(r, n): i for i, (r, n, _, _) in enumerate(args)}
    same = changed = 0
    for k, (role, name, _, _) in enumerate(results):
        if role not in ("weight", "momentum"):
            continue
        old = np.load(os.path.join(in_dir, "arg%d.npy" % by_key[(role, name)]))
        new = np.load(os.path.join(out_dir, "%s.result%d.npy" % (func, k)))
        if old.tobytes() == new.tobytes():
            same += 1
        else:
            changed += 1
            if mode == "skipped":
                bad = np.flatnonzero(old.view(np.uint32) != new.view(np.uint32))
                print("FAIL %s %s changed in a skipped step (%d elements, "
                      "first %r -> %r)" % (role, name, bad.size,
                                           old.flat[bad[0]], new.flat[bad[0]]))
    finite = [k for k, (_, n, _, _) in enumerate(results) if n == "grads_finite"]
    flag = np.load(os.path.join(out_dir, "%s.result%d.npy" % (func, finite[0])))
    print("%s: grads_finite=%d unchanged=%d changed=%d" %
          (mode, int(flag), same, changed))


if __name__ == "__main__":
    if sys.argv[1] == "inputs":
        inputs(sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5])
    else:
        check(*sys.argv[2:7])
