// REQUIRES: cuda-libdevice
// RUN: mp-opt %s --mp-gpu-pipeline -split-input-file -verify-diagnostics

// Inputs mp-gpu-pipeline cannot place in device memory. The mp front half
// never produces them; a module that brings its own memrefs can.

// expected-error @+1 {{mp-gpu-pipeline expects statically shaped identity-layout memref arguments, got 'memref<4xf32, strided<[2]>>'}}
func.func @strided_argument(%a: memref<4xf32, strided<[2]>>) {
  return
}

// -----

// expected-error @+1 {{mp-gpu-pipeline expects statically shaped identity-layout memref arguments, got 'memref<?xf32>'}}
func.func @dynamic_argument(%a: memref<?xf32>) {
  return
}

// -----

func.func private @use(memref<4xf32>)
func.func @stack_buffer() {
  // expected-error @+1 {{mp-gpu-pipeline cannot place a host stack buffer (memref.alloca) in device memory}}
  %a = memref.alloca() : memref<4xf32>
  call @use(%a) : (memref<4xf32>) -> ()
  return
}

// -----

memref.global "private" constant @g : memref<4xf32> = dense<1.0>
func.func @nested_global(%c: i1, %out: memref<4xf32>) {
  scf.if %c {
    // expected-error @+1 {{mp-gpu-pipeline expects memref.get_global at function level}}
    %g = memref.get_global @g : memref<4xf32>
    memref.copy %g, %out : memref<4xf32> to memref<4xf32>
  }
  return
}

// -----

// expected-error @+1 {{mp-gpu-pipeline: the module already has a symbol named 'mp_kernels'}}
module {
  func.func private @mp_kernels()
  func.func @relu(%x: tensor<4xf32>) -> tensor<4xf32> {
    %r = mp.relu %x : tensor<4xf32>
    return %r : tensor<4xf32>
  }
}
