// Gradient rules that build ops of forward kinds (Inputs/split-concat-mul.mlir,
// whose header hand-checks the groups): mp-build-training-step marks those ops
// backward, the training graph does not count their results as activations,
// and mp-assign-precision rounds them in the gradient format.

// RUN: mp-opt %S/Inputs/split-concat-mul.mlir --mp-build-training-step | FileCheck %s --check-prefix=BUILD
// BUILD-LABEL: func.func @scm_train_step
// COM: The forward ops keep their kind's phase (no attribute).
// BUILD: mp.split %{{.+}} axis 1 {mp.name = "split"}
// BUILD: mp.mul %{{.+}}, %{{.+}} {mp.name = "mul"}
// BUILD: mp.concat %{{.+}}, %{{.+}} axis 1 {mp.name = "cat"}
// COM: The gradient of cat is a split, of mul two muls, of split a concat.
// BUILD: mp.split %{{.+}} axis 1 {mp.phase = #mp.phase<backward>}
// BUILD: mp.mul %{{.+}}, %{{.+}} {mp.phase = #mp.phase<backward>}
// BUILD: mp.mul %{{.+}}, %{{.+}} {mp.phase = #mp.phase<backward>}
// BUILD: mp.concat %{{.+}}, %{{.+}} axis 1 {mp.phase = #mp.phase<backward>}
// BUILD: mp.sgd
// The marked IR round-trips and verifies.
// RUN: mp-opt %S/Inputs/split-concat-mul.mlir --mp-build-training-step | mp-opt | FileCheck %s --check-prefix=BUILD

// RUN: mp-opt %S/Inputs/split-concat-mul.mlir --mp-build-training-step --mp-report -o /dev/null | FileCheck %s --check-prefix=GRAPH
// GRAPH: == @scm_train_step
// COM: Only named forward results are activations; no unnamed split_k,
// COM: concat_k or mul_k tensor stands for a backward value.
// GRAPH-NOT: {{^(split|concat|mul)_[0-9]+ }}
// GRAPH: split#0 v activation forward 1
// GRAPH: split#1 v activation forward 1
// GRAPH: mul v activation forward 1
// GRAPH: cat v activation forward 1
// GRAPH-NOT: {{^(split|concat|mul)_[0-9]+ }}
// GRAPH: cat.grad dv activation_grad backward 1
// GRAPH: mul.grad dv activation_grad backward 1
// GRAPH: relu.grad dv activation_grad backward 1
// GRAPH: split#0.grad dv activation_grad backward 1
// GRAPH: split#1.grad dv activation_grad backward 1
// GRAPH-NOT: {{^(split|concat|mul)_[0-9]+ }}
// GRAPH: group opened by elements share tensors decision
// GRAPH-NEXT: 0 input 48 11.06% 4 high
// GRAPH-NEXT: 1 conv1 280 64.52% 14 high
// GRAPH-NEXT: 2 conv2 78 17.97% 6 high
// GRAPH-NEXT: 3 fc 28 6.45% 6 high
// GRAPH-NEXT: paper model

// Every tensor at its low candidate: forward values in 1-4-3/b11 (saturating),
// every value of the backward pass in 1-5-2 (dv) or 1-6-9 with inf (dtheta).
// RUN: mp-opt %S/Inputs/split-concat-mul.mlir --mp-build-training-step --mp-assign-precision="ratio=1" | FileCheck %s --check-prefix=CASTS
// CASTS-LABEL: func.func @scm_train_step
// CASTS: mp.cast %{{.+}} to <paper_143> {mp.tensor = "split#1"}
// CASTS: mp.cast %{{.+}} to <paper_143> {mp.tensor = "cat"}
// CASTS: mp.grad_sum
// CASTS-NOT: paper_143
// CASTS: %[[BS:.+]]:2 = mp.split %{{.+}} axis 1 {mp.phase = #mp.phase<backward>}
// CASTS-NOT: paper_143
// CASTS: mp.cast %[[BS]]#1 to <paper_152> {mp.tensor = "mul.grad"}
// CASTS-NOT: paper_143
// COM: d mul / d split#1 = dy * relu, then d mul / d relu = dy * split#1.
// CASTS: %[[BM1:.+]] = mp.mul %{{.+}}, %{{.+}} {mp.phase = #mp.phase<backward>}
// CASTS-NEXT: %[[BM0:.+]] = mp.mul %{{.+}}, %{{.+}} {mp.phase = #mp.phase<backward>}
// CASTS-NOT: paper_143
// CASTS: mp.cast %[[BS]]#0 to <paper_152> {mp.tensor = "relu.grad"}
// CASTS-NEXT: mp.cast %[[BM0]] to <paper_152> {mp.tensor = "relu.grad"}
// CASTS-NOT: paper_143
// CASTS: mp.cast %[[BM1]] to <paper_152> {mp.tensor = "split#1.grad"}
// CASTS-NOT: paper_143
// CASTS: %[[BC:.+]] = mp.concat %{{.+}}, %{{.+}} axis 1 {mp.phase = #mp.phase<backward>}
// CASTS-NEXT: mp.cast %[[BC]] to <paper_152> {mp.tensor = "conv1.grad"}
// CASTS-NOT: paper_143
// CASTS: return

// pi_op: no piece of the split feeds a GEMM; cat (conv2's input) does.
// RUN: mp-opt %S/Inputs/split-concat-mul.mlir --mp-build-training-step --mp-assign-precision="policy=op keep-first-last=false" --mp-report -o /dev/null | FileCheck %s --check-prefix=OP
// OP-DAG: {{^}}split#0 {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}split#1 {{.*}} paper_169 {{.*}}not a GEMM input
// OP-DAG: {{^}}cat {{.*}} paper_143 {{.*}}input of a GEMM
// OP-DAG: {{^}}mul.grad {{.*}} paper_169, overflow = inf {{.*}}not a GEMM output gradient
