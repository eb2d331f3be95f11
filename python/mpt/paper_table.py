"""`mpt paper-table`: the compiler's memory model and assignment against an
independent reference of the paper's official code, for the four CIFAR CNNs.

For every model, dataset (10 or 100 classes) and width multiplier, the zoo's
forward graph (batch 128, 3x32x32) goes through `mp-opt
--mp-build-training-step`, then `--mp-assign-precision` (policy op, and
policy ours at r = 0, 0.1, ..., 1.0) and `--mp-report=format=json`. The
same model, written in PyTorch (paper_reference), is traced with hooks the
way the official code counts tensors. Compared exactly: the number of groups
and each group's elements, the Y / GY / P / GP totals, the all-16-bit bits,
πop's bit and selection ratios, and for every r πours' demoted groups and
both realised ratios. The table lists the figures and whether all of them
agree; `--check` makes any disagreement an error (exit 1).
"""

import json
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from .sweep import find_tool

__all__ = ["main", "compare_config", "MODELS", "WIDTHS", "RATIOS"]

MODELS = ("resnet18", "mobilenetv2", "shufflenetv2", "squeezenet")
WIDTHS = (1.0, 0.5, 0.25, 0.1)
CLASSES = (10, 100)
RATIOS = tuple(round(0.1 * i, 1) for i in range(11))
BATCH = 128
TOL = 1e-9


