"""Cross-checks an mp-report JSON: the validator accepts it, rejects damaged
copies, and its totals agree with its own per-tensor rows (docs/Paper.md 2)."""
import copy
import json
import sys

from mpt import report

with open(sys.argv[1]) as f:
    rep = json.load(f)
assert report.validate(rep) == [], report.validate(rep)

fn = rep["functions"][0]
ts = [t for t in fn["tensors"] if t["kind"] != "state"]
# The paper's model counts paper elements (a scalar loss at the batch size).
elements = sum(t["paper_elements"] for t in ts)
bits = sum(t["paper_elements"] * t["bits"] for t in ts)
assert all(t["paper_elements"] == t["elements"] for t in ts if t["shape"]), ts
assert all(t["bytes_high"] == 2 * t["paper_elements"] for t in ts)
paper = fn["totals"]["paper"]
assert paper["elements"] == elements, (paper["elements"], elements)
assert paper["bits"] == bits, (paper["bits"], bits)
assert paper["bits_all16"] == 16 * elements
ratio = (16 * elements - bits) / (16 * elements) * 2
assert abs(paper["bit_ratio"] - ratio) < 1e-12
demoted = sum(t["paper_elements"] for t in ts if t["demoted"])
assert abs(paper["selection_ratio"] - demoted / elements) < 1e-12
for g in fn["groups"]:
    members = [t for t in ts if t["group"] == g["id"]]
    assert g["elements"] == sum(t["paper_elements"] for t in members), g
    assert g["tensors"] == len(members), g

# Damaged copies are rejected with a precise path.
bad = copy.deepcopy(rep)
del bad["functions"][0]["totals"]["peak"]["bytes"]
assert "$.functions[0].totals.peak: missing key 'bytes'" in report.validate(bad)
bad = copy.deepcopy(rep)
bad["functions"][0]["tensors"][0]["kind"] = "activation"
assert any("kind" in e and "not one of" in e for e in report.validate(bad))
bad = copy.deepcopy(rep)
bad["functions"][0]["groups"][0]["elements"] = "100"
assert any("expected int, got str" in e for e in report.validate(bad))
bad = copy.deepcopy(rep)
bad["functions"][0]["tensors"][0]["demoted"] = 1
assert any("expected bool" in e for e in report.validate(bad))
print("ok")
