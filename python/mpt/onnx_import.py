# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""ONNX import: an ONNX image classifier becomes an mp forward graph.

`import_file(path)` (or `import_model(model_proto)`) reads an ONNX model
whose single graph input is an N x C x H x W (or N x features) f32 batch and
whose first graph output is the N x classes logits (optionally followed by
Softmax / LogSoftmax), and returns an `ImportResult`: an `ir.Builder` holding
the forward function in the zoo's convention (see `mpt.ir`):

* the input (`mp.name = "input"`) and a `label` argument (tensor<Nxi32>);
* every initializer that an op takes as a parameter becomes a `weight`
  argument (conv / Gemm / MatMul weights and biases, BatchNormalization scale
  and bias) or a `bn_stat` argument (BatchNormalization mean and variance),
  with `mp.name` = the initializer's name (sanitized), in the order of first
  use in the graph;
* the ops in graph (topological) order, each with an `mp.name` (the
  parameter's module path when the op has a `<path>.weight`, else the ONNX
  node name);
* the loss `mp.nll_loss(mp.log_softmax(logits), label)` (a final Softmax or
  LogSoftmax is replaced by it), and the new BN running statistics as
  results, which is what `mp-build-training-step` expects.

BatchNormalization always becomes training-mode `mp.batch_norm` (the graph
is going to be trained); ONNX's momentum `m` (running = m * running +
(1 - m) * batch) becomes mp's `1 - m` (PyTorch's convention). Dropout becomes
`mp.dropout` with a seed argument (or nothing, with `dropout="identity"`).

Integer "shape arithmetic" (Shape, Gather, Unsqueeze, Concat, Cast, Slice,
... on constants) is folded, so `x.view(x.size(0), -1)` style exports work.
The ShuffleNet channel shuffle `Reshape(N, g, C/g, H, W) -> Transpose(0, 2,
1, 3, 4) -> Reshape(N, C, H, W)` becomes `mp.channel_shuffle`.

