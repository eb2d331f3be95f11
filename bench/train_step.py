#!/usr/bin/python3
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Training-step throughput of the CPU pipeline, in images per second.

For each model (the bundled examples/small_cnn.mlir, and ResNet-18 at width
0.25 emitted by `python3 -m mpt emit resnet18 --width 0.25 --batch 32`) this
builds the training step with `mp-opt --mp-build-training-step` and times it
with `mp-run` three ways in one run:

  vectorized  mp-cpu-pipeline as shipped (mp-tile-and-vectorize)
  ours-0.6    the same, after mp-assign-precision=policy=ours ratio=0.6: the
              cost of the exact FP8 emulation casts
  naive       mp-cpu-pipeline with vectorize=false (scalar loop nests), the
              in-script baseline
  torch       the same network, loss and SGD step in PyTorch on the CPU with
              torch.set_num_threads(1), if `import torch` works

and prints images/s and the ratios. Ratios use the fastest of the timed steps
(the least disturbed by other load on a shared machine). Times are per step after --warmup untimed
steps (the first call finishes JIT compilation); mp-run reuses its inputs, so
every timed step does the same work. Standard library only (plus torch when
present).

Usage: bench/train_step.py [--build-dir build] [--models small_cnn,resnet18]
                           [--iterations 10] [--naive-iterations 3]
                           [--skip-naive] [--skip-torch]