def _run(cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if p.returncode != 0:
        raise RuntimeError("%s failed (exit %d):\n%s" % (" ".join(cmd), p.returncode,
                                                          p.stderr.strip()))
    return p.stdout


class Figures:
    """The figures compared for one configuration, from either side."""
    def __init__(self):
        self.groups = []          # elements per group, in group order
        self.kinds = {}           # v / dv / theta / dtheta -> elements
        self.bits_all16 = 0
        self.op = None            # (bit ratio, selection ratio)
        self.ours = {}            # r -> (demoted groups, bit ratio, selection ratio)


def compiler_figures(model, classes, width, mp_opt, workdir, jobs=2):
    from . import emit
    src = os.path.join(workdir, "%s-%d-%s.mlir" % (model, classes, width))
    step = src[:-5] + ".step.mlir"
    with open(src, "w") as f:
        f.write(emit(model, batch=BATCH, in_channels=3, size=(32, 32),
                     num_classes=classes, width=width))
    _run([mp_opt, src, "--mp-build-training-step", "-o", step])

    def report(assign):
        out = _run([mp_opt, step, "--mp-assign-precision=" + assign,
                    "--mp-report=format=json", "-o", os.devnull])
        return json.loads(out)["functions"][0]

    assigns = ["policy=op"] + ["policy=ours ratio=%g" % r for r in RATIOS]
    with ThreadPoolExecutor(jobs) as pool:
        reports = list(pool.map(report, assigns))
    fig = Figures()
    first = reports[0]
    fig.groups = [g["elements"] for g in first["groups"]]
    for t in first["tensors"]:
        if t["kind"] != "state":
            fig.kinds[t["kind"]] = fig.kinds.get(t["kind"], 0) + t["paper_elements"]
    paper = first["totals"]["paper"]
    fig.bits_all16 = paper["bits_all16"]
    fig.op = (paper["bit_ratio"], paper["selection_ratio"])
    for r, rep in zip(RATIOS, reports[1:]):
        low = [g["id"] for g in rep["groups"] if g["decision"] == "low"]
        mixed = [g["id"] for g in rep["groups"] if g["decision"] == "mixed"]
        if mixed:
            raise RuntimeError("%s: πours(%g) left groups %s mixed" % (model, r, mixed))
        p = rep["totals"]["paper"]
        fig.ours[r] = (low, p["bit_ratio"], p["selection_ratio"])
    return fig


def reference_figures(model, classes, width):
    from . import paper_reference as ref
    entries = ref.trace(ref.model(model, 3, classes, width), (32, 32), 3, BATCH)
    fig = Figures()
    fig.groups = ref.groups(entries)
    for kind, _, n, _ in ref.tensors(entries):
        fig.kinds[kind] = fig.kinds.get(kind, 0) + n
    bit, sel, all16 = ref.ratios(entries, ref.assign_op(entries))
    fig.bits_all16 = all16
    fig.op = (bit, sel)
    for r in RATIOS:
        demoted, chosen = ref.assign_ours(entries, r)
        bit, sel, _ = ref.ratios(entries, demoted)
        fig.ours[r] = (chosen, bit, sel)
    return fig


def differences(ours, ref):
    """Human-readable disagreements between two Figures."""
    diffs = []
    if len(ours.groups) != len(ref.groups):
        diffs.append("%d groups, reference %d" % (len(ours.groups), len(ref.groups)))
    else:
        for i, (a, b) in enumerate(zip(ours.groups, ref.groups)):
            if a != b:
                diffs.append("group %d has %d elements, reference %d" % (i, a, b))
    for k in ("v", "dv", "theta", "dtheta"):
        if ours.kinds.get(k, 0) != ref.kinds.get(k, 0):
            diffs.append("%s elements %d, reference %d" % (k, ours.kinds.get(k, 0),
                                                           ref.kinds.get(k, 0)))
    if ours.bits_all16 != ref.bits_all16:
        diffs.append("all-16-bit bits %d, reference %d" % (ours.bits_all16, ref.bits_all16))
    for name, a, b in (("op bit ratio", ours.op[0], ref.op[0]),
                       ("op selection ratio", ours.op[1], ref.op[1])):
        if abs(a - b) > TOL:
            diffs.append("%s %.6f, reference %.6f" % (name, a, b))
    for r in RATIOS:
        (ga, ba, sa), (gb, bb, sb) = ours.ours[r], ref.ours[r]
        if sorted(ga) != sorted(gb):
            diffs.append("ours(%g) demotes groups %s, reference %s" % (r, ga, gb))
        if abs(ba - bb) > TOL or abs(sa - sb) > TOL:
            diffs.append("ours(%g) ratios %.6f/%.6f, reference %.6f/%.6f"
                         % (r, ba, sa, bb, sb))
    return diffs


def compare_config(model, classes, width, mp_opt, workdir, jobs=2):
    ours = compiler_figures(model, classes, width, mp_opt, workdir, jobs)
    ref = reference_figures(model, classes, width)
    return ours, differences(ours, ref)


def _in_window(r, sel):
    """The official driver's acceptance window for target r (docs/Paper.md 3.4)."""
    if r in (0.0, 1.0):
        return True
    return r - TOL <= sel <= r + 0.1 + TOL


def render(rows):
    """Two markdown tables from [(model, classes, width, Figures, diffs)]."""
    out = ["| model | dataset | width | groups | Y = GY elements | P = GP elements | "
           "all-16-bit MiB | πop bit ratio | πop selection ratio | reference |",
           "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for model, classes, width, f, diffs in rows:
        out.append("| %s | CIFAR-%d | %g | %d | %d | %d | %.2f | %.4f | %.4f | %s |" % (
            model, classes, width, len(f.groups), f.kinds.get("v", 0),
            f.kinds.get("theta", 0), f.bits_all16 / 8 / 2**20, f.op[0], f.op[1],
            "agrees" if not diffs else "**differs**: " + "; ".join(diffs[:3])))
    out += ["", "πours(r): realised selection ratio and (demoted groups); "
            "a ratio outside the official driver's window [r, r + 0.1] is struck "
            "through: that run would not train (docs/Paper.md 3.4). Bit ratio in the JSON.",
            "",
            "| model | dataset | width | " + " | ".join("r=%g" % r for r in RATIOS[1:]) + " |",
            "|---|---|---|" + "---:|" * (len(RATIOS) - 1)]
    for model, classes, width, f, _ in rows:
        cells = []
        for r in RATIOS[1:]:
            groups, _, sel = f.ours[r]
            text = "%.3f (%d)" % (sel, len(groups))
            cells.append(text if _in_window(r, sel) else "~~%s~~" % text)
        out.append("| %s | CIFAR-%d | %g | %s |" % (model, classes, width, " | ".join(cells)))
    return "\n".join(out) + "\n"


def to_json(rows):
    return [{"model": m, "classes": c, "width": w, "groups": f.groups, "elements": f.kinds,
             "bits_all16": f.bits_all16, "op": {"bit_ratio": f.op[0], "selection_ratio": f.op[1]},
             "ours": {"%g" % r: {"groups": g, "bit_ratio": b, "selection_ratio": s}
                      for r, (g, b, s) in f.ours.items()},
             "differences": d} for m, c, w, f, d in rows]


def main(args):
    mp_opt = args.mp_opt or find_tool("mp-opt")
    models = args.models.split(",") if args.models else MODELS
    widths = [float(w) for w in args.widths.split(",")] if args.widths else WIDTHS
    classes = [int(c) for c in args.classes.split(",")] if args.classes else CLASSES
    for m in models:
        if m not in MODELS:
            raise ValueError("unknown model %r; expected some of %s" % (m, ",".join(MODELS)))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            for c in classes:
                for w in widths:
                    ours, diffs = compare_config(m, c, w, mp_opt, tmp, args.jobs)
                    rows.append((m, c, w, ours, diffs))
                    print("%s CIFAR-%d width %g: %s" % (m, c, w, "agrees" if not diffs
                          else "%d differences" % len(diffs)), file=sys.stderr)
    text = render(rows)
    if args.output and args.output != "-":
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(to_json(rows), f, indent=1)
    bad = [(m, c, w, d) for m, c, w, _, d in rows if d]
    for m, c, w, d in bad:
        print("%s CIFAR-%d width %g differs from the reference:\n  %s"
              % (m, c, w, "\n  ".join(d)), file=sys.stderr)
    return 1 if (bad and args.check) else 0