Anything mp cannot express raises `OnnxImportError` naming the node, its op
type and the reason; a file that is not a valid ONNX model raises it too.
The initializer values are kept (`ImportResult.tensors`) and can be written
as .npy files named like mp-train's `--save` output (`save_weights`).
"""

import math
import os
import re

from .ir import Builder, ShapeError, num_elements

__all__ = ["OnnxImportError", "ImportResult", "SUPPORTED_OPS", "load",
           "import_model", "import_file"]


class OnnxImportError(ValueError):
    """The file is not a valid ONNX model, or it uses something mp cannot
    express (the message names the node and its op type)."""


def _onnx():
    try:
        import numpy  # noqa: F401
        import onnx
        import onnx.checker  # noqa: F401
        import onnx.defs  # noqa: F401
        import onnx.numpy_helper  # noqa: F401
    except ImportError as err:
        raise OnnxImportError("the ONNX importer needs the Python packages 'onnx' and "
                              "'numpy' (Debian: python3-onnx): %s" % err) from None
    return onnx


# Ops that may appear in an imported graph. The integer ones (Shape, Gather,
# ...) only on constants, i.e. in shape computations that are folded.
SUPPORTED_OPS = (
    "Add", "AveragePool", "BatchNormalization", "Cast", "Clip", "Concat",
    "Constant", "ConstantOfShape", "Conv", "Div", "Dropout", "Flatten", "Gather",
    "Gemm", "GlobalAveragePool", "Identity", "LogSoftmax", "MatMul", "MaxPool",
    "Mul", "Pad", "ReduceMean", "Relu", "Reshape", "Shape", "Slice", "Softmax", "Split", "Squeeze",
    "Sub", "Transpose", "Unsqueeze",
)


def load(path):
    """Reads and checks an ONNX file; returns the ModelProto."""
    onnx = _onnx()
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise OnnxImportError("cannot read %s: %s" % (path, err.strerror or err)) \
            from None
    model = onnx.ModelProto()
    try:
        model.ParseFromString(data)
    except Exception as err:  # google.protobuf.message.DecodeError
        raise OnnxImportError("%s is not an ONNX model (protobuf parse error: %s)"
                              % (path, err)) from None
    try:
        from onnx.external_data_helper import (load_external_data_for_model,
                                               uses_external_data)
        tensors = list(model.graph.initializer)
        if any(uses_external_data(t) for t in tensors):
            load_external_data_for_model(model, os.path.dirname(os.path.abspath(path)))
    except Exception as err:
        raise OnnxImportError("%s: cannot load the external tensor data: %s"
                              % (path, err)) from None
    _check(model, path)
    return model


def _check(model, what):
    onnx = _onnx()
    known = onnx.defs.onnx_opset_version()
    for imp in model.opset_import:
        if imp.domain in ("", "ai.onnx") and imp.version > known:
            raise OnnxImportError(
                "%s uses ONNX opset %d, but the installed onnx %s knows opsets up to "
                "%d; export with opset_version <= %d" % (
                    what, imp.version, onnx.__version__, known, known))
    try:
        onnx.checker.check_model(model)
    except Exception as err:
        msg = str(err).strip().splitlines()
        raise OnnxImportError("%s is not a valid ONNX model: %s" % (
            what, msg[0] if msg else type(err).__name__)) from None


# ----------------------------------------------------------------------------
# Names
# ----------------------------------------------------------------------------

def _sanitize(name):
    """An ONNX name as an mp.name / file-name friendly string:
    "/layer1/layer1.0/relu/Relu" -> "layer1.0.relu.Relu",
    "onnx::Conv_12" -> "onnx__Conv_12"."""
    parts = [p for p in name.strip().split("/") if p]
    # PyTorch scopes repeat the parent: "/layer1/layer1.0/conv1" -> layer1.0.conv1.
    parts = [p for i, p in enumerate(parts)
             if not (i + 1 < len(parts) and parts[i + 1].startswith(p + "."))]
    s = ".".join(parts)
    s = re.sub(r"[^0-9A-Za-z_.\-]", "_", s)
    return s.strip(".")


class _Pending:
    """An intermediate of the channel-shuffle pattern (a 5-D view)."""

    def __init__(self, stage, source, groups, node):
        self.stage = stage      # 1: after the 5-D Reshape, 2: after Transpose
        self.source = source    # the 4-D Value being shuffled
        self.groups = groups
        self.node = node        # the node that started the pattern


class ImportResult:
    """What `import_model` returns.

    builder   the `ir.Builder` (its `to_mlir()` is the module text)
    tensors   [(role, mp.name, numpy f32 array)] of the weight and bn_stat
              arguments, in argument order
    source    {mp.name: ONNX initializer name}
    input     the ONNX name of the graph input (mp.name "input")
    logits    the ONNX name of the tensor used as logits
    """

    def __init__(self, builder, tensors, source, input_name, logits):
        self.builder = builder
        self.tensors = tensors
        self.source = source
        self.input = input_name
        self.logits = logits

    def to_mlir(self):
        return self.builder.to_mlir()

    def num_parameters(self):
        return self.builder.num_parameters()

    def save_weights(self, directory):
        """Writes `<role>@<mp.name>.npy` per weight and BN statistic, with
        '%' and '/' in names written %25 and %2F (the naming rule of
        mp-train's checkpoints and the TOSA importer); returns the paths."""
        import numpy as np
        os.makedirs(directory, exist_ok=True)
        paths = []
        for role, name, value in self.tensors:
            stem = "%s@%s" % (role, name.replace("%", "%25").replace("/", "%2F"))
            path = os.path.join(directory, stem + ".npy")
            np.save(path, np.ascontiguousarray(value, dtype=np.float32))
            paths.append(path)
        return paths


def _fmt(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _round7(v):
    """A float32 attribute as the decimal it was written as (0.9f -> 0.9)."""
    return float("%.7g" % v)


# ----------------------------------------------------------------------------
# The importer
# ----------------------------------------------------------------------------

class _Importer:
    def __init__(self, model, batch, name, dropout, source_name):
        import numpy as np
        self.np = np
        self.onnx = _onnx()
        self.model = model
        self.graph = model.graph
        self.source_name = source_name
        if dropout not in ("train", "identity"):
            raise ValueError("dropout must be 'train' or 'identity', got %r" % (dropout,))
        self.dropout_mode = dropout
        self.opset = None
        for imp in model.opset_import:
            if imp.domain in ("", "ai.onnx"):
                self.opset = imp.version
        if self.opset is None:
            raise OnnxImportError("%s: the model imports no version of the default ONNX "
                                  "operator set" % source_name)
        try:
            self.b = Builder(name)
        except ValueError as err:
            raise OnnxImportError(str(err)) from None
        self.values = {}      # ONNX name -> ir.Value (activations)
        self.consts = {}      # ONNX name -> numpy array (initializers, folded)
        self.pending = {}     # ONNX name -> _Pending
        self.padded = {}      # ONNX name -> (Value, [top, left, bottom, right])
        self.slice_splits = {}  # (SSA name, axis, sizes) -> mp.split results
        self.params = {}      # ONNX name -> (Argument, role, transform tag)
        self.tensors = []     # (role, mp.name, array) in creation order
        self.source = {}      # mp.name -> ONNX name
        self.pnames = {"input", "label"}
        self.op_names = set()
        self.skip = set()     # node indices folded into an earlier node
        self.ignored_outputs = set()  # extra BN outputs (never used)
        self.requested_batch = batch
        for t in self.graph.initializer:
            try:
                self.consts[t.name] = self.onnx.numpy_helper.to_array(t)
            except Exception as err:
                raise OnnxImportError("initializer %r cannot be read: %s" % (t.name, err)) \
                    from None
        self.uses = {}
        for k, node in enumerate(self.graph.node):
            for i in node.input:
                if i:
                    self.uses.setdefault(i, []).append(k)
        self.graph_outputs = [o.name for o in self.graph.output]

    # -- diagnostics -------------------------------------------------------

    @staticmethod
    def _where(node, index):
        label = "node #%d" % index
        if node.name:
            label += " %r" % node.name
        return "%s (%s)" % (label, node.op_type)

    def _fail(self, msg):
        raise OnnxImportError("%s: %s" % (self.where, msg))

    # -- inputs of a node ----------------------------------------------------

    def _name(self, node, i):
        return node.input[i] if i < len(node.input) and node.input[i] else None

    def _known(self, name):
        return (name in self.values or name in self.consts or name in self.pending or
                name in self.padded)

    def _check_defined(self, node):
        for name in node.input:
            if name and not self._known(name):
                self._fail("input %r is not defined by the graph input, an initializer "
                           "or an earlier node" % name)

    def _is_const(self, node, i):
        n = self._name(node, i)
        return n is not None and n in self.consts

    def _act(self, node, i, what="input"):
        n = self._name(node, i)
        if n is None:
            self._fail("missing %s" % what)
        if n in self.pending:
            self._fail("%s %r is a 5-D intermediate of a channel shuffle; it may only be "
                       "used by the Transpose and Reshape of that pattern" % (what, n))
        if n in self.padded:
            self._fail("%s %r comes from a Pad, which is supported only when it feeds "
                       "Conv or AveragePool (the padding is folded into them)" % (what, n))
        if n not in self.values:
            self._fail("%s %r is a constant, but mp needs a computed tensor here" %
                       (what, n))
        return self.values[n]

    def _act_padded(self, node):
        """Input 0 of a Conv / AveragePool and the spatial padding of a Pad
        folded into it ([top, left, bottom, right])."""
        n = self._name(node, 0)
        if n in self.padded:
            return self.padded[n]
        return self._act(node, 0), [0, 0, 0, 0]

    def _const(self, node, i, what):
        n = self._name(node, i)
        if n is None:
            return None
        if n not in self.consts:
            self._fail("%s %r must be a constant (an initializer or computed from "
                       "constants); mp cannot use a computed tensor here" % (what, n))
        return self.consts[n]

    def _ints(self, node, i, what):
        v = self._const(node, i, what)
        return None if v is None else [int(e) for e in v.reshape(-1)]

    def _param(self, node, i, role, what, transform=None):
        """A constant operand that becomes a weight / bn_stat argument."""
        np = self.np
        n = self._name(node, i)
        if n is None:
            self._fail("missing %s" % what)
        if n not in self.consts:
            self._fail("%s %r must be an initializer: mp takes it as a %s argument, "
                       "computed %ss are not supported" % (what, n, role, what))
        tag = transform[0] if transform else None
        if n in self.params:
            arg, prole, ptag = self.params[n]
            if (prole, ptag) != (role, tag):
                self._fail("initializer %r is used both as a %s%s and as a %s%s; mp "
                           "needs one argument per parameter" % (
                               n, prole, " (%s)" % ptag if ptag else "", role,
                               " (%s)" % tag if tag else ""))
            return arg
        value = self.consts[n]
        if value.dtype.kind != "f":
            self._fail("%s %r has element type %s; parameters must be floating point"
                       % (what, n, value.dtype))
        value = value.astype(np.float32)
        if transform:
            value = transform[1](value)
        if value.size == 0:
            self._fail("%s %r is empty" % (what, n))
        base = _sanitize(n) or "param"
        pname, k = base, 0
        while pname in self.pnames:
            k += 1
            pname = "%s_%d" % (base, k)
        self.pnames.add(pname)
        arg = self.b.argument(pname, value.shape, role)
        self.params[n] = (arg, role, tag)
        self.tensors.append((role, pname, value))
        self.source[pname] = n
        return arg

    def _op_name(self, node, index, weight=None):
        """mp.name of the op for `node`: "<path>" of a "<path>.weight"
        parameter, else the sanitized node name, else the op type."""
        base = None
        if weight is not None and weight.pname.endswith(".weight"):
            base = weight.pname[:-len(".weight")]
        if not base:
            base = _sanitize(node.name)
        if not base:
            base = "%s_%d" % (node.op_type.lower(), index)
        name, k = base, 0
        while name in self.op_names:
            k += 1
            name = "%s_%d" % (base, k)
        self.op_names.add(name)
        return name

    # -- attributes ----------------------------------------------------------

    def _attrs(self, node, allowed):
        helper = self.onnx.helper
        out = {}
        for a in node.attribute:
            if a.name not in allowed:
                self._fail("attribute %r is not supported (supported: %s)" % (
                    a.name, ", ".join(sorted(allowed)) or "none"))
            v = helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode("utf-8", "replace")
            out[a.name] = v
        return out

    def _unused(self, node, i, why):
        if i < len(node.output) and node.output[i]:
            name = node.output[i]
            if self.uses.get(name):
                self._fail("output #%d (%r) is used by another node, but %s" %
                           (i, name, why))
            return name
        return None

    # -- the graph input -------------------------------------------------------

    def _graph_input(self):
        inits = {t.name for t in self.graph.initializer}
        inputs = [v for v in self.graph.input if v.name not in inits]
        if len(inputs) != 1:
            raise OnnxImportError(
                "%s: expected exactly one graph input (the image batch) besides the "
                "initializers, found %d%s" % (
                    self.source_name, len(inputs),
                    ": " + ", ".join(repr(v.name) for v in inputs) if inputs else ""))
        v = inputs[0]
        where = "%s: graph input %r" % (self.source_name, v.name)
        if not v.type.HasField("tensor_type"):
            raise OnnxImportError("%s is not a tensor" % where)
        tt = v.type.tensor_type
        if tt.elem_type != self.onnx.TensorProto.FLOAT:
            raise OnnxImportError("%s has element type %s; mp imports f32 inputs only" % (
                where, self.onnx.TensorProto.DataType.Name(tt.elem_type)))
        if not tt.HasField("shape"):
            raise OnnxImportError("%s has no shape" % where)
        dims = []
        for k, d in enumerate(tt.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            elif k == 0:
                dims.append(None)
            else:
                raise OnnxImportError(
                    "%s has a symbolic dimension %r at position %d; mp needs static "
                    "shapes (only the batch dimension may be symbolic)" % (
                        where, d.dim_param or "?", k))
        if len(dims) not in (2, 4):
            raise OnnxImportError("%s has rank %d; expected N x C x H x W or N x features"
                                  % (where, len(dims)))
        self.onnx_batch = dims[0]
        if self.requested_batch is not None:
            dims[0] = int(self.requested_batch)
        elif dims[0] is None:
            raise OnnxImportError("%s has a symbolic batch dimension %r; give the batch "
                                  "size (--batch N)" % (where,
                                                        tt.shape.dim[0].dim_param or "?"))
        self.batch = dims[0]
        try:
            self.values[v.name] = self.b.input(dims)
        except (ShapeError, ValueError) as err:
            raise OnnxImportError("%s: %s" % (where, err)) from None
        return v.name

    # -- the classifier output -------------------------------------------------

    def _logits(self):
        if not self.graph_outputs:
            raise OnnxImportError("%s: the graph has no outputs" % self.source_name)
        out = self.graph_outputs[0]
        producer = None
        for k, node in enumerate(self.graph.node):
            if out in node.output:
                producer = (k, node)
        if producer is not None:
            k, node = producer
            if node.op_type in ("Softmax", "LogSoftmax") and not self.uses.get(out) \
                    and len(node.input) == 1:
                self.skip.add(k)
                self.final_softmax = (k, node)
                return node.input[0]
        return out

    # -- main loop ---------------------------------------------------------------

    def run(self):
        self.final_softmax = None
        input_name = self._graph_input()
        logits_name = self._logits()
        for k, node in enumerate(self.graph.node):
            self.where = self._where(node, k)
            if k in self.skip:
                continue
            if node.domain not in ("", "ai.onnx"):
                self._fail("unsupported op %s::%s (only the default ONNX domain is "
                           "supported)" % (node.domain, node.op_type))
            handler = getattr(self, "_op_" + node.op_type, None)
            if handler is None:
                self._fail("unsupported op type %s (supported: %s)" % (
                    node.op_type, ", ".join(SUPPORTED_OPS)))
            self._check_defined(node)
            try:
                handler(node, k)
            except OnnxImportError:
                raise
            except (ShapeError, ValueError) as err:
                self._fail(str(err))
            except Exception as err:  # malformed attributes or constants
                self._fail("cannot import this node (%s: %s)" % (type(err).__name__, err))
        if self.final_softmax is not None:
            k, node = self.final_softmax
            self.where = self._where(node, k)
            axis = self._attrs(node, {"axis"}).get("axis", 1 if self.opset < 13 else -1)
            v = self.values.get(logits_name)
            if v is not None and v.rank == 2 and axis not in (1, -1):
                self._fail("softmax over axis %d of the N x classes logits; mp's loss "
                           "normalizes over the classes (axis 1)" % axis)
        self.where = "%s: output %r" % (self.source_name, logits_name)
        for k, out in enumerate(self.graph_outputs[1:], 1):
            if out not in self.ignored_outputs:
                raise OnnxImportError(
                    "%s: graph output #%d (%r) is not supported: only the first output "
                    "(the logits) is used; extra outputs may only be BatchNormalization "
                    "statistics" % (self.source_name, k, out))
        if logits_name in self.pending or logits_name not in self.values:
            self._fail("the classifier output must be a computed N x classes tensor")
        logits = self.values[logits_name]
        if logits.rank != 2 or logits.shape[0] != self.batch:
            self._fail("the classifier output must be N x classes with N = %d (the "
                       "batch), got shape %s" % (self.batch, _fmt(logits.shape)))
        try:
            self.b.cross_entropy(logits)
        except (ShapeError, ValueError) as err:
            self._fail(str(err))
        # Arguments are created in first-use order within each role; keep the
        # tensors list in the builder's argument order.
        order = {a.pname: i for i, a in enumerate(self.b.arguments)}
        self.tensors.sort(key=lambda t: order[t[1]])
        return ImportResult(self.b, self.tensors, self.source, input_name, logits_name)

    def _set(self, node, value, i=0):
        self.values[node.output[i]] = value

    def _set_const(self, node, value, i=0):
        self.consts[node.output[i]] = self.np.asarray(value)

    def _all_const(self, node):
        return all(n in self.consts for n in node.input if n)

    # -- padding -----------------------------------------------------------------

    def _pads(self, attrs, in_hw, kernel, stride, dilation, what, ceil_mode=0,
              extra=(0, 0, 0, 0)):
        """Symmetric (pad_h, pad_w) equivalent to the ONNX padding (plus the
        zero padding `extra` of a folded Pad), or fail."""
        auto = attrs.get("auto_pad", "NOTSET")
        if any(extra) and auto not in ("NOTSET", ""):
            self._fail("a Pad folded into a node with auto_pad=%s is not supported" % auto)
        if auto in ("NOTSET", ""):
            pads = [int(p) for p in attrs.get("pads", [0, 0, 0, 0])]
            if len(pads) != 4:
                self._fail("pads must have 4 values (top, left, bottom, right), got %s"
                           % _fmt(pads))
            pads = [p + e for p, e in zip(pads, extra)]
        elif auto == "VALID":
            pads = [0, 0, 0, 0]
        elif auto in ("SAME_UPPER", "SAME_LOWER"):
            pads = [0, 0, 0, 0]
            for d in range(2):
                span = dilation[d] * (kernel[d] - 1) + 1
                out = -(-in_hw[d] // stride[d])
                total = max(0, (out - 1) * stride[d] + span - in_hw[d])
                small, big = total // 2, total - total // 2
                pads[d], pads[d + 2] = (small, big) if auto == "SAME_UPPER" else (big, small)
        else:
            self._fail("auto_pad %r is not supported" % auto)
        if min(pads) < 0:
            self._fail("negative pads %s are not supported" % _fmt(pads))
        result = []
        for d in range(2):
            span = dilation[d] * (kernel[d] - 1) + 1
            begin, end = pads[d], pads[d + 2]
            full = in_hw[d] + begin + end - span
            if full < 0:
                self._fail("kernel %s does not fit the padded input" % _fmt(kernel))
            onnx_out = full // stride[d] + 1
            if ceil_mode and -(-full // stride[d]) + 1 != onnx_out:
                self._fail("ceil_mode=1 gives a larger output than rounding down here "
                           "(input %s, kernel %s, stride %s, pads %s); mp pools round "
                           "down" % (_fmt(in_hw), _fmt(kernel), _fmt(stride), _fmt(pads)))
            if begin != end:
                # The window positions depend only on the leading padding; with
                # the same number of windows, padding `begin` on both sides
                # computes exactly the same values.
                mp_full = in_hw[d] + 2 * begin - span
                if mp_full < 0 or mp_full // stride[d] + 1 != onnx_out:
                    self._fail(
                        "asymmetric padding %s (top, left, bottom, right) cannot be "
                        "expressed: %s pads both sides of each spatial dimension "
                        "equally" % (_fmt(pads), what))
            result.append(begin)
        return tuple(result)

    @staticmethod
    def _pair_attr(attrs, key, default):
        v = attrs.get(key)
        if v is None:
            return default
        return tuple(int(e) for e in v)

    def _need_pair(self, v, what):
        if len(v) != 2:
            self._fail("%s must have 2 values (2-D only), got %s" % (what, _fmt(v)))
        return tuple(v)

    # -- ops -----------------------------------------------------------------------

    def _op_Conv(self, node, k):
        a = self._attrs(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads",
                               "strides"})
        x, extra = self._act_padded(node)
        if x.rank != 4:
            self._fail("only 2-D convolutions on N x C x H x W tensors are supported, "
                       "the input has shape %s" % _fmt(x.shape))
        w = self._param(node, 1, "weight", "weight")
        if w.rank != 4:
            self._fail("only 2-D convolutions are supported, the weight has shape %s"
                       % _fmt(w.shape))
        ks = self._pair_attr(a, "kernel_shape", w.shape[2:])
        if tuple(ks) != tuple(w.shape[2:]):
            self._fail("kernel_shape %s differs from the weight's %s" % (
                _fmt(ks), _fmt(w.shape[2:])))
        stride = self._need_pair(self._pair_attr(a, "strides", (1, 1)), "strides")
        dil = self._need_pair(self._pair_attr(a, "dilations", (1, 1)), "dilations")
        pad = self._pads(a, x.shape[2:], w.shape[2:], stride, dil, "mp.conv2d",
                         extra=extra)
        bias = None
        if self._name(node, 2) is not None:
            bias = self._param(node, 2, "weight", "bias")
        y = self.b.conv2d(x, w, bias, stride=stride, padding=pad, dilation=dil,
                          groups=int(a.get("group", 1)), name=self._op_name(node, k, w))
        self._set(node, y)

    def _op_BatchNormalization(self, node, k):
        a = self._attrs(node, {"epsilon", "momentum", "spatial", "training_mode",
                               "is_test", "consumed_inputs"})
        if int(a.get("spatial", 1)) != 1:
            self._fail("spatial=0 (per-element statistics) is not supported")
        x = self._act(node, 0)
        if x.rank not in (2, 4):
            self._fail("input must be N x C or N x C x H x W, got shape %s"
                       % _fmt(x.shape))
        gamma = self._param(node, 1, "weight", "scale")
        beta = self._param(node, 2, "weight", "bias")
        mean = self._param(node, 3, "bn_stat", "mean")
        var = self._param(node, 4, "bn_stat", "var")
        for i in range(1, len(node.output)):
            out = self._unused(node, i, "mp.batch_norm returns the new running "
                                        "statistics only as function results")
            if out:
                self.ignored_outputs.add(out)
        eps = _round7(a.get("epsilon", 1e-5))
        momentum = _round7(1.0 - _round7(a.get("momentum", 0.9)))
        y, _, _ = self.b.batch_norm(x, gamma, beta, mean, var, eps=eps,
                                    momentum=momentum, name=self._op_name(node, k, gamma))
        self._set(node, y)

    def _op_Pad(self, node, k):
        a = self._attrs(node, {"mode", "pads", "value"})
        if a.get("mode", "constant") != "constant":
            self._fail("mode %r is not supported (only constant zero padding folded into "
                       "a Conv or AveragePool)" % a["mode"])
        if self.opset < 11:
            pads, value = [int(p) for p in a.get("pads", [])], float(a.get("value", 0.0))
        else:
            pads = self._ints(node, 1, "pads")
            if pads is None:
                self._fail("missing pads")
            v = self._const(node, 2, "constant_value")
            value = 0.0 if v is None or v.size == 0 else float(v.reshape(-1)[0])
            if self._name(node, 3) is not None:
                self._fail("the axes input is not supported")
        x = self._act(node, 0)
        if len(pads) != 2 * x.rank:
            self._fail("expected %d pads for a rank-%d input, got %s" % (
                2 * x.rank, x.rank, _fmt(pads)))
        if not any(pads):
            self.values[node.output[0]] = x
            return
        r = x.rank
        if r != 4 or value != 0.0 or pads[0] or pads[1] or pads[r] or pads[r + 1] or \
                min(pads) < 0:
            self._fail("only non-negative zero padding of H and W of an N x C x H x W "
                       "tensor is supported (got pads %s, value %g)" % (_fmt(pads), value))
        users = [self.graph.node[j].op_type for j in self.uses.get(node.output[0], [])]
        if not users or any(u not in ("Conv", "AveragePool") for u in users) or \
                node.output[0] in self.graph_outputs:
            self._fail("a Pad is supported only when every user is a Conv or AveragePool "
                       "(the padding is folded into them), its users are: %s" % (
                           ", ".join(users) or "none"))
        self.padded[node.output[0]] = (x, [pads[2], pads[3], pads[6], pads[7]])

    def _op_Relu(self, node, k):
        self._attrs(node, set())
        self._set(node, self.b.relu(self._act(node, 0), name=self._op_name(node, k)))

    def _op_Clip(self, node, k):
        a = self._attrs(node, {"min", "max"})
        if self.opset < 11:
            lo, hi = a.get("min"), a.get("max")
        else:
            lo = self._const(node, 1, "min")
            hi = self._const(node, 2, "max")
            lo = None if lo is None else float(lo.reshape(-1)[0])
            hi = None if hi is None else float(hi.reshape(-1)[0])
        x = self._act(node, 0)
        if lo == 0.0 and hi == 6.0:
            self._set(node, self.b.relu6(x, name=self._op_name(node, k)))
        elif lo == 0.0 and (hi is None or hi == math.inf or hi >= 3.0e38):
            self._set(node, self.b.relu(x, name=self._op_name(node, k)))
        else:
            self._fail("Clip(min=%s, max=%s) is not supported: only Clip(0, 6) (relu6) "
                       "and Clip(0, inf) (relu)" % (lo, hi))

    def _elementwise(self, node, k, op, fold):
        self._attrs(node, set())
        if self._all_const(node):
            a, b = self._const(node, 0, "A"), self._const(node, 1, "B")
            self._set_const(node, fold(a, b))
            return
        if op is None:
            self._fail("%s is supported on constant (shape) values only" % node.op_type)
        if self._is_const(node, 0) or self._is_const(node, 1):
            self._fail("%s with a constant operand is not supported (a constant bias is "
                       "supported only right after MatMul)" % node.op_type)
        x, y = self._act(node, 0, "A"), self._act(node, 1, "B")
        if x.shape != y.shape:
            self._fail("broadcasting %s %s by %s is not supported; mp.%s needs equal "
                       "shapes" % (node.op_type, _fmt(x.shape), _fmt(y.shape), op))
        self._set(node, getattr(self.b, op)(x, y, name=self._op_name(node, k)))

    def _op_Add(self, node, k):
        self._elementwise(node, k, "add", lambda a, b: a + b)

    def _op_Mul(self, node, k):
        self._elementwise(node, k, "mul", lambda a, b: a * b)

    def _op_Sub(self, node, k):
        self._elementwise(node, k, None, lambda a, b: a - b)

    def _op_Div(self, node, k):
        np = self.np

        def div(a, b):
            if a.dtype.kind in "iu" and b.dtype.kind in "iu":
                return np.trunc(a / b).astype(np.result_type(a, b))
            return a / b
        self._elementwise(node, k, None, div)

    def _pool_common(self, node, k, extra):
        a = self._attrs(node, {"auto_pad", "ceil_mode", "kernel_shape", "pads",
                               "strides", "dilations"} | extra)
        if node.op_type == "AveragePool":
            x, extra = self._act_padded(node)
        else:
            x, extra = self._act(node, 0), (0, 0, 0, 0)
        if x.rank != 4:
            self._fail("only 2-D pooling on N x C x H x W tensors is supported, the input "
                       "has shape %s" % _fmt(x.shape))
        if "kernel_shape" not in a:
            self._fail("missing kernel_shape")
        kernel = self._need_pair(tuple(int(e) for e in a["kernel_shape"]), "kernel_shape")
        stride = self._need_pair(self._pair_attr(a, "strides", (1, 1)), "strides")
        dil = self._need_pair(self._pair_attr(a, "dilations", (1, 1)), "dilations")
        if dil != (1, 1):
            self._fail("dilated pooling (dilations %s) is not supported" % _fmt(dil))
        pad = self._pads(a, x.shape[2:], kernel, stride, dil, "mp." + (
            "max_pool2d" if node.op_type == "MaxPool" else "avg_pool2d"),
            int(a.get("ceil_mode", 0)), extra)
        return a, x, kernel, stride, pad, any(extra)

    def _op_MaxPool(self, node, k):
        a, x, kernel, stride, pad, _ = self._pool_common(node, k, {"storage_order"})
        self._unused(node, 1, "mp.max_pool2d has no indices output")
        self._set(node, self.b.max_pool2d(x, kernel, stride, pad,
                                          name=self._op_name(node, k)))

    def _op_AveragePool(self, node, k):
        a, x, kernel, stride, pad, folded = self._pool_common(node, k,
                                                              {"count_include_pad"})
        own = [int(p) for p in a.get("pads", [0, 0, 0, 0])]
        if int(a.get("count_include_pad", 0)) == 0 and (any(own) or (
                any(pad) and not folded)):
            self._fail("count_include_pad=0 with padding %s is not supported: "
                       "mp.avg_pool2d counts the zero padding in the divisor "
                       "(count_include_pad=1, PyTorch's default)" % _fmt(pad))
        self._set(node, self.b.avg_pool2d(x, kernel, stride, pad,
                                          name=self._op_name(node, k)))

    def _op_GlobalAveragePool(self, node, k):
        self._attrs(node, set())
        x = self._act(node, 0)
        if x.rank != 4:
            self._fail("only N x C x H x W inputs are supported, got shape %s"
                       % _fmt(x.shape))
        self._set(node, self.b.global_avg_pool(x, keepdims=True,
                                               name=self._op_name(node, k)))

    def _linear(self, node, k, x, w, bias, out):
        y = self.b.linear(x, w, bias, name=self._op_name(node, k, w))
        self.values[out] = y

    def _op_Gemm(self, node, k):
        a = self._attrs(node, {"alpha", "beta", "transA", "transB", "broadcast"})
        if int(a.get("transA", 0)):
            self._fail("transA=1 is not supported (the input must be N x features)")
        if _round7(a.get("alpha", 1.0)) != 1.0:
            self._fail("alpha=%g is not supported (only 1)" % a["alpha"])
        x = self._act(node, 0, "A")
        if x.rank != 2:
            self._fail("input A must be N x features, got shape %s" % _fmt(x.shape))
        if int(a.get("transB", 0)):
            w = self._param(node, 1, "weight", "weight")
        else:
            w = self._param(node, 1, "weight", "weight",
                            ("transposed", lambda v: v.T.copy()))
        if w.rank != 2:
            self._fail("weight B must be 2-D, got shape %s" % _fmt(w.shape))
        bias = None
        if self._name(node, 2) is not None:
            if _round7(a.get("beta", 1.0)) != 1.0:
                self._fail("beta=%g is not supported (only 1)" % a["beta"])
            c = self._const(node, 2, "bias C")
            if c.size != w.shape[0] or c.ndim > 2 or (c.ndim == 2 and c.shape[0] != 1):
                self._fail("bias C must have shape [%d] or [1, %d], got %s" % (
                    w.shape[0], w.shape[0], _fmt(c.shape)))
            bias = self._param(node, 2, "weight", "bias",
                               ("flattened", lambda v: v.reshape(-1)) if c.ndim != 1
                               else None)
        self._linear(node, k, x, w, bias, node.output[0])

    def _op_MatMul(self, node, k):
        self._attrs(node, set())
        if self._all_const(node):
            self._set_const(node, self.np.matmul(self._const(node, 0, "A"),
                                                 self._const(node, 1, "B")))
            return
        x = self._act(node, 0, "A")
        if x.rank != 2:
            self._fail("only N x K by K x M products are supported, A has shape %s"
                       % _fmt(x.shape))
        if not self._is_const(node, 1):
            self._fail("B must be a constant weight (an initializer)")
        w = self._param(node, 1, "weight", "weight",
                        ("transposed", lambda v: v.T.copy()))
        if w.rank != 2:
            self._fail("B must be 2-D, got shape %s" % _fmt(w.shape))
        out, bias = node.output[0], None
        users = self.uses.get(out, [])
        if len(users) == 1 and out not in self.graph_outputs:
            j = users[0]
            add = self.graph.node[j]
            if add.op_type == "Add" and len(add.input) == 2 and not add.attribute:
                other = 1 if add.input[0] == out else 0
                c = self.consts.get(add.input[other])
                if c is not None and add.input[1 - other] == out and c.size == w.shape[0] \
                        and c.shape[-1:] == (w.shape[0],) and c.ndim <= 2:
                    self.where = self._where(add, j)
                    bias = self._param(add, other, "weight", "bias",
                                       ("flattened", lambda v: v.reshape(-1))
                                       if c.ndim != 1 else None)
                    self.where = self._where(node, k)
                    self.skip.add(j)
                    out = add.output[0]
        self._linear(node, k, x, w, bias, out)

    def _reshape_value(self, node, k, x, shape):
        """Reshape an activation, recognizing the channel-shuffle pattern."""
        if len(shape) == 5 and x.rank == 4 and shape[0] == x.shape[0] and \
                shape[3:] == list(x.shape[2:]) and shape[1] * shape[2] == x.shape[1]:
            self.pending[node.output[0]] = _Pending(1, x, shape[1], node)
            return
        if len(shape) > 4:
            self._fail("reshaping to rank %d (%s) is supported only as the first step of "
                       "a channel shuffle (N, g, C/g, H, W)" % (len(shape), _fmt(shape)))
        self._set(node, self.b.reshape(x, shape, name=self._op_name(node, k)))

    def _target_shape(self, node, src_shape, shape, allowzero):
        shape = list(shape)
        for d, v in enumerate(shape):
            if v == 0 and not allowzero:
                if d >= len(src_shape):
                    self._fail("shape %s copies dimension %d of a rank-%d input" % (
                        _fmt(shape), d, len(src_shape)))
                shape[d] = src_shape[d]
        if shape.count(-1) > 1:
            self._fail("shape %s has more than one -1" % _fmt(shape))
        if -1 in shape:
            rest = num_elements(v for v in shape if v != -1)
            total = num_elements(src_shape)
            if rest <= 0 or total % rest:
                self._fail("cannot reshape %s to %s" % (_fmt(src_shape), _fmt(shape)))
            shape[shape.index(-1)] = total // rest
        return shape

    def _op_Reshape(self, node, k):
        a = self._attrs(node, {"allowzero", "shape"})
        if self.opset < 5:
            target = [int(v) for v in a.get("shape", [])]
        else:
            target = self._ints(node, 1, "shape")
            if target is None:
                self._fail("missing shape")
        allowzero = int(a.get("allowzero", 0))
        name = self._name(node, 0)
        if name in self.consts:
            src = self.consts[name]
            self._set_const(node, src.reshape(self._target_shape(node, src.shape, target,
                                                                  allowzero)))
            return
        if name in self.pending:
            p = self.pending[name]
            x = p.source
            shape = self._target_shape(node, (x.shape[0], p.groups, x.shape[1] // p.groups)
                                       + x.shape[2:], self._fix_batch(target, x), allowzero)
            if p.stage != 2 or shape != list(x.shape):
                self._fail("this Reshape of the 5-D channel-shuffle intermediate %r is not "
                           "the pattern Reshape(N, g, C/g, H, W) -> Transpose(0, 2, 1, 3, "
                           "4) -> Reshape(N, C, H, W)" % name)
            self._set(node, self.b.channel_shuffle(x, p.groups,
                                                   name=self._op_name(node, k)))
            return
        x = self._act(node, 0)
        shape = self._target_shape(node, x.shape, self._fix_batch(target, x), allowzero)
        self._reshape_value(node, k, x, shape)

    def _fix_batch(self, target, x):
        """A literal batch size leading a Reshape target of a batch-major
        tensor follows --batch (exported (2, -1) becomes (N, -1))."""
        target = list(target)
        if self.onnx_batch is not None and self.batch != self.onnx_batch and target \
                and x.shape[0] == self.batch and target[0] == self.onnx_batch:
            target[0] = self.batch
        return target

    def _op_Flatten(self, node, k):
        a = self._attrs(node, {"axis"})
        name = self._name(node, 0)
        src = self.consts[name].shape if name in self.consts else self._act(node, 0).shape
        axis = int(a.get("axis", 1))
        if axis < 0:
            axis += len(src)
        if not 0 <= axis <= len(src):
            self._fail("axis %d is out of range for rank %d" % (axis, len(src)))
        shape = [num_elements(src[:axis]), num_elements(src[axis:])]
        self._set_reshaped(node, k, name, shape)

    def _axes(self, node, a, rank, what):
        if self.opset >= 13:
            axes = self._ints(node, 1, "axes")
        else:
            axes = a.get("axes")
            axes = None if axes is None else [int(v) for v in axes]
        if axes is None:
            return None
        out = []
        for v in axes:
            v = v + rank if v < 0 else v
            if not 0 <= v < rank:
                self._fail("%s axis %d is out of range for rank %d" % (what, v, rank))
            out.append(v)
        return sorted(out)

    def _op_Squeeze(self, node, k):
        a = self._attrs(node, {"axes"})
        name = self._name(node, 0)
        src = self.consts[name].shape if name in self.consts else self._act(node, 0).shape
        axes = self._axes(node, a, len(src), "squeeze")
        if axes is None:
            axes = [d for d, v in enumerate(src) if v == 1]
        if any(src[d] != 1 for d in axes):
            self._fail("cannot squeeze dimensions %s of shape %s" % (_fmt(axes), _fmt(src)))
        shape = [v for d, v in enumerate(src) if d not in axes]
        self._set_reshaped(node, k, name, shape)

    def _set_reshaped(self, node, k, name, shape):
        """Output of `node`: input `name` (constant or activation) reshaped."""
        if name in self.consts:
            self._set_const(node, self.consts[name].reshape(shape))
        else:
            self._set(node, self.b.reshape(self.values[name], shape,
                                           name=self._op_name(node, k)))

    def _op_Unsqueeze(self, node, k):
        a = self._attrs(node, {"axes"})
        name = self._name(node, 0)
        src = self.consts[name].shape if name in self.consts else self._act(node, 0).shape
        nout = len(src) + len(a.get("axes", [])) if self.opset < 13 else \
            len(src) + len(self._ints(node, 1, "axes") or [])
        axes = self._axes(node, a, nout, "unsqueeze")
        if axes is None:
            self._fail("missing axes")
        shape, it = [], iter(src)
        for d in range(nout):
            shape.append(1 if d in axes else next(it))
        self._set_reshaped(node, k, name, shape)

    def _op_Transpose(self, node, k):
        a = self._attrs(node, {"perm"})
        name = self._name(node, 0)
        perm = [int(v) for v in a["perm"]] if "perm" in a else None
        if name in self.consts:
            self._set_const(node, self.np.transpose(self.consts[name], perm))
            return
        p = self.pending.get(name)
        if p is not None and p.stage == 1 and perm == [0, 2, 1, 3, 4]:
            self.pending[node.output[0]] = _Pending(2, p.source, p.groups, node)
            return
        self._fail("Transpose is supported only on constants and inside the channel "
                   "shuffle Reshape(N, g, C/g, H, W) -> Transpose(0, 2, 1, 3, 4) -> "
                   "Reshape(N, C, H, W)")

    def _op_Concat(self, node, k):
        a = self._attrs(node, {"axis"})
        if "axis" not in a:
            self._fail("missing axis")
        axis = int(a["axis"])
        if self._all_const(node):
            self._set_const(node, self.np.concatenate(
                [self.consts[n] for n in node.input if n], axis=axis))
            return
        xs = [self._act(node, i, "input #%d" % i) for i in range(len(node.input))]
        if axis < 0:
            axis += xs[0].rank
        self._set(node, self.b.concat(xs, axis=axis, name=self._op_name(node, k)))

    def _op_Split(self, node, k):
        a = self._attrs(node, {"axis", "split", "num_outputs"})
        x = self._act(node, 0)
        axis = int(a.get("axis", 0))
        if axis < 0:
            axis += x.rank
        if self.opset < 13:
            sizes = [int(v) for v in a["split"]] if "split" in a else None
        else:
            sizes = self._ints(node, 1, "split")
        n = len(node.output)
        if sizes is None:
            sizes = n
        elif len(sizes) != n:
            self._fail("%d split sizes for %d outputs" % (len(sizes), n))
        outs = self.b.split(x, sizes, axis=axis, name=self._op_name(node, k))
        for i, v in enumerate(outs):
            if node.output[i]:
                self.values[node.output[i]] = v

    def _op_Dropout(self, node, k):
        a = self._attrs(node, {"ratio", "seed", "is_test"})
        x = self._act(node, 0)
        self._unused(node, 1, "mp.dropout has no mask output")
        if self.opset >= 12:
            r = self._const(node, 1, "ratio")
            ratio = 0.5 if r is None else float(r.reshape(-1)[0])
        else:
            ratio = float(a.get("ratio", 0.5))
        ratio = _round7(ratio)
        if ratio == 0.0 or self.dropout_mode == "identity":
            self.values[node.output[0]] = x
            return
        name = self._op_name(node, k)
        base = pname = name + ".seed"
        k = 0
        while pname in self.pnames:
            k += 1
            pname = "%s_%d" % (base, k)
        self.pnames.add(pname)
        self._set(node, self.b.dropout(x, ratio, seed=self.b.seed(pname), name=name))

    def _op_Identity(self, node, k):
        self._attrs(node, set())
        name = self._name(node, 0)
        if name in self.consts:
            self._set_const(node, self.consts[name])
        elif name in self.pending:
            self.pending[node.output[0]] = self.pending[name]
        else:
            self.values[node.output[0]] = self._act(node, 0)

    def _op_Softmax(self, node, k):
        self._fail("%s is supported only as the graph's final op (it is replaced by "
                   "the loss: log_softmax + nll_loss)" % node.op_type)

    _op_LogSoftmax = _op_Softmax

    # -- constants and folded shape arithmetic -----------------------------------

    def _op_Constant(self, node, k):
        a = self._attrs(node, {"value", "value_float", "value_floats", "value_int",
                               "value_ints", "sparse_value", "value_string",
                               "value_strings"})
        np = self.np
        if "value" in a:
            v = self.onnx.numpy_helper.to_array(a["value"])
        elif "value_float" in a:
            v = np.array(a["value_float"], np.float32)
        elif "value_floats" in a:
            v = np.array(a["value_floats"], np.float32)
        elif "value_int" in a:
            v = np.array(a["value_int"], np.int64)
        elif "value_ints" in a:
            v = np.array(a["value_ints"], np.int64)
        else:
            self._fail("only dense numeric constants are supported")
        self._set_const(node, v)

    def _op_ConstantOfShape(self, node, k):
        a = self._attrs(node, {"value"})
        np = self.np
        shape = self._ints(node, 0, "shape")
        v = self.onnx.numpy_helper.to_array(a["value"]) if "value" in a else \
            np.zeros(1, np.float32)
        self._set_const(node, np.full(shape, v.reshape(-1)[0], dtype=v.dtype))

    def _op_Shape(self, node, k):
        a = self._attrs(node, {"start", "end"})
        name = self._name(node, 0)
        if name in self.consts:
            shape = list(self.consts[name].shape)
        elif name in self.pending:
            p = self.pending[name]
            shape = [p.source.shape[0], p.groups, p.source.shape[1] // p.groups] + \
                list(p.source.shape[2:])
            if p.stage == 2:
                shape[1], shape[2] = shape[2], shape[1]
        else:
            shape = list(self._act(node, 0).shape)
        start, end = a.get("start", 0), a.get("end")
        self._set_const(node, self.np.array(shape[start:end], self.np.int64))

    def _fold_only(self, node, what):
        if not self._all_const(node):
            self._fail("%s is supported on constant (shape) values only" % what)

    def _op_Gather(self, node, k):
        a = self._attrs(node, {"axis"})
        self._fold_only(node, "Gather")
        self._set_const(node, self.np.take(self._const(node, 0, "data"),
                                           self._const(node, 1, "indices"),
                                           axis=int(a.get("axis", 0))))

    def _op_Cast(self, node, k):
        a = self._attrs(node, {"to", "saturate"})
        to = int(a.get("to", 0))
        name = self._name(node, 0)
        if name in self.consts:
            from onnx import mapping
            if to not in mapping.TENSOR_TYPE_TO_NP_TYPE:
                self._fail("cast to type %d is not supported" % to)
            self._set_const(node, self.consts[name].astype(
                mapping.TENSOR_TYPE_TO_NP_TYPE[to]))
        elif to == self.onnx.TensorProto.FLOAT:
            self.values[node.output[0]] = self._act(node, 0)
        else:
            self._fail("casting a computed f32 tensor to %s is not supported" %
                       self.onnx.TensorProto.DataType.Name(to))

    def _slice_params(self, node, a):
        """Slice's (starts, ends, axes, steps): attributes before opset 10,
        constant inputs since; axes default to 0.., steps to 1."""
        if self.opset < 10:
            starts, ends = a.get("starts", []), a.get("ends", [])
            axes, steps = a.get("axes"), None
        else:
            starts = self._ints(node, 1, "starts")
            ends = self._ints(node, 2, "ends")
            axes = self._ints(node, 3, "axes")
            steps = self._ints(node, 4, "steps")
        axes = list(range(len(starts))) if axes is None else list(axes)
        steps = [1] * len(starts) if steps is None else list(steps)
        return starts, ends, axes, steps

    def _op_Slice(self, node, k):
        a = self._attrs(node, {"starts", "ends", "axes"})
        if not self._all_const(node):
            self._slice_value(node, k, a)
            return
        data = self._const(node, 0, "data")
        starts, ends, axes, steps = self._slice_params(node, a)
        index = [slice(None)] * data.ndim
        for s, e, ax, st in zip(starts, ends, axes, steps):
            index[ax] = slice(int(s), int(e), int(st))
        self._set_const(node, data[tuple(index)])

    def _slice_value(self, node, k, a):
        """A Slice of a computed tensor along one axis with step 1 (e.g.
        PyTorch's `chunk`): mp.split into (before, slice, after), keeping the
        slice."""
        x = self._act(node, 0, "data")
        starts, ends, axes, steps = self._slice_params(node, a)
        if len(starts) != 1 or len(ends) != 1 or len(axes) != 1 or steps != [1]:
            self._fail("a Slice of a computed tensor is supported along one axis with step "
                       "1 only (got starts %s, ends %s, axes %s, steps %s)" % (
                           _fmt(starts), _fmt(ends), _fmt(axes), _fmt(steps)))
        axis = axes[0] + x.rank if axes[0] < 0 else axes[0]
        if not 0 <= axis < x.rank:
            self._fail("axis %d is out of range for rank %d" % (axes[0], x.rank))
        begin, end, _ = slice(starts[0], ends[0]).indices(x.shape[axis])
        if end <= begin:
            self._fail("the slice [%d:%d] of axis %d is empty" % (starts[0], ends[0], axis))
        if (begin, end) == (0, x.shape[axis]):
            self.values[node.output[0]] = x
            return
        sizes = [n for n in (begin, end - begin, x.shape[axis] - end) if n]
        # Slices that cut a tensor at the same places (chunk's pieces) share
        # one mp.split.
        key = (x.name, axis, tuple(sizes))
        outs = self.slice_splits.get(key)
        if outs is None:
            outs = self.b.split(x, sizes, axis=axis, name=self._op_name(node, k))
            self.slice_splits[key] = outs
        self.values[node.output[0]] = outs[1 if begin else 0]

    def _op_ReduceMean(self, node, k):
        a = self._attrs(node, {"axes", "keepdims", "noop_with_empty_axes"})
        x = self._act(node, 0)
        axes = a.get("axes")
        if self.opset >= 18:
            axes = self._ints(node, 1, "axes")
        axes = sorted(v + x.rank if v < 0 else v for v in (axes or []))
        if x.rank != 4 or axes != [2, 3]:
            self._fail("ReduceMean is supported over the spatial axes [2, 3] of an N x C x "
                       "H x W tensor only (a global average pool), got axes %s of shape %s"
                       % (_fmt(axes), _fmt(x.shape)))
        self._set(node, self.b.global_avg_pool(x, keepdims=bool(a.get("keepdims", 1)),
                                               name=self._op_name(node, k)))


def import_model(model, batch=None, name="forward", dropout="train",
                 source_name="<model>"):
    """Imports an onnx.ModelProto (checked first); returns an ImportResult.

    batch     overrides the batch size (needed when the input's batch
              dimension is symbolic)
    name      the function name
    dropout   "train": Dropout -> mp.dropout with a seed argument;
              "identity": Dropout is dropped
    """
    _check(model, source_name)
    imp = _Importer(model, batch, name, dropout, source_name)
    result = imp.run()
    b = result.builder
    producer = model.producer_name or "unknown producer"
    if model.producer_version:
        producer += " " + model.producer_version
    b.comments.append("%s: ONNX opset %d, %s; %d parameters in %d tensors, %d BN "
                      "statistics." % (b.name, imp.opset, producer, b.num_parameters(),
                                       len(b.weights), len(b.bn_stats)))
    return result


def import_file(path, batch=None, name="forward", dropout="train"):
    """`load` + `import_model`; every error message starts with `path`."""
    try:
        return import_model(load(path), batch=batch, name=name, dropout=dropout,
                            source_name=path)
    except OnnxImportError as err:
        if path in str(err):
            raise
        raise OnnxImportError("%s: %s" % (path, err)) from None
