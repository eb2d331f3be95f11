#!/usr/bin/python3
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Memory of a training step with real low-precision storage.

For each network and policy this builds and assigns the step
(`mp-opt --mp-precision-pipeline`), reads the report's liveness peak model
and the planned arena of the lowered step in f32 containers and with
`storage` (`--mp-annotate-arena[=storage=true] --mp-report=format=json`;
the arena is what the JIT allocates, `test/Tools/mp-run/plan-buffers.test`),
and, with --time, the step time of both (`mp-run --iterations`, min of the
runs). Prints the ratios stored / f32 containers and arena / model.

Usage: bench/storage.py [--build-dir build] [--batch 32] [--time]
"""

import argparse
import datetime
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

from train_step import run

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
POLICIES = ["policy=fp32", "policy=uniform-high", "policy=op",
            "policy=ours ratio=0.2", "policy=ours ratio=0.6",
            "policy=ours ratio=1.0", "policy=uniform-low"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--nets", default="small_cnn,resnet18")
    ap.add_argument("--time", action="store_true")
    args = ap.parse_args()
    mp_opt = os.path.join(args.build_dir, "bin", "mp-opt")
    mp_run = os.path.join(args.build_dir, "bin", "mp-run")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    print("# %s, %s, load %s" % (datetime.date.today(), platform.node(),
                                 os.getloadavg()[0]))
    print("| network | policy | model MiB | arena f32 MiB | arena stored MiB "
          "| stored / f32 | stored / model |" +
          (" step ms f32 | step ms stored | time ratio |" if args.time else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|---|" if args.time else ""))
    with tempfile.TemporaryDirectory() as tmp:
        for net in args.nets.split(","):
            src = os.path.join(tmp, net + ".mlir")
            emit = [sys.executable, "-m", "mpt", "emit", net, "--batch",
                    str(args.batch), "-o", src]
            if net == "resnet18":
                emit += ["--width", "0.25"]
            run(emit, env=env)
            for policy in POLICIES:
                step = os.path.join(tmp, "step.mlir")
                run([mp_opt, src, "--mp-precision-pipeline=" + policy, "-o", step])
                arena = {}
                for storage in ("false", "true"):
                    report = json.loads(run([
                        mp_opt, step, "--mp-annotate-arena=storage=" + storage,
                        "--mp-report=format=json output=-", "-o", os.devnull]))
                    fn = [f for f in report["functions"]
                          if f["name"].endswith("_train_step")][0]
                    model = fn["totals"]["peak"]["bytes"]
                    arena[storage] = fn["totals"]["planned"]["arena_bytes"]
                row = "| %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f |" % (
                    net, policy.replace("policy=", ""), model / MIB,
                    arena["false"] / MIB, arena["true"] / MIB,
                    arena["true"] / arena["false"], arena["true"] / model)
                if args.time:
                    ms = {}
                    for storage in ("false", "true"):
                        out = run([mp_run, step, "-f", net + "_train_step",
                                   "--iterations", "3", "--warmup", "1",
                                   "--storage=" + storage])
                        ms[storage] = float(re.search(r"min ([0-9.]+) ms", out).group(1))
                    row += " %.1f | %.1f | %.2f |" % (ms["false"], ms["true"],
                                                      ms["true"] / ms["false"])
                print(row, flush=True)


if __name__ == "__main__":
    main()