"""

import argparse
import datetime
import os
import platform
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# name -> (how to get the forward module, function, torch builder name)
MODELS = {
    "small_cnn": {"file": os.path.join(ROOT, "examples", "small_cnn.mlir")},
    "resnet18": {"emit": ["resnet18", "--width", "0.25", "--batch", "32"]},
}


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if proc.returncode != 0:
        sys.exit("error: %s failed:\n%s%s" % (" ".join(cmd), proc.stdout,
                                              proc.stderr))
    return proc.stdout


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def prepare(model, tools, workdir):
    """Writes <model>-step.mlir; returns (path, batch, input shape)."""
    spec = MODELS[model]
    if "file" in spec:
        forward = spec["file"]
    else:
        forward = os.path.join(workdir, model + ".mlir")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.path.join(ROOT, "python") + os.pathsep + env.get(
            "PYTHONPATH", "")
        run([sys.executable, "-m", "mpt", "emit"] + spec["emit"] +
            ["-o", forward], env=env)
    step = os.path.join(workdir, model + "-step.mlir")
    run([tools["mp-opt"], forward, "--mp-build-training-step", "-o", step])
    assigned = os.path.join(workdir, model + "-ours.mlir")
    run([tools["mp-opt"], step,
         "--mp-assign-precision=policy=ours ratio=0.6", "-o", assigned])
    with open(forward) as f:
        text = f.read()
    m = re.search(r"%\w+: tensor<(\d+)x(\d+)x(\d+)x(\d+)xf32> \{mp\.name = "
                  r"\"input\"", text)
    if not m:
        sys.exit("error: cannot find the input tensor of " + forward)
    shape = tuple(int(d) for d in m.groups())
    return step, assigned, shape[0], shape


def time_mp_run(tools, step, function, vectorize, warmup, iterations):
    """Returns (compile_s, mean_ms, min_ms) as printed by mp-run."""
    out = run([tools["mp-run"], step, "-f", function,
               "--vectorize=" + ("true" if vectorize else "false"),
               "--warmup", str(warmup), "--iterations", str(iterations)])
    m = re.search(r"compiled in ([0-9.]+) s; .* ran \d+ times: mean ([0-9.]+) "
                  r"ms, min ([0-9.]+) ms", out)
    if not m:
        sys.exit("error: unexpected mp-run output: " + out)
    return tuple(float(g) for g in m.groups())


# ----------------------------------------------------------------------------
# PyTorch twins of python/mpt/models.py (same layers, shapes and loss)
# ----------------------------------------------------------------------------

def torch_model(torch, model):
    nn = torch.nn

    if model == "small_cnn":
        layers = []
        cin = 1
        for c in (16, 32):
            layers += [nn.Conv2d(cin, c, 3, padding=1, bias=False),
                       nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            cin = c
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10)]
        return nn.Sequential(*layers)

    class Block(nn.Module):
        def __init__(self, cin, planes, stride):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(planes)
            self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(planes)
            self.shortcut = nn.Sequential()
            if stride != 1 or cin != planes:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(cin, planes, 1, stride, bias=False),
                    nn.BatchNorm2d(planes))

        def forward(self, x):
            out = torch.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            return torch.relu(out + self.shortcut(x))

    widths = (16, 32, 64, 128)  # ResNet-18 (CIFAR) at width 0.25
    layers = [nn.Conv2d(3, widths[0], 3, 1, 1, bias=False),
              nn.BatchNorm2d(widths[0]), nn.ReLU()]
    cin = widths[0]
    for i, planes in enumerate(widths):
        for j in range(2):
            layers.append(Block(cin, planes, 2 if i > 0 and j == 0 else 1))
            cin = planes
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 10)]
    return nn.Sequential(*layers)


def time_torch(torch, model, shape, warmup, iterations):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    net = torch_model(torch, model)
    net.train()
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9,
                          weight_decay=5e-4)
    x = torch.randn(*shape)
    y = torch.randint(0, 10, (shape[0],))
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * sum(times) / len(times), 1e3 * min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--models", default="small_cnn,resnet18")
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--naive-iterations", type=int, default=3)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-torch", action="store_true")
    args = parser.parse_args()

    tools = {t: os.path.join(args.build_dir, "bin", t)
             for t in ("mp-opt", "mp-run")}
    for path in tools.values():
        if not os.access(path, os.X_OK):
            sys.exit("error: %s not found (build it, or pass --build-dir)" % path)
    torch = None
    torch_note = "skipped (--skip-torch)"
    if not args.skip_torch:
        try:
            import torch as torch_module
            torch = torch_module
            torch_note = "torch %s, 1 thread" % torch.__version__
        except ImportError:
            torch_note = "not importable (python3-torch not installed)"

    print("# %s, %s, %s" % (datetime.date.today().isoformat(), cpu_name(),
                            platform.platform()))
    print("# cores: %d; load average: %s; torch: %s" % (
        os.cpu_count() or 0, " ".join("%.2f" % l for l in os.getloadavg()),
        torch_note))
    header = "%-10s %5s %-11s %9s %9s %9s %10s" % (
        "model", "batch", "pipeline", "compile s", "mean ms", "min ms",
        "images/s")
    print(header)
    print("-" * len(header))
    summary = []
    with tempfile.TemporaryDirectory(prefix="mp-bench-") as workdir:
        for model in args.models.split(","):
            step, assigned, batch, shape = prepare(model, tools, workdir)
            function = model + "_train_step"
            rows = {}
            variants = [("vectorized", step, True, args.iterations),
                        ("ours-0.6", assigned, True, args.iterations)]
            if not args.skip_naive:
                variants.append(("naive", step, False, args.naive_iterations))
            for label, module, vectorize, iterations in variants:
                compile_s, mean_ms, min_ms = time_mp_run(
                    tools, module, function, vectorize, args.warmup, iterations)
                rows[label] = min_ms
                print("%-10s %5d %-11s %9.1f %9.2f %9.2f %10.1f" % (
                    model, batch, label, compile_s, mean_ms, min_ms,
                    1e3 * batch / mean_ms))
                sys.stdout.flush()
            if torch is not None:
                mean_ms, min_ms = time_torch(torch, model, shape, args.warmup,
                                             args.iterations)
                rows["torch"] = min_ms
                print("%-10s %5d %-11s %9s %9.2f %9.2f %10.1f" % (
                    model, batch, "torch", "-", mean_ms, min_ms,
                    1e3 * batch / mean_ms))
            summary.append((model, rows))
    print()
    for model, rows in summary:
        parts = ["ours-0.6/fp32 step time %.2fx" %
                 (rows["ours-0.6"] / rows["vectorized"])]
        if "naive" in rows:
            parts.append("vectorized/naive speedup %.1fx" %
                         (rows["naive"] / rows["vectorized"]))
        if "torch" in rows:
            parts.append("vectorized/torch throughput %.2fx" %
                         (rows["torch"] / rows["vectorized"]))
        print("%s: %s" % (model, "; ".join(parts) or "no baseline run"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
