"""The JSON report of `mp-opt --mp-report=format=json` (schema mp-report/1).

`SCHEMA` is the documented schema (docs/Design/Report.md) as data;
`validate(obj)` checks a parsed report against it with the standard library
only and returns a list of error strings (empty when valid); `compare(reports)`
renders several reports side by side.
"""

import json

__all__ = ["SCHEMA", "validate", "load", "compare"]

NUMBER = (int, float)


class Range:
    """A number of `types` in [lo, hi] (None: unbounded); never NaN or
    infinite (Python's json module reads NaN and Infinity)."""

    def __init__(self, types, lo=None, hi=None):
        self.types = types if isinstance(types, tuple) else (types,)
        self.lo, self.hi = lo, hi


COUNT = Range(int, 0)               # elements, bytes, bits: never negative
SHARE = Range(NUMBER, 0, 1)         # a fraction of a whole
SAVING = Range(NUMBER, None, 1)     # 1 - x / reference: at most 1
RATIO = Range(NUMBER, 0)            # a non-negative ratio

# name -> (type, required); a dict type is a nested object schema, a list
# type [schema] is an array of that schema.
TENSOR = {
    "name": (str, True),
    "kind": (str, True),      # v | dv | theta | dtheta | state
    "role": (str, True),
    "phase": (str, True),     # forward | backward | optimizer
    "group": (Range(int, -1), True),  # -1 for state
    "shape": ([COUNT], True),
    "elements": (COUNT, True),        # as stored
    "paper_elements": (COUNT, True),  # as the paper counts (loss at batch size)
    "bytes_high": (COUNT, True),      # paper model, 16 bits
    "bytes_low": (COUNT, True),       # paper model, 8 bits
    "format": (str, True),    # as written inside #mp.format<...>, or fp32
    "bits": (Range(int, 1, 64), True),
    "demoted": (bool, True),
    "why": (str, True),
}
GROUP = {
    "id": (COUNT, True),
    "name": (str, True),
    "elements": (COUNT, True),
    "share": (SHARE, True),
    "tensors": (COUNT, True),
    "decision": (str, True),  # high | low | mixed
}
PAPER = {
    "elements": (COUNT, True),
    "bits": (COUNT, True),
    "bits_all16": (COUNT, True),
    "bits_fp32": (COUNT, True),
    # Against 16-bit high precision: negative for fp32 (more bits than all16).
    "bit_ratio": (Range(NUMBER, None, 1), True),
    "selection_ratio": (SHARE, True),
    "saving_vs_fp32": (SAVING, True),
    "saving_vs_all16": (SAVING, True),
}
PEAK = {
    "bytes": (COUNT, True),
    "bytes_fp32": (COUNT, True),
    "bytes_all16": (COUNT, True),
    "persistent_bytes": (COUNT, True),
    "saving_vs_fp32": (SAVING, True),
    "saving_vs_all16": (SAVING, True),
}
PLANNED = {                   # after mp-annotate-arena
    "arena_bytes": (COUNT, True),
    "live_peak_bytes": (COUNT, True),
    "with_persistent_bytes": (COUNT, True),
}
MEASURED = {                  # with measured=FILE
    "allocated_peak_bytes": (COUNT, True),
    "with_persistent_bytes": (COUNT, True),
    "storage": (bool, True),
    "ratio_to_peak_model": (RATIO, True),
}
FUNCTION = {
    "name": (str, True),
    "policy": (dict, True),   # free-form: policy, ratio, order, ... as written
    "tensors": ([TENSOR], False),
    "groups": ([GROUP], True),
    "totals": ({"paper": (PAPER, True), "peak": (PEAK, True),
                "planned": (PLANNED, False), "measured": (MEASURED, False)},
               True),
}
SCHEMA = {
    "schema": (str, True),    # "mp-report/1"
    "functions": ([FUNCTION], True),
}

# Deeper than any valid report: a deeper file is refused before it is walked.
MAX_DEPTH = 16

ENUMS = {
    ("tensor", "kind"): {"v", "dv", "theta", "dtheta", "state"},
    ("tensor", "phase"): {"forward", "backward", "optimizer"},
    ("group", "decision"): {"high", "low", "mixed"},
}


