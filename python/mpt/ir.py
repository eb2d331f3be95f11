"""A small emitter for mp-dialect forward graphs (model + loss).

`Builder` assembles one `func.func` in the textual form that `mp-opt` parses.
It tracks SSA names, shapes and the role-tagged function arguments, computes
every result shape with the same rules as the dialect's verifiers
(lib/Dialect/MP/IR/MPOps.cpp) and raises `ShapeError` with a readable
message as soon as a shape does not fit, so a bad model never reaches
`mp-opt`.

Forward function convention (mp-build-training-step and the runners rely on
it)::

    func.func @<name>(
        %x: tensor<NxCxHxWxf32>   {mp.name = "input", mp.role = #mp.role<input>},
        %label: tensor<Nxi32>     {mp.name = "label", mp.role = #mp.role<label>},
        <parameters, forward-execution order, role weight, PyTorch names>,
        <BN running statistics, same order, role bn_stat>,
        <dropout seeds, if any, role seed>)
        -> (tensor<f32> {mp.name = "loss", mp.role = #mp.role<loss>},
            <new running statistics, same order as the bn_stat arguments,
             role bn_stat, same mp.name as the argument>)

The loss is `mp.nll_loss(mp.log_softmax(logits), label)`. Every forward op
carries `{mp.name = "<module path>"}` (e.g. "layer1.0.conv1").

Two levels of API:

* one method per mp op taking `Value`s (`conv2d`, `linear`, `batch_norm`,
  `relu`, ...), which mirrors the op exactly;
* layer helpers that also create the parameters (`conv`, `fc`, `bn`) the way
  the PyTorch modules `nn.Conv2d`, `nn.Linear`, `nn.BatchNorm2d` would.
"""

import re

__all__ = [
    "ShapeError", "Value", "Builder", "tensor_type", "format_float",
    "parse_signature", "num_elements",
]


class ShapeError(ValueError):
    """A shape or attribute that the mp verifier would reject."""


# ----------------------------------------------------------------------------
# Types and values
# ----------------------------------------------------------------------------

_DTYPES = ("f32", "i32", "i64", "i1")


def tensor_type(shape, dtype="f32"):
    """MLIR spelling of a ranked tensor type: tensor<2x3xf32>, tensor<f32>."""
    dims = "".join("%dx" % d for d in shape)
    return "tensor<%s%s>" % (dims, dtype)


