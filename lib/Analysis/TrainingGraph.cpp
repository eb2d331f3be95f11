//===- TrainingGraph.cpp - Tensors, roles and groups of a step -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Analysis/TrainingGraph.h"

#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/CheckedArithmetic.h"

using namespace mlir;
using namespace mp;

StringRef mp::stringifyTensorKind(TensorKind kind) {
  switch (kind) {
  case TensorKind::Activation:
    return "v";
  case TensorKind::ActivationGrad:
    return "dv";
  case TensorKind::Weight:
    return "theta";
  case TensorKind::WeightGrad:
    return "dtheta";
  case TensorKind::State:
    return "state";
  }
  return "?";
}

Value TrainingGraph::getRoot(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (!def->hasTrait<TensorAlias>())
      break;
    value = def->getOperand(0);
  }
  return value;
}

int TrainingGraph::lookup(StringRef name) const {
  auto it = byName.find(name);
  return it == byName.end() ? -1 : int(it->second);
}

int TrainingGraph::lookup(Value value) const {
  auto it = byValue.find(getRoot(value));
  return it == byValue.end() ? -1 : int(it->second);
}

unsigned TrainingGraph::add(TensorInfo info) {
  // Names are unique within a step: a clash gets a numeric suffix.
  std::string base = info.name;
  for (unsigned k = 1; byName.count(info.name); ++k)
    info.name = base + "." + std::to_string(k);
  info.id = tensors.size();
  if (auto shaped = info.value ? dyn_cast<ShapedType>(info.value.getType())
                               : ShapedType()) {
    info.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
    info.numElements = shaped.getNumElements();
  }
  info.paperElements = info.numElements;
  bool activationLike = info.kind == TensorKind::Activation ||
                        info.kind == TensorKind::ActivationGrad;
  if (activationLike && info.shape.empty() && info.numElements == 1)
    info.paperElements = batchSize;
  byName[info.name] = info.id;
  if (info.value)
    byValue[info.value] = info.id;
  if (info.group >= 0) {
    groups[info.group].tensors.push_back(info.id);
    groups[info.group].numElements += info.paperElements;
    tensorSetElements += info.paperElements;
  }
  tensors.push_back(std::move(info));
  return tensors.size() - 1;
}

static std::string opName(Operation *op, unsigned index) {
  if (auto name = op->getAttrOfType<StringAttr>(MPDialect::getNameAttrName()))
    return name.str();
  return (op->getName().stripDialect() + "_" + Twine(index)).str();
}

