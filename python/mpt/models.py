"""Model zoo: forward graphs (model + cross-entropy loss) as mp IR.

The CIFAR models follow the paper's code (docs/Paper.md 7.1, the kuangliu/
pytorch-cifar variants with width multipliers): the ops are emitted in the
order of the reference `forward` functions, parameters and running
statistics are named as in the PyTorch `state_dict` (which, for these
models, is also forward-execution order), and every op's `mp.name` is its
PyTorch module path.

Every builder takes the batch size, input channels, input (height, width),
number of classes and width multiplier, and returns an `ir.Builder` whose
`to_mlir()` is the module text.

One generalisation: the reference models end with `AvgPool2d(4)`, which
assumes a 32x32 input (a 4x4 final feature map). Here the final pooling
window is the whole final feature map, which is the same op for 32x32 inputs
and keeps other input sizes valid (it is PyTorch's `AdaptiveAvgPool2d(1)`).
"""

from .ir import Builder, ShapeError

__all__ = ["MODELS", "build", "make_divisible", "lenet", "small_cnn", "resnet18",
           "mobilenetv2", "shufflenetv2", "squeezenet"]


def make_divisible(v, divisor, min_value=None):
    """torchvision's `_make_divisible` (used by the paper's code)."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:  # do not round down by more than 10%
        new_v += divisor
    return new_v


def _round_nearest(width):
    return 4 if width <= 0.25 else 8


def _check_common(batch, in_channels, size, num_classes, width):
    for what, v in (("batch size", batch), ("input channels", in_channels),
                    ("number of classes", num_classes)):
        if not isinstance(v, int) or v < 1:
            raise ValueError("%s must be a positive integer, got %r" % (what, v))
    if len(size) != 2 or min(size) < 1:
        raise ValueError("input size must be two positive integers, got %r" % (size,))
    if not width > 0:
        raise ValueError("width multiplier must be positive, got %r" % (width,))


def _start(name, batch, in_channels, size, num_classes, width):
    size = tuple(int(s) for s in ((size, size) if isinstance(size, int) else size))
    _check_common(batch, in_channels, size, num_classes, width)
    b = Builder(name)
    x = b.input((batch, in_channels) + size)
    b.label(batch)
    return b, x


def _table_lookup(table, width, model):
    for k, v in table.items():
        if abs(k - width) < 1e-9:
            return v
    raise ValueError("%s has channel tables only for width multipliers %s, not %r"
                     % (model, ", ".join(repr(k) for k in sorted(table)), width))


def _head(b, x, num_classes, pool_name="avgpool2d", view_name="view",
          linear_name="linear"):
    """AvgPool over the final map, flatten, Linear, then the loss."""
    x = b.avg_pool2d(x, x.shape[2:], name=pool_name)
    x = b.flatten(x, name=view_name)
    logits = b.fc(x, linear_name, num_classes)
    b.cross_entropy(logits)
    return logits


# ----------------------------------------------------------------------------
# Small networks
# ----------------------------------------------------------------------------

def lenet(batch=128, in_channels=3, size=(32, 32), num_classes=10, width=1.0,
          batch_norm=False, name="lenet"):
    """LeNet-5 (kuangliu's): conv5x5-relu-maxpool x2, fc-relu-fc-relu-fc.

    With `batch_norm`, each conv (then without bias) is followed by BN."""
    b, x = _start(name, batch, in_channels, size, num_classes, width)
    c1, c2 = max(1, round(6 * width)), max(1, round(16 * width))
    f1, f2 = max(1, round(120 * width)), max(1, round(84 * width))
    for i, c in ((1, c1), (2, c2)):
        x = b.conv(x, "conv%d" % i, c, 5, bias=not batch_norm)
        if batch_norm:
            x = b.bn(x, "bn%d" % i)
        x = b.relu(x, name="relu%d" % i)
        x = b.max_pool2d(x, 2, name="pool%d" % i)
    x = b.flatten(x, name="view")
    x = b.relu(b.fc(x, "fc1", f1), name="relu3")
    x = b.relu(b.fc(x, "fc2", f2), name="relu4")
    b.cross_entropy(b.fc(x, "fc3", num_classes))
    return b


def small_cnn(batch=32, in_channels=1, size=(28, 28), num_classes=10, width=1.0,
              name="small_cnn"):
    """conv3x3-bn-relu-maxpool x2 (16, 32 channels x width), global average
    pool, linear. Tiny: trains in minutes on a CPU (Fashion-MNIST)."""
    b, x = _start(name, batch, in_channels, size, num_classes, width)
    for i, c in ((1, 16), (2, 32)):
        x = b.conv(x, "conv%d" % i, make_divisible(c * width, 4), 3, padding=1)
        x = b.bn(x, "bn%d" % i)
        x = b.relu(x, name="relu%d" % i)
        x = b.max_pool2d(x, 2, name="pool%d" % i)
    x = b.global_avg_pool(x, name="avgpool")
    b.cross_entropy(b.fc(x, "linear", num_classes))
    return b


# ----------------------------------------------------------------------------
# ResNet-18 (CIFAR)
# ----------------------------------------------------------------------------

def _basic_block(b, x, p, planes, stride):
    in_planes = x.shape[1]
    out = b.conv(x, p + ".conv1", planes, 3, stride=stride, padding=1)
    out = b.relu(b.bn(out, p + ".bn1"), name=p + ".relu1")
    out = b.bn(b.conv(out, p + ".conv2", planes, 3, padding=1), p + ".bn2")
    if stride != 1 or in_planes != planes:
        sc = b.conv(x, p + ".shortcut.0", planes, 1, stride=stride)
        sc = b.bn(sc, p + ".shortcut.1")
    else:
        sc = x
    out = b.add(out, sc, name=p + ".add")
    return b.relu(out, name=p + ".relu3")


def resnet18(batch=128, in_channels=3, size=(32, 32), num_classes=10, width=1.0,
             name="resnet18"):
    """ResNet-18 for CIFAR: 3x3 stride-1 stem, no max-pool, BasicBlocks
    [2, 2, 2, 2], widths 64/128/256/512 x width rounded to a multiple of 8
    (of 4 when width <= 0.25), average pool, linear."""
    b, x = _start(name, batch, in_channels, size, num_classes, width)
    r = _round_nearest(width)
    stem = make_divisible(64 * width, r)
    planes = [make_divisible(v * width, r) for v in (64, 128, 256, 512)]
    out = b.conv(x, "conv1", stem, 3, padding=1)
    out = b.relu(b.bn(out, "bn1"), name="relu1")
    for li, (p, s) in enumerate(zip(planes, (1, 2, 2, 2))):
        for bi, stride in enumerate((s, 1)):
            out = _basic_block(b, out, "layer%d.%d" % (li + 1, bi), p, stride)
    _head(b, out, num_classes)
    return b


# ----------------------------------------------------------------------------
# MobileNet-v2 (CIFAR)
# ----------------------------------------------------------------------------

# (expansion, out_planes, num_blocks, stride); stage 2 has stride 1 for CIFAR.
_MBV2_CFG = [(1, 16, 1, 1), (6, 24, 2, 1), (6, 32, 3, 2), (6, 64, 4, 2),
             (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]


def _mbv2_block(b, x, p, out_planes, expansion, stride):
    in_planes = x.shape[1]
    planes = expansion * in_planes
    out = b.relu(b.bn(b.conv(x, p + ".conv1", planes, 1), p + ".bn1"), name=p + ".relu1")
    out = b.conv(out, p + ".conv2", planes, 3, stride=stride, padding=1, groups=planes)
    out = b.relu(b.bn(out, p + ".bn2"), name=p + ".relu2")
    out = b.bn(b.conv(out, p + ".conv3", out_planes, 1), p + ".bn3")
    if stride == 1:
        if in_planes != out_planes:
            sc = b.bn(b.conv(x, p + ".shortcut.0", out_planes, 1), p + ".shortcut.1")
        else:
            sc = x
        out = b.add(out, sc, name=p + ".add")
    return out


def mobilenetv2(batch=128, in_channels=3, size=(32, 32), num_classes=10, width=1.0,
                name="mobilenetv2"):
    """MobileNet-v2 for CIFAR: stem and stage 2 with stride 1, inverted
    residual blocks, last conv 1280 x max(1, width), average pool, linear."""
    b, x = _start(name, batch, in_channels, size, num_classes, width)
    r = _round_nearest(width)
    out = b.conv(x, "conv1", make_divisible(32 * width, r), 3, padding=1)
    out = b.relu(b.bn(out, "bn1"), name="relu1")
    i = 0
    for expansion, planes, n, stride in _MBV2_CFG:
        planes = make_divisible(planes * width, r)
        for s in [stride] + [1] * (n - 1):
            out = _mbv2_block(b, out, "layers.%d" % i, planes, expansion, s)
            i += 1
    last = make_divisible(1280 * max(1.0, width), r)
    out = b.relu(b.bn(b.conv(out, "conv2", last, 1), "bn2"), name="relu2")
    _head(b, out, num_classes)
    return b


# ----------------------------------------------------------------------------
# ShuffleNet-v2 (CIFAR)
# ----------------------------------------------------------------------------

_SHUFFLENET_CFG = {  # width -> stage widths (3 stages, then the last conv)
    0.10: (12, 24, 48, 1024),
    0.15: (16, 32, 64, 1024),
    0.20: (24, 48, 96, 1024),
    0.25: (28, 56, 112, 1024),
    0.50: (56, 112, 224, 1024),
    0.75: (88, 176, 352, 1024),
    1.00: (116, 232, 464, 1024),
    1.50: (176, 352, 704, 1024),
    2.00: (244, 488, 976, 2048),
}
_SHUFFLENET_BLOCKS = (3, 7, 3)


def _shuffle_down(b, x, p, out_channels):
    c, mid = x.shape[1], out_channels // 2
    # left
    o1 = b.bn(b.conv(x, p + ".conv1", c, 3, stride=2, padding=1, groups=c), p + ".bn1")
    o1 = b.relu(b.bn(b.conv(o1, p + ".conv2", mid, 1), p + ".bn2"), name=p + ".relu2")
    # right
    o2 = b.relu(b.bn(b.conv(x, p + ".conv3", mid, 1), p + ".bn3"), name=p + ".relu3")
    o2 = b.conv(o2, p + ".conv4", mid, 3, stride=2, padding=1, groups=mid)
    o2 = b.bn(o2, p + ".bn4")
    o2 = b.relu(b.bn(b.conv(o2, p + ".conv5", mid, 1), p + ".bn5"), name=p + ".relu5")
    out = b.concat([o1, o2], axis=1, name=p + ".cat")
    return b.channel_shuffle(out, 2, name=p + ".shuffle")


def _shuffle_basic(b, x, p):
    x1, x2 = b.split(x, 2, axis=1, name=p + ".split")
    c = x2.shape[1]
    out = b.relu(b.bn(b.conv(x2, p + ".conv1", c, 1), p + ".bn1"), name=p + ".relu1")
    out = b.bn(b.conv(out, p + ".conv2", c, 3, padding=1, groups=c), p + ".bn2")
    out = b.relu(b.bn(b.conv(out, p + ".conv3", c, 1), p + ".bn3"), name=p + ".relu3")
    out = b.concat([x1, out], axis=1, name=p + ".cat")
    return b.channel_shuffle(out, 2, name=p + ".shuffle")


def shufflenetv2(batch=128, in_channels=3, size=(32, 32), num_classes=10, width=1.0,
                 name="shufflenetv2"):
    """ShuffleNet-v2 for CIFAR: 24-channel 3x3 stride-1 stem, three stages of
    one down-sampling block and 3/7/3 basic blocks (split, branch, concat,
    channel shuffle), 1x1 conv, average pool, linear. Stage widths come
    from the paper's table (width in 0.1 ... 2.0)."""
    cfg = _table_lookup(_SHUFFLENET_CFG, width, "shufflenetv2")
    b, x = _start(name, batch, in_channels, size, num_classes, width)
    out = b.relu(b.bn(b.conv(x, "conv1", 24, 3, padding=1), "bn1"), name="relu1")
    for li, (c, n) in enumerate(zip(cfg[:3], _SHUFFLENET_BLOCKS)):
        p = "layer%d" % (li + 1)
        out = _shuffle_down(b, out, p + ".0", c)
        for bi in range(n):
            out = _shuffle_basic(b, out, "%s.%d" % (p, bi + 1))
    out = b.relu(b.bn(b.conv(out, "conv2", cfg[3], 1), "bn2"), name="relu2")
    _head(b, out, num_classes)
    return b


# ----------------------------------------------------------------------------
# SqueezeNet (CIFAR)
# ----------------------------------------------------------------------------

_SQUEEZENET_CFG = {  # width -> (input, squeeze, expand) of fire2 ... fire9
    0.10: [(12, 4, 8), (16, 4, 8), (16, 4, 12), (24, 4, 12), (24, 8, 20),
           (40, 8, 20), (40, 8, 24), (48, 8, 256)],
    0.15: [(16, 4, 12), (24, 4, 12), (24, 8, 20), (40, 8, 20), (40, 8, 28),
           (56, 8, 28), (56, 12, 40), (80, 12, 256)],
    0.20: [(20, 4, 12), (24, 4, 12), (24, 8, 24), (48, 8, 24), (48, 12, 40),
           (80, 12, 40), (80, 12, 52), (104, 12, 256)],
    0.25: [(24, 4, 16), (32, 4, 16), (32, 8, 32), (64, 8, 32), (64, 12, 48),
           (96, 12, 48), (96, 16, 64), (128, 16, 256)],
    0.50: [(48, 8, 32), (64, 8, 32), (64, 16, 64), (128, 16, 64), (128, 24, 96),
           (192, 24, 96), (192, 32, 128), (256, 32, 256)],
    1.00: [(96, 16, 64), (128, 16, 64), (128, 32, 128), (256, 32, 128),
           (256, 48, 192), (384, 48, 192), (384, 64, 256), (512, 64, 256)],
}


def _fire(b, x, p, squeeze, expand):
    x = b.conv(x, p + ".conv1", squeeze, 1, bias=True)
    x = b.relu(b.bn(x, p + ".bn1"), name=p + ".relu1")
    o1 = b.bn(b.conv(x, p + ".conv2", expand, 1, bias=True), p + ".bn2")
    o2 = b.bn(b.conv(x, p + ".conv3", expand, 3, padding=1, bias=True), p + ".bn3")
    out = b.concat([o1, o2], axis=1, name=p + ".cat")
    return b.relu(out, name=p + ".relu2")


def squeezenet(batch=128, in_channels=3, size=(32, 32), num_classes=10, width=1.0,
               name="squeezenet"):
    """SqueezeNet for CIFAR: 3x3 stem, BN inside the fire modules (all convs
    with bias), three 2x2 max-pools, a 1x1-conv classifier and an average
    pool; no Linear layer. Channels from the paper's per-width table."""
    cfg = _table_lookup(_SQUEEZENET_CFG, width, "squeezenet")
    b, x = _start(name, batch, in_channels, size, num_classes, width)
    x = b.conv(x, "conv1", cfg[0][0], 3, padding=1, bias=True)
    x = b.relu(b.bn(x, "bn1"), name="relu")
    x = b.max_pool2d(x, 2, name="maxpool1")
    for i in range(8):
        if x.shape[1] != cfg[i][0]:  # the tables are consistent; guard edits
            raise ShapeError("squeezenet table: fire%d expects %d input channels, got %d"
                             % (i + 2, cfg[i][0], x.shape[1]))
        x = _fire(b, x, "fire%d" % (i + 2), cfg[i][1], cfg[i][2])
        if i == 2:
            x = b.max_pool2d(x, 2, name="maxpool2")
        elif i == 6:
            x = b.max_pool2d(x, 2, name="maxpool3")
    x = b.conv(x, "conv2", num_classes, 1, bias=True)
    x = b.avg_pool2d(x, x.shape[2:], name="avg_pool")
    x = b.flatten(x, name="flatten")
    b.cross_entropy(x)
    return b


# ----------------------------------------------------------------------------
# Registry
# ----------------------------------------------------------------------------

class ModelSpec:
    def __init__(self, fn, summary, widths=None, options=()):
        self.fn = fn
        self.summary = summary
        self.widths = widths      # None: any positive width
        self.options = options    # extra keyword options the builder takes


MODELS = {
    "lenet": ModelSpec(lenet, "LeNet-5: conv5x5-relu-maxpool x2, 3 linear layers "
                              "(--batch-norm adds BN after each conv)",
                       options=("batch_norm",)),
    "small_cnn": ModelSpec(small_cnn, "conv3x3-bn-relu-maxpool x2, global avg pool, "
                                      "linear (tiny, trains fast)"),
    "resnet18": ModelSpec(resnet18, "ResNet-18, CIFAR variant (paper 7.1)"),
    "mobilenetv2": ModelSpec(mobilenetv2, "MobileNet-v2, CIFAR variant (paper 7.1)"),
    "shufflenetv2": ModelSpec(shufflenetv2, "ShuffleNet-v2, CIFAR variant (paper 7.1)",
                              widths=sorted(_SHUFFLENET_CFG)),
    "squeezenet": ModelSpec(squeezenet, "SqueezeNet, CIFAR variant with BN "
                                        "(paper 7.1)", widths=sorted(_SQUEEZENET_CFG)),
}


def build(model, batch=128, in_channels=3, size=(32, 32), num_classes=10, width=1.0,
          name=None, **options):
    """Builds a zoo model by name; returns the `ir.Builder`."""
    if model not in MODELS:
        raise KeyError("unknown model %r; available: %s" % (model, ", ".join(MODELS)))
    spec = MODELS[model]
    for k in options:
        if k not in spec.options:
            raise ValueError("model %s has no option %r" % (model, k))
    return spec.fn(batch=batch, in_channels=in_channels, size=size,
                   num_classes=num_classes, width=width, name=name or model, **options)
