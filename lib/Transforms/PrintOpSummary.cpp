//===- PrintOpSummary.cpp - Per-op summary of mp graphs --------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/ToolOutputFile.h"

#define DEBUG_TYPE "mp-print-op-summary"

namespace mp {
#define GEN_PASS_DEF_MPPRINTOPSUMMARYPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;

namespace {
struct OpRow {
  unsigned count = 0;
  std::string phase;
  int64_t resultElements = 0;
};

struct PrintOpSummaryPass
    : mp::impl::MPPrintOpSummaryPassBase<PrintOpSummaryPass> {
  using MPPrintOpSummaryPassBase::MPPrintOpSummaryPassBase;
  void runOnOperation() override;
};
} // namespace

static int64_t numElements(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    if (shaped.hasStaticShape())
      return shaped.getNumElements();
  return 0;
}

static void summarize(func::FuncOp fn, raw_ostream &os) {
  os << "function @" << fn.getSymName() << "\n";

  llvm::MapVector<StringRef, std::pair<unsigned, int64_t>> roles;
  for (BlockArgument arg : fn.getArguments()) {
    auto role = fn.getArgAttrOfType<RoleAttr>(arg.getArgNumber(),
                                              MPDialect::getRoleAttrName());
    StringRef name = role ? stringifyRole(role.getValue()) : "(no role)";
    auto &slot = roles[name];
    ++slot.first;
    slot.second += numElements(arg.getType());
  }
  os << "  arguments:\n";
  for (auto &[name, slot] : roles)
    os << llvm::format("    %-16s %6u tensors %14lld elements\n",
                       name.str().c_str(), slot.first,
                       (long long)slot.second);

  llvm::MapVector<StringRef, OpRow> rows;
  unsigned total = 0;
  fn.walk([&](Operation *op) {
    if (!isa<MPDialect>(op->getDialect()))
      return;
    OpRow &row = rows[op->getName().stripDialect()];
    ++row.count;
    ++total;
    if (auto iface = dyn_cast<TrainingOpInterface>(op))
      row.phase = stringifyPhase(iface.getPhase()).str();
    else
      row.phase = "-";
    for (Value r : op->getResults())
      row.resultElements += numElements(r.getType());
  });
  os << "  ops:\n";
  os << llvm::format("    %-22s %6s %-10s %16s\n", "op", "count", "phase",
                     "result elements");
  for (auto &[name, row] : rows)
    os << llvm::format("    %-22s %6u %-10s %16lld\n", name.str().c_str(),
                       row.count, row.phase.c_str(),
                       (long long)row.resultElements);
  os << "  total mp ops: " << total << "\n";
}

void PrintOpSummaryPass::runOnOperation() {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file =
      openOutputFile(output, &error);
  if (!file) {
    getOperation().emitError() << "cannot open summary output '" << output
                               << "': " << error;
    return signalPassFailure();
  }
  for (auto fn : getOperation().getOps<func::FuncOp>())
    summarize(fn, file->os());
  file->keep();
  markAllAnalysesPreserved();
}
