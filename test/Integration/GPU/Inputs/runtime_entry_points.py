# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Calls every entry point of libmp_cuda_runtime.so through ctypes and prints
what each returned; run without a usable GPU, every call must report the
driver's error and return a null handle instead of crashing.

usage: runtime_entry_points.py LIBRARY
"""

import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
P = ctypes.c_void_p
I64 = ctypes.c_int64
SZ = ctypes.c_size_t


def sig(name, res, *args):
    fn = getattr(lib, name)
    fn.restype = res
    fn.argtypes = list(args)
    return fn


msg = ctypes.create_string_buffer(512)
status = sig("mpCudaInit", ctypes.c_int, ctypes.c_char_p, SZ)(msg, 512)
print("mpCudaInit: %d %s" % (status, msg.value.decode()))
print("mpCudaDeviceChip: '%s'" %
      sig("mpCudaDeviceChip", ctypes.c_char_p)().decode())
sys.stdout.flush()

calls = [
    ("mgpuModuleLoad", P, [P, SZ], [None, 0]),
    ("mgpuModuleLoadJIT", P, [P, ctypes.c_int], [None, 2]),
    ("mgpuModuleGetFunction", P, [P, ctypes.c_char_p], [None, b"k"]),
    ("mgpuLaunchKernel", None,
     [P, I64, I64, I64, I64, I64, I64, ctypes.c_int32, P, P, P, SZ],
     [None, 1, 1, 1, 32, 1, 1, 0, None, None, None, 0]),
    ("mgpuStreamCreate", P, [], []),
    ("mgpuStreamSynchronize", None, [P], [None]),
    ("mgpuEventCreate", P, [], []),
    ("mgpuMemAlloc", P, [ctypes.c_uint64, P, ctypes.c_bool], [1024, None, True]),
    ("mgpuMemAlloc", P, [ctypes.c_uint64, P, ctypes.c_bool], [1024, None, False]),
    ("mgpuMemcpy", None, [P, P, SZ, P], [None, None, 16, None]),
    ("mgpuMemset32", None, [P, ctypes.c_uint, SZ, P], [None, 0, 4, None]),
    ("mgpuMemset16", None, [P, ctypes.c_ushort, SZ, P], [None, 0, 4, None]),
    ("mgpuMemHostRegister", None, [P, ctypes.c_uint64], [None, 16]),
]
for name, res, argtypes, args in calls:
    lib.mpCudaClearError()
    result = sig(name, res, *argtypes)(*args)
    sys.stderr.flush()
    err = sig("mpCudaGetLastError", ctypes.c_char_p)().decode()
    shown = "" if res is None else " -> %s" % ("null" if not result else "handle")
    print("%s%s; last error: %s" % (name, shown, err))
    sys.stdout.flush()
# Calls with null handles do nothing and report nothing.
lib.mpCudaClearError()
for name in ["mgpuModuleUnload", "mgpuStreamDestroy", "mgpuEventDestroy",
             "mgpuEventSynchronize"]:
    sig(name, None, P)(None)
sig("mgpuMemFree", None, P, P)(None, None)
print("null handles: last error '%s'" %
      sig("mpCudaGetLastError", ctypes.c_char_p)().decode())
print("done")