def _check(value, spec, path, errors, where):
    """Checks `value` against `spec`; `where` names the object kind for ENUMS."""
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            errors.append("%s: expected an object" % path)
            return
        kind = "tensor" if spec is TENSOR else "group" if spec is GROUP else where
        for key, (sub, required) in spec.items():
            if key not in value:
                if required:
                    errors.append("%s: missing key %r" % (path, key))
                continue
            _check(value[key], sub, "%s.%s" % (path, key), errors, kind)
            allowed = ENUMS.get((kind, key))
            if allowed is not None and value[key] not in allowed:
                errors.append("%s.%s: %r is not one of %s"
                              % (path, key, value[key], sorted(allowed)))
        for key in value:
            if key not in spec:
                errors.append("%s: unknown key %r" % (path, key))
        return
    if isinstance(spec, list):
        if not isinstance(value, list):
            errors.append("%s: expected an array" % path)
            return
        for i, item in enumerate(value):
            _check(item, spec[0], "%s[%d]" % (path, i), errors, where)
        return
    if spec is dict:
        if not isinstance(value, dict):
            errors.append("%s: expected an object" % path)
        return
    if isinstance(spec, Range):
        _check(value, spec.types, path, errors, where)
        if isinstance(value, bool) or not isinstance(value, spec.types):
            return
        if value != value or value in (float("inf"), float("-inf")):
            errors.append("%s: %r is not a finite number" % (path, value))
        elif spec.lo is not None and value < spec.lo:
            errors.append("%s: %r is below %r" % (path, value, spec.lo))
        elif spec.hi is not None and value > spec.hi:
            errors.append("%s: %r is above %r" % (path, value, spec.hi))
        return
    # bool is an int in Python: keep them apart.
    types = spec if isinstance(spec, tuple) else (spec,)
    if isinstance(value, bool) and bool not in types:
        errors.append("%s: expected %s, got a boolean" % (path, _names(types)))
    elif not isinstance(value, types):
        errors.append("%s: expected %s, got %s"
                      % (path, _names(types), type(value).__name__))


def _names(types):
    return " or ".join(t.__name__ for t in types)


def _depth(value):
    """Nesting depth of a parsed JSON value, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > MAX_DEPTH:
            break
        if isinstance(v, dict):
            stack.extend((x, d + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, d + 1) for x in v)
    return deepest


def validate(obj):
    """Errors of `obj` against the mp-report/1 schema (empty when valid)."""
    if _depth(obj) > MAX_DEPTH:
        return ["$: nested deeper than %d levels" % MAX_DEPTH]
    errors = []
    _check(obj, SCHEMA, "$", errors, "root")
    if isinstance(obj, dict) and obj.get("schema") not in (None, "mp-report/1"):
        errors.append("$.schema: expected 'mp-report/1', got %r" % obj["schema"])
    return errors


def load(path):
    """Parses and validates a report file; raises ValueError on errors."""
    with open(path) as f:
        try:
            obj = json.load(f)
        except json.JSONDecodeError as err:
            raise ValueError("%s is not JSON: %s" % (path, err))
        except RecursionError:
            raise ValueError("%s is nested too deeply to be a report" % path)
        except UnicodeDecodeError as err:
            raise ValueError("%s is not UTF-8 text: %s" % (path, err))
    errors = validate(obj)
    if errors:
        raise ValueError("%s does not follow mp-report/1:\n  %s"
                         % (path, "\n  ".join(errors[:20])))
    return obj


def _label(fn):
    p = fn["policy"]
    label = p.get("policy", "none")
    if label == "ours":
        if "budget" in p:
            label += " budget=%d" % p["budget"]
        else:
            label += " r=%g" % p.get("ratio", float("nan"))
        if p.get("order", "largest") != "largest":
            label += " " + p["order"]
    return label


def compare(reports):
    """A side-by-side table of the first function of each report."""
    rows = [("policy", "low ratio", "paper MiB", "vs fp32", "vs 16-bit",
             "peak MiB", "vs fp32", "vs 16-bit")]
    for rep in reports:
        fn = rep["functions"][0]
        pa, pk = fn["totals"]["paper"], fn["totals"]["peak"]
        # The paper's bit ratio is measured against 16-bit high precision;
        # for fp32 it is negative and meaningless, so it is left out.
        fp32 = fn.get("policy", {}).get("policy") == "fp32"
        rows.append((_label(fn), "-" if fp32 else "%.3f" % pa["bit_ratio"],
                     "%.1f" % (pa["bits"] / 8 / 2**20),
                     "%.1f%%" % (100 * pa["saving_vs_fp32"]),
                     "%.1f%%" % (100 * pa["saving_vs_all16"]),
                     "%.1f" % (pk["bytes"] / 2**20),
                     "%.1f%%" % (100 * pk["saving_vs_fp32"]),
                     "%.1f%%" % (100 * pk["saving_vs_all16"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for k, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                               for i, (c, w) in enumerate(zip(r, widths))))
        if k == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
