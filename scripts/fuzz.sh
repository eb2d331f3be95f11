#!/bin/bash
# Fuzzes mp-opt's parser and pipelines with libFuzzer (docs/Reliability.md).
#
#   scripts/fuzz.sh [SECONDS] [JOBS]
#
# Configures build-asan/ with clang-14, ASan, UBSan and libFuzzer
# (-DMP_ENABLE_FUZZER=ON; the same build as scripts/sanitize.sh), builds
# mp-fuzz, writes the seed corpus from
# test/ and examples/, and fuzzes for SECONDS (default 300) with JOBS
# parallel workers (default 1). New inputs go to build-asan/corpus/, crashes
# and timeouts to build-asan/findings/. Prints the executions and findings.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-300}
JOBS=${2:-1}
B=build-asan
if ! command -v clang++-14 > /dev/null; then
  echo "fuzz.sh: needs clang-14 (apt-get install -y clang-14)" >&2
  exit 1
fi
if [ ! -f $B/build.ninja ]; then
  cmake -G Ninja -S . -B $B -DCMAKE_C_COMPILER=clang-14 \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMP_ENABLE_FUZZER=ON > $B.configure.log
fi
ninja -C $B mp-fuzz
mkdir -p $B/corpus $B/seeds $B/findings
/usr/bin/python3 scripts/fuzz-corpus.py $B/seeds
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
set +e
$B/bin/mp-fuzz $B/corpus $B/seeds -max_total_time="$SECONDS_TO_RUN" \
  -timeout=60 -rss_limit_mb=8192 -max_len=65536 -print_final_stats=1 \
  -jobs="$JOBS" -workers="$JOBS" -artifact_prefix=$B/findings/ \
  2>&1 | tee $B/fuzz.log | grep -E "^#[0-9]+ +(INITED|DONE|pulse)|ERROR|SUMMARY|stat::" 
rc=${PIPESTATUS[0]}
set -e
echo "executions: $(grep -h '^stat::number_of_executed_units' $B/fuzz.log fuzz-*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')"
echo "findings: $(ls $B/findings | wc -l) in $B/findings"
exit $rc
