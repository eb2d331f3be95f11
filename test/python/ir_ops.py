# RUN: %PYTHON %s | FileCheck %s --check-prefix=EMIT
# RUN: %PYTHON %s | mp-opt | FileCheck %s --check-prefix=VERIFY
#
# Every forward op of mpt.ir.Builder, printed by the builder and parsed and
# verified by mp-opt.

from mpt.ir import Builder

b = Builder("all_ops")
x = b.input((2, 4, 9, 9))
labels = b.label(2)
w = b.weight("conv.weight", (8, 2, 3, 3))
bias = b.weight("conv.bias", (8,))
# Grouped, strided, dilated conv with a bias: (9 + 2*2 - 2*2 - 1) / 2 + 1 = 5.
y = b.conv2d(x, w, bias, stride=2, padding=2, dilation=2, groups=2, name="conv")
assert y.shape == (2, 8, 5, 5), y.shape
y = b.bn(y, "bn")
y = b.relu6(y, name="act")
# Depthwise conv created by the layer helper, no bias.
d = b.conv(y, "dw", 8, 3, padding=1, groups=8)
assert d.shape == (2, 8, 5, 5)
s = b.add(y, d, name="res")
m = b.mul(s, d, name="gate")
a, c = b.split(m, [3, 5], axis=1, name="split")
assert (a.shape, c.shape) == ((2, 3, 5, 5), (2, 5, 5, 5))
cat = b.concat([c, a], axis=1, name="cat")
sh = b.channel_shuffle(cat, 4, name="shuffle")
mp_ = b.max_pool2d(sh, 3, stride=2, padding=1, name="maxpool")
assert mp_.shape == (2, 8, 3, 3), mp_.shape
ap = b.avg_pool2d(mp_, (2, 3), stride=1, name="avgpool")
assert ap.shape == (2, 8, 2, 1), ap.shape
g = b.global_avg_pool(sh, keepdims=True, name="gap")
assert g.shape == (2, 8, 1, 1)
f = b.flatten(g, name="flatten")
dr = b.dropout(f, 0.25, name="drop")
h = b.relu(b.fc(dr, "fc1", 6), name="relu")
fl = b.reshape(ap, (2, -1), name="view")
h2 = b.linear(fl, b.weight("fc2.weight", (6, 16)), name="fc2")
logits = b.add(h, h2, name="sum")
loss = b.cross_entropy(logits)
assert loss.shape == ()
print(b.to_mlir())