FailureOr<TrainingGraph> TrainingGraph::build(func::FuncOp fn) {
  TrainingGraph g;
  g.fn = fn;
  if (!fn.getBody().hasOneBlock())
    return emitError(fn.getLoc()) << "training graph analysis needs a function with "
                             "one block";
  Block &body = fn.getBody().front();

  // Every size the analyses add up (elements, bits at up to 64 per element,
  // bytes) fits in int64_t when all values together hold at most 2^56
  // elements; a larger step is refused rather than wrapped around.
  int64_t total = 0;
  auto count = [&](Value v) -> LogicalResult {
    auto shaped = dyn_cast<ShapedType>(v.getType());
    if (!shaped || !shaped.hasRank() || !shaped.hasStaticShape())
      return success();
    std::optional<int64_t> n = detail::getBoundedElementCount(shaped);
    std::optional<int64_t> sum = n ? llvm::checkedAdd(total, *n) : std::nullopt;
    if (!sum || *sum > (int64_t(1) << 56))
      return emitError(v.getLoc())
             << "the values of @" << fn.getSymName()
             << " hold more than 2^56 elements in all (at a value of type "
             << v.getType() << "); its sizes would overflow 64 bits";
    total = *sum;
    return success();
  };
  for (BlockArgument arg : body.getArguments())
    if (failed(count(arg)))
      return failure();
  WalkResult walk = fn.walk([&](Operation *op) {
    for (Value r : op->getResults())
      if (failed(count(r)))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  auto openGroup = [&](Operation *opener, StringRef name) {
    TensorGroup group;
    group.id = g.groups.size();
    group.opener = opener;
    group.name = name.str();
    g.groups.push_back(std::move(group));
    return int(g.groups.size() - 1);
  };
  int current = openGroup(nullptr, "input");
  for (BlockArgument arg : body.getArguments()) {
    auto role = fn.getArgAttrOfType<RoleAttr>(arg.getArgNumber(),
                                              MPDialect::getRoleAttrName());
    auto shaped = dyn_cast<ShapedType>(arg.getType());
    if (role && role.getValue() == Role::input && shaped &&
        shaped.hasStaticShape() && shaped.getRank() > 0) {
      g.batchSize = shaped.getDimSize(0);
      break;
    }
  }

  // Arguments: the image opens the input group; the rest is state except
  // weights, which get their group from their first consumer.
  bool sawInput = false;
  for (BlockArgument arg : body.getArguments()) {
    unsigned i = arg.getArgNumber();
    auto roleAttr =
        fn.getArgAttrOfType<RoleAttr>(i, MPDialect::getRoleAttrName());
    auto nameAttr =
        fn.getArgAttrOfType<StringAttr>(i, MPDialect::getNameAttrName());
    std::string name = nameAttr ? nameAttr.str() : "arg" + std::to_string(i);
    if (roleAttr && roleAttr.getValue() == Role::weight)
      continue;
    TensorInfo info;
    info.name = name;
    info.value = arg;
    info.role = roleAttr ? roleAttr.getValue() : Role::input;
    if (roleAttr && roleAttr.getValue() == Role::input) {
      if (sawInput)
        current = openGroup(nullptr, name);
      sawInput = true;
      info.kind = TensorKind::Activation;
      info.group = current;
      unsigned v = g.add(info);
      // The paper counts the image's gradient although nobody computes it.
      TensorInfo grad;
      grad.name = g.tensors[v].name + ".grad";
      grad.kind = TensorKind::ActivationGrad;
      grad.role = Role::activation_grad;
      grad.phase = Phase::backward;
      grad.group = current;
      grad.partner = v;
      grad.shape = g.tensors[v].shape;
      grad.numElements = g.tensors[v].numElements;
      unsigned dv = g.add(grad);
      g.tensors[v].partner = dv;
      continue;
    }
    info.kind = TensorKind::State;
    g.add(info);
  }

  auto groupOf = [&](Value v) -> int {
    int id = g.lookup(v);
    return id >= 0 && g.tensors[id].group >= 0 ? g.tensors[id].group : current;
  };

  // Unnamed forward ops are numbered among forward ops only, so names stay
  // stable when passes insert casts.
  unsigned index = 0;
  for (Operation &op : body) {
    auto iface = dyn_cast<TrainingOpInterface>(&op);
    if (!iface || op.hasTrait<TensorAlias>())
      continue;
    if (iface.getPhase() == Phase::forward) {
      std::string name = opName(&op, index++);
      // Weights join the group of the producer of the layer's first input.
      for (Value operand : op.getOperands()) {
        // Through the casts of an assignment to the f32 master.
        auto arg = dyn_cast<BlockArgument>(getRoot(operand));
        if (!arg || arg.getOwner() != &body || g.byValue.count(arg))
          continue;
        auto role = fn.getArgAttrOfType<RoleAttr>(arg.getArgNumber(),
                                                  MPDialect::getRoleAttrName());
        if (!role || role.getValue() != Role::weight)
          continue;
        auto nameAttr = fn.getArgAttrOfType<StringAttr>(
            arg.getArgNumber(), MPDialect::getNameAttrName());
        TensorInfo info;
        info.name = nameAttr ? nameAttr.str()
                             : "arg" + std::to_string(arg.getArgNumber());
        info.kind = TensorKind::Weight;
        info.role = Role::weight;
        info.value = arg;
        info.layer = &op;
        info.group = op.getNumOperands() ? groupOf(op.getOperand(0)) : current;
        g.add(info);
      }
      if (auto layer = dyn_cast<ParameterOpInterface>(op);
          layer && layer.getGemmInput()) {
        current = openGroup(&op, name);
        g.gemms.push_back(&op);
      }
      unsigned numActs = llvm::count_if(
          llvm::seq<unsigned>(0, op.getNumResults()), [&](unsigned i) {
            Role r = iface.getResultRole(i);
            return r == Role::activation || r == Role::loss;
          });
      for (unsigned i = 0, e = op.getNumResults(); i < e; ++i) {
        Role r = iface.getResultRole(i);
        if (r != Role::activation && r != Role::loss)
          continue;
        TensorInfo info;
        info.name = numActs > 1 ? name + "#" + std::to_string(i) : name;
        info.kind = TensorKind::Activation;
        info.role = r;
        info.value = op.getResult(i);
        info.layer = &op;
        info.group = current;
        g.add(info);
      }
      continue;
    }
    auto sum = dyn_cast<GradSumOp>(&op);
    if (!sum)
      continue;
    // Gradients of aliases (reshape results) are not tensors of their own.
    auto it = g.byValue.find(sum.getOf());
    if (it == g.byValue.end())
      continue;
    unsigned primal = it->second;
    TensorKind pk = g.tensors[primal].kind;
    if (pk != TensorKind::Activation && pk != TensorKind::Weight)
      continue;
    TensorInfo info;
    info.name = g.tensors[primal].name + ".grad";
    info.kind = pk == TensorKind::Activation ? TensorKind::ActivationGrad
                                             : TensorKind::WeightGrad;
    info.role = pk == TensorKind::Activation ? Role::activation_grad
                                             : Role::weight_grad;
    info.phase = Phase::backward;
    info.value = sum.getResult();
    info.layer = g.tensors[primal].layer;
    info.group = g.tensors[primal].group;
    info.partner = primal;
    unsigned id = g.add(info);
    g.tensors[primal].partner = id;
  }

  // Weights no forward op consumes are plain state.
  for (BlockArgument arg : body.getArguments()) {
    if (g.byValue.count(arg))
      continue;
    auto nameAttr = fn.getArgAttrOfType<StringAttr>(
        arg.getArgNumber(), MPDialect::getNameAttrName());
    TensorInfo info;
    info.name =
        nameAttr ? nameAttr.str() : "arg" + std::to_string(arg.getArgNumber());
    info.role = Role::weight;
    info.value = arg;
    g.add(info);
  }
  if (g.gemms.empty())
    return emitError(fn.getLoc()) << "training graph of @" << fn.getSymName()
                          << " has no conv2d or linear layer to group around";
  return g;
}

TrainingGraphAnalysis::TrainingGraphAnalysis(Operation *op) {
  auto module = dyn_cast<ModuleOp>(op);
  if (!module)
    return;
  for (auto fn : module.getOps<func::FuncOp>()) {
    if (fn.isExternal())
      continue;
    bool isStep = false;
    fn.walk([&](SGDOp) { isStep = true; });
    if (!isStep)
      continue;
    FailureOr<TrainingGraph> g = TrainingGraph::build(fn);
    if (::mlir::failed(g)) {
      failed = true;
      continue;
    }
    graphs.push_back(std::move(*g));
  }
}

const TrainingGraph *TrainingGraphAnalysis::lookup(StringRef name) const {
  for (const TrainingGraph &g : graphs)
    if (g.getFunction().getSymName() == name)
      return &g;
  return nullptr;
}
