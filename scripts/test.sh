#!/usr/bin/env bash
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# Sets up (scripts/setup.sh), builds, runs the whole lit suite and ends with
# one line "N passed, N failed" computed from lit's per-test results.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${MP_BUILD_DIR:-$ROOT/build}"

if ! "$ROOT/scripts/setup.sh" "$@"; then
  echo "setup or build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

RESULTS="$BUILD/test-results.xml"
rm -f "$RESULTS"
/usr/lib/llvm-22/bin/lit -sv --xunit-xml-output="$RESULTS" "$BUILD/test"
rc=$?
python3 "$ROOT/scripts/lit-summary.py" "$RESULTS"
py=$?
[[ $rc -ne 0 || $py -ne 0 ]] && exit 1
exit 0
