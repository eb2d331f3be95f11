// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5" --mp-report="format=json output=%t.json" -o /dev/null
// RUN: %PYTHON -m mpt validate-report %t.json | FileCheck %s --check-prefix=VALID
// RUN: FileCheck %s --check-prefix=JSON < %t.json
// RUN: %PYTHON %S/Inputs/check-report.py %t.json
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-assign-precision="ratio=0.5" --mp-report -o /dev/null | FileCheck %s --check-prefix=TABLE
// RUN: mp-opt %S/Inputs/tiny-cnn.mlir --mp-build-training-step --mp-report -o /dev/null | FileCheck %s --check-prefix=NONE

// VALID: valid mp-report/1

// COM: llvm::json prints object keys in sorted order.
// JSON: "functions": [
// JSON: "groups": [
// JSON: "name": "tiny_train_step"
// JSON: "policy": {
// JSON: "policy": "ours"
// JSON: "bits": 8
// JSON-NEXT: "bytes_high": 128
// JSON-NEXT: "bytes_low": 64
// JSON-NEXT: "demoted": true
// JSON-NEXT: "elements": 64
// JSON-NEXT: "format": "paper_143"
// JSON-NEXT: "group": 1
// JSON-NEXT: "kind": "v"
// JSON-NEXT: "name": "conv1"
// JSON-NEXT: "paper_elements": 64
// JSON-NEXT: "phase": "forward"
// JSON-NEXT: "role": "activation"
// JSON: "totals": {
// JSON-NEXT: "paper": {
// JSON-NEXT: "bit_ratio":
// COM: 260 + 145 demoted elements at 8 bits, 4 + 9 demoted weight-gradient
// COM: elements and the 128 of groups 0 and 3 at 16 (the loss and its
// COM: gradient count 2 each, the batch size): 5496 bits of 546 elements.
// JSON-NEXT: "bits": 5496
// JSON-NEXT: "bits_all16": 8736
// JSON-NEXT: "bits_fp32": 17472
// JSON: "schema": "mp-report/1"

// TABLE: == @tiny_train_step
// TABLE: policy: {{.*}}policy=ours ratio=0.5 selection_ratio=0.7656
// TABLE: tensor kind role phase group shape bytes@16 bytes@8 format why
// TABLE: conv1 v activation forward 1 2x2x4x4 128 64 paper_143 group 1 (conv1, share 48.35%, rank 1/4 by largest) demoted; cumulative share 48.35%
// TABLE: paper model (docs/Paper.md 2): 687 B (fp32 2184 B, all-16-bit 1092 B); low-precision ratio: bits 0.7418, selection 0.7656
// TABLE: saving vs fp32 68.54%, vs all-16-bit 37.09%
// TABLE: peak model
// TABLE: saving vs fp32

// NONE: policy: none (no mp-assign-precision: everything f32)
// NONE: paper model (docs/Paper.md 2): 2184 B
