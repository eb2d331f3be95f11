//===- Report.cpp - Precision and memory report per training step -*- C++ -*-===//
//
// Licensed under the Apache License v2.0 with LLVM Exceptions.
// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
//
//===----------------------------------------------------------------------===//

#include "mp/Transforms/Passes.h"

#include "mp/Analysis/MemoryEstimate.h"
#include "mp/Analysis/TrainingGraph.h"
#include "mp/Dialect/MP/IR/MPDialect.h"
#include "mp/Dialect/MP/IR/MPOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

#define DEBUG_TYPE "mp-report"

namespace mp {
#define GEN_PASS_DEF_MPREPORTPASS
#include "mp/Transforms/Passes.h.inc"
} // namespace mp

using namespace mlir;
using namespace mp;
namespace json = llvm::json;

namespace {
struct ReportPass : mp::impl::MPReportPassBase<ReportPass> {
  using MPReportPassBase::MPReportPassBase;
  void runOnOperation() override;
};

/// Everything the report prints about one step.
struct StepReport {
  const TrainingGraph *graph;
  const PrecisionAssignment *assignment;
  PaperMemory paper, paperF32, paperAll16;
  PeakMemory peak, peakF32, peakAll16;
  DictionaryAttr policy;
  /// From mp-annotate-arena, when it ran: the lowered step's planned arena
  /// and its live-buffer peak (bytes; -1 when absent).
  int64_t arenaBytes = -1, livePeakBytes = -1;
  /// From `measured` (an mp-run --memory-file), when it names this step:
  /// the bytes the JIT-compiled step allocated at its peak (-1: absent).
  int64_t measuredPeakBytes = -1;
  bool measuredStorage = false;
};
} // namespace

/// The measured peak with the persistent state (what the peak model counts),
/// and its ratio to the model.
static int64_t measuredWithState(const StepReport &r) {
  return r.measuredPeakBytes + r.peak.persistentBytes;
}
static double measuredRatio(const StepReport &r) {
  return r.peak.peakBytes
             ? double(measuredWithState(r)) / double(r.peak.peakBytes)
             : 0.0;
}

/// The format as written inside #mp.format<...>: "paper_143",
/// "paper_169, overflow = inf", or every field.
static std::string formatName(FormatAttr f) {
  if (!f)
    return "fp32";
  std::string s;
  llvm::raw_string_ostream os(s);
  os << f;
  StringRef text(s);
  text.consume_front("#mp.format<");
  text.consume_back(">");
  return text.str();
}

static std::string shapeText(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  llvm::interleave(shape, os, "x");
  return shape.empty() ? "scalar" : s;
}

static double saving(int64_t now, int64_t base) {
  return base ? 1.0 - double(now) / double(base) : 0.0;
}

static StringRef groupDecision(const TrainingGraph &g,
                               const PrecisionAssignment &a, unsigned group) {
  unsigned demoted = 0, total = 0;
  for (unsigned id : g.getGroups()[group].tensors) {
    ++total;
    demoted += a.demoted[id];
  }
  return demoted == 0 ? "high" : demoted == total ? "low" : "mixed";
}

