// RUN: mp-opt %s | mp-opt | FileCheck %s
// RUN: mp-opt %s --mlir-print-op-generic | mp-opt | FileCheck %s

//===----------------------------------------------------------------------===//
// #mp.format
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @cast_presets
//  CHECK-SAME:   (%[[X:.+]]: tensor<4x8xf32>)
func.func @cast_presets(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  // CHECK: %[[A:.+]] = mp.cast %[[X]] to <fp32> : tensor<4x8xf32>
  %a = mp.cast %x to <fp32> : tensor<4x8xf32>
  // CHECK: %[[B:.+]] = mp.cast %[[A]] to <fp16> : tensor<4x8xf32>
  %b = mp.cast %a to <fp16> : tensor<4x8xf32>
  // CHECK: %[[C:.+]] = mp.cast %[[B]] to <bf16> : tensor<4x8xf32>
  %c = mp.cast %b to <bf16> : tensor<4x8xf32>
  // CHECK: %[[D:.+]] = mp.cast %[[C]] to <e4m3> : tensor<4x8xf32>
  %d = mp.cast %c to <e4m3> : tensor<4x8xf32>
  // CHECK: %[[E:.+]] = mp.cast %[[D]] to <e5m2> : tensor<4x8xf32>
  %e = mp.cast %d to <e5m2> : tensor<4x8xf32>
  // CHECK: %[[F:.+]] = mp.cast %[[E]] to <paper_143> : tensor<4x8xf32>
  %f = mp.cast %e to <paper_143> : tensor<4x8xf32>
  // CHECK: %[[G:.+]] = mp.cast %[[F]] to <paper_152> : tensor<4x8xf32>
  %g = mp.cast %f to <paper_152> : tensor<4x8xf32>
  // CHECK: %[[H:.+]] = mp.cast %[[G]] to <paper_169> : tensor<4x8xf32>
  %h = mp.cast %g to <paper_169> : tensor<4x8xf32>
  // CHECK: return %[[H]]
  return %h : tensor<4x8xf32>
}

// COM: A preset with an override that no preset matches prints in full.
// CHECK-LABEL: func.func @cast_preset_override
//  CHECK-SAME:   (%[[X:.+]]: tensor<16xf32>)
func.func @cast_preset_override(%x: tensor<16xf32>) -> tensor<16xf32> {
  // CHECK: %[[Y:.+]] = mp.cast %[[X]] to <paper_169, overflow = inf> : tensor<16xf32>
  %y = mp.cast %x to <paper_169, overflow = inf> : tensor<16xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<16xf32>
}

// COM: An override that lands on another preset prints that preset's name.
// CHECK-LABEL: func.func @cast_preset_override_to_preset
//  CHECK-SAME:   (%[[X:.+]]: tensor<16xf32>)
func.func @cast_preset_override_to_preset(%x: tensor<16xf32>) -> tensor<16xf32> {
  // CHECK: %[[Y:.+]] = mp.cast %[[X]] to <paper_152> : tensor<16xf32>
  %y = mp.cast %x to <e5m2, specials = none, rounding = nearest_away> : tensor<16xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<16xf32>
}

// CHECK-LABEL: func.func @cast_spelled_out
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x3xf32>)
func.func @cast_spelled_out(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[Y:.+]] = mp.cast %[[X]] to <exp = 3, man = 4, bias = 5, specials = fnuz, overflow = saturate, rounding = nearest_away> : tensor<2x3xf32>
  %y = mp.cast %x to <exp = 3, man = 4, bias = 5, specials = fnuz, overflow = saturate, rounding = nearest_away> : tensor<2x3xf32>
  // COM: Keys may come in any order.
  // CHECK: %[[Z:.+]] = mp.cast %[[Y]] to <exp = 5, man = 3, bias = 10, specials = fn, overflow = nan, rounding = nearest_even> : tensor<2x3xf32>
  %z = mp.cast %y to <rounding = nearest_even, overflow = nan, specials = fn, bias = 10, man = 3, exp = 5> : tensor<2x3xf32>
  // COM: A negative bias is allowed while the range fits f32.
  // CHECK: %[[W:.+]] = mp.cast %[[Z]] to <exp = 4, man = 3, bias = -5, specials = none, overflow = saturate, rounding = nearest_even> : tensor<2x3xf32>
  %w = mp.cast %z to <exp = 4, man = 3, bias = -5, specials = none> : tensor<2x3xf32>
  // CHECK: return %[[W]]
  return %w : tensor<2x3xf32>
}

// COM: Spelled-out defaults: bias = 2^(exp-1) - 1, specials = ieee, overflow
// COM: follows the specials (ieee: inf, none: saturate, fn/fnuz: nan) and
// COM: rounding = nearest_even.
// CHECK-LABEL: func.func @cast_spelled_out_defaults
//  CHECK-SAME:   (%[[X:.+]]: tensor<2xf32>)
func.func @cast_spelled_out_defaults(%x: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: %[[A:.+]] = mp.cast %[[X]] to <exp = 3, man = 2, bias = 3, specials = ieee, overflow = inf, rounding = nearest_even> : tensor<2xf32>
  %a = mp.cast %x to <exp = 3, man = 2> : tensor<2xf32>
  // CHECK: %[[B:.+]] = mp.cast %[[A]] to <exp = 3, man = 2, bias = 3, specials = none, overflow = saturate, rounding = nearest_even> : tensor<2xf32>
  %b = mp.cast %a to <exp = 3, man = 2, specials = none> : tensor<2xf32>
  // CHECK: %[[C:.+]] = mp.cast %[[B]] to <exp = 3, man = 2, bias = 3, specials = fn, overflow = nan, rounding = nearest_even> : tensor<2xf32>
  %c = mp.cast %b to <exp = 3, man = 2, specials = fn> : tensor<2xf32>
  // CHECK: %[[D:.+]] = mp.cast %[[C]] to <exp = 3, man = 2, bias = 3, specials = fnuz, overflow = nan, rounding = nearest_even> : tensor<2xf32>
  %d = mp.cast %c to <exp = 3, man = 2, specials = fnuz> : tensor<2xf32>
  // COM: The defaults of exp = 8, man = 23 are exactly fp32.
  // CHECK: %[[E:.+]] = mp.cast %[[D]] to <fp32> : tensor<2xf32>
  %e = mp.cast %d to <exp = 8, man = 23> : tensor<2xf32>
  // COM: ... and of exp = 5, man = 10 exactly fp16.
  // CHECK: %[[F:.+]] = mp.cast %[[E]] to <fp16> : tensor<2xf32>
  %f = mp.cast %e to <exp = 5, man = 10> : tensor<2xf32>
  // CHECK: return %[[F]]
  return %f : tensor<2xf32>
}

