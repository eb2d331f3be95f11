// Every preset the assignment uses, on one input (gpu-vs-cpu-casts.test).
func.func @casts(%x: tensor<131072xf32>) -> (tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>) {
  %a = mp.cast %x to <e4m3> : tensor<131072xf32>
  %b = mp.cast %x to <e5m2> : tensor<131072xf32>
  %c = mp.cast %x to <paper_143> : tensor<131072xf32>
  %d = mp.cast %x to <paper_152> : tensor<131072xf32>
  %e = mp.cast %x to <fp16> : tensor<131072xf32>
  %f = mp.cast %x to <bf16> : tensor<131072xf32>
  %g = mp.cast %x to <e4m3, overflow = saturate> : tensor<131072xf32>
  return %a, %b, %c, %d, %e, %f, %g : tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>, tensor<131072xf32>
}