# EMIT-LABEL: func.func @all_ops(
# EMIT-NEXT:  %x: tensor<2x4x9x9xf32> {mp.name = "input", mp.role = #mp.role<input>},
# EMIT-NEXT:  %label: tensor<2xi32> {mp.name = "label", mp.role = #mp.role<label>},
# EMIT-NEXT:  %conv.weight: tensor<8x2x3x3xf32> {mp.name = "conv.weight", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %conv.bias: tensor<8xf32> {mp.name = "conv.bias", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %bn.weight: tensor<8xf32> {mp.name = "bn.weight", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %bn.bias: tensor<8xf32> {mp.name = "bn.bias", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %dw.weight: tensor<8x1x3x3xf32> {mp.name = "dw.weight", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %fc1.weight: tensor<6x8xf32> {mp.name = "fc1.weight", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %fc1.bias: tensor<6xf32> {mp.name = "fc1.bias", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %fc2.weight: tensor<6x16xf32> {mp.name = "fc2.weight", mp.role = #mp.role<weight>},
# EMIT-NEXT:  %bn.running_mean: tensor<8xf32> {mp.name = "bn.running_mean", mp.role = #mp.role<bn_stat>},
# EMIT-NEXT:  %bn.running_var: tensor<8xf32> {mp.name = "bn.running_var", mp.role = #mp.role<bn_stat>},
# EMIT-NEXT:  %drop.seed: tensor<i64> {mp.name = "drop.seed", mp.role = #mp.role<seed>})
# EMIT-NEXT:  -> (tensor<f32> {mp.name = "loss", mp.role = #mp.role<loss>},
# EMIT-NEXT:      tensor<8xf32> {mp.name = "bn.running_mean", mp.role = #mp.role<bn_stat>},
# EMIT-NEXT:      tensor<8xf32> {mp.name = "bn.running_var", mp.role = #mp.role<bn_stat>}) {
# EMIT-NEXT: %conv = mp.conv2d %x, %conv.weight, %conv.bias stride [2, 2] padding [2, 2] dilation [2, 2] groups 2 {mp.name = "conv"} : (tensor<2x4x9x9xf32>, tensor<8x2x3x3xf32>, tensor<8xf32>) -> tensor<2x8x5x5xf32>
# EMIT-NEXT: %bn, %bn.new_running_mean, %bn.new_running_var = mp.batch_norm %conv, %bn.weight, %bn.bias, %bn.running_mean, %bn.running_var eps 1.0e-05 momentum 0.1 {mp.name = "bn"}
# EMIT-NEXT: %act = mp.relu6 %bn {mp.name = "act"} : tensor<2x8x5x5xf32>
# EMIT-NEXT: %dw = mp.conv2d %act, %dw.weight stride [1, 1] padding [1, 1] dilation [1, 1] groups 8 {mp.name = "dw"}
# EMIT-NEXT: %res = mp.add %act, %dw {mp.name = "res"} : tensor<2x8x5x5xf32>
# EMIT-NEXT: %gate = mp.mul %res, %dw {mp.name = "gate"} : tensor<2x8x5x5xf32>
# EMIT-NEXT: %split.0, %split.1 = mp.split %gate axis 1 {mp.name = "split"} : (tensor<2x8x5x5xf32>) -> (tensor<2x3x5x5xf32>, tensor<2x5x5x5xf32>)
# EMIT-NEXT: %cat = mp.concat %split.1, %split.0 axis 1 {mp.name = "cat"} : (tensor<2x5x5x5xf32>, tensor<2x3x5x5xf32>) -> tensor<2x8x5x5xf32>
# EMIT-NEXT: %shuffle = mp.channel_shuffle %cat groups 4 {mp.name = "shuffle"} : tensor<2x8x5x5xf32>
# EMIT-NEXT: %maxpool = mp.max_pool2d %shuffle kernel [3, 3] stride [2, 2] padding [1, 1] {mp.name = "maxpool"} : tensor<2x8x5x5xf32> -> tensor<2x8x3x3xf32>
# EMIT-NEXT: %avgpool = mp.avg_pool2d %maxpool kernel [2, 3] stride [1, 1] padding [0, 0] {mp.name = "avgpool"} : tensor<2x8x3x3xf32> -> tensor<2x8x2x1xf32>
# EMIT-NEXT: %gap = mp.global_avg_pool %shuffle {mp.name = "gap"} : tensor<2x8x5x5xf32> -> tensor<2x8x1x1xf32>
# EMIT-NEXT: %flatten = mp.reshape %gap {mp.name = "flatten"} : tensor<2x8x1x1xf32> to tensor<2x8xf32>
# EMIT-NEXT: %drop = mp.dropout %flatten, %drop.seed ratio 0.25 {mp.name = "drop"} : (tensor<2x8xf32>, tensor<i64>) -> tensor<2x8xf32>
# EMIT-NEXT: %fc1 = mp.linear %drop, %fc1.weight, %fc1.bias {mp.name = "fc1"} : (tensor<2x8xf32>, tensor<6x8xf32>, tensor<6xf32>) -> tensor<2x6xf32>
# EMIT-NEXT: %relu = mp.relu %fc1 {mp.name = "relu"} : tensor<2x6xf32>
# EMIT-NEXT: %view = mp.reshape %avgpool {mp.name = "view"} : tensor<2x8x2x1xf32> to tensor<2x16xf32>
# EMIT-NEXT: %fc2 = mp.linear %view, %fc2.weight {mp.name = "fc2"} : (tensor<2x16xf32>, tensor<6x16xf32>) -> tensor<2x6xf32>
# EMIT-NEXT: %sum = mp.add %relu, %fc2 {mp.name = "sum"} : tensor<2x6xf32>
# EMIT-NEXT: %log_softmax = mp.log_softmax %sum {mp.name = "log_softmax"} : tensor<2x6xf32>
# EMIT-NEXT: %loss = mp.nll_loss %log_softmax, %label {mp.name = "nll_loss"} : (tensor<2x6xf32>, tensor<2xi32>) -> tensor<f32>
# EMIT-NEXT: return %loss, %bn.new_running_mean, %bn.new_running_var : tensor<f32>, tensor<8xf32>, tensor<8xf32>

# VERIFY-LABEL: func.func @all_ops
# VERIFY-SAME: {mp.name = "drop.seed", mp.role = #mp.role<seed>}
# VERIFY-SAME: -> (tensor<f32> {mp.name = "loss", mp.role = #mp.role<loss>}, tensor<8xf32> {mp.name = "bn.running_mean", mp.role = #mp.role<bn_stat>}, tensor<8xf32> {mp.name = "bn.running_var", mp.role = #mp.role<bn_stat>})
# VERIFY: mp.conv2d {{.*}} groups 2 {mp.name = "conv"} : {{.*}} -> tensor<2x8x5x5xf32>
# VERIFY: mp.batch_norm
# VERIFY: mp.relu6
# VERIFY: mp.conv2d {{.*}} groups 8 {mp.name = "dw"}
# VERIFY: mp.add
# VERIFY: mp.mul
# VERIFY: mp.split
# VERIFY: mp.concat
# VERIFY: mp.channel_shuffle
# VERIFY: mp.max_pool2d {{.*}} -> tensor<2x8x3x3xf32>
# VERIFY: mp.avg_pool2d {{.*}} -> tensor<2x8x2x1xf32>
# VERIFY: mp.global_avg_pool {{.*}} -> tensor<2x8x1x1xf32>
# VERIFY: mp.reshape
# VERIFY: mp.dropout
# VERIFY: mp.linear
# VERIFY: mp.relu
# VERIFY: mp.reshape
# VERIFY: mp.linear
# VERIFY: mp.add
# VERIFY: mp.log_softmax
# VERIFY: mp.nll_loss
# VERIFY: return
