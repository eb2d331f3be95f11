"""An independent reference for the paper's memory model and assignment.

The official implementation of Lee, Sharma & Aiken wraps PyTorch modules and
counts tensors from hooks during one forward pass. This module does the same
thing, written from the method's description and not from the compiler:
PyTorch definitions of the four CIFAR CNNs (ResNet-18, MobileNet-v2,
ShuffleNet-v2, SqueezeNet), run once on a single image with forward hooks
that record, per instrumented module and in the order of its first call,

  * Y: the output's elements times the batch size (activation-like tensors
    are measured at one image and scaled, so the scalar loss counts as the
    batch size), and GY, its gradient, of the same size;
  * P and GP: the parameters' elements, not scaled;
  * the module that produced its first input (shape-only ops such as view and
    channel shuffle forward the producer, they make no tensor).

Groups open at the input and at every Conv2d / Linear; a module's Y and GY
join the current group, its P and GP the group of its first input's
producer. On top of that, `assign_ours` and `assign_op` implement the
greedy demotion (largest groups first, ties to the earlier group, the
smallest prefix whose share reaches r) and the HFP8 baseline with the first
and last layers kept high, and `ratios` the two low-precision ratios (bit
ratio against all-16-bit, and the element share of demoted tensors).

Nothing here imports the compiler; `mpt paper-table` compares the two.
Needs PyTorch (Debian's python3-torch).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

from .models import _SHUFFLENET_CFG, _SQUEEZENET_CFG, _MBV2_CFG, make_divisible

__all__ = ["MODULE_MODELS", "model", "trace", "assign_ours", "assign_op", "ratios"]


# ----------------------------------------------------------------------------
# Instrumented leaf modules with no nn equivalent
# ----------------------------------------------------------------------------

class Input(nn.Module):
    def forward(self, x):
        return x.clone()


class Add(nn.Module):
    def forward(self, a, b):
        return a + b


class Cat(nn.Module):
    def forward(self, a, b):
        return torch.cat([a, b], 1)


class SplitHalf(nn.Module):
    def forward(self, x):
        c = x.shape[1] // 2
        return x[:, :c].clone(), x[:, c:].clone()


class NLLLoss(nn.Module):
    def forward(self, logp, labels):
        return F.nll_loss(logp, labels)


class View(nn.Module):
    """Shape only: flatten."""
    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class Shuffle(nn.Module):
    """Shape only: channel shuffle of two groups."""
    def forward(self, x):
        n, c, h, w = x.shape
        return x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)


INSTRUMENTED = (nn.Conv2d, nn.Linear, nn.BatchNorm2d, nn.ReLU, nn.MaxPool2d,
                nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.LogSoftmax, Input, Add, Cat,
                SplitHalf, NLLLoss)
SHAPE_ONLY = (View, Shuffle)
GEMMS = (nn.Conv2d, nn.Linear)


def conv(cin, cout, k, stride=1, padding=0, groups=1, bias=False):
    return nn.Conv2d(cin, cout, k, stride, padding, groups=groups, bias=bias)


class Classifier(nn.Module):
    """Global average pool, flatten, linear, log-softmax, NLL."""
    def __init__(self, cin, classes, linear=True):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.view = View()
        self.linear = nn.Linear(cin, classes) if linear else None
        self.log_softmax = nn.LogSoftmax(1)
        self.nll = NLLLoss()

    def forward(self, x, labels):
        x = self.view(self.pool(x))
        if self.linear is not None:
            x = self.linear(x)
        return self.nll(self.log_softmax(x), labels)


# ----------------------------------------------------------------------------
# The four CIFAR models (docs/Paper.md 7.1), forward in their reference order
# ----------------------------------------------------------------------------

def _r(width):
    return 4 if width <= 0.25 else 8


class BasicBlock(nn.Module):
    def __init__(self, cin, planes, stride):
        super().__init__()
        self.conv1, self.bn1, self.relu1 = conv(cin, planes, 3, stride, 1), nn.BatchNorm2d(planes), nn.ReLU()
        self.conv2, self.bn2 = conv(planes, planes, 3, 1, 1), nn.BatchNorm2d(planes)
        self.shortcut = None
        if stride != 1 or cin != planes:
            self.shortcut = nn.Sequential(conv(cin, planes, 1, stride), nn.BatchNorm2d(planes))
        self.add, self.relu3 = Add(), nn.ReLU()

    def forward(self, x):
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        sc = self.shortcut(x) if self.shortcut is not None else x
        return self.relu3(self.add(out, sc))


class ResNet18(nn.Module):
    def __init__(self, cin, classes, width):
        super().__init__()
        r = _r(width)
        stem = make_divisible(64 * width, r)
        self.input = Input()
        self.conv1, self.bn1, self.relu1 = conv(cin, stem, 3, 1, 1), nn.BatchNorm2d(stem), nn.ReLU()
        blocks, c = [], stem
        for planes, stride in zip((64, 128, 256, 512), (1, 2, 2, 2)):
            planes = make_divisible(planes * width, r)
            for s in (stride, 1):
                blocks.append(BasicBlock(c, planes, s))
                c = planes
        self.layers = nn.Sequential(*blocks)
        self.head = Classifier(c, classes)

    def forward(self, x, labels):
        x = self.relu1(self.bn1(self.conv1(self.input(x))))
        return self.head(self.layers(x), labels)


class MBBlock(nn.Module):
    def __init__(self, cin, cout, expansion, stride):
        super().__init__()
        p = expansion * cin
        self.stride = stride
        self.conv1, self.bn1, self.relu1 = conv(cin, p, 1), nn.BatchNorm2d(p), nn.ReLU()
        self.conv2, self.bn2, self.relu2 = conv(p, p, 3, stride, 1, groups=p), nn.BatchNorm2d(p), nn.ReLU()
        self.conv3, self.bn3 = conv(p, cout, 1), nn.BatchNorm2d(cout)
        self.shortcut = None
        if stride == 1 and cin != cout:
            self.shortcut = nn.Sequential(conv(cin, cout, 1), nn.BatchNorm2d(cout))
        self.add = Add()

    def forward(self, x):
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        if self.stride != 1:
            return out
        sc = self.shortcut(x) if self.shortcut is not None else x
        return self.add(out, sc)


class MobileNetV2(nn.Module):
    def __init__(self, cin, classes, width):
        super().__init__()
        r = _r(width)
        c = make_divisible(32 * width, r)
        self.input = Input()
        self.conv1, self.bn1, self.relu1 = conv(cin, c, 3, 1, 1), nn.BatchNorm2d(c), nn.ReLU()
        blocks = []
        for expansion, planes, n, stride in _MBV2_CFG:
            planes = make_divisible(planes * width, r)
            for s in [stride] + [1] * (n - 1):
                blocks.append(MBBlock(c, planes, expansion, s))
                c = planes
        self.layers = nn.Sequential(*blocks)
        last = make_divisible(1280 * max(1.0, width), r)
        self.conv2, self.bn2, self.relu2 = conv(c, last, 1), nn.BatchNorm2d(last), nn.ReLU()
        self.head = Classifier(last, classes)

    def forward(self, x, labels):
        x = self.relu1(self.bn1(self.conv1(self.input(x))))
        x = self.relu2(self.bn2(self.conv2(self.layers(x))))
        return self.head(x, labels)


class ShuffleBasic(nn.Module):
    def __init__(self, c):
        super().__init__()
        h = c // 2
        self.split = SplitHalf()
        self.conv1, self.bn1, self.relu1 = conv(h, h, 1), nn.BatchNorm2d(h), nn.ReLU()
        self.conv2, self.bn2 = conv(h, h, 3, 1, 1, groups=h), nn.BatchNorm2d(h)
        self.conv3, self.bn3, self.relu3 = conv(h, h, 1), nn.BatchNorm2d(h), nn.ReLU()
        self.cat, self.shuffle = Cat(), Shuffle()

    def forward(self, x):
        x1, x2 = self.split(x)
        out = self.relu1(self.bn1(self.conv1(x2)))
        out = self.bn2(self.conv2(out))
        out = self.relu3(self.bn3(self.conv3(out)))
        return self.shuffle(self.cat(x1, out))


class ShuffleDown(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        m = cout // 2
        self.conv1, self.bn1 = conv(cin, cin, 3, 2, 1, groups=cin), nn.BatchNorm2d(cin)
        self.conv2, self.bn2, self.relu2 = conv(cin, m, 1), nn.BatchNorm2d(m), nn.ReLU()
        self.conv3, self.bn3, self.relu3 = conv(cin, m, 1), nn.BatchNorm2d(m), nn.ReLU()
        self.conv4, self.bn4 = conv(m, m, 3, 2, 1, groups=m), nn.BatchNorm2d(m)
        self.conv5, self.bn5, self.relu5 = conv(m, m, 1), nn.BatchNorm2d(m), nn.ReLU()
        self.cat, self.shuffle = Cat(), Shuffle()

    def forward(self, x):
        o1 = self.relu2(self.bn2(self.conv2(self.bn1(self.conv1(x)))))
        o2 = self.relu3(self.bn3(self.conv3(x)))
        o2 = self.relu5(self.bn5(self.conv5(self.bn4(self.conv4(o2)))))
        return self.shuffle(self.cat(o1, o2))


class ShuffleNetV2(nn.Module):
    def __init__(self, cin, classes, width):
        super().__init__()
        widths = next(v for k, v in _SHUFFLENET_CFG.items() if abs(k - width) < 1e-9)
        self.input = Input()
        self.conv1, self.bn1, self.relu1 = conv(cin, 24, 3, 1, 1), nn.BatchNorm2d(24), nn.ReLU()
        blocks, c = [], 24
        for cout, n in zip(widths[:3], (3, 7, 3)):
            blocks.append(ShuffleDown(c, cout))
            blocks += [ShuffleBasic(cout) for _ in range(n)]
            c = cout
        self.layers = nn.Sequential(*blocks)
        self.conv2, self.bn2, self.relu2 = conv(c, widths[3], 1), nn.BatchNorm2d(widths[3]), nn.ReLU()
        self.head = Classifier(widths[3], classes)

    def forward(self, x, labels):
        x = self.relu1(self.bn1(self.conv1(self.input(x))))
        x = self.relu2(self.bn2(self.conv2(self.layers(x))))
        return self.head(x, labels)


class Fire(nn.Module):
    def __init__(self, cin, s, e):
        super().__init__()
        self.conv1, self.bn1, self.relu1 = conv(cin, s, 1, bias=True), nn.BatchNorm2d(s), nn.ReLU()
        self.conv2, self.bn2 = conv(s, e, 1, bias=True), nn.BatchNorm2d(e)
        self.conv3, self.bn3 = conv(s, e, 3, 1, 1, bias=True), nn.BatchNorm2d(e)
        self.cat, self.relu2 = Cat(), nn.ReLU()

    def forward(self, x):
        x = self.relu1(self.bn1(self.conv1(x)))
        return self.relu2(self.cat(self.bn2(self.conv2(x)), self.bn3(self.conv3(x))))


class SqueezeNet(nn.Module):
    def __init__(self, cin, classes, width):
        super().__init__()
        cfg = next(v for k, v in _SQUEEZENET_CFG.items() if abs(k - width) < 1e-9)
        self.input = Input()
        self.conv1 = conv(cin, cfg[0][0], 3, 1, 1, bias=True)
        self.bn1, self.relu = nn.BatchNorm2d(cfg[0][0]), nn.ReLU()
        mods = [nn.MaxPool2d(2)]
        for i, (c, s, e) in enumerate(cfg):
            mods.append(Fire(c, s, e))
            if i in (2, 6):
                mods.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*mods)
        self.conv2 = conv(2 * cfg[-1][2], classes, 1, bias=True)
        self.head = Classifier(classes, classes, linear=False)

    def forward(self, x, labels):
        x = self.features(self.relu(self.bn1(self.conv1(self.input(x)))))
        return self.head(self.conv2(x), labels)


MODULE_MODELS = {"resnet18": ResNet18, "mobilenetv2": MobileNetV2,
                 "shufflenetv2": ShuffleNetV2, "squeezenet": SqueezeNet}


def model(name, in_channels=3, classes=10, width=1.0):
    return MODULE_MODELS[name](in_channels, classes, width)


# ----------------------------------------------------------------------------
# Tracing and grouping
# ----------------------------------------------------------------------------

class Entry:
    """One instrumented module in first-call order."""
    def __init__(self, index, module):
        self.index = index
        self.module = module
        self.kind = type(module).__name__
        self.gemm = isinstance(module, GEMMS)
        self.y = 0                # batch-scaled output elements (= GY)
        self.p = sum(p.numel() for p in module.parameters(recurse=False))
        self.producer = None      # index of the first input's producer
        self.consumers = []       # indices of modules that read its output
        self.group = None         # group of Y / GY
        self.p_group = None       # group of P / GP


def trace(net, size=(32, 32), in_channels=3, batch=128):
    """Runs `net` on one image and returns the module entries in first-call
    order with their groups."""
    entries, by_module = [], {}

    def producer_of(t):
        return getattr(t, "_mp_src", None)

    def tag(out, idx):
        for t in out if isinstance(out, tuple) else (out,):
            t._mp_src = idx

    def hook(mod, inputs, out):
        if isinstance(mod, SHAPE_ONLY):
            tag(out, producer_of(inputs[0]))
            return
        if mod in by_module:  # not reused by these models
            raise RuntimeError("module %s called twice" % mod)
        e = Entry(len(entries), mod)
        entries.append(e)
        by_module[mod] = e
        outs = out if isinstance(out, tuple) else (out,)
        e.y = sum(t.numel() for t in outs) * batch
        tensors = [t for t in inputs if torch.is_tensor(t) and t.is_floating_point()]
        for i, t in enumerate(tensors):
            src = producer_of(t)
            if i == 0:
                e.producer = src
            if src is not None:
                entries[src].consumers.append(e.index)
        tag(out, e.index)

    handles = [m.register_forward_hook(hook) for m in net.modules()
               if isinstance(m, INSTRUMENTED + SHAPE_ONLY)]
    net.eval()
    with torch.no_grad():
        net(torch.zeros((1, in_channels) + tuple(size)), torch.zeros(1, dtype=torch.long))
    for h in handles:
        h.remove()

    group = -1
    for e in entries:
        if isinstance(e.module, (Input,) + GEMMS):
            group += 1
        e.group = group
        e.p_group = entries[e.producer].group if e.producer is not None else group
    return entries


def tensors(entries):
    """(kind, group, elements, entry) for every counted tensor: Y, GY, P, GP."""
    out = []
    for e in entries:
        out += [("v", e.group, e.y, e), ("dv", e.group, e.y, e)]
        if e.p:
            out += [("theta", e.p_group, e.p, e), ("dtheta", e.p_group, e.p, e)]
    return out


def groups(entries):
    """Elements per group id."""
    sizes = {}
    for _, g, n, _ in tensors(entries):
        sizes[g] = sizes.get(g, 0) + n
    return [sizes[g] for g in sorted(sizes)]


# ----------------------------------------------------------------------------
# Assignments: a set of (kind, entry index) tensors demoted to their lo format
# ----------------------------------------------------------------------------

def assign_ours(entries, r):
    """(demoted tensor keys, demoted group ids) of the greedy for target r."""
    sizes = groups(entries)
    total = sum(sizes)
    order = sorted(range(len(sizes)), key=lambda g: (-sizes[g], g))
    chosen, acc = [], 0.0
    if r >= 1.0:
        chosen = order
    elif r > 0.0:
        for g in order:
            if acc >= r:
                break
            chosen.append(g)
            acc += sizes[g] / total
    chosen = set(chosen)
    demoted = {(k, e.index) for k, g, _, e in tensors(entries) if g in chosen}
    return demoted, sorted(chosen)


def assign_op(entries):
    """The HFP8 baseline with the first and last layers kept high."""
    gemms = [e for e in entries if e.gemm]
    demoted = set()
    for e in entries:
        if e.gemm:
            demoted |= {("theta", e.index), ("dtheta", e.index), ("dv", e.index)}
        if any(entries[c].gemm and entries[c].producer == e.index for c in e.consumers):
            demoted.add(("v", e.index))
    first, last = gemms[0], gemms[-1]
    kept = set()
    for k in ("v", "dv", "theta", "dtheta"):
        kept |= {(k, first.index), (k, last.index)}
    kept |= {(k, e.index) for k, g, _, e in tensors(entries) if g == last.group}
    kept |= {("v", 0), ("dv", 0)}                   # the input image
    kept |= {("v", last.producer), ("dv", last.producer)}  # the classifier's input
    return demoted - kept


def ratios(entries, demoted):
    """(bit ratio, selection ratio, all-16-bit bits) of an assignment: demoted
    theta and v at 8 bits, dv at 8, dtheta at 16 (its lo equals its hi)."""
    elements = bits = low = 0
    for k, _, n, e in tensors(entries):
        elements += n
        d = (k, e.index) in demoted
        bits += n * (16 if (not d or k == "dtheta") else 8)
        low += n if d else 0
    all16 = 16 * elements
    return (all16 - bits) / all16 * 2, low / elements, all16
