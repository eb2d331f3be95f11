#!/usr/bin/env python3
# Licensed under the Apache License v2.0 with LLVM Exceptions.
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
"""Reads lit's xunit results and ends with the line "N passed, N failed".

Usage: lit-summary.py RESULTS.xml [--per-test] [--total-seconds S]
  --per-test          a line per test (status, time, name) first
  --total-seconds S   also print the run's total time
Exit status 1 if any test failed or the results cannot be read.
Standard library only: it runs under any python3.
"""
import argparse
import sys
import xml.etree.ElementTree as ET


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("results")
    parser.add_argument("--per-test", action="store_true")
    parser.add_argument("--total-seconds")
    args = parser.parse_args()
    try:
        root = ET.parse(args.results).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"could not read lit results: {e}")
        print("0 passed, 1 failed")
        return 1
    rows = []
    passed = failed = skipped = 0
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            status = "FAIL"
            failed += 1
        elif case.find("skipped") is not None:
            status = "unsupported"
            skipped += 1
        else:
            status = "pass"
            passed += 1
        rows.append((status, float(case.get("time", 0)),
                     case.get("classname", "") + "/" + case.get("name", "")))
    if args.per_test:
        print("== summary")
        for status, t, name in rows:
            print(f"{status:12s} {t:7.1f} s  {name}")
    if args.total_seconds is not None:
        print(f"total time {args.total_seconds} s; {skipped} unsupported")
    else:
        print(f"({skipped} unsupported or skipped)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
