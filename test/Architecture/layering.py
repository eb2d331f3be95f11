# RUN: %PYTHON %s %mp_src_root | FileCheck %s
#
# Includes point downward only (docs/Design/Architecture.md): a library's
# sources and headers include the project headers of its own layer and of
# the layers below it, never above. Fails naming every offending include.
import os
import re
import sys

root = sys.argv[1]

# Layer -> the project layers (include/mp/<X>, or InitMP.h) it may include.
BELOW = {
    "Support": set(),
    "Dialect": {"Support"},
    "Analysis": {"Dialect", "Support"},
    "Transforms": {"Analysis", "Dialect", "Support"},
    "Conversion": {"Analysis", "Dialect", "Support"},
    "Pipelines": {"Transforms", "Conversion", "Analysis", "Dialect", "Support"},
    "Registration": {"Pipelines", "Transforms", "Conversion", "Analysis",
                     "Dialect", "Support", "InitMP.h"},
    "Plugin": {"Registration", "Pipelines", "Transforms", "Conversion",
               "Analysis", "Dialect", "Support", "InitMP.h"},
    "Runner": {"Pipelines", "Transforms", "Conversion", "Analysis", "Dialect",
               "Support", "Runtime"},
    # The CUDA runtime is loaded by compiled code; it depends on nothing.
    "Runtime": set(),
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"mp/([^/"]+)')

errors, files = [], 0
for base in ("lib", os.path.join("include", "mp")):
    for layer in sorted(os.listdir(os.path.join(root, base))):
        top = os.path.join(root, base, layer)
        if not os.path.isdir(top):
            continue
        assert layer in BELOW, "no layer rule for %s/%s" % (base, layer)
        allowed = BELOW[layer] | {layer}
        for dirpath, _, names in os.walk(top):
            for name in names:
                if not name.endswith((".cpp", ".h", ".c", ".td")):
                    continue
                files += 1
                path = os.path.join(dirpath, name)
                for n, line in enumerate(open(path, encoding="utf-8"), 1):
                    m = INCLUDE.match(line)
                    if m and m.group(1) not in allowed:
                        errors.append("%s:%d: %s includes mp/%s" % (
                            os.path.relpath(path, root), n, layer, m.group(1)))
for e in errors:
    print("upward include: " + e)
print("%d files, %d upward includes" % (files, len(errors)))
sys.exit(1 if errors else 0)
# CHECK-NOT: upward include
# CHECK: {{[0-9]+}} files, 0 upward includes
