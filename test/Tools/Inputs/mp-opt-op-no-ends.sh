#!/bin/sh
# mp-opt ($REAL_MP_OPT) with pi_op's first/last exclusion turned off: a
# deliberately wrong compiler for the paper-table check to catch.
for a in "$@"; do
  shift
  if [ "$a" = "--mp-assign-precision=policy=op" ]; then
    a="--mp-assign-precision=policy=op keep-first-last=false"
  fi
  set -- "$@" "$a"
done
exec "$REAL_MP_OPT" "$@"
