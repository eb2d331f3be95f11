# -*- Python -*-
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception

import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "MP"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".py", ".test"]
config.excludes = ["Inputs", "lit.cfg.py", "lit.site.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.mp_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%mp_src_root", config.mp_src_root))
config.substitutions.append(("%mp_obj_root", config.mp_obj_root))
config.substitutions.append(("%examples", os.path.join(config.mp_src_root, "examples")))
config.substitutions.append(("%PYTHON", config.python_executable))
config.substitutions.append(
    ("%mlir_c_runner_utils",
     os.path.join(config.mlir_lib_dir, "libmlir_c_runner_utils.so")))
config.substitutions.append(
    ("%mlir_apfloat_wrappers",
     os.path.join(config.mlir_lib_dir, "libmlir_apfloat_wrappers.so")))

# mlir-opt plugin (lib/Plugin); built only with MP_LINK_MLIR_DYLIB=ON.
mp_plugin = os.path.join(config.mp_obj_root, "lib", "MPPlugin.so")
config.substitutions.append(("%mp_plugin", mp_plugin))
# A sanitized build's libraries need the sanitizer runtime loaded first,
# which uninstrumented hosts (mlir-opt, python3) do not do: the plugin and
# the ctypes tests are then skipped (docs/Reliability.md).
if getattr(config, "mp_sanitize", False):
    config.available_features.add("sanitize")
    config.environment["ASAN_OPTIONS"] = "detect_leaks=0:abort_on_error=0"
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1"
elif os.path.exists(mp_plugin):
    config.available_features.add("mp-plugin")

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PYTHONPATH",
                             os.path.join(config.mp_src_root, "python"),
                             append_path=True)

tool_dirs = [config.mp_tools_dir, config.llvm_tools_dir]
tools = ["mp-opt", "mlir-opt", "mlir-runner"] + [
    ToolSubst(t, unresolved="ignore")
    for t in ["mp-run", "mp-train", "mp-cast-check", "mp-gradcheck"]]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# Optional features.
def _has_module(name):
    try:
        return subprocess.run([config.python_executable, "-c", "import " + name],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL).returncode == 0
    except OSError:
        return False

for mod in ["numpy", "torch", "torchvision", "onnx", "matplotlib"]:
    if _has_module(mod):
        config.available_features.add("py-" + mod)

if shutil.which("nvidia-smi"):
    try:
        if subprocess.run(["nvidia-smi", "-L"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=20).returncode == 0:
            config.available_features.add("cuda-gpu")
    except (OSError, subprocess.TimeoutExpired):
        pass
if os.path.exists(os.path.join(config.cuda_root, "bin", "ptxas")):
    config.available_features.add("ptxas")
# mp-gpu-pipeline links libdevice from the toolkit into every kernel module;
# the CUDA toolkit is not a Debian package, so a machine may lack it.
if os.path.exists(os.path.join(config.cuda_root, "nvvm", "libdevice",
                               "libdevice.10.bc")):
    config.available_features.add("cuda-libdevice")
# mp-gpu-pipeline tests (docs/GPU.md): CUDA toolkit, runtime wrapper, and a
# directory whose libcuda.so.1 is the driver stub (loads without a driver).
config.substitutions.append(("%cuda_root", config.cuda_root))
config.substitutions.append(
    ("%ptxas", os.path.join(config.cuda_root, "bin", "ptxas")))
mp_cuda_runtime = os.path.join(config.mp_obj_root, "lib",
                               "libmp_cuda_runtime.so")
config.substitutions.append(("%mp_cuda_runtime", mp_cuda_runtime))
config.substitutions.append(
    ("%mp_cuda_stub_dir", os.path.join(config.mp_obj_root, "lib", "cuda-stub")))
if os.path.exists(mp_cuda_runtime):
    config.available_features.add("mp-cuda-runtime")
# A C compiler for test-only shared libraries (Integration/GPU/jit-host-path).
if shutil.which("cc"):
    config.available_features.add("host-cc")
# Opt-in slow tests: lit --param exhaustive=1.
if lit_config.params.get("exhaustive"):
    config.available_features.add("exhaustive")

if os.path.isdir("/usr/share/datasets/fashion-mnist"):
    config.available_features.add("fashion-mnist")
