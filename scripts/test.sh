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
python3 - "$RESULTS" <<'PY'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError) as e:
    print(f"could not read lit results: {e}")
    print("0 passed, 1 failed")
    sys.exit(1)
passed = failed = skipped = 0
for case in root.iter("testcase"):
    if case.find("failure") is not None or case.find("error") is not None:
        failed += 1
    elif case.find("skipped") is not None:
        skipped += 1
    else:
        passed += 1
print(f"({skipped} unsupported or skipped)")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
PY
py=$?
[[ $rc -ne 0 || $py -ne 0 ]] && exit 1
exit 0
