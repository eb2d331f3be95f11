// RUN: mp-opt %s --mp-donate-state --split-input-file | FileCheck %s

// An SGD-like update with two results: the weight and the momentum are
// computed in their arguments (the inits), which the payload reads instead of
// the dropped inputs; the other arguments become read-only.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @sgd
//  CHECK-SAME:   %[[W:[a-z0-9]+]]: tensor<4xf32> {bufferization.writable = true
//  CHECK-SAME:   %[[G:[a-z0-9]+]]: tensor<4xf32> {bufferization.writable = false
//  CHECK-SAME:   %[[M:[a-z0-9]+]]: tensor<4xf32> {bufferization.writable = true
//       CHECK:   %[[R:.+]]:2 = linalg.generic {{.*}} ins(%[[G]] : tensor<4xf32>) outs(%[[W]], %[[M]] : tensor<4xf32>, tensor<4xf32>)
//  CHECK-NEXT:   ^bb0(%[[g:.+]]: f32, %[[w:.+]]: f32, %[[m:.+]]: f32):
//  CHECK-NEXT:     %[[NM:.+]] = arith.addf %[[m]], %[[g]]
//  CHECK-NEXT:     %[[NW:.+]] = arith.subf %[[w]], %[[NM]]
//  CHECK-NEXT:     linalg.yield %[[NW]], %[[NM]]
//       CHECK:   return %[[R]]#0, %[[R]]#1
func.func @sgd(%w: tensor<4xf32> {mp.name = "w", mp.role = #mp.role<weight>},
               %g: tensor<4xf32> {mp.name = "w.grad", mp.role = #mp.role<input>},
               %m: tensor<4xf32> {mp.name = "w.momentum", mp.role = #mp.role<momentum>})
    -> (tensor<4xf32> {mp.name = "w", mp.role = #mp.role<weight>},
        tensor<4xf32> {mp.name = "w.momentum", mp.role = #mp.role<momentum>}) {
  %e0 = tensor.empty() : tensor<4xf32>
  %e1 = tensor.empty() : tensor<4xf32>
  %r:2 = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id], iterator_types = ["parallel"]}
      ins(%w, %g, %m : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
      outs(%e0, %e1 : tensor<4xf32>, tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o0: f32, %o1: f32):
    %nm = arith.addf %c, %b : f32
    %nw = arith.subf %a, %nm : f32
    linalg.yield %nw, %nm : f32, f32
  } -> (tensor<4xf32>, tensor<4xf32>)
  return %r#0, %r#1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Dynamic loss scaling: `select %finite, %new, %w` moves into the payload,
// which keeps the old value (the init) when %finite is false. The op, in
// the forward part before %finite, moves down to it.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @skipped
//  CHECK-SAME:   %[[S:[a-z0-9]+]]: tensor<4xf32> {bufferization.writable = true
//       CHECK:   %[[C:.+]] = tensor.extract
//  CHECK-NEXT:   %[[R:.+]] = linalg.generic {{.*}} ins(%{{.*}} : tensor<4xf32>) outs(%[[S]] : tensor<4xf32>)
//  CHECK-NEXT:   ^bb0(%[[x:.+]]: f32, %[[s:.+]]: f32):
//  CHECK-NEXT:     %[[N:.+]] = arith.addf %[[s]], %[[x]]
//  CHECK-NEXT:     %[[K:.+]] = arith.select %[[C]], %[[N]], %[[s]] : f32
//  CHECK-NEXT:     linalg.yield %[[K]]
//   CHECK-NOT:   arith.select
//       CHECK:   return %[[R]]
func.func @skipped(%s: tensor<4xf32> {mp.name = "bn.running_mean", mp.role = #mp.role<bn_stat>},
                   %x: tensor<4xf32> {mp.name = "x", mp.role = #mp.role<input>},
                   %ok: tensor<i1> {mp.name = "ok", mp.role = #mp.role<flag>})
    -> (tensor<4xf32> {mp.name = "bn.running_mean", mp.role = #mp.role<bn_stat>}) {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel"]}
      ins(%s, %x : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %n = arith.addf %a, %b : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %c = tensor.extract %ok[] : tensor<i1>
  %k = arith.select %c, %r, %s : tensor<4xf32>
  return %k : tensor<4xf32>
}

// -----

// Not donated: a result that is no elementwise op's (a matmul accumulates
// into its init), a result whose name matches no argument, and a value
// returned twice (the second copy must not alias the first). Every argument
// is read-only and nothing changes.
#id = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @kept
//  CHECK-SAME:   {bufferization.writable = false
//  CHECK-SAME:   {bufferization.writable = false
//  CHECK-NOT:    bufferization.writable = true
//       CHECK:   linalg.matmul
//       CHECK:   outs(%{{.*}} : tensor<2x2xf32>)
//       CHECK:   %[[R:.+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xf32>)
//       CHECK:   %[[U:.+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4xf32>)
//       CHECK:   return %{{.*}}, %[[R]], %[[U]], %[[U]]
func.func @kept(%a: tensor<2x2xf32> {mp.name = "a", mp.role = #mp.role<weight>},
                %v: tensor<4xf32> {mp.name = "v", mp.role = #mp.role<weight>})
    -> (tensor<2x2xf32> {mp.name = "a", mp.role = #mp.role<weight>},
        tensor<4xf32> {mp.name = "other", mp.role = #mp.role<weight>},
        tensor<4xf32> {mp.name = "v", mp.role = #mp.role<weight>},
        tensor<4xf32> {mp.name = "v", mp.role = #mp.role<weight>}) {
  %z = arith.constant dense<0.0> : tensor<2x2xf32>
  %mm = linalg.matmul ins(%a, %a : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%v : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.negf %x : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  %u = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%v : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %n = arith.addf %x, %x : f32
    linalg.yield %n : f32
  } -> tensor<4xf32>
  return %mm, %r, %u, %u : tensor<2x2xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
