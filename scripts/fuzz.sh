#!/usr/bin/env bash
# Runs libFuzzer targets (fuzz/): scripts/fuzz.sh TARGET SECONDS [RUNS], or `all` for every
# target, one after the other, SECONDS each, or until RUNS executions if that comes first (a
# long run is `scripts/fuzz.sh all 1800 10000000`; two runs at once, one a core, share the
# build). Builds them first in build-fuzz (clang++, ASan + UBSan), works on a copy of the seed
# corpus (build-fuzz/fuzz-corpus/TARGET, which grows), and prints for each target its
# executions, coverage and corpus. A crash, a broken invariant or a hang (an input running
# over 10 s) stops the target, leaves the input in build-fuzz/fuzz-artifacts/ and makes the
# script exit 1: copy it into fuzz/corpus/TARGET/ and it is a regression test of every build
# ("fuzz corpus: TARGET"). The seeds in fuzz/corpus/TARGET are only read, unless FUZZ_MERGE=1:
# then the grown inputs that reach new coverage are added to them (libFuzzer's -merge=1), so
# the seeds keep what a long run found.
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/fuzz.sh TARGET|all SECONDS [RUNS] (targets: $(ls fuzz/corpus | tr '\n' ' '))"
target=${1:?$usage}
seconds=${2:?$usage}
runs=${3:--1}
build=${FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++ > /dev/null; then
  echo "scripts/fuzz.sh: needs clang++ (scripts/install-dependencies.sh installs it)" >&2
  exit 1
fi
# Runs of several targets at once (one a core) share the build: one configures and builds it
# while the others wait.
mkdir -p "$(dirname "$build")"
exec 9> "$build.lock"
flock 9
CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERSON_IMPORT_FUZZ=ON \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
  -DPERSON_IMPORT_TESTS=OFF -DPERSON_IMPORT_WERROR=OFF > "$build.cmake.log" 2>&1 \
  || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" --target fuzzers -j "$(nproc)" > "$build.build.log" 2>&1 \
  || { tail -50 "$build.build.log" >&2; exit 1; }
flock -u 9

if [ "$target" = all ]; then
  targets=$(ls fuzz/corpus)
elif [ -d "fuzz/corpus/$target" ]; then
  targets=$target
else
  echo "scripts/fuzz.sh: no target $target; $usage" >&2
  exit 2
fi

status=0
mkdir -p "$build/fuzz-artifacts"
for name in $targets; do
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  log="$build/fuzz-$name.log"
  echo "== $name for ${seconds}s$([ "$runs" = -1 ] || echo " or $runs executions")"
  if "$build/fuzz/$name" -max_total_time="$seconds" -runs="$runs" -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$name-" "$work" "fuzz/corpus/$name" > "$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  coverage=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)
  echo "$name: $result, ${executions:-?} executions (${rate:-?}/s), $coverage"
  if [ "$result" = FAILED ]; then
    grep -E "ERROR|invariant broken|runtime error|Test unit written" "$log" | head -5 >&2
  elif [ "${FUZZ_MERGE:-0}" = 1 ]; then
    before=$(ls "fuzz/corpus/$name" | wc -l)
    "$build/fuzz/$name" -merge=1 -timeout=10 "fuzz/corpus/$name" "$work" > "$log.merge" 2>&1
    echo "$name: seeds $before -> $(ls "fuzz/corpus/$name" | wc -l) (merged)"
  fi
done
exit "$status"
