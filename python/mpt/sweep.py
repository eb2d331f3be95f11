"""Experiment sweeps: policies x ratios through mp-train, a markdown table,
and plots like the paper's (memory saving vs test accuracy; loss curves).

    python3 -m mpt sweep MODEL.mlir --out DIR [--dataset fashion-mnist]
        [--ratios 0.2,0.4,0.6,0.8,1.0] [--policies fp32,uniform-high,...]
        [--no-promotion-ratios 0.6] [--orders smallest,random] [--epochs 1]
        [--train-args '--train-limit 8192 --lr 0.05']
    python3 -m mpt table DIR        # rebuild DIR/results.md and the plots

Each run's JSON-lines log is DIR/<run>.jsonl; the command that produced it is
in DIR/<run>.cmd, so every row can be reproduced exactly.
"""

import json
import os
import shlex
import shutil
import subprocess
import sys

__all__ = ["find_tool", "plan", "run", "summarize", "write_table", "plot"]


def find_tool(name):
    """Locates an mp tool: $MP_BUILD_DIR/bin, the repository's build/bin, PATH."""
    candidates = []
    if os.environ.get("MP_BUILD_DIR"):
        candidates.append(os.path.join(os.environ["MP_BUILD_DIR"], "bin", name))
    here = os.path.dirname(os.path.abspath(__file__))
    candidates.append(os.path.join(here, "..", "..", "build", "bin", name))
    for c in candidates:
        if os.access(c, os.X_OK):
            return os.path.abspath(c)
    found = shutil.which(name)
    if not found:
        raise FileNotFoundError("cannot find %s: build the project (scripts/setup.sh) "
                                "or set MP_BUILD_DIR" % name)
    return found


def plan(policies, ratios, no_promotion_ratios=(), orders=()):
    """The list of (run name, mp-train options)."""
    runs = []
    for p in policies:
        if p == "ours":
            for r in ratios:
                runs.append(("ours-r%.2f" % r, ["--policy", "ours", "--ratio", repr(r)]))
        else:
            runs.append((p, ["--policy", p]))
    for r in no_promotion_ratios:
        runs.append(("ours-nopromo-r%.2f" % r,
                     ["--policy", "ours", "--ratio", repr(r), "--no-promotion"]))
    for o in orders:
        for r in ratios:
            runs.append(("ours-%s-r%.2f" % (o, r),
                         ["--policy", "ours", "--ratio", repr(r), "--order", o]))
    return runs


def run(model, out, runs, common, mp_train=None, log=sys.stderr):
    """Runs every planned configuration that has no complete log yet."""
    mp_train = mp_train or find_tool("mp-train")
    os.makedirs(out, exist_ok=True)
    for name, options in runs:
        path = os.path.join(out, name + ".jsonl")
        if os.path.exists(path) and _complete(path):
            log.write("sweep: %s done already\n" % name)
            continue
        if os.path.exists(path):
            os.remove(path)
        cmd = [mp_train, model] + common + options + ["--log", path, "--quiet"]
        with open(os.path.join(out, name + ".cmd"), "w") as f:
            f.write(" ".join(shlex.quote(c) for c in cmd) + "\n")
        log.write("sweep: %s\n" % " ".join(shlex.quote(c) for c in cmd))
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
        with open(os.path.join(out, name + ".out"), "w") as f:
            f.write(proc.stdout + proc.stderr)
        if proc.returncode not in (0, 3):  # 3: diverged, a result too
            log.write("sweep: %s failed (exit %d):\n%s\n"
                      % (name, proc.returncode, proc.stderr[-2000:]))


def _events(path):
    with open(path) as f:
        return [json.loads(l) for l in f if l.strip()]


def _complete(path):
    ev = _events(path)
    cfg = next((e for e in ev if e.get("event") == "config"), None)
    epochs = [e for e in ev if e.get("event") == "epoch"]
    return bool(cfg and epochs and (epochs[-1].get("diverged")
                                    or epochs[-1]["epoch"] >= cfg["epochs"]))


def summarize(out):
    """One row per run log in `out`."""
    rows = []
    for fname in sorted(os.listdir(out)):
        if not fname.endswith(".jsonl"):
            continue
        ev = _events(os.path.join(out, fname))
        cfg = next((e for e in ev if e.get("event") == "config"), {})
        epochs = [e for e in ev if e.get("event") == "epoch"]
        if not epochs:
            continue
        last = epochs[-1]
        best = max(e["test_accuracy"] for e in epochs)
        cmd_path = os.path.join(out, fname[:-6] + ".cmd")
        rows.append({
            "run": fname[:-6],
            "policy": cfg.get("policy"),
            "ratio": cfg.get("ratio"),
            "order": cfg.get("order"),
            "promotion": cfg.get("promotion"),
            "epochs": last["epoch"],
            # The paper's bit ratio is defined against 16-bit high precision;
            # for an all-fp32 run it is meaningless (negative), so it is left out.
            "low_ratio": (None if cfg.get("policy") == "fp32"
                          else float(last["low_precision_ratio"])),
            "selection_ratio": float(last["selection_ratio"]),
            "paper_mib": last["paper_bytes"] / 2**20,
            "paper_saving_vs_16": 1 - last["paper_bytes"] / last["paper_bytes_all16"],
            "paper_saving_vs_32": 1 - last["paper_bytes"] / last["paper_bytes_fp32"],
            "peak_mib": last["peak_bytes"] / 2**20,
            "test_accuracy": last["test_accuracy"],
            "test_accuracy_fp32": last.get("test_accuracy_fp32"),
            "best_test_accuracy": best,
            "train_loss": float(last["train_loss"]) if last["train_loss"] is not None else float("nan"),
            "diverged": any(e.get("diverged") for e in epochs),
            "skipped_steps": sum(e["skipped_steps"] for e in epochs),
            "promotions": last["promotions"],
            "loss_curve": [e["train_loss"] for e in epochs],
            "command": open(cmd_path).read().strip() if os.path.exists(cmd_path) else "",
        })
    return rows


