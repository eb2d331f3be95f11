//===- MPPlugin.cpp - mlir-opt dialect and pass plugin for mp ---*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//
//
// Lets an unmodified `mlir-opt` (one linked to libMLIR.so) parse mp IR and run
// mp passes and pipelines:
//
//   mlir-opt --load-dialect-plugin=MPPlugin.so --load-pass-plugin=MPPlugin.so
//
// The plugin links our static libraries and libMLIR.so, never static MLIR
// libraries: a second copy of MLIR would bring a second set of global
// registries (and a second registration of every upstream pass). Only the
// mp passes and pipelines are registered here; mlir-opt already registers
// every upstream pass, and registering a pipeline name twice aborts.
//
//===----------------------------------------------------------------------===//

#include "mp/Conversion/Passes.h"
#include "mp/InitMP.h"
#include "mp/Pipelines/Pipelines.h"
#include "mp/Transforms/Passes.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

/// Entry point of `--load-dialect-plugin`: the mp dialect, the upstream
/// dialects mp passes create, and the bufferization models mp-cpu-pipeline
/// needs.
extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MPDialectPlugin", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mp::registerMPDialects(*registry);
          }};
}

/// Entry point of `--load-pass-plugin`: mp passes, conversion passes and
/// pipelines. mlir-opt calls it once per loaded plugin.
extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "MPPassPlugin", LLVM_VERSION_STRING, []() {
            // Naming the plugin twice (--load-pass-plugin=X twice) calls this
            // twice; registering a pipeline name twice is fatal.
            static bool registered = false;
            if (registered)
              return;
            registered = true;
            mp::registerMPPasses();
            mp::registerMPConversionPasses();
            mp::registerMPPipelines();
          }};
}