// CHECK-LABEL: func.func @cast_scalar
//  CHECK-SAME:   (%[[X:.+]]: tensor<f32>)
func.func @cast_scalar(%x: tensor<f32>) -> tensor<f32> {
  // CHECK: %[[Y:.+]] = mp.cast %[[X]] to <e5m2> : tensor<f32>
  %y = mp.cast %x to <e5m2> : tensor<f32>
  return %y : tensor<f32>
}

// COM: The format attribute also stands alone, outside mp.cast.
// CHECK-LABEL: func.func @format_as_discardable_attr
//  CHECK-SAME:   attributes {test.formats = [#mp.format<e4m3>, #mp.format<e4m3, overflow = saturate>]}
func.func @format_as_discardable_attr() attributes {test.formats = [#mp.format<e4m3>, #mp.format<e4m3, overflow = saturate>]} {
  return
}

//===----------------------------------------------------------------------===//
// #mp.role and mp.name
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @argument_roles
//  CHECK-SAME:   (%{{.+}}: tensor<8x3x4x4xf32> {mp.name = "images", mp.role = #mp.role<input>}
//  CHECK-SAME:   %{{.+}}: tensor<8xi64> {mp.role = #mp.role<label>}
//  CHECK-SAME:   %{{.+}}: tensor<8xi32> {mp.role = #mp.role<label>}
//  CHECK-SAME:   %{{.+}}: tensor<4x3x3x3xf32> {mp.name = "conv1.weight", mp.role = #mp.role<weight>}
//  CHECK-SAME:   %{{.+}}: tensor<4x3x3x3xf32> {mp.role = #mp.role<momentum>}
//  CHECK-SAME:   %{{.+}}: tensor<4xf32> {mp.role = #mp.role<bn_stat>}
//  CHECK-SAME:   %{{.+}}: tensor<f32> {mp.role = #mp.role<learning_rate>}
//  CHECK-SAME:   %{{.+}}: tensor<f32> {mp.role = #mp.role<loss_scale>}
//  CHECK-SAME:   %{{.+}}: tensor<i64> {mp.role = #mp.role<seed>}
//  CHECK-SAME:   %{{.+}}: tensor<i1> {mp.role = #mp.role<flag>}
//  CHECK-SAME:   %{{.+}}: tensor<?xi32> {mp.role = #mp.role<flag>})
func.func @argument_roles(
    %input: tensor<8x3x4x4xf32> {mp.role = #mp.role<input>, mp.name = "images"},
    %label: tensor<8xi64> {mp.role = #mp.role<label>},
    %label32: tensor<8xi32> {mp.role = #mp.role<label>},
    %weight: tensor<4x3x3x3xf32> {mp.role = #mp.role<weight>, mp.name = "conv1.weight"},
    %momentum: tensor<4x3x3x3xf32> {mp.role = #mp.role<momentum>},
    %bn_stat: tensor<4xf32> {mp.role = #mp.role<bn_stat>},
    %lr: tensor<f32> {mp.role = #mp.role<learning_rate>},
    %loss_scale: tensor<f32> {mp.role = #mp.role<loss_scale>},
    %seed: tensor<i64> {mp.role = #mp.role<seed>},
    %flag: tensor<i1> {mp.role = #mp.role<flag>},
    %flags: tensor<?xi32> {mp.role = #mp.role<flag>}) {
  return
}

// COM: Results may carry every role, including those produced by ops.
// CHECK-LABEL: func.func private @result_roles
//  CHECK-SAME:   -> (tensor<2x2xf32> {mp.role = #mp.role<input>}
//  CHECK-SAME:   tensor<2xi32> {mp.role = #mp.role<label>}
//  CHECK-SAME:   tensor<2x2xf32> {mp.role = #mp.role<weight>}
//  CHECK-SAME:   tensor<2x2xf32> {mp.role = #mp.role<momentum>}
//  CHECK-SAME:   tensor<2xf32> {mp.role = #mp.role<bn_stat>}
//  CHECK-SAME:   tensor<f32> {mp.role = #mp.role<learning_rate>}
//  CHECK-SAME:   tensor<f32> {mp.role = #mp.role<loss_scale>}
//  CHECK-SAME:   tensor<i64> {mp.role = #mp.role<seed>}
//  CHECK-SAME:   tensor<i1> {mp.role = #mp.role<flag>}
//  CHECK-SAME:   tensor<2x2xf32> {mp.role = #mp.role<activation>}
//  CHECK-SAME:   tensor<2x2xf32> {mp.role = #mp.role<activation_grad>}
//  CHECK-SAME:   tensor<2x2xf32> {mp.role = #mp.role<weight_grad>}
//  CHECK-SAME:   tensor<2x2xf32> {mp.name = "fc.weight", mp.role = #mp.role<master_weight>}
//  CHECK-SAME:   tensor<f32> {mp.role = #mp.role<loss>}
//  CHECK-SAME:   tensor<i64> {mp.role = #mp.role<metric>})
func.func private @result_roles() -> (
    tensor<2x2xf32> {mp.role = #mp.role<input>},
    tensor<2xi32> {mp.role = #mp.role<label>},
    tensor<2x2xf32> {mp.role = #mp.role<weight>},
    tensor<2x2xf32> {mp.role = #mp.role<momentum>},
    tensor<2xf32> {mp.role = #mp.role<bn_stat>},
    tensor<f32> {mp.role = #mp.role<learning_rate>},
    tensor<f32> {mp.role = #mp.role<loss_scale>},
    tensor<i64> {mp.role = #mp.role<seed>},
    tensor<i1> {mp.role = #mp.role<flag>},
    tensor<2x2xf32> {mp.role = #mp.role<activation>},
    tensor<2x2xf32> {mp.role = #mp.role<activation_grad>},
    tensor<2x2xf32> {mp.role = #mp.role<weight_grad>},
    tensor<2x2xf32> {mp.role = #mp.role<master_weight>, mp.name = "fc.weight"},
    tensor<f32> {mp.role = #mp.role<loss>},
    tensor<i64> {mp.role = #mp.role<metric>})

// CHECK-LABEL: func.func @op_name_and_role
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x2xf32>)
func.func @op_name_and_role(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  // CHECK: %[[Y:.+]] = mp.relu %[[X]] {mp.name = "layer1.0.relu", mp.role = #mp.role<activation>} : tensor<2x2xf32>
  %y = mp.relu %x {mp.name = "layer1.0.relu", mp.role = #mp.role<activation>} : tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

//===----------------------------------------------------------------------===//
// Forward ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv2d_with_bias
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x3x8x8xf32>, %[[W:.+]]: tensor<4x3x3x3xf32>, %[[B:.+]]: tensor<4xf32>)
func.func @conv2d_with_bias(%x: tensor<2x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<2x4x8x8xf32> {
  // CHECK: %[[Y:.+]] = mp.conv2d %[[X]], %[[W]], %[[B]] stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  %y = mp.conv2d %x, %w, %b stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
         : (tensor<2x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<2x4x8x8xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<2x4x8x8xf32>
}

// CHECK-LABEL: func.func @conv2d_without_bias
//  CHECK-SAME:   (%[[X:.+]]: tensor<2x4x9x9xf32>, %[[W:.+]]: tensor<6x2x3x3xf32>)
func.func @conv2d_without_bias(%x: tensor<2x4x9x9xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<2x6x3x3xf32> {
  // COM: Grouped, strided and dilated: (9 + 0 - 2*2 - 1) / 2 + 1 = 3.
  // CHECK: %[[Y:.+]] = mp.conv2d %[[X]], %[[W]] stride [2, 2] padding [0, 0] dilation [2, 2] groups 2 : (tensor<2x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x3x3xf32>
  %y = mp.conv2d %x, %w stride [2, 2] padding [0, 0] dilation [2, 2] groups 2
         : (tensor<2x4x9x9xf32>, tensor<6x2x3x3xf32>) -> tensor<2x6x3x3xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<2x6x3x3xf32>
}

// CHECK-LABEL: func.func @linear_with_bias
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16xf32>, %[[W:.+]]: tensor<10x16xf32>, %[[B:.+]]: tensor<10xf32>)
func.func @linear_with_bias(%x: tensor<8x16xf32>, %w: tensor<10x16xf32>, %b: tensor<10xf32>) -> tensor<8x10xf32> {
  // CHECK: %[[Y:.+]] = mp.linear %[[X]], %[[W]], %[[B]] : (tensor<8x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<8x10xf32>
  %y = mp.linear %x, %w, %b : (tensor<8x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<8x10xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x10xf32>
}

// CHECK-LABEL: func.func @linear_without_bias
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16xf32>, %[[W:.+]]: tensor<10x16xf32>)
func.func @linear_without_bias(%x: tensor<8x16xf32>, %w: tensor<10x16xf32>) -> tensor<8x10xf32> {
  // CHECK: %[[Y:.+]] = mp.linear %[[X]], %[[W]] : (tensor<8x16xf32>, tensor<10x16xf32>) -> tensor<8x10xf32>
  %y = mp.linear %x, %w : (tensor<8x16xf32>, tensor<10x16xf32>) -> tensor<8x10xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x10xf32>
}

// CHECK-LABEL: func.func @batch_norm_4d
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4x2x2xf32>, %[[G:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>, %[[M:.+]]: tensor<4xf32>, %[[V:.+]]: tensor<4xf32>)
func.func @batch_norm_4d(%x: tensor<8x4x2x2xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>)
    -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK: %[[Y:.+]], %[[RM:.+]], %[[RV:.+]] = mp.batch_norm %[[X]], %[[G]], %[[B]], %[[M]], %[[V]] eps 1.000000e-05 momentum 1.000000e-01 : (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  %y, %rm, %rv = mp.batch_norm %x, %g, %b, %m, %v eps 1.0e-05 momentum 0.1
      : (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: return %[[Y]], %[[RM]], %[[RV]]
  return %y, %rm, %rv : tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @batch_norm_2d
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4xf32>, %[[P:.+]]: tensor<4xf32>)
func.func @batch_norm_2d(%x: tensor<8x4xf32>, %p: tensor<4xf32>) -> tensor<8x4xf32> {
  // CHECK: %[[Y:.+]], %{{.+}}, %{{.+}} = mp.batch_norm %[[X]], %[[P]], %[[P]], %[[P]], %[[P]] eps 1.000000e-03 momentum 1.000000e+00 : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  %y:3 = mp.batch_norm %x, %p, %p, %p, %p eps 1.0e-03 momentum 1.0
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      -> (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: return %[[Y]] :
  return %y#0 : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @batch_norm_inference
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4xf32>, %[[G:.+]]: tensor<4xf32>, %[[B:.+]]: tensor<4xf32>, %[[M:.+]]: tensor<4xf32>, %[[V:.+]]: tensor<4xf32>)
func.func @batch_norm_inference(%x: tensor<8x4xf32>, %g: tensor<4xf32>, %b: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>) -> tensor<8x4xf32> {
  // CHECK: %[[Y:.+]] = mp.batch_norm_inference %[[X]], %[[G]], %[[B]], %[[M]], %[[V]] eps 1.000000e-05 : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  %y = mp.batch_norm_inference %x, %g, %b, %m, %v eps 1.0e-05
      : (tensor<8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @relu
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4x2x2xf32>)
func.func @relu(%x: tensor<8x4x2x2xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[Y:.+]] = mp.relu %[[X]] : tensor<8x4x2x2xf32>
  %y = mp.relu %x : tensor<8x4x2x2xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x4x2x2xf32>
}

// CHECK-LABEL: func.func @relu6
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4xf32>)
func.func @relu6(%x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  // CHECK: %[[Y:.+]] = mp.relu6 %[[X]] : tensor<8x4xf32>
  %y = mp.relu6 %x : tensor<8x4xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @add
//  CHECK-SAME:   (%[[A:.+]]: tensor<8x4x2x2xf32>, %[[B:.+]]: tensor<8x4x2x2xf32>)
func.func @add(%a: tensor<8x4x2x2xf32>, %b: tensor<8x4x2x2xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[Y:.+]] = mp.add %[[A]], %[[B]] : tensor<8x4x2x2xf32>
  %y = mp.add %a, %b : tensor<8x4x2x2xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x4x2x2xf32>
}

// CHECK-LABEL: func.func @mul
//  CHECK-SAME:   (%[[A:.+]]: tensor<3xf32>, %[[B:.+]]: tensor<3xf32>)
func.func @mul(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  // CHECK: %[[Y:.+]] = mp.mul %[[A]], %[[B]] : tensor<3xf32>
  %y = mp.mul %a, %b : tensor<3xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<3xf32>
}

// CHECK-LABEL: func.func @concat_two
//  CHECK-SAME:   (%[[A:.+]]: tensor<8x4x2x2xf32>, %[[B:.+]]: tensor<8x6x2x2xf32>)
func.func @concat_two(%a: tensor<8x4x2x2xf32>, %b: tensor<8x6x2x2xf32>) -> tensor<8x10x2x2xf32> {
  // CHECK: %[[Y:.+]] = mp.concat %[[A]], %[[B]] axis 1 : (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>) -> tensor<8x10x2x2xf32>
  %y = mp.concat %a, %b axis 1 : (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>) -> tensor<8x10x2x2xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x10x2x2xf32>
}

// CHECK-LABEL: func.func @concat_one
//  CHECK-SAME:   (%[[A:.+]]: tensor<2x3xf32>)
func.func @concat_one(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: %[[Y:.+]] = mp.concat %[[A]] axis 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %y = mp.concat %a axis 0 : (tensor<2x3xf32>) -> tensor<2x3xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<2x3xf32>
}

// CHECK-LABEL: func.func @concat_three
//  CHECK-SAME:   (%[[A:.+]]: tensor<2x1xf32>, %[[B:.+]]: tensor<2x2xf32>, %[[C:.+]]: tensor<2x3xf32>)
func.func @concat_three(%a: tensor<2x1xf32>, %b: tensor<2x2xf32>, %c: tensor<2x3xf32>) -> tensor<2x6xf32> {
  // CHECK: %[[Y:.+]] = mp.concat %[[A]], %[[B]], %[[C]] axis 1 : (tensor<2x1xf32>, tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  %y = mp.concat %a, %b, %c axis 1 : (tensor<2x1xf32>, tensor<2x2xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<2x6xf32>
}

// CHECK-LABEL: func.func @split_two
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x10x2x2xf32>)
func.func @split_two(%x: tensor<8x10x2x2xf32>) -> (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>) {
  // CHECK: %[[Y:.+]]:2 = mp.split %[[X]] axis 1 : (tensor<8x10x2x2xf32>) -> (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>)
  %a, %b = mp.split %x axis 1 : (tensor<8x10x2x2xf32>) -> (tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>)
  // CHECK: return %[[Y]]#0, %[[Y]]#1
  return %a, %b : tensor<8x4x2x2xf32>, tensor<8x6x2x2xf32>
}

// CHECK-LABEL: func.func @split_one
//  CHECK-SAME:   (%[[X:.+]]: tensor<4xf32>)
func.func @split_one(%x: tensor<4xf32>) -> tensor<4xf32> {
  // CHECK: %[[Y:.+]] = mp.split %[[X]] axis 0 : (tensor<4xf32>) -> tensor<4xf32>
  %y = mp.split %x axis 0 : (tensor<4xf32>) -> tensor<4xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<4xf32>
}

// CHECK-LABEL: func.func @split_three
//  CHECK-SAME:   (%[[X:.+]]: tensor<6x2xf32>)
func.func @split_three(%x: tensor<6x2xf32>) -> (tensor<1x2xf32>, tensor<2x2xf32>, tensor<3x2xf32>) {
  // CHECK: %[[Y:.+]]:3 = mp.split %[[X]] axis 0 : (tensor<6x2xf32>) -> (tensor<1x2xf32>, tensor<2x2xf32>, tensor<3x2xf32>)
  %y:3 = mp.split %x axis 0 : (tensor<6x2xf32>) -> (tensor<1x2xf32>, tensor<2x2xf32>, tensor<3x2xf32>)
  // CHECK: return %[[Y]]#0, %[[Y]]#1, %[[Y]]#2
  return %y#0, %y#1, %y#2 : tensor<1x2xf32>, tensor<2x2xf32>, tensor<3x2xf32>
}

// CHECK-LABEL: func.func @channel_shuffle
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x6x4x4xf32>)
func.func @channel_shuffle(%x: tensor<8x6x4x4xf32>) -> tensor<8x6x4x4xf32> {
  // CHECK: %[[Y:.+]] = mp.channel_shuffle %[[X]] groups 2 : tensor<8x6x4x4xf32>
  %y = mp.channel_shuffle %x groups 2 : tensor<8x6x4x4xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x6x4x4xf32>
}

// CHECK-LABEL: func.func @reshape
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16x1x1xf32>)
func.func @reshape(%x: tensor<8x16x1x1xf32>) -> tensor<8x16xf32> {
  // CHECK: %[[Y:.+]] = mp.reshape %[[X]] : tensor<8x16x1x1xf32> to tensor<8x16xf32>
  %y = mp.reshape %x : tensor<8x16x1x1xf32> to tensor<8x16xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @max_pool2d
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x4x8x8xf32>)
func.func @max_pool2d(%x: tensor<8x4x8x8xf32>) -> tensor<8x4x4x4xf32> {
  // CHECK: %[[Y:.+]] = mp.max_pool2d %[[X]] kernel [3, 3] stride [2, 2] padding [1, 1] : tensor<8x4x8x8xf32> -> tensor<8x4x4x4xf32>
  %y = mp.max_pool2d %x kernel [3, 3] stride [2, 2] padding [1, 1] : tensor<8x4x8x8xf32> -> tensor<8x4x4x4xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x4x4x4xf32>
}

// CHECK-LABEL: func.func @avg_pool2d
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16x4x4xf32>)
func.func @avg_pool2d(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x1x1xf32> {
  // CHECK: %[[Y:.+]] = mp.avg_pool2d %[[X]] kernel [4, 4] stride [4, 4] padding [0, 0] : tensor<8x16x4x4xf32> -> tensor<8x16x1x1xf32>
  %y = mp.avg_pool2d %x kernel [4, 4] stride [4, 4] padding [0, 0] : tensor<8x16x4x4xf32> -> tensor<8x16x1x1xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x16x1x1xf32>
}

// CHECK-LABEL: func.func @global_avg_pool_2d_result
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16x4x4xf32>)
func.func @global_avg_pool_2d_result(%x: tensor<8x16x4x4xf32>) -> tensor<8x16xf32> {
  // CHECK: %[[Y:.+]] = mp.global_avg_pool %[[X]] : tensor<8x16x4x4xf32> -> tensor<8x16xf32>
  %y = mp.global_avg_pool %x : tensor<8x16x4x4xf32> -> tensor<8x16xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @global_avg_pool_4d_result
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16x4x4xf32>)
func.func @global_avg_pool_4d_result(%x: tensor<8x16x4x4xf32>) -> tensor<8x16x1x1xf32> {
  // CHECK: %[[Y:.+]] = mp.global_avg_pool %[[X]] : tensor<8x16x4x4xf32> -> tensor<8x16x1x1xf32>
  %y = mp.global_avg_pool %x : tensor<8x16x4x4xf32> -> tensor<8x16x1x1xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x16x1x1xf32>
}

// CHECK-LABEL: func.func @dropout
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x16xf32>, %[[S:.+]]: tensor<i64>)
func.func @dropout(%x: tensor<8x16xf32>, %seed: tensor<i64>) -> tensor<8x16xf32> {
  // CHECK: %[[Y:.+]] = mp.dropout %[[X]], %[[S]] ratio 5.000000e-01 : (tensor<8x16xf32>, tensor<i64>) -> tensor<8x16xf32>
  %y = mp.dropout %x, %seed ratio 5.0e-01 : (tensor<8x16xf32>, tensor<i64>) -> tensor<8x16xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @log_softmax
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x10xf32>)
func.func @log_softmax(%x: tensor<8x10xf32>) -> tensor<8x10xf32> {
  // CHECK: %[[Y:.+]] = mp.log_softmax %[[X]] : tensor<8x10xf32>
  %y = mp.log_softmax %x : tensor<8x10xf32>
  // CHECK: return %[[Y]]
  return %y : tensor<8x10xf32>
}

// CHECK-LABEL: func.func @nll_loss
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x10xf32>, %[[L:.+]]: tensor<8xi32>)
func.func @nll_loss(%x: tensor<8x10xf32>, %labels: tensor<8xi32>) -> tensor<f32> {
  // CHECK: %[[Y:.+]] = mp.nll_loss %[[X]], %[[L]] : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<f32>
  %y = mp.nll_loss %x, %labels : (tensor<8x10xf32>, tensor<8xi32>) -> tensor<f32>
  // CHECK: return %[[Y]]
  return %y : tensor<f32>
}

// CHECK-LABEL: func.func @count_correct
//  CHECK-SAME:   (%[[X:.+]]: tensor<8x10xf32>, %[[L:.+]]: tensor<8xi64>)
func.func @count_correct(%x: tensor<8x10xf32>, %labels: tensor<8xi64>) -> tensor<i64> {
  // CHECK: %[[Y:.+]] = mp.count_correct %[[X]], %[[L]] : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<i64>
  %y = mp.count_correct %x, %labels : (tensor<8x10xf32>, tensor<8xi64>) -> tensor<i64>
  // CHECK: return %[[Y]]
  return %y : tensor<i64>
}

//===----------------------------------------------------------------------===//
// Backward ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @conv2d_input_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x16x8x8xf32>, %[[W:.+]]: tensor<16x4x3x3xf32>)
func.func @conv2d_input_grad(%dy: tensor<8x16x8x8xf32>, %w: tensor<16x4x3x3xf32>) -> tensor<8x4x8x8xf32> {
  // CHECK: %[[DX:.+]] = mp.conv2d_input_grad %[[DY]], %[[W]] stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<8x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<8x4x8x8xf32>
  %dx = mp.conv2d_input_grad %dy, %w stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
          : (tensor<8x16x8x8xf32>, tensor<16x4x3x3xf32>) -> tensor<8x4x8x8xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x8x8xf32>
}

// CHECK-LABEL: func.func @conv2d_weight_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x16x8x8xf32>, %[[X:.+]]: tensor<8x4x8x8xf32>)
func.func @conv2d_weight_grad(%dy: tensor<8x16x8x8xf32>, %x: tensor<8x4x8x8xf32>) -> tensor<16x4x3x3xf32> {
  // CHECK: %[[DW:.+]] = mp.conv2d_weight_grad %[[DY]], %[[X]] stride [1, 1] padding [1, 1] dilation [1, 1] groups 1 : (tensor<8x16x8x8xf32>, tensor<8x4x8x8xf32>) -> tensor<16x4x3x3xf32>
  %dw = mp.conv2d_weight_grad %dy, %x stride [1, 1] padding [1, 1] dilation [1, 1] groups 1
          : (tensor<8x16x8x8xf32>, tensor<8x4x8x8xf32>) -> tensor<16x4x3x3xf32>
  // CHECK: return %[[DW]]
  return %dw : tensor<16x4x3x3xf32>
}

// CHECK-LABEL: func.func @bias_grad_4d
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x16x8x8xf32>)
func.func @bias_grad_4d(%dy: tensor<8x16x8x8xf32>) -> tensor<16xf32> {
  // CHECK: %[[DB:.+]] = mp.bias_grad %[[DY]] : tensor<8x16x8x8xf32> -> tensor<16xf32>
  %db = mp.bias_grad %dy : tensor<8x16x8x8xf32> -> tensor<16xf32>
  // CHECK: return %[[DB]]
  return %db : tensor<16xf32>
}

// CHECK-LABEL: func.func @bias_grad_2d
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x10xf32>)
func.func @bias_grad_2d(%dy: tensor<8x10xf32>) -> tensor<10xf32> {
  // CHECK: %[[DB:.+]] = mp.bias_grad %[[DY]] : tensor<8x10xf32> -> tensor<10xf32>
  %db = mp.bias_grad %dy : tensor<8x10xf32> -> tensor<10xf32>
  // CHECK: return %[[DB]]
  return %db : tensor<10xf32>
}

// CHECK-LABEL: func.func @linear_input_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x10xf32>, %[[W:.+]]: tensor<10x16xf32>)
func.func @linear_input_grad(%dy: tensor<8x10xf32>, %w: tensor<10x16xf32>) -> tensor<8x16xf32> {
  // CHECK: %[[DX:.+]] = mp.linear_input_grad %[[DY]], %[[W]] : (tensor<8x10xf32>, tensor<10x16xf32>) -> tensor<8x16xf32>
  %dx = mp.linear_input_grad %dy, %w : (tensor<8x10xf32>, tensor<10x16xf32>) -> tensor<8x16xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @linear_weight_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x10xf32>, %[[X:.+]]: tensor<8x16xf32>)
func.func @linear_weight_grad(%dy: tensor<8x10xf32>, %x: tensor<8x16xf32>) -> tensor<10x16xf32> {
  // CHECK: %[[DW:.+]] = mp.linear_weight_grad %[[DY]], %[[X]] : (tensor<8x10xf32>, tensor<8x16xf32>) -> tensor<10x16xf32>
  %dw = mp.linear_weight_grad %dy, %x : (tensor<8x10xf32>, tensor<8x16xf32>) -> tensor<10x16xf32>
  // CHECK: return %[[DW]]
  return %dw : tensor<10x16xf32>
}

// CHECK-LABEL: func.func @batch_norm_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x2x2xf32>, %[[X:.+]]: tensor<8x4x2x2xf32>, %[[G:.+]]: tensor<4xf32>)
func.func @batch_norm_grad(%dy: tensor<8x4x2x2xf32>, %x: tensor<8x4x2x2xf32>, %g: tensor<4xf32>)
    -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>) {
  // CHECK: %[[DX:.+]], %[[DG:.+]], %[[DB:.+]] = mp.batch_norm_grad %[[DY]], %[[X]], %[[G]] eps 1.000000e-05 : (tensor<8x4x2x2xf32>, tensor<8x4x2x2xf32>, tensor<4xf32>) -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  %dx, %dg, %db = mp.batch_norm_grad %dy, %x, %g eps 1.0e-05
      : (tensor<8x4x2x2xf32>, tensor<8x4x2x2xf32>, tensor<4xf32>)
      -> (tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>)
  // CHECK: return %[[DX]], %[[DG]], %[[DB]]
  return %dx, %dg, %db : tensor<8x4x2x2xf32>, tensor<4xf32>, tensor<4xf32>
}

// CHECK-LABEL: func.func @relu_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x2x2xf32>, %[[X:.+]]: tensor<8x4x2x2xf32>)
func.func @relu_grad(%dy: tensor<8x4x2x2xf32>, %x: tensor<8x4x2x2xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[DX:.+]] = mp.relu_grad %[[DY]], %[[X]] : tensor<8x4x2x2xf32>
  %dx = mp.relu_grad %dy, %x : tensor<8x4x2x2xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x2x2xf32>
}

// CHECK-LABEL: func.func @relu6_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x2x2xf32>, %[[X:.+]]: tensor<8x4x2x2xf32>)
func.func @relu6_grad(%dy: tensor<8x4x2x2xf32>, %x: tensor<8x4x2x2xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[DX:.+]] = mp.relu6_grad %[[DY]], %[[X]] : tensor<8x4x2x2xf32>
  %dx = mp.relu6_grad %dy, %x : tensor<8x4x2x2xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x2x2xf32>
}

// CHECK-LABEL: func.func @max_pool2d_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x4x4xf32>, %[[X:.+]]: tensor<8x4x8x8xf32>)
func.func @max_pool2d_grad(%dy: tensor<8x4x4x4xf32>, %x: tensor<8x4x8x8xf32>) -> tensor<8x4x8x8xf32> {
  // CHECK: %[[DX:.+]] = mp.max_pool2d_grad %[[DY]], %[[X]] kernel [2, 2] stride [2, 2] padding [0, 0] : (tensor<8x4x4x4xf32>, tensor<8x4x8x8xf32>) -> tensor<8x4x8x8xf32>
  %dx = mp.max_pool2d_grad %dy, %x kernel [2, 2] stride [2, 2] padding [0, 0]
          : (tensor<8x4x4x4xf32>, tensor<8x4x8x8xf32>) -> tensor<8x4x8x8xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x8x8xf32>
}

// CHECK-LABEL: func.func @avg_pool2d_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x4x4xf32>)
func.func @avg_pool2d_grad(%dy: tensor<8x4x4x4xf32>) -> tensor<8x4x8x8xf32> {
  // CHECK: %[[DX:.+]] = mp.avg_pool2d_grad %[[DY]] kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<8x4x4x4xf32> -> tensor<8x4x8x8xf32>
  %dx = mp.avg_pool2d_grad %dy kernel [2, 2] stride [2, 2] padding [0, 0] : tensor<8x4x4x4xf32> -> tensor<8x4x8x8xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x8x8xf32>
}

// CHECK-LABEL: func.func @global_avg_pool_grad_2d
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4xf32>)
func.func @global_avg_pool_grad_2d(%dy: tensor<8x4xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[DX:.+]] = mp.global_avg_pool_grad %[[DY]] : tensor<8x4xf32> -> tensor<8x4x2x2xf32>
  %dx = mp.global_avg_pool_grad %dy : tensor<8x4xf32> -> tensor<8x4x2x2xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x2x2xf32>
}

// CHECK-LABEL: func.func @global_avg_pool_grad_4d
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x4x1x1xf32>)
func.func @global_avg_pool_grad_4d(%dy: tensor<8x4x1x1xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[DX:.+]] = mp.global_avg_pool_grad %[[DY]] : tensor<8x4x1x1xf32> -> tensor<8x4x2x2xf32>
  %dx = mp.global_avg_pool_grad %dy : tensor<8x4x1x1xf32> -> tensor<8x4x2x2xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x4x2x2xf32>
}

// CHECK-LABEL: func.func @dropout_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x16xf32>, %[[S:.+]]: tensor<i64>)
func.func @dropout_grad(%dy: tensor<8x16xf32>, %seed: tensor<i64>) -> tensor<8x16xf32> {
  // CHECK: %[[DX:.+]] = mp.dropout_grad %[[DY]], %[[S]] ratio 2.500000e-01 : (tensor<8x16xf32>, tensor<i64>) -> tensor<8x16xf32>
  %dx = mp.dropout_grad %dy, %seed ratio 2.5e-01 : (tensor<8x16xf32>, tensor<i64>) -> tensor<8x16xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x16xf32>
}

// CHECK-LABEL: func.func @log_softmax_grad
//  CHECK-SAME:   (%[[DY:.+]]: tensor<8x10xf32>, %[[Y:.+]]: tensor<8x10xf32>)
func.func @log_softmax_grad(%dy: tensor<8x10xf32>, %y: tensor<8x10xf32>) -> tensor<8x10xf32> {
  // CHECK: %[[DX:.+]] = mp.log_softmax_grad %[[DY]], %[[Y]] : tensor<8x10xf32>
  %dx = mp.log_softmax_grad %dy, %y : tensor<8x10xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x10xf32>
}

// CHECK-LABEL: func.func @nll_loss_grad
//  CHECK-SAME:   (%[[DL:.+]]: tensor<f32>, %[[L:.+]]: tensor<8xi32>)
func.func @nll_loss_grad(%dl: tensor<f32>, %labels: tensor<8xi32>) -> tensor<8x10xf32> {
  // CHECK: %[[DX:.+]] = mp.nll_loss_grad %[[DL]], %[[L]] : (tensor<f32>, tensor<8xi32>) -> tensor<8x10xf32>
  %dx = mp.nll_loss_grad %dl, %labels : (tensor<f32>, tensor<8xi32>) -> tensor<8x10xf32>
  // CHECK: return %[[DX]]
  return %dx : tensor<8x10xf32>
}

// CHECK-LABEL: func.func @grad_sum_one
//  CHECK-SAME:   (%[[C:.+]]: tensor<8x4xf32>, %[[X:.+]]: tensor<8x4xf32>)
func.func @grad_sum_one(%c: tensor<8x4xf32>, %x: tensor<8x4xf32>) -> tensor<8x4xf32> {
  // CHECK: %[[G:.+]] = mp.grad_sum %[[C]] for %[[X]] : tensor<8x4xf32>
  %g = mp.grad_sum %c for %x : tensor<8x4xf32>
  // CHECK: return %[[G]]
  return %g : tensor<8x4xf32>
}

// CHECK-LABEL: func.func @grad_sum_two
//  CHECK-SAME:   (%[[C0:.+]]: tensor<8x4x2x2xf32>, %[[C1:.+]]: tensor<8x4x2x2xf32>, %[[X:.+]]: tensor<8x4x2x2xf32>)
func.func @grad_sum_two(%c0: tensor<8x4x2x2xf32>, %c1: tensor<8x4x2x2xf32>, %x: tensor<8x4x2x2xf32>) -> tensor<8x4x2x2xf32> {
  // CHECK: %[[G:.+]] = mp.grad_sum %[[C0]], %[[C1]] for %[[X]] : tensor<8x4x2x2xf32>
  %g = mp.grad_sum %c0, %c1 for %x : tensor<8x4x2x2xf32>
  // CHECK: return %[[G]]
  return %g : tensor<8x4x2x2xf32>
}

//===----------------------------------------------------------------------===//
// Optimizer ops
//===----------------------------------------------------------------------===//

// CHECK-LABEL: func.func @sgd
//  CHECK-SAME:   (%[[P:.+]]: tensor<4x3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[M:.+]]: tensor<4x3xf32>, %[[LR:.+]]: tensor<f32>)
func.func @sgd(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %lr: tensor<f32>)
    -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  // CHECK: %[[P2:.+]], %[[M2:.+]] = mp.sgd %[[P]], %[[G]], %[[M]], %[[LR]] momentum 9.000000e-01 weight_decay 5.000000e-04 : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  %p2, %m2 = mp.sgd %p, %g, %m, %lr momentum 9.0e-01 weight_decay 5.0e-04
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  // CHECK: return %[[P2]], %[[M2]]
  return %p2, %m2 : tensor<4x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @sgd_nesterov
//  CHECK-SAME:   (%[[P:.+]]: tensor<4x3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[M:.+]]: tensor<4x3xf32>, %[[LR:.+]]: tensor<f32>)
func.func @sgd_nesterov(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %lr: tensor<f32>)
    -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  // CHECK: %[[P2:.+]], %[[M2:.+]] = mp.sgd %[[P]], %[[G]], %[[M]], %[[LR]] momentum 9.000000e-01 weight_decay 0.000000e+00 nesterov : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  %p2, %m2 = mp.sgd %p, %g, %m, %lr momentum 9.0e-01 weight_decay 0.0 nesterov
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  // CHECK: return %[[P2]], %[[M2]]
  return %p2, %m2 : tensor<4x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @sgd_grad_scale
//  CHECK-SAME:   (%[[P:.+]]: tensor<4x3xf32>, %[[G:.+]]: tensor<4x3xf32>, %[[M:.+]]: tensor<4x3xf32>, %[[LR:.+]]: tensor<f32>, %[[S:.+]]: tensor<f32>)
func.func @sgd_grad_scale(%p: tensor<4x3xf32>, %g: tensor<4x3xf32>, %m: tensor<4x3xf32>, %lr: tensor<f32>, %scale: tensor<f32>)
    -> (tensor<4x3xf32>, tensor<4x3xf32>) {
  // CHECK: %[[P2:.+]], %[[M2:.+]] = mp.sgd %[[P]], %[[G]], %[[M]], %[[LR]] grad_scale %[[S]] momentum 9.000000e-01 weight_decay 5.000000e-04 nesterov : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  %p2, %m2 = mp.sgd %p, %g, %m, %lr grad_scale %scale momentum 9.0e-01 weight_decay 5.0e-04 nesterov
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<f32>, tensor<f32>) -> (tensor<4x3xf32>, tensor<4x3xf32>)
  // CHECK: return %[[P2]], %[[M2]]
  return %p2, %m2 : tensor<4x3xf32>, tensor<4x3xf32>
}

// CHECK-LABEL: func.func @all_finite_one
//  CHECK-SAME:   (%[[A:.+]]: tensor<16x4x3x3xf32>)
func.func @all_finite_one(%a: tensor<16x4x3x3xf32>) -> tensor<i1> {
  // CHECK: %[[OK:.+]] = mp.all_finite %[[A]] : (tensor<16x4x3x3xf32>) -> tensor<i1>
  %ok = mp.all_finite %a : (tensor<16x4x3x3xf32>) -> tensor<i1>
  // CHECK: return %[[OK]]
  return %ok : tensor<i1>
}

// CHECK-LABEL: func.func @all_finite_two
//  CHECK-SAME:   (%[[A:.+]]: tensor<16x4x3x3xf32>, %[[B:.+]]: tensor<16xf32>)
func.func @all_finite_two(%a: tensor<16x4x3x3xf32>, %b: tensor<16xf32>) -> tensor<i1> {
  // CHECK: %[[OK:.+]] = mp.all_finite %[[A]], %[[B]] : (tensor<16x4x3x3xf32>, tensor<16xf32>) -> tensor<i1>
  %ok = mp.all_finite %a, %b : (tensor<16x4x3x3xf32>, tensor<16xf32>) -> tensor<i1>
  // CHECK: return %[[OK]]
  return %ok : tensor<i1>
}
