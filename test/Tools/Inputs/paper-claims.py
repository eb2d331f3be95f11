"""Checks the claims docs/Paper.md states about the official code's figures on the
JSON of `mpt paper-table`: the gap between the selection and the bit ratio,
and the range of pi_op's bit ratio."""
import json
import sys

rows = json.load(open(sys.argv[1]))
gaps = [v["selection_ratio"] - v["bit_ratio"] for r in rows
        for k, v in r["ours"].items() if k != "0"]
assert min(gaps) > 0, min(gaps)
print("selection - bit ratio: min %.6f, max %.4f" % (min(gaps), max(gaps)))
op = [r["op"]["bit_ratio"] for r in rows if r["width"] == 1.0]
print("op bit ratio at width 1.0: %.3f ... %.3f" % (min(op), max(op)))
