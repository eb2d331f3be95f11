//===- StripAnnotations.cpp - Remove mp.* attributes ------------*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

namespace mp {
#define GEN_PASS_DEF_MPSTRIPANNOTATIONSPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;

namespace {
struct StripAnnotationsPass
    : mp::impl::MPStripAnnotationsPassBase<StripAnnotationsPass> {
  void runOnOperation() override;
};
} // namespace

/// `attrs` without its mp.* entries.
static DictionaryAttr strip(DictionaryAttr attrs) {
  if (!attrs)
    return attrs;
  SmallVector<NamedAttribute> kept;
  for (NamedAttribute a : attrs)
    if (!a.getName().getValue().starts_with("mp."))
      kept.push_back(a);
  return DictionaryAttr::get(attrs.getContext(), kept);
}

void StripAnnotationsPass::runOnOperation() {
  getOperation().walk([](Operation *op) {
    SmallVector<StringAttr> names;
    for (NamedAttribute a : op->getDiscardableAttrs())
      if (a.getName().getValue().starts_with("mp."))
        names.push_back(a.getName());
    for (StringAttr n : names)
      op->removeDiscardableAttr(n);
    if (auto fn = dyn_cast<FunctionOpInterface>(op)) {
      for (unsigned i = 0, e = fn.getNumArguments(); i < e; ++i)
        fn.setArgAttrs(i, strip(fn.getArgAttrDict(i)));
      for (unsigned i = 0, e = fn.getNumResults(); i < e; ++i)
        fn.setResultAttrs(i, strip(fn.getResultAttrDict(i)));
    }
  });
}