static json::Value toJson(const StepReport &r, bool withTensors) {
  const TrainingGraph &g = *r.graph;
  const PrecisionAssignment &a = *r.assignment;
  json::Object fn;
  fn["name"] = g.getFunction().getSymName().str();
  json::Object policy;
  if (r.policy)
    for (NamedAttribute attr : r.policy) {
      Attribute v = attr.getValue();
      if (auto s = dyn_cast<StringAttr>(v))
        policy[attr.getName().str()] = s.str();
      else if (auto f = dyn_cast<FloatAttr>(v))
        policy[attr.getName().str()] = f.getValueAsDouble();
      else if (auto b = dyn_cast<BoolAttr>(v))
        policy[attr.getName().str()] = b.getValue();
      else if (auto i = dyn_cast<IntegerAttr>(v))
        policy[attr.getName().str()] = i.getInt();
      else if (auto f = dyn_cast<FormatAttr>(v))
        policy[attr.getName().str()] = formatName(f);
    }
  else
    policy["policy"] = "none";
  fn["policy"] = std::move(policy);

  if (withTensors) {
    json::Array tensors;
    for (const TensorInfo &t : g.getTensors()) {
      json::Object o;
      o["name"] = t.name;
      o["kind"] = stringifyTensorKind(t.kind).str();
      o["role"] = stringifyRole(t.role).str();
      o["phase"] = stringifyPhase(t.phase).str();
      o["group"] = t.group;
      json::Array shape;
      for (int64_t d : t.shape)
        shape.push_back(d);
      o["shape"] = std::move(shape);
      o["elements"] = t.numElements;
      o["paper_elements"] = t.paperElements;
      o["bytes_high"] = t.paperElements * 2;
      o["bytes_low"] = t.paperElements;
      o["format"] = formatName(a.formats[t.id]);
      o["bits"] = int64_t(getStorageBits(a.formats[t.id]));
      o["demoted"] = bool(a.demoted[t.id]);
      o["why"] = t.inTensorSet() ? a.reasons[t.id]
                                 : std::string("state: kept f32, outside the "
                                               "paper's tensor set");
      tensors.push_back(std::move(o));
    }
    fn["tensors"] = std::move(tensors);
  }
  json::Array groups;
  for (const TensorGroup &group : g.getGroups()) {
    json::Object o;
    o["id"] = int64_t(group.id);
    o["name"] = group.name;
    o["elements"] = group.numElements;
    o["share"] = double(group.numElements) / double(g.getTensorSetElements());
    o["tensors"] = int64_t(group.tensors.size());
    o["decision"] = groupDecision(g, a, group.id).str();
    groups.push_back(std::move(o));
  }
  fn["groups"] = std::move(groups);

  json::Object paper;
  paper["elements"] = r.paper.elements;
  paper["bits"] = r.paper.bits;
  paper["bits_all16"] = r.paper.bitsAll16;
  paper["bits_fp32"] = r.paper.bitsF32;
  paper["bit_ratio"] = r.paper.bitRatio;
  paper["selection_ratio"] = r.paper.selectionRatio;
  paper["saving_vs_fp32"] = saving(r.paper.bits, r.paper.bitsF32);
  paper["saving_vs_all16"] = saving(r.paper.bits, r.paper.bitsAll16);
  json::Object peak;
  peak["bytes"] = r.peak.peakBytes;
  peak["bytes_fp32"] = r.peakF32.peakBytes;
  peak["bytes_all16"] = r.peakAll16.peakBytes;
  peak["persistent_bytes"] = r.peak.persistentBytes;
  peak["saving_vs_fp32"] = saving(r.peak.peakBytes, r.peakF32.peakBytes);
  peak["saving_vs_all16"] = saving(r.peak.peakBytes, r.peakAll16.peakBytes);
  json::Object totals;
  totals["paper"] = std::move(paper);
  totals["peak"] = std::move(peak);
  if (r.arenaBytes >= 0) {
    json::Object planned;
    planned["arena_bytes"] = r.arenaBytes;
    planned["live_peak_bytes"] = r.livePeakBytes;
    planned["with_persistent_bytes"] = r.arenaBytes + r.peak.persistentBytes;
    totals["planned"] = std::move(planned);
  }
  if (r.measuredPeakBytes >= 0) {
    json::Object measured;
    measured["allocated_peak_bytes"] = r.measuredPeakBytes;
    measured["with_persistent_bytes"] = measuredWithState(r);
    measured["storage"] = r.measuredStorage;
    measured["ratio_to_peak_model"] = measuredRatio(r);
    totals["measured"] = std::move(measured);
  }
  fn["totals"] = std::move(totals);
  return json::Value(std::move(fn));
}

/// Bytes in the most readable unit.
static std::string mib(int64_t bytes) {
  std::string s;
  llvm::raw_string_ostream os(s);
  if (bytes < 10 * 1024)
    os << bytes << " B";
  else if (bytes < 10 * 1024 * 1024)
    os << llvm::format("%.2f KiB", bytes / 1024.0);
  else
    os << llvm::format("%.2f MiB", bytes / 1048576.0);
  return s;
}

