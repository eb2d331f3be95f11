#!/usr/bin/python3
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Memory of one fp32 training step: model, planned arena, measured, RSS.

For ResNet-18 (the paper's CIFAR variant, 3x32x32, width --width) at each
batch size this builds the step (`mp-opt --mp-build-training-step`), reads
the liveness model and the planned arena (`--mp-annotate-arena
--mp-report=format=json`), runs it with `mp-run --memory` three ways and
measures each process's peak RSS (getrusage of the child):

  planned     mp-run as shipped: one arena allocated once
  unplanned   --plan-buffers=false: malloc at first use, free at last use
  torch       the same network, NLL loss and SGD step in PyTorch (if
              `import torch` works; python/mpt/paper_reference.py), one
              thread

and prints ratios against the model: RSS / model, and the growth of RSS
and of the model from the smallest to the largest batch.

Usage: bench/memory.py [--build-dir build] [--batches 8,128] [--width 1.0]
                       [--skip-torch]
"""

import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import tempfile

from train_step import run  # the same error handling as the speed benchmark

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20


def child_rss(cmd):
    """Runs cmd; returns (stdout, its peak RSS in bytes)."""
    pid = os.fork()
    if pid == 0:
        out = os.open(os.devnull, os.O_WRONLY)
        fd = os.open(cmd[-1], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(out, 2)
        os.execv(cmd[0], cmd[:-1])
    _, status, usage = os.wait4(pid, 0)
    if status != 0:
        sys.exit("error: %s failed (status %d)" % (" ".join(cmd[:-1]), status))
    return open(cmd[-1]).read(), usage.ru_maxrss * 1024


TORCH_STEP = r"""
import sys, torch
sys.path.insert(0, %(python)r)
from mpt.paper_reference import model
torch.set_num_threads(1)
torch.manual_seed(0)
net = model("resnet18", in_channels=3, classes=10, width=%(width)r)
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9,
                      weight_decay=5e-4)
x = torch.randn(%(batch)d, 3, 32, 32)
y = torch.randint(0, 10, (%(batch)d,))
for _ in range(2):
    opt.zero_grad()
    loss = net(x, y)  # log-softmax and NLL inside, as the zoo's model
    loss.backward()
    opt.step()
print(float(loss))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--batches", default="8,128")
    parser.add_argument("--width", type=float, default=1.0)
    parser.add_argument("--skip-torch", action="store_true")
    args = parser.parse_args()
    bindir = os.path.join(args.build_dir, "bin")
    mp_opt, mp_run = os.path.join(bindir, "mp-opt"), os.path.join(bindir, "mp-run")
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python"))
    torch_ok = not args.skip_torch and subprocess.run(
        [sys.executable, "-c", "import torch"], capture_output=True).returncode == 0
    print("# bench/memory.py, %s, %s, %d cores, load %.2f" % (
        datetime.date.today(), platform.processor() or platform.machine(),
        os.cpu_count(), os.getloadavg()[0]))
    print("# ResNet-18 width %g, 3x32x32, fp32, SGD with momentum" % args.width)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for batch in [int(b) for b in args.batches.split(",")]:
            fwd = os.path.join(tmp, "r18-%d.mlir" % batch)
            step = os.path.join(tmp, "r18-%d-step.mlir" % batch)
            run([sys.executable, "-m", "mpt", "emit", "resnet18", "--width",
                 str(args.width), "--batch", str(batch), "-o", fwd], env=env)
            run([mp_opt, fwd, "--mp-build-training-step", "-o", step])
            report = json.loads(run([mp_opt, step, "--mp-annotate-arena",
                                     "--mp-report=format=json output=-",
                                     "-o", os.devnull]))
            fn = next(f for f in report["functions"]
                      if f["name"].endswith("_train_step"))
            model = fn["totals"]["peak"]["bytes"]
            planned = fn["totals"]["planned"]
            row = {"batch": batch, "model": model,
                   "arena": planned["arena_bytes"],
                   "with_persistent": planned["with_persistent_bytes"]}
            for name, extra in (("planned", []), ("unplanned", ["--plan-buffers=false"])):
                out, rss = child_rss([mp_run, step, "-f", "resnet18_train_step",
                                      "--iterations", "2", "--memory"] + extra +
                                     [os.path.join(tmp, name + ".txt")])
                m = re.search(r"allocated peak (\d+) B", out)
                t = re.search(r"min ([0-9.]+) ms", out)
                row[name + "_allocated"] = int(m.group(1))
                row[name + "_rss"] = rss
                row[name + "_ms"] = float(t.group(1))
            if torch_ok:
                script = os.path.join(tmp, "torch_step.py")
                with open(script, "w") as f:
                    f.write(TORCH_STEP % {"python": os.path.join(ROOT, "python"),
                                          "width": args.width, "batch": batch})
                _, row["torch_rss"] = child_rss([sys.executable, script,
                                                 os.path.join(tmp, "torch.txt")])
            rows.append(row)
            print("batch %d: model %.1f MiB, arena %.1f MiB (+persistent %.1f), "
                  "measured peak %.1f MiB; RSS planned %.1f MiB, unplanned %.1f MiB%s; "
                  "step %.0f ms (unplanned %.0f ms)" % (
                      batch, model / MIB, row["arena"] / MIB,
                      row["with_persistent"] / MIB,
                      row["planned_allocated"] / MIB, row["planned_rss"] / MIB,
                      row["unplanned_rss"] / MIB,
                      (", torch %.1f MiB" % (row["torch_rss"] / MIB)) if torch_ok else "",
                      row["planned_ms"], row["unplanned_ms"]), flush=True)
    print()
    print("| batch | model MiB | arena MiB | measured peak MiB | RSS MiB (planned) | RSS MiB (plan=false) | PyTorch RSS MiB | RSS / PyTorch | step ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        torch_rss = r.get("torch_rss")
        print("| %d | %.1f | %.1f | %.1f | %.1f | %.1f | %s | %s | %.0f |" % (
            r["batch"], r["model"] / MIB, r["arena"] / MIB,
            r["planned_allocated"] / MIB, r["planned_rss"] / MIB,
            r["unplanned_rss"] / MIB,
            "%.1f" % (torch_rss / MIB) if torch_rss else "-",
            "%.2f" % (r["planned_rss"] / torch_rss) if torch_rss else "-",
            r["planned_ms"]))
    if len(rows) >= 2:
        a, b = rows[0], rows[-1]
        growth_rss = (b["planned_rss"] - a["planned_rss"]) / MIB
        growth_model = (b["model"] - a["model"]) / MIB
        print("\nbatch %d -> %d: RSS grows %.1f MiB, the model %.1f MiB: ratio %.3f"
              % (a["batch"], b["batch"], growth_rss, growth_model,
                 growth_rss / growth_model))


if __name__ == "__main__":
    main()
