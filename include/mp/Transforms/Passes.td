//===- Passes.td - mp transformation passes ----------------*- tablegen -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#ifndef MP_TRANSFORMS_PASSES_TD
#define MP_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def MPPrintOpSummaryPass : Pass<"mp-print-op-summary", "::mlir::ModuleOp"> {
  let summary = "Print a per-function, per-op summary of mp graphs";
  let description = [{
    Reads every function and prints, to stdout (or `output`), a table of the
    mp ops it contains (count, phase, result elements) and its argument roles
    (number of tensors and elements per role, so the parameter count is
    visible). Changes nothing and preserves all analyses.
  }];
  let options = [
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the summary ('-' for stdout)">,
  ];
}

def MPBuildTrainingStepPass : Pass<"mp-build-training-step", "::mlir::ModuleOp"> {
  let summary = "Build <f>_train_step and <f>_eval from a forward function";
  let description = [{
    Reads every function whose first result has role `loss` (or the function
    named by `function`) -- a forward graph: model plus loss, with inputs,
    labels, weights and BN statistics as role-tagged arguments -- and adds:

    * `@<f>_train_step(inputs..., weights..., bn stats..., momenta..., lr
      [, loss_scale])` returning `(loss, new weights..., new bn stats...,
      new momenta... [, grads_finite])`: the forward graph, its reverse-mode
      derivative (each op's rule comes from DifferentiableOpInterface;
      gradients of values used several times are summed) and one `mp.sgd`
      per weight. With `loss-scaling=dynamic` the backward pass is seeded
      with `loss_scale`, SGD unscales the gradients, and if any gradient is
      not finite every weight and momentum is returned unchanged and
      `grads_finite` is false.
    * `@<f>_eval(inputs..., weights..., bn stats...)` returning
      `(loss, correct)`: the forward graph with BN in inference mode and the
      number of correctly classified rows.

    The forward function is kept. Fails with a diagnostic when no loss is
    found or an op on the path from the weights to the loss has no gradient.
  }];
  let options = [
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "Forward function to differentiate (default: all with a loss)">,
    Option<"momentum", "momentum", "double", /*default=*/"0.9",
           "SGD momentum">,
    Option<"weightDecay", "weight-decay", "double", /*default=*/"5e-4",
           "SGD weight decay">,
    Option<"nesterov", "nesterov", "bool", /*default=*/"false",
           "Use Nesterov momentum">,
    Option<"lossScaling", "loss-scaling", "std::string", /*default=*/"\"none\"",
           "Loss scaling: none or dynamic">,
  ];
  let dependentDialects = ["::mp::MPDialect", "::mlir::func::FuncDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MPAssignPrecisionPass : Pass<"mp-assign-precision", "::mlir::ModuleOp"> {
  let summary = "Choose a storage format per tensor of a training step and insert casts";
  let description = [{
    Reads TrainingGraphAnalysis (and the peak memory model for `budget`) for
    every training step (a function with mp.sgd) and picks, for every tensor
    of the paper's set (v, dv, theta, dtheta), its high or its low candidate
    format:

    * `fp32`: nothing is rounded; `uniform-high` / `uniform-low`: every
      tensor at its high / low candidate (the paper's uniform baselines);
    * `op`: the HFP8 policy (docs/Paper.md 6): GEMM weights and GEMM inputs low,
      GEMM output gradients low, weight gradients at `lo-wgrad`, the rest
      high;
    * `ours`: the paper's pi_ours(r) (docs/Paper.md 3.3): groups sorted by their
      element share (`order`), the smallest prefix whose share reaches
      `ratio` is demoted; or, with `budget`, the smallest prefix whose peak
      memory fits the budget.

    `keep-first-last` keeps the input image, the first GEMM's tensors, the
    last group and the classifier's input high (default: on for `op` only).
    It then inserts `mp.cast` ops where the paper rounds (docs/Paper.md 5.4):
    activations after their producer, weights from the f32 master at the
    start of the step, activation gradients per consumer contribution (each
    operand of mp.grad_sum), weight gradients before the update. Every cast
    carries `mp.tensor`; the decision is written to the function as
    `mp.precision` (tensor name -> {format, demoted, why}) and
    `mp.precision_policy`. Fails on bad options, on a step that already has
    an assignment, and when `budget` cannot be met.
  }];
  let options = [
    Option<"policy", "policy", "std::string", /*default=*/"\"ours\"",
           "fp32 | uniform-high | uniform-low | op | ours">,
    Option<"ratio", "ratio", "double", /*default=*/"-1.0",
           "Target low-precision ratio r in [0, 1] (ours)">,
    Option<"order", "order", "std::string", /*default=*/"\"largest\"",
           "Demotion order of groups: largest | smallest | random (ours)">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of order=random">,
    Option<"budget", "budget", "int64_t", /*default=*/"0",
           "Peak-memory budget in bytes (ours; 0: none)">,
    Option<"keepFirstLast", "keep-first-last", "std::string",
           /*default=*/"\"auto\"",
           "Keep the first and last layers high: true | false | auto (op only)">,
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "Training step to assign (default: every function with mp.sgd)">,
    Option<"loWeight", "lo-weight", "std::string", /*default=*/"\"paper_143\"",
           "Low candidate of weights (theta)">,
    Option<"loAct", "lo-act", "std::string", /*default=*/"\"paper_143\"",
           "Low candidate of activations (v)">,
    Option<"loGrad", "lo-grad", "std::string", /*default=*/"\"paper_152\"",
           "Low candidate of activation gradients (dv)">,
    Option<"loWgrad", "lo-wgrad", "std::string",
           /*default=*/"\"paper_169, overflow = inf\"",
           "Low candidate of weight gradients (dtheta)">,
    Option<"hi", "hi", "std::string", /*default=*/"\"paper_169\"",
           "High candidate of forward tensors (v, theta)">,
    Option<"hiGrad", "hi-grad", "std::string",
           /*default=*/"\"paper_169, overflow = inf\"",
           "High candidate of backward tensors (dv, dtheta)">,
  ];
  let statistics = [
    Statistic<"numCasts", "num-casts", "Casts inserted">,
    Statistic<"numDemoted", "num-demoted", "Tensors at their low candidate">,
  ];
  let dependentDialects = ["::mp::MPDialect"];
}

def MPReportPass : Pass<"mp-report", "::mlir::ModuleOp"> {
  let summary = "Report every tensor's precision and the memory of each step";
  let description = [{
    Reads TrainingGraphAnalysis and MemoryEstimateAnalysis for every training
    step and writes, per tensor, its name, paper kind (v, dv, theta, dtheta,
    state), role, phase, group, shape, bytes at 16 and 8 bits, chosen format
    and why; per group its share and decision; and totals under the `paper`
    and `peak` memory models with both low-precision ratios and the savings
    against fp32 and against all-16-bit. `format=table` is for people,
    `format=json` follows the schema in docs/Design/Report.md. Changes no IR.
  }];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"table\"",
           "table | json">,
    Option<"output", "output", "std::string", /*default=*/"\"-\"",
           "Where to write the report ('-' for stdout)">,
    Option<"function", "function", "std::string", /*default=*/"\"\"",
           "Training step to report (default: all)">,
    Option<"tensors", "tensors", "bool", /*default=*/"true",
           "Include the per-tensor table">,
    Option<"measured", "measured", "std::string", /*default=*/"\"\"",
           "An `mp-run --memory-file` JSON: print the measured allocation "
           "peak of its function beside the models">,
  ];
}

def MPInstrumentPromotionPass
    : Pass<"mp-instrument-promotion", "::mlir::ModuleOp"> {
  let summary = "Turn low-precision casts of weights and activations into runtime guards";
  let description = [{
    Reads the `mp.precision` assignment of every training step and replaces
    each `mp.cast` of a demoted weight or activation (the tensors docs/Paper.md 4.2
    monitors) by `mp.guarded_cast`, whose format a per-tensor flag selects at
    run time. The step gets one more argument, `promoted : tensor<Kxi1>`
    (role flag), and one more result, `overflow_counts : tensor<Kxi64>` (role
    metric): element k counts the elements of guarded tensor k beyond its low
    format's overflow threshold in this step. `mp.guards` on the function
    lists the K tensors ({name, elements, kind}) in flag order, so a runner can
    promote a tensor permanently without recompiling. Fails on a step without
    an assignment.
  }];
  let dependentDialects = ["::mp::MPDialect", "::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect"];
  let statistics = [Statistic<"numGuards", "num-guards", "Guarded casts">];
}

def MPStripAnnotationsPass : Pass<"mp-strip-annotations", "::mlir::ModuleOp"> {
  let summary = "Remove mp.* attributes from functions, arguments, results and ops";
  let description = [{
    Lowering pipelines run this once the mp ops are gone: the roles, names and
    precision decisions describe tensors, and after bufferization (which moves
    results into out-parameters) they would describe the wrong values. Runners
    read them before lowering.
  }];
}

def MPExpandGuardedCastsPass
    : Pass<"mp-expand-guarded-casts", "::mlir::ModuleOp"> {
  let summary = "Expand mp.guarded_cast into two casts, a select and a count";
  let description = [{
    Rewrites `%y, %n = mp.guarded_cast %x, %flag low <L> high <H>` into
    `mp.cast %x to <L>`, `mp.cast %x to <H>`, an `arith.select` on `%flag`,
    and a `linalg.generic` reduction that counts the elements with
    |x| >= L's overflow threshold (NaN never counts) into an i64. Runs before
    mp-lower-casts in mp-cpu-pipeline.
  }];
  let dependentDialects = ["::mp::MPDialect", "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def MPTileAndVectorizePass
    : Pass<"mp-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Register-tile and vectorize linalg ops on buffers for the CPU";
  let description = [{
    Reads linalg ops with buffer semantics and static shapes (named convs,
    matmuls, pooling, reductions, generics) and `memref.copy` between
    non-contiguous buffers, and replaces each op it can vectorize profitably
    with `scf.for` loops around `vector` ops on 1-D views of its buffers
    (`memref.reinterpret_cast`): one loop dimension is vectorized, up to two
    parallel dimensions are unrolled into a block of register accumulators,
    and the reduction loops run innermost on those accumulators. Ops it does
    not handle stay as they are for `convert-linalg-to-loops`. Sums over a
    vectorized parallel dimension keep the op's order; a vectorized reduction
    dimension is summed per lane, then lane by lane. With `fma`, `a * b + c`
    is one `vector.fma` (one rounding). Never fails: declining is per op
    (see docs/Performance.md).
  }];
  let options = [
    Option<"vectorBits", "vector-bits", "unsigned", /*default=*/"0",
           "Vector register width in bits (0: the host's: 512 with AVX-512, "
           "256 with AVX, otherwise 128)">,
    Option<"fuseMultiplyAdd", "fma", "bool", /*default=*/"true",
           "Contract a * b + c in vectorized bodies into vector.fma">,
  ];
  let statistics = [
    Statistic<"numVectorized", "num-vectorized", "Ops vectorized">,
    Statistic<"numDeclined", "num-declined", "Ops left for convert-linalg-to-loops">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def MPPlanBuffersPass : Pass<"mp-plan-buffers", "::mlir::ModuleOp"> {
  let summary = "Free every buffer at its last use and pack the step's buffers into one arena";
  let description = [{
    Runs on bufferized functions instead of upstream's ownership-based
    deallocation, which frees a buffer at the end of its block (a training
    step is one block, so every temporary would live until it returns).

    Each `memref.alloc` is followed through every memref derived from it
    (subviews, reshapes, casts, loop results) to the ops of its block that
    use it first and last. Buffers that leave their block (returned, yielded
    by its terminator, passed to a call) are left alone. With `plan` (the
    default), the statically shaped, identity-layout buffers of the entry
    block get offsets in one byte arena, packed greedily by size so that two
    buffers live at the same time never overlap, and become `memref.view`s
    of it. The arena is a new last argument `memref<Nxi8>` of a
    public function that nothing calls (the runner allocates it once per
    run), otherwise one allocation per call. Every other buffer, and every
    buffer with `plan=false` (debugging, ASan), is allocated just before its
    first use and freed just after its last one, aligned to `alignment`.

    Each function gets `mp.live_peak_bytes` (the most bytes of entry-block
    buffers live at once, each rounded up to `alignment`: what `plan=false`
    allocates at its peak, and the lower bound of any arena) and, with
    `plan`, `mp.arena_bytes`. See docs/Design/MemoryPlanning.md.
  }];
  let options = [
    Option<"plan", "plan", "bool", /*default=*/"true",
           "Pack buffers into one arena (false: malloc at first use, free "
           "at last use)">,
    Option<"alignment", "alignment", "unsigned", /*default=*/"64",
           "Alignment in bytes of every buffer (a power of two)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def MPAnnotateArenaPass : Pass<"mp-annotate-arena", "::mlir::ModuleOp"> {
  let summary = "Record the planned arena of each function before lowering";
  let description = [{
    Lowers a copy of the module through the buffer half of mp-cpu-pipeline
    (casts, mp to linalg, bufferization with out-params, tiling and
    vectorization, mp-plan-buffers) and copies each function's
    `mp.arena_bytes` and `mp.live_peak_bytes` back onto the same function of
    the (unchanged) module, where mp-report prints them beside its liveness
    model. The figures are the arena that mp-run and mp-train allocate.
  }];
  let options = [
    Option<"vectorize", "vectorize", "bool", /*default=*/"true",
           "As mp-cpu-pipeline's vectorize">,
    Option<"storage", "storage", "bool", /*default=*/"false",
           "As mp-cpu-pipeline's storage (8/16-bit codes)">,
  ];
}

def MPRematerializePass
    : Pass<"mp-rematerialize", "::mlir::func::FuncOp"> {
  let summary = "Give every use of a fill or pad its own copy of the op";
  let description = [{
    On tensors, before bufferization: a `linalg.fill` (with the
    `tensor.empty` it fills) or a `tensor.pad` whose result has several
    users is cloned just before each user after the first. CSE merges such
    identical ops (the zero accumulators of many convolutions, the forward
    and backward padding of one activation); bufferized, the shared result
    is one buffer that lives until its last user and is copied into every
    accumulator. Recomputed per use, each fill writes straight into its
    consumer's buffer and each padded copy lives only around its consumer
    (docs/Design/MemoryPlanning.md). The values are unchanged.
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}

#endif // MP_TRANSFORMS_PASSES_TD

def MPDonateStatePass : Pass<"mp-donate-state", "::mlir::ModuleOp"> {
  let summary = "Write updated weights, momenta and BN statistics into their arguments";
  let description = [{
    On tensors, after convert-mp-to-linalg and before bufferization. In every
    public function, a result with role `weight`, `momentum` or `bn_stat`
    replaces the argument of the same role and `mp.name` (the caller keeps
    the new value and drops the old one). When the result is computed by an
    elementwise `linalg.generic` (identity map, an init the body does not
    read), that argument becomes the op's init, and an input that reads the
    argument elementwise reads the init instead; a `select %finite, %new,
    %arg` around it (dynamic loss scaling) moves into the body. The
    argument is marked `bufferization.writable = true`, every other tensor
    argument `false`: the caller's inputs are read-only.

    One-shot bufferization then updates the caller's buffer in place unless a
    later op still reads the old value (then it copies, and the result stays
    a result). mp-drop-donated-results records which results were written in
    place. See docs/Design/MemoryPlanning.md.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def MPDropDonatedResultsPass
    : Pass<"mp-drop-donated-results", "::mlir::ModuleOp"> {
  let summary = "Drop the results that a function wrote into its arguments";
  let description = [{
    On buffers, after one-shot bufferization and before
    buffer-results-to-out-params. A public function that returns one of its
    own arguments (bufferization updated it in place, see mp-donate-state)
    no longer returns it: the caller finds the value in the buffer it
    passed. The function gets `mp.results_in_args`, one i64 per original
    result: the argument that holds it, or -1 for a result that is still
    returned (then an out-parameter). Functions that nothing in the module
    calls only.
  }];
}

def MPMaterializeStoragePass
    : Pass<"mp-materialize-storage", "::mlir::ModuleOp"> {
  let summary = "Store rounded tensors as 8- or 16-bit codes instead of f32";
  let description = [{
    After precision assignment (and mp-expand-guarded-casts), before the
    casts are lowered. Every `mp.cast %x to <F>` with a format of at most
    `max-bits` bits becomes `mp.encode %x to <F>` (codes in i8, or i16 for
    formats of 9 to 16 bits), and each op that read the cast reads its own
    `mp.decode`, placed just before it. A promotable tensor (the select
    between its low and high casts that mp-expand-guarded-casts builds)
    becomes one `mp.encode ... or <H> if %promote` in a container wide
    enough for both formats. Saved activations, weight copies and gradients
    thus live between their producer and their last reader as codes; the f32
    values exist only inside (elementwise readers, after fusion) or around
    (convolutions, matmuls, pooling) the op that reads them. The values are
    bit for bit those of the casts (docs/Design/Storage.md has the one
    exception: non-finite values of formats without codes for them).
  }];
  let options = [
    Option<"maxBits", "max-bits", "unsigned", /*default=*/"16",
           "Store formats of at most this many bits (8: only the 8-bit "
           "formats; 16: also the 16-bit ones)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}