static void printTable(const StepReport &r, bool withTensors,
                       raw_ostream &os) {
  const TrainingGraph &g = *r.graph;
  const PrecisionAssignment &a = *r.assignment;
  os << "== @" << g.getFunction().getSymName() << "\n";
  os << "policy: ";
  if (r.policy) {
    llvm::interleave(
        r.policy, os,
        [&](NamedAttribute attr) {
          os << attr.getName().getValue() << "=";
          Attribute v = attr.getValue();
          if (auto s = dyn_cast<StringAttr>(v))
            os << s.getValue();
          else if (auto f = dyn_cast<FloatAttr>(v))
            os << llvm::format("%.4g", f.getValueAsDouble());
          else if (auto b = dyn_cast<BoolAttr>(v))
            os << (b.getValue() ? "true" : "false");
          else if (auto i = dyn_cast<IntegerAttr>(v))
            os << i.getInt();
          else if (auto f = dyn_cast<FormatAttr>(v))
            os << "\"" << formatName(f) << "\"";
        },
        " ");
  } else {
    os << "none (no mp-assign-precision: everything f32)";
  }
  os << "\n";
  if (withTensors) {
    os << llvm::format("%-34s %-6s %-15s %-9s %5s %-16s %10s %10s %-26s %s\n",
                       "tensor", "kind", "role", "phase", "group", "shape",
                       "bytes@16", "bytes@8", "format", "why");
    for (const TensorInfo &t : g.getTensors()) {
      if (!t.inTensorSet())
        continue;
      os << llvm::format("%-34s %-6s %-15s %-9s %5d %-16s %10lld %10lld %-26s ",
                         t.name.c_str(), stringifyTensorKind(t.kind).data(),
                         stringifyRole(t.role).data(),
                         stringifyPhase(t.phase).data(), t.group,
                         shapeText(t.shape).c_str(),
                         (long long)(t.paperElements * 2),
                         (long long)t.paperElements,
                         formatName(a.formats[t.id]).c_str())
         << a.reasons[t.id] << "\n";
    }
  }
  os << llvm::format("%-5s %-34s %12s %8s %8s %s\n", "group", "opened by",
                     "elements", "share", "tensors", "decision");
  for (const TensorGroup &group : g.getGroups())
    os << llvm::format("%5u %-34s %12lld %7.2f%% %8zu %s\n", group.id,
                       group.name.c_str(), (long long)group.numElements,
                       100.0 * group.numElements / g.getTensorSetElements(),
                       group.tensors.size(),
                       groupDecision(g, a, group.id).data());
  os << "paper model (docs/Paper.md 2): " << mib(r.paper.bits / 8) << " (fp32 "
     << mib(r.paper.bitsF32 / 8) << ", all-16-bit " << mib(r.paper.bitsAll16 / 8)
     << "); low-precision ratio: bits " << llvm::format("%.4f", r.paper.bitRatio)
     << ", selection " << llvm::format("%.4f", r.paper.selectionRatio) << "\n";
  os << "  saving vs fp32 "
     << llvm::format("%.2f%%", 100 * saving(r.paper.bits, r.paper.bitsF32))
     << ", vs all-16-bit "
     << llvm::format("%.2f%%", 100 * saving(r.paper.bits, r.paper.bitsAll16))
     << "\n";
  os << "peak model (liveness, with master weights, momenta, BN statistics): "
     << mib(r.peak.peakBytes) << " (fp32 " << mib(r.peakF32.peakBytes)
     << ", all-16-bit " << mib(r.peakAll16.peakBytes) << "; persistent "
     << mib(r.peak.persistentBytes) << ")\n";
  os << "  saving vs fp32 "
     << llvm::format("%.2f%%",
                     100 * saving(r.peak.peakBytes, r.peakF32.peakBytes))
     << ", vs all-16-bit "
     << llvm::format("%.2f%%",
                     100 * saving(r.peak.peakBytes, r.peakAll16.peakBytes))
     << "\n";  if (r.arenaBytes >= 0)
    os << "planned arena (mp-plan-buffers, the lowered step's temporaries): "
       << mib(r.arenaBytes) << " (live-buffer peak " << mib(r.livePeakBytes)
       << "); with the persistent state " << mib(r.arenaBytes +
                                                  r.peak.persistentBytes)
       << "\n";
  if (r.measuredPeakBytes >= 0)
    os << "measured (mp-run --memory-file"
       << (r.measuredStorage ? ", storage" : "") << "): allocation peak "
       << mib(r.measuredPeakBytes) << "; with the persistent state "
       << mib(measuredWithState(r)) << ", "
       << llvm::format("%.3f", measuredRatio(r)) << " x the peak model\n";
}

namespace {
/// One measurement read from an mp-run --memory-file.
struct Measurement {
  std::string function;
  int64_t allocatedPeakBytes = -1;
  bool storage = false;
};
} // namespace

