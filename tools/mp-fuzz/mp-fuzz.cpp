//===- mp-fuzz.cpp - libFuzzer target: parse and compile mp IR --*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Each input is MLIR text. It is parsed with every mp dialect loaded; a
// module that parses and verifies is compiled by the pipelines users run:
//   1. mp-precision-pipeline (build the training step, assign πours(0.5)
//      with promotion guards), then mp-cpu-pipeline on its result;
//   2. mp-cpu-pipeline on the input itself (a step or plain mp ops);
//   3. convert-tosa-to-mp, then mp-precision-pipeline (TOSA imports).
// Diagnostics are expected and swallowed; a crash, a sanitizer report or a
// hang (libFuzzer's -timeout) is a finding. Built by -DMP_ENABLE_FUZZER=ON;
// scripts/fuzz.sh runs it (docs/Reliability.md).
//
//===----------------------------------------------------------------------===//

#include "mp/InitMP.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>

using namespace mlir;

static DialectRegistry &getRegistry() {
  static DialectRegistry *registry = [] {
    auto *r = new DialectRegistry();
    mp::registerMPDialects(*r);
    mp::registerAllMPPasses();
    return r;
  }();
  return *registry;
}

/// Runs `pipeline` on `module`; failures are ordinary (bad input).
static bool runPipeline(MLIRContext &ctx, ModuleOp module,
                        llvm::StringRef pipeline) {
  PassManager pm(&ctx);
  std::string error;
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(pipeline, pm, os))) {
    // The pipelines are fixed: not parsing them is a bug of this target.
    llvm::errs() << "mp-fuzz: bad pipeline '" << pipeline << "': " << error
                 << "\n";
    std::abort();
  }
  return succeeded(pm.run(module));
}

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  (void)getRegistry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // Huge inputs only slow the search down.
  if (size > 64 * 1024)
    return -1;
  MLIRContext ctx(getRegistry(), MLIRContext::Threading::DISABLED);
  ctx.loadAllAvailableDialects();
  ctx.printOpOnDiagnostic(false);
  ScopedDiagnosticHandler quiet(&ctx, [](Diagnostic &) { return success(); });
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  ParserConfig config(&ctx, /*verifyAfterParse=*/true);
  OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, config);
  if (!module)
    return 0;

  static const char *precision =
      "builtin.module(mp-precision-pipeline{policy=ours ratio=0.5 "
      "instrument=true})";
  static const char *cpu = "builtin.module(mp-cpu-pipeline)";
  {
    OwningOpRef<ModuleOp> m(cast<ModuleOp>((*module)->clone()));
    if (runPipeline(ctx, *m, precision))
      runPipeline(ctx, *m, cpu);
  }
  {
    OwningOpRef<ModuleOp> m(cast<ModuleOp>((*module)->clone()));
    runPipeline(ctx, *m, cpu);
  }
  {
    OwningOpRef<ModuleOp> m(cast<ModuleOp>((*module)->clone()));
    if (runPipeline(ctx, *m, "builtin.module(convert-tosa-to-mp)"))
      runPipeline(ctx, *m, precision);
  }
  return 0;
}