def _fmt(v, pct=False):
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, int) and (pct or not isinstance(v, bool)) and pct:
        v = float(v)
    if isinstance(v, float):
        if v != v:
            return "nan"
        return "%.1f%%" % (100 * v) if pct else "%.3f" % v
    return str(v)


def write_table(rows, path):
    cols = [("run", "run", False), ("low_ratio", "low ratio", False),
            ("paper_mib", "paper MiB", False),
            ("paper_saving_vs_16", "saving vs 16-bit", True),
            ("paper_saving_vs_32", "saving vs fp32", True),
            ("peak_mib", "peak MiB", False),
            ("test_accuracy", "test acc", True),
            ("best_test_accuracy", "best test acc", True),
            ("test_accuracy_fp32", "test acc (fp32 eval)", True),
            ("train_loss", "train loss", False), ("diverged", "diverged", False),
            ("skipped_steps", "skipped", False), ("promotions", "promotions", False)]
    lines = ["| " + " | ".join(c[1] for c in cols) + " |",
             "|" + "---|" * len(cols)]
    for r in sorted(rows, key=lambda r: (r["policy"] != "fp32", r["run"])):
        lines.append("| " + " | ".join(_fmt(r[c[0]], c[2]) for c in cols) + " |")
    lines.append("")
    lines.append("Commands:")
    lines.append("")
    for r in rows:
        lines.append("- `%s`: `%s`" % (r["run"], r["command"]))
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return "\n".join(lines)


def plot(rows, out):
    """memory-vs-accuracy.png and loss-curves.png; None if matplotlib is absent."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    def is_main_ours(r):
        # The pi_ours curve: default order, promotion on (not the ablations).
        return (r["policy"] == "ours" and r.get("order") in (None, "largest")
                and r.get("promotion", True))

    fig, ax = plt.subplots(figsize=(6, 4))
    ours = sorted((r for r in rows if is_main_ours(r)),
                  key=lambda r: r["paper_saving_vs_16"])
    if ours:
        ax.plot([100 * r["paper_saving_vs_16"] for r in ours],
                [100 * r["test_accuracy"] for r in ours], "o-", label="ours")
    for r in rows:
        if is_main_ours(r):
            continue
        if r["policy"] == "fp32":
            # Saving -100%: a reference line keeps the axis readable.
            ax.axhline(100 * r["test_accuracy"], color="gray", linestyle="--",
                       linewidth=1, label="fp32 (reference)")
            continue
        ax.plot([100 * r["paper_saving_vs_16"]], [100 * r["test_accuracy"]],
                "x" if r["diverged"] else "s", label=r["run"])
    ax.set_xlabel("memory saving vs all-16-bit (paper model, %)")
    ax.set_ylabel("test accuracy (%)")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "memory-vs-accuracy.png"), dpi=120)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in rows:
        ax.plot(range(1, len(r["loss_curve"]) + 1), r["loss_curve"], label=r["run"])
    ax.set_xlabel("epoch")
    ax.set_ylabel("train loss")
    ax.set_yscale("log")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "loss-curves.png"), dpi=120)
    plt.close(fig)
    return out


def _floats(s):
    try:
        vals = [float(x) for x in s.split(",") if x.strip()]
    except ValueError:
        raise ValueError("expected comma-separated numbers, got %r" % s)
    for v in vals:
        if not 0 <= v <= 1:
            raise ValueError("ratios must be in [0, 1], got %r" % v)
    return vals


def main(args):
    """`python3 -m mpt sweep|table` (argparse namespace from cli.py)."""
    if args.command == "table":
        rows = summarize(args.out)
        if not rows:
            raise ValueError("no run logs in %s" % args.out)
    else:
        policies = [p for p in args.policies.split(",") if p]
        for p in policies:
            if p not in ("fp32", "uniform-high", "uniform-low", "op", "ours"):
                raise ValueError("unknown policy %r" % p)
        runs = plan(policies, _floats(args.ratios), _floats(args.no_promotion_ratios),
                    [o for o in args.orders.split(",") if o])
        common = (["--dataset", args.dataset, "--epochs", str(args.epochs)]
                  + shlex.split(args.train_args))
        if not os.path.exists(args.model):
            raise ValueError("no model file %s" % args.model)
        run(args.model, args.out, runs, common)
        rows = summarize(args.out)
    table = write_table(rows, os.path.join(args.out, "results.md"))
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)
    plotted = plot(rows, args.out)
    print(table)
    if plotted is None:
        print("(matplotlib not installed: no plots)")
    return 0