/// Reads `path` (schema mp-memory/1); a message on failure.
static FailureOr<Measurement> readMeasurement(StringRef path,
                                              std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    error = "cannot read '" + path.str() + "': " + buffer.getError().message();
    return failure();
  }
  llvm::Expected<json::Value> value = json::parse((*buffer)->getBuffer());
  if (!value) {
    error = "'" + path.str() + "' is not JSON: " +
            llvm::toString(value.takeError());
    return failure();
  }
  const json::Object *root = value->getAsObject();
  std::optional<StringRef> schema = root ? root->getString("schema") : std::nullopt;
  if (!schema || *schema != "mp-memory/1") {
    error = "'" + path.str() + "' is not an mp-run --memory-file (schema "
            "mp-memory/1)";
    return failure();
  }
  Measurement m;
  std::optional<StringRef> fn = root->getString("function");
  std::optional<int64_t> peak = root->getInteger("allocated_peak_bytes");
  if (!fn || !peak || *peak < 0) {
    error = "'" + path.str() + "' needs a 'function' and a non-negative "
            "'allocated_peak_bytes'";
    return failure();
  }
  m.function = fn->str();
  m.allocatedPeakBytes = *peak;
  m.storage = root->getBoolean("storage").value_or(false);
  return m;
}

void ReportPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (format != "table" && format != "json") {
    module.emitError() << "unknown report format '" << format
                       << "'; expected table or json";
    return signalPassFailure();
  }
  auto &estimates = getAnalysis<MemoryEstimateAnalysis>();
  if (estimates.hasFailed())
    return signalPassFailure();
  if (estimates.getEntries().empty()) {
    module.emitError() << "no training step to report: run "
                          "mp-build-training-step first";
    return signalPassFailure();
  }
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> file = openOutputFile(output, &error);
  if (!file) {
    module.emitError() << "cannot open report output '" << output
                       << "': " << error;
    return signalPassFailure();
  }

  std::optional<Measurement> measurement;
  if (!measured.empty()) {
    std::string problem;
    FailureOr<Measurement> m = readMeasurement(measured, problem);
    if (failed(m)) {
      module.emitError() << "mp-report: " << problem;
      return signalPassFailure();
    }
    measurement = *m;
  }

  MLIRContext *ctx = module.getContext();
  FormatAttr sixteen = FormatAttr::getPreset(ctx, "paper_169");
  json::Array functions;
  bool any = false, matched = false;
  for (const MemoryEstimateAnalysis::Entry &e : estimates.getEntries()) {
    func::FuncOp fn = e.graph->getFunction();
    if (!function.empty() && fn.getSymName() != function)
      continue;
    any = true;
    StepReport r;
    r.graph = e.graph;
    r.assignment = &e.assignment;
    r.paper = e.paper;
    r.peak = e.peak;
    PrecisionAssignment f32 = PrecisionAssignment::allF32(*e.graph);
    PrecisionAssignment all16 = f32;
    for (const TensorInfo &t : e.graph->getTensors())
      if (t.inTensorSet())
        all16.formats[t.id] = sixteen;
    r.peakF32 = estimatePeakMemory(*e.graph, f32);
    r.peakAll16 = estimatePeakMemory(*e.graph, all16);
    r.policy = fn->getAttrOfType<DictionaryAttr>("mp.precision_policy");
    if (auto a = fn->getAttrOfType<IntegerAttr>(
            MPDialect::getArenaBytesAttrName()))
      r.arenaBytes = a.getInt();
    if (auto a = fn->getAttrOfType<IntegerAttr>(
            MPDialect::getLivePeakBytesAttrName()))
      r.livePeakBytes = a.getInt();
    if (measurement && measurement->function == fn.getSymName()) {
      matched = true;
      r.measuredPeakBytes = measurement->allocatedPeakBytes;
      r.measuredStorage = measurement->storage;
    }
    if (format == "json")
      functions.push_back(toJson(r, tensors));
    else
      printTable(r, tensors, file->os());
  }
  if (!any) {
    module.emitError() << "no training step named '" << function << "'";
    return signalPassFailure();
  }
  if (measurement && !matched) {
    module.emitError() << "mp-report: '" << measured << "' measures @"
                       << measurement->function
                       << ", which is not a reported training step";
    return signalPassFailure();
  }
  if (format == "json") {
    json::Object root;
    root["schema"] = "mp-report/1";
    root["functions"] = std::move(functions);
    file->os() << llvm::formatv("{0:2}", json::Value(std::move(root))) << "\n";
  }
  file->keep();
  markAllAnalysesPreserved();
}
