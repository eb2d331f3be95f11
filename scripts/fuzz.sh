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
    -DMP_ENABLE_FUZZER=ON -DPython3_EXECUTABLE=/usr/bin/python3 > $B.configure.log
fi
ninja -C $B mp-fuzz
mkdir -p $B/corpus $B/seeds $B/findings
/usr/bin/python3 scripts/fuzz-corpus.py $B/seeds
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for s in /usr/lib/llvm-14/bin/llvm-symbolizer /usr/lib/llvm-22/bin/llvm-symbolizer; do
  [ -x $s ] && export ASAN_SYMBOLIZER_PATH=$s && break
done
# Fork mode keeps fuzzing after a crash (each one is saved to findings/),
# so one upstream parser crash does not end the run.
set +e
$B/bin/mp-fuzz $B/corpus $B/seeds -fork="$JOBS" -ignore_crashes=1 \
  -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$SECONDS_TO_RUN" \
  -timeout=60 -rss_limit_mb=8192 -max_len=65536 \
  -artifact_prefix=$B/findings/ > $B/fuzz.log 2>&1
rc=$?
set -e
grep -E '^#[0-9]+:' $B/fuzz.log | tail -1
echo "executions: $(grep -oE '^#[0-9]+:' $B/fuzz.log | tail -1 | tr -d '#:')"
# Triage: a finding whose stack has a frame in this project's sources is
# ours; one that stops in libMLIR.so only is upstream's.
ours=0; upstream=0
for f in $B/findings/*; do
  [ -f "$f" ] || continue
  trace=$($B/bin/mp-fuzz "$f" 2>&1 || true)
  if echo "$trace" | grep -E "^ +#[0-9]+ .* $PWD/(lib|tools|include)/" | grep -v 'mp-fuzz.cpp' | grep -q .; then
    ours=$((ours + 1)); echo "ours: $f"
    echo "$trace" | grep -E 'ERROR|SUMMARY|^ +#[0-9]' | head -12
  else
    upstream=$((upstream + 1))
    echo "upstream: $f: $(echo "$trace" | grep -m1 -E 'SUMMARY|Assertion|error:' )"
  fi
done
echo "findings: $ours in this project, $upstream upstream (in $B/findings)"
exit $rc
