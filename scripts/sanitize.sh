#!/bin/bash
# Builds the whole project with AddressSanitizer and UndefinedBehaviorSanitizer
# (clang-14, -DMP_ENABLE_FUZZER=ON, which implies -DMP_SANITIZE=ON; the
# build scripts/fuzz.sh uses) in build-asan/ and runs the lit suite there
# (docs/Reliability.md). Any sanitizer report fails the test it happens in.
#
#   scripts/sanitize.sh [LIT ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
B=build-asan
if [ ! -f $B/build.ninja ]; then
  cmake -G Ninja -S . -B $B -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMP_ENABLE_FUZZER=ON -DPython3_EXECUTABLE=/usr/bin/python3 > $B.configure.log
fi
ninja -C $B
set +e
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output=$B/test-results.xml "$@" $B/test
/usr/bin/python3 scripts/lit-summary.py $B/test-results.xml