def num_elements(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def format_float(v):
    """A float literal MLIR accepts (it needs a '.' before any exponent)."""
    s = repr(float(v))
    if s in ("inf", "-inf", "nan"):
        raise ShapeError("cannot print non-finite attribute value %s" % s)
    mant, sep, exp = s.partition("e")
    if "." not in mant:
        mant += ".0"
    return mant + sep + exp


class Value:
    """An SSA value of the function being built: name, shape and dtype."""

    __slots__ = ("name", "shape", "dtype")

    def __init__(self, name, shape, dtype="f32"):
        self.name = name
        self.shape = tuple(shape)
        self.dtype = dtype

    @property
    def type(self):
        return tensor_type(self.shape, self.dtype)

    @property
    def rank(self):
        return len(self.shape)

    @property
    def numel(self):
        return num_elements(self.shape)

    def __repr__(self):
        return "Value(%%%s: %s)" % (self.name, self.type)


class Argument(Value):
    """A function argument with its role and mp.name."""

    __slots__ = ("role", "pname")

    def __init__(self, name, shape, dtype, role, pname):
        super().__init__(name, shape, dtype)
        self.role = role
        self.pname = pname


def _fmt(shape):
    return "[" + ", ".join(str(d) for d in shape) + "]"


def _pair(v, what):
    if isinstance(v, int):
        return (v, v)
    try:
        t = tuple(int(e) for e in v)
    except TypeError:
        raise ShapeError("%s must be an int or a pair of ints, got %r" % (what, v))
    if len(t) != 2:
        raise ShapeError("%s must be an int or a pair of ints, got %r" % (what, v))
    return t


def _quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


_SSA_OK = re.compile(r"[A-Za-z_$.\-][0-9A-Za-z_$.\-]*\Z")


def _ssa_base(hint):
    """Turns a hint into a valid MLIR suffix-id (letter or [_$.-] first)."""
    s = re.sub(r"[^0-9A-Za-z_$.\-]", "_", hint or "v")
    if not s or s[0].isdigit():
        s = "v" + s
    assert _SSA_OK.match(s)
    return s


# ----------------------------------------------------------------------------
# Builder
# ----------------------------------------------------------------------------

_ROLE_ORDER = ("input", "label", "weight", "bn_stat", "seed", "learning_rate",
               "loss_scale", "momentum", "flag")


def _named_errors(method):
    """Prefixes a ShapeError raised by an op method with the op's name."""
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except ShapeError as err:
            name = kwargs.get("name")
            if name and not getattr(err, "_named", False):
                err = ShapeError("%s: %s" % (name, err))
                err._named = True
                raise err from None
            raise
    wrapper.__name__ = method.__name__
    wrapper.__doc__ = method.__doc__
    return wrapper


class Builder:
    """Builds one forward function; `to_mlir()` returns the module text."""

    BN_EPS = 1e-5
    BN_MOMENTUM = 0.1

    def __init__(self, name="forward"):
        if not re.match(r"[A-Za-z_][0-9A-Za-z_$.\-]*\Z", name):
            raise ValueError("invalid function name %r" % name)
        self.name = name
        self._used = set()
        self._args = []          # every argument, in creation order
        self._pnames = set()     # mp.name of every argument
        self._ops = []           # printed op lines
        self._op_names = set()   # mp.name of every op
        self._stat_updates = {}  # bn_stat argument name -> new value
        self._loss = None
        self.comments = []       # '//' lines printed above the module

    # -- names -------------------------------------------------------------

    def _fresh(self, hint):
        base = _ssa_base(hint)
        name, i = base, 0
        while name in self._used:
            i += 1
            name = "%s_%d" % (base, i)
        self._used.add(name)
        return name

    def _op_name(self, name, default):
        """The mp.name of a new op (given or derived from the op kind)."""
        if name is None:
            base, i = default, 0
            name = base
            while name in self._op_names:
                i += 1
                name = "%s_%d" % (base, i)
        if not isinstance(name, str) or not name:
            raise ValueError("op names must be non-empty strings, got %r" % (name,))
        self._op_names.add(name)
        return name

    def _new(self, hint, shape, dtype="f32"):
        for d in shape:
            if d <= 0:
                raise ShapeError("result %s would have shape %s with a non-positive "
                                 "dimension" % (hint, _fmt(shape)))
        return Value(self._fresh(hint), shape, dtype)

    # -- arguments ---------------------------------------------------------

    def argument(self, pname, shape, role, dtype="f32", ssa=None):
        """Adds a function argument with `mp.role` and `mp.name`."""
        if role not in _ROLE_ORDER:
            raise ValueError("role %r cannot be passed as an argument; expected one "
                             "of %s" % (role, ", ".join(_ROLE_ORDER)))
        if dtype not in _DTYPES:
            raise ValueError("unsupported element type %r" % dtype)
        if pname in self._pnames:
            raise ValueError("duplicate argument name %r" % pname)
        shape = tuple(int(d) for d in shape)
        for d in shape:
            if d <= 0:
                raise ShapeError("argument %r has shape %s with a non-positive "
                                 "dimension" % (pname, _fmt(shape)))
        arg = Argument(self._fresh(ssa or pname), shape, dtype, role, pname)
        self._pnames.add(pname)
        self._args.append(arg)
        return arg

    def input(self, shape, name="input"):
        """The input batch (NCHW, or N x features), SSA name %x."""
        if any(a.role == "input" for a in self._args):
            raise ValueError("the function already has an input argument")
        return self.argument(name, shape, "input", ssa="x")

    def label(self, batch, dtype="i32", name="label"):
        """The class labels: tensor<Nxi32>."""
        if dtype not in ("i32", "i64"):
            raise ValueError("labels must be i32 or i64, got %r" % dtype)
        return self.argument(name, (batch,), "label", dtype=dtype, ssa="label")

    def weight(self, name, shape):
        """A trainable parameter (role weight)."""
        return self.argument(name, shape, "weight")

    def bn_stat(self, name, shape):
        """A batch-norm running statistic (role bn_stat)."""
        return self.argument(name, shape, "bn_stat")

    def seed(self, name):
        """A 0-D i64 seed for dropout (role seed)."""
        return self.argument(name, (), "seed", dtype="i64")

    @property
    def arguments(self):
        """Arguments in signature order: by role (input, label, weight,
        bn_stat, seed, ...), creation order within a role."""
        return sorted(self._args, key=lambda a: _ROLE_ORDER.index(a.role))

    @property
    def weights(self):
        return [a for a in self.arguments if a.role == "weight"]

    @property
    def bn_stats(self):
        return [a for a in self.arguments if a.role == "bn_stat"]

    def num_parameters(self):
        return sum(a.numel for a in self.weights)

    # -- checks ------------------------------------------------------------

    @staticmethod
    def _f32(v, what, ranks=None):
        if not isinstance(v, Value):
            raise TypeError("%s must be a Value, got %r" % (what, v))
        if v.dtype != "f32":
            raise ShapeError("%s must be an f32 tensor, got %s" % (what, v.type))
        if ranks is not None and v.rank not in ranks:
            raise ShapeError("%s must have rank %s, got %s (shape %s)" % (
                what, " or ".join(str(r) for r in ranks), v.rank, _fmt(v.shape)))

    def _emit(self, line):
        self._ops.append(line)

    @staticmethod
    def _attrs(name):
        return " {mp.name = %s}" % _quote(name)

    # -- forward ops -------------------------------------------------------

    @_named_errors
    def conv2d(self, x, w, bias=None, stride=1, padding=0, dilation=1, groups=1,
               name=None):
        """mp.conv2d: NCHW input, OIHW weight, optional [O] bias."""
        self._f32(x, "conv2d input", (4,))
        self._f32(w, "conv2d weight", (4,))
        stride, padding, dilation = (_pair(stride, "stride"), _pair(padding, "padding"),
                                     _pair(dilation, "dilation"))
        if min(stride) <= 0:
            raise ShapeError("conv2d stride must be positive, got %s" % _fmt(stride))
        if min(dilation) <= 0:
            raise ShapeError("conv2d dilation must be positive, got %s" % _fmt(dilation))
        if min(padding) < 0:
            raise ShapeError("conv2d padding must be non-negative, got %s" % _fmt(padding))
        groups = int(groups)
        if groups < 1:
            raise ShapeError("conv2d groups must be positive, got %d" % groups)
        i, k = x.shape, w.shape
        if i[1] % groups:
            raise ShapeError("conv2d input channels (%d) must be divisible by groups "
                             "(%d)" % (i[1], groups))
        if k[0] % groups:
            raise ShapeError("conv2d weight output channels (%d) must be divisible by "
                             "groups (%d)" % (k[0], groups))
        if k[1] != i[1] // groups:
            raise ShapeError(
                "conv2d: expected weight shape %s (input channels %d / groups %d), but "
                "got %s" % (_fmt((k[0], i[1] // groups, k[2], k[3])), i[1], groups,
                            _fmt(k)))
        out = [i[0], k[0], 0, 0]
        for d in range(2):
            span = dilation[d] * (k[2 + d] - 1) + 1
            padded = i[2 + d] + 2 * padding[d]
            if span > padded:
                raise ShapeError(
                    "conv2d: kernel %s with dilation %s does not fit the padded input "
                    "%s (input %s, padding %s)" % (
                        _fmt(k[2:]), _fmt(dilation),
                        _fmt((i[2] + 2 * padding[0], i[3] + 2 * padding[1])),
                        _fmt(i), _fmt(padding)))
            out[2 + d] = (padded - span) // stride[d] + 1
        operands = [x, w]
        if bias is not None:
            self._f32(bias, "conv2d bias", (1,))
            if bias.shape != (k[0],):
                raise ShapeError("conv2d: expected bias shape %s (one per output "
                                 "channel), but got %s" % (_fmt((k[0],)), _fmt(bias.shape)))
            operands.append(bias)
        name = self._op_name(name, "conv2d")
        y = self._new(name, out)
        self._emit("%%%s = mp.conv2d %s stride %s padding %s dilation %s groups %d%s "
                   ": (%s) -> %s" % (
                       y.name, ", ".join("%" + v.name for v in operands), _fmt(stride),
                       _fmt(padding), _fmt(dilation), groups, self._attrs(name),
                       ", ".join(v.type for v in operands), y.type))
        return y

    @_named_errors
    def linear(self, x, w, bias=None, name=None):
        """mp.linear: x (N x K) times w^T (M x K) plus bias (M)."""
        self._f32(x, "linear input", (2,))
        self._f32(w, "linear weight", (2,))
        if x.shape[1] != w.shape[1]:
            raise ShapeError("linear: expected weight shape %s (out features x input "
                             "features %d), but got %s" % (
                                 _fmt((w.shape[0], x.shape[1])), x.shape[1],
                                 _fmt(w.shape)))
        operands = [x, w]
        if bias is not None:
            self._f32(bias, "linear bias", (1,))
            if bias.shape != (w.shape[0],):
                raise ShapeError("linear: expected bias shape %s (one per output "
                                 "feature), but got %s" % (_fmt((w.shape[0],)),
                                                           _fmt(bias.shape)))
            operands.append(bias)
        name = self._op_name(name, "linear")
        y = self._new(name, (x.shape[0], w.shape[0]))
        self._emit("%%%s = mp.linear %s%s : (%s) -> %s" % (
            y.name, ", ".join("%" + v.name for v in operands), self._attrs(name),
            ", ".join(v.type for v in operands), y.type))
        return y

    @_named_errors
    def batch_norm(self, x, gamma, beta, running_mean, running_var, eps=None,
                   momentum=None, name=None):
        """mp.batch_norm in training mode; returns (y, new_mean, new_var).

        When the running statistics are bn_stat arguments, the new values
        become the function results for those arguments."""
        eps = self.BN_EPS if eps is None else float(eps)
        momentum = self.BN_MOMENTUM if momentum is None else float(momentum)
        self._f32(x, "batch_norm input", (2, 4))
        if not eps > 0.0:
            raise ShapeError("batch_norm eps must be positive, got %r" % eps)
        if not 0.0 <= momentum <= 1.0:
            raise ShapeError("batch_norm momentum must be in [0, 1], got %r" % momentum)
        c = x.shape[1]
        for what, v in (("gamma", gamma), ("beta", beta),
                        ("running_mean", running_mean), ("running_var", running_var)):
            self._f32(v, "batch_norm " + what)
            if v.shape != (c,):
                raise ShapeError("batch_norm: expected %s shape %s (one per channel), "
                                 "but got %s" % (what, _fmt((c,)), _fmt(v.shape)))
        for v in (running_mean, running_var):
            if isinstance(v, Argument) and v.role == "bn_stat" and \
                    v.pname in self._stat_updates:
                raise ValueError("running statistic %r is updated twice" % v.pname)
        name = self._op_name(name, "batch_norm")
        y = self._new(name, x.shape)
        m = self._new(name + ".new_running_mean", (c,))
        v = self._new(name + ".new_running_var", (c,))
        operands = [x, gamma, beta, running_mean, running_var]
        self._emit("%%%s, %%%s, %%%s = mp.batch_norm %s eps %s momentum %s%s : (%s) -> "
                   "(%s, %s, %s)" % (
                       y.name, m.name, v.name, ", ".join("%" + o.name for o in operands),
                       format_float(eps), format_float(momentum), self._attrs(name),
                       ", ".join(o.type for o in operands), y.type, m.type, v.type))
        for old, new in ((running_mean, m), (running_var, v)):
            if isinstance(old, Argument) and old.role == "bn_stat":
                self._stat_updates[old.pname] = new
        return y, m, v

    def _unary(self, op, x, name, ranks=None):
        self._f32(x, op + " input", ranks)
        name = self._op_name(name, op)
        y = self._new(name, x.shape)
        self._emit("%%%s = mp.%s %%%s%s : %s" % (y.name, op, x.name, self._attrs(name),
                                                 x.type))
        return y

    @_named_errors
    def relu(self, x, name=None):
        return self._unary("relu", x, name)

    @_named_errors
    def relu6(self, x, name=None):
        return self._unary("relu6", x, name)

    @_named_errors
    def log_softmax(self, x, name=None):
        return self._unary("log_softmax", x, name, (2,))

    def _binary(self, op, a, b, name):
        self._f32(a, op + " lhs")
        self._f32(b, op + " rhs")
        if a.shape != b.shape:
            raise ShapeError("%s: operands must have the same shape, got %s and %s" % (
                op, _fmt(a.shape), _fmt(b.shape)))
        name = self._op_name(name, op)
        y = self._new(name, a.shape)
        self._emit("%%%s = mp.%s %%%s, %%%s%s : %s" % (y.name, op, a.name, b.name,
                                                      self._attrs(name), y.type))
        return y

    @_named_errors
    def add(self, a, b, name=None):
        return self._binary("add", a, b, name)

    @_named_errors
    def mul(self, a, b, name=None):
        return self._binary("mul", a, b, name)

    @_named_errors
    def concat(self, inputs, axis=1, name=None):
        """mp.concat along `axis` (all other dimensions must agree)."""
        inputs = list(inputs)
        if not inputs:
            raise ShapeError("concat needs at least one input")
        for k, v in enumerate(inputs):
            self._f32(v, "concat input #%d" % k)
        rank = inputs[0].rank
        if not 0 <= axis < rank:
            raise ShapeError("concat axis %d is out of range for rank %d" % (axis, rank))
        out = list(inputs[0].shape)
        out[axis] = 0
        for k, v in enumerate(inputs):
            if v.rank != rank:
                raise ShapeError("concat input #%d has rank %d but input #0 has rank %d"
                                 % (k, v.rank, rank))
            for d in range(rank):
                if d != axis and v.shape[d] != inputs[0].shape[d]:
                    raise ShapeError(
                        "concat: input #%d has shape %s, which differs from input #0 "
                        "%s outside axis %d" % (k, _fmt(v.shape), _fmt(inputs[0].shape),
                                                axis))
            out[axis] += v.shape[axis]
        name = self._op_name(name, "concat")
        y = self._new(name, out)
        self._emit("%%%s = mp.concat %s axis %d%s : (%s) -> %s" % (
            y.name, ", ".join("%" + v.name for v in inputs), axis, self._attrs(name),
            ", ".join(v.type for v in inputs), y.type))
        return y

    @_named_errors
    def split(self, x, sizes, axis=1, name=None):
        """mp.split into consecutive pieces of `sizes` along `axis`.

        `sizes` is a list of piece sizes, or an int k for k equal pieces."""
        self._f32(x, "split input")
        if not 0 <= axis < x.rank:
            raise ShapeError("split axis %d is out of range for rank %d" % (axis, x.rank))
        if isinstance(sizes, int):
            if sizes < 1 or x.shape[axis] % sizes:
                raise ShapeError("split: cannot split %d elements along axis %d into %d "
                                 "equal pieces" % (x.shape[axis], axis, sizes))
            sizes = [x.shape[axis] // sizes] * sizes
        sizes = [int(s) for s in sizes]
        if not sizes or min(sizes) <= 0:
            raise ShapeError("split sizes must be positive, got %r" % sizes)
        if sum(sizes) != x.shape[axis]:
            raise ShapeError("split: sizes %r add up to %d but the input has %d along "
                             "axis %d" % (sizes, sum(sizes), x.shape[axis], axis))
        name = self._op_name(name, "split")
        outs = []
        for k, s in enumerate(sizes):
            shape = list(x.shape)
            shape[axis] = s
            outs.append(self._new("%s.%d" % (name, k), shape))
        self._emit("%s = mp.split %%%s axis %d%s : (%s) -> (%s)" % (
            ", ".join("%" + v.name for v in outs), x.name, axis, self._attrs(name),
            x.type, ", ".join(v.type for v in outs)))
        return outs

    @_named_errors
    def channel_shuffle(self, x, groups=2, name=None):
        self._f32(x, "channel_shuffle input", (4,))
        groups = int(groups)
        if groups < 1:
            raise ShapeError("channel_shuffle groups must be positive, got %d" % groups)
        if x.shape[1] % groups:
            raise ShapeError("channel_shuffle: channels (%d) must be divisible by groups "
                             "(%d)" % (x.shape[1], groups))
        name = self._op_name(name, "channel_shuffle")
        y = self._new(name, x.shape)
        self._emit("%%%s = mp.channel_shuffle %%%s groups %d%s : %s" % (
            y.name, x.name, groups, self._attrs(name), x.type))
        return y

    @_named_errors
    def reshape(self, x, shape, name=None):
        """mp.reshape (row-major); one dimension may be -1."""
        self._f32(x, "reshape input")
        shape = [int(d) for d in shape]
        if shape.count(-1) > 1:
            raise ShapeError("reshape: at most one dimension may be -1, got %s"
                             % _fmt(shape))
        if -1 in shape:
            rest = num_elements(d for d in shape if d != -1)
            if rest <= 0 or x.numel % rest:
                raise ShapeError("cannot reshape %s (%d elements) to %s" % (
                    _fmt(x.shape), x.numel, _fmt(shape)))
            shape[shape.index(-1)] = x.numel // rest
        if num_elements(shape) != x.numel or min(shape, default=1) <= 0:
            raise ShapeError("cannot reshape %s (%d elements) to %s (%d elements)" % (
                _fmt(x.shape), x.numel, _fmt(shape), num_elements(shape)))
        name = self._op_name(name, "reshape")
        y = self._new(name, shape)
        self._emit("%%%s = mp.reshape %%%s%s : %s to %s" % (
            y.name, x.name, self._attrs(name), x.type, y.type))
        return y

    def flatten(self, x, name=None):
        """torch.flatten(x, 1): N x (everything else)."""
        return self.reshape(x, (x.shape[0], -1), name=name or self._op_name(None, "flatten"))

    def _pool(self, op, x, kernel, stride, padding, name):
        self._f32(x, op + " input", (4,))
        kernel = _pair(kernel, "kernel")
        stride = kernel if stride is None else _pair(stride, "stride")
        padding = _pair(padding, "padding")
        if min(kernel) <= 0:
            raise ShapeError("%s kernel must be positive, got %s" % (op, _fmt(kernel)))
        if min(stride) <= 0:
            raise ShapeError("%s stride must be positive, got %s" % (op, _fmt(stride)))
        if min(padding) < 0:
            raise ShapeError("%s padding must be non-negative, got %s" % (op, _fmt(padding)))
        for d in range(2):
            if 2 * padding[d] > kernel[d]:
                raise ShapeError("%s: padding %s must be at most half the kernel %s" % (
                    op, _fmt(padding), _fmt(kernel)))
        out = [x.shape[0], x.shape[1], 0, 0]
        for d in range(2):
            padded = x.shape[2 + d] + 2 * padding[d]
            if kernel[d] > padded:
                raise ShapeError("%s: kernel %s does not fit the padded input %s (input "
                                 "%s)" % (op, _fmt(kernel),
                                          _fmt((x.shape[2] + 2 * padding[0],
                                                x.shape[3] + 2 * padding[1])),
                                          _fmt(x.shape)))
            out[2 + d] = (padded - kernel[d]) // stride[d] + 1
        name = self._op_name(name, op)
        y = self._new(name, out)
        self._emit("%%%s = mp.%s %%%s kernel %s stride %s padding %s%s : %s -> %s" % (
            y.name, op, x.name, _fmt(kernel), _fmt(stride), _fmt(padding),
            self._attrs(name), x.type, y.type))
        return y

    @_named_errors
    def max_pool2d(self, x, kernel, stride=None, padding=0, name=None):
        """mp.max_pool2d; stride defaults to the kernel (as in PyTorch)."""
        return self._pool("max_pool2d", x, kernel, stride, padding, name)

    @_named_errors
    def avg_pool2d(self, x, kernel, stride=None, padding=0, name=None):
        """mp.avg_pool2d (count_include_pad); stride defaults to the kernel."""
        return self._pool("avg_pool2d", x, kernel, stride, padding, name)

    @_named_errors
    def global_avg_pool(self, x, keepdims=False, name=None):
        """mp.global_avg_pool: N x C (or N x C x 1 x 1 with keepdims)."""
        self._f32(x, "global_avg_pool input", (4,))
        out = x.shape[:2] + ((1, 1) if keepdims else ())
        name = self._op_name(name, "global_avg_pool")
        y = self._new(name, out)
        self._emit("%%%s = mp.global_avg_pool %%%s%s : %s -> %s" % (
            y.name, x.name, self._attrs(name), x.type, y.type))
        return y

    @_named_errors
    def dropout(self, x, ratio=0.5, seed=None, name=None):
        """mp.dropout; without `seed` a new seed argument "<name>.seed" is
        added (one per dropout, so masks are independent)."""
        self._f32(x, "dropout input")
        ratio = float(ratio)
        if not 0.0 <= ratio < 1.0:
            raise ShapeError("dropout ratio must be in [0, 1), got %r" % ratio)
        name = self._op_name(name, "dropout")
        if seed is None:
            seed = self.seed(name + ".seed")
        if seed.shape != () or seed.dtype != "i64":
            raise ShapeError("dropout seed must be a 0-D i64 tensor, got %s" % seed.type)
        y = self._new(name, x.shape)
        self._emit("%%%s = mp.dropout %%%s, %%%s ratio %s%s : (%s, %s) -> %s" % (
            y.name, x.name, seed.name, format_float(ratio), self._attrs(name), x.type,
            seed.type, y.type))
        return y

    @_named_errors
    def nll_loss(self, logp, labels, name=None):
        """mp.nll_loss: mean negative log-likelihood -> tensor<f32>."""
        self._f32(logp, "nll_loss input", (2,))
        if not isinstance(labels, Value) or labels.dtype not in ("i32", "i64") or \
                labels.rank != 1:
            raise ShapeError("nll_loss labels must be a 1-D i32 or i64 tensor, got %r"
                             % (labels,))
        if labels.shape != (logp.shape[0],):
            raise ShapeError("nll_loss: expected labels shape %s (one per row of the "
                             "input), but got %s" % (_fmt((logp.shape[0],)),
                                                     _fmt(labels.shape)))
        name = self._op_name(name, "nll_loss")
        y = self._new("loss", ())
        self._emit("%%%s = mp.nll_loss %%%s, %%%s%s : (%s, %s) -> %s" % (
            y.name, logp.name, labels.name, self._attrs(name), logp.type, labels.type,
            y.type))
        return y

    # -- layer helpers (create parameters like the PyTorch modules) --------

    def conv(self, x, name, out_channels, kernel_size, stride=1, padding=0,
             dilation=1, groups=1, bias=False):
        """nn.Conv2d: adds "<name>.weight" (and "<name>.bias") and the op."""
        self._f32(x, "%s input" % name, (4,))
        kh, kw = _pair(kernel_size, "kernel_size")
        if groups < 1 or x.shape[1] % groups:
            raise ShapeError("%s: input channels (%d) must be divisible by groups (%d)"
                             % (name, x.shape[1], groups))
        if out_channels < 1 or out_channels % groups:
            raise ShapeError("%s: output channels (%d) must be positive and divisible by "
                             "groups (%d)" % (name, out_channels, groups))
        w = self.weight(name + ".weight", (out_channels, x.shape[1] // groups, kh, kw))
        b = self.weight(name + ".bias", (out_channels,)) if bias else None
        return self.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation,
                           groups=groups, name=name)

    def fc(self, x, name, out_features, bias=True):
        """nn.Linear: adds "<name>.weight" (and "<name>.bias") and the op."""
        self._f32(x, "%s input" % name, (2,))
        w = self.weight(name + ".weight", (out_features, x.shape[1]))
        b = self.weight(name + ".bias", (out_features,)) if bias else None
        return self.linear(x, w, b, name=name)

    def bn(self, x, name, eps=None, momentum=None):
        """nn.BatchNorm2d/1d in training mode: adds "<name>.weight" (gamma),
        "<name>.bias" (beta) and the running statistics "<name>.running_mean",
        "<name>.running_var"; returns the normalized tensor."""
        self._f32(x, "%s input" % name, (2, 4))
        c = x.shape[1]
        gamma = self.weight(name + ".weight", (c,))
        beta = self.weight(name + ".bias", (c,))
        mean = self.bn_stat(name + ".running_mean", (c,))
        var = self.bn_stat(name + ".running_var", (c,))
        y, _, _ = self.batch_norm(x, gamma, beta, mean, var, eps, momentum, name=name)
        return y

    def cross_entropy(self, logits, labels=None):
        """log_softmax + nll_loss; sets and returns the function's loss."""
        if labels is None:
            labels = [a for a in self._args if a.role == "label"]
            if not labels:
                labels = [self.label(logits.shape[0])]
            labels = labels[0]
        logp = self.log_softmax(logits, name="log_softmax")
        loss = self.nll_loss(logp, labels, name="nll_loss")
        self.set_loss(loss)
        return loss

    def set_loss(self, loss):
        if loss.shape != () or loss.dtype != "f32":
            raise ShapeError("the loss must be a 0-D f32 tensor, got %s" % loss.type)
        self._loss = loss

    # -- output ------------------------------------------------------------

    def results(self):
        """(value, attribute dict text) pairs: loss then new BN statistics."""
        if self._loss is None:
            raise ValueError("no loss: call cross_entropy() or set_loss() first")
        out = [(self._loss, '{mp.name = "loss", mp.role = #mp.role<loss>}')]
        for a in self.bn_stats:
            new = self._stat_updates.get(a.pname, a)
            out.append((new, "{mp.name = %s, mp.role = #mp.role<bn_stat>}"
                        % _quote(a.pname)))
        return out

    def function_text(self, indent="  "):
        results = self.results()
        args = ",\n".join(
            "%s%s%%%s: %s {mp.name = %s, mp.role = #mp.role<%s>}" % (
                indent, indent * 2, a.name, a.type, _quote(a.pname), a.role)
            for a in self.arguments)
        res = (",\n%s%s   " % (indent, indent * 2)).join(
            "%s %s" % (v.type, attrs) for v, attrs in results)
        lines = ["%sfunc.func @%s(\n%s)\n%s%s-> (%s) {" % (
            indent, self.name, args, indent, indent * 2, res)]
        lines += [indent * 2 + line for line in self._ops]
        lines.append("%sreturn %s : %s" % (
            indent * 2, ", ".join("%" + v.name for v, _ in results),
            ", ".join(v.type for v, _ in results)))
        lines.append(indent + "}")
        return "\n".join(lines)

    def to_mlir(self):
        """The whole module as text (comments, then `module { func }`)."""
        head = "".join("// %s\n" % c for c in self.comments)
        return "%smodule {\n%s\n}\n" % (head, self.function_text())

    def __str__(self):
        return self.to_mlir()


# ----------------------------------------------------------------------------
# Reading a signature back (for tests, reports and sweeps)
# ----------------------------------------------------------------------------

_ARG_RE = re.compile(
    r"%([0-9A-Za-z_$.\-]+)\s*:\s*tensor<([0-9x]*)([a-z0-9]+)>\s*"
    r"\{([^{}]*)\}")
_NAME_RE = re.compile(r'mp\.name\s*=\s*"((?:[^"\\]|\\.)*)"')
_ROLE_RE = re.compile(r"mp\.role\s*=\s*#mp\.role<([a-z_]+)>")


def _split_type(dims):
    return tuple(int(d) for d in dims.split("x") if d)


def parse_signature(text, function=None):
    """Reads the arguments of a func.func from mp IR text (ours or mp-opt's).

    Returns a list of dicts {ssa, name, role, shape, dtype} in signature order,
    for `function` (default: the first func.func)."""
    pat = r"func\.func\s+@%s\s*\(" % (re.escape(function) if function else
                                      r"[0-9A-Za-z_$.\-]+")
    m = re.search(pat, text)
    if not m:
        raise ValueError("no func.func %sfound" % ("@%s " % function if function else ""))
    # Find the matching ')' of the argument list.
    depth, i = 1, m.end()
    while depth:
        if i >= len(text):
            raise ValueError("unterminated argument list")
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    args = []
    for am in _ARG_RE.finditer(text[m.end():i - 1]):
        attrs = am.group(4)
        name = _NAME_RE.search(attrs)
        role = _ROLE_RE.search(attrs)
        args.append({
            "ssa": am.group(1),
            "name": name.group(1) if name else None,
            "role": role.group(1) if role else None,
            "shape": _split_type(am.group(2)),
            "dtype": am.group(3),
        })
    return args
