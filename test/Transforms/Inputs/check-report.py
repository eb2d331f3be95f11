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

# Values out of range, non-finite numbers and absurd nesting.
def errors_after(edit):
    bad = copy.deepcopy(rep)
    edit(bad["functions"][0])
    return report.validate(bad)


assert any("share: nan is not a finite number" in e
           for e in errors_after(lambda f: f["groups"][0].update(share=float("nan"))))
assert any("share: 7.5 is above 1" in e
           for e in errors_after(lambda f: f["groups"][0].update(share=7.5)))
assert any("elements: -3 is below 0" in e
           for e in errors_after(lambda f: f["tensors"][0].update(elements=-3)))
assert any("shape[0]: -1 is below 0" in e
           for e in errors_after(lambda f: f["tensors"][0].update(shape=[-1])))
assert any("bits: 0 is below 1" in e
           for e in errors_after(lambda f: f["tensors"][0].update(bits=0)))
assert any("saving_vs_fp32: inf is not a finite number" in e
           for e in errors_after(lambda f: f["totals"]["peak"].update(
               saving_vs_fp32=float("inf"))))
assert any("selection_ratio: 1.5 is above 1" in e
           for e in errors_after(lambda f: f["totals"]["paper"].update(
               selection_ratio=1.5)))
# The optional planned and measured totals follow their schema too.
assert errors_after(lambda f: f["totals"].update(planned={
    "arena_bytes": 10, "live_peak_bytes": 8, "with_persistent_bytes": 20})) == []
assert any("planned: missing key 'arena_bytes'" in e
           for e in errors_after(lambda f: f["totals"].update(planned={
               "live_peak_bytes": 8, "with_persistent_bytes": 20})))
assert any("ratio_to_peak_model: -1 is below 0" in e
           for e in errors_after(lambda f: f["totals"].update(measured={
               "allocated_peak_bytes": 1, "with_persistent_bytes": 2,
               "storage": False, "ratio_to_peak_model": -1})))
deep = []
for _ in range(100000):
    deep = [deep]
assert report.validate(deep) == ["$: nested deeper than 16 levels"]
print("ok")
