#!/usr/bin/env bash
# Runs libFuzzer targets (fuzz/): scripts/fuzz.sh TARGET SECONDS, or `all` for every target,
# one after the other, SECONDS each. Builds them first in build-fuzz (clang++, ASan + UBSan),
# works on a copy of the seed corpus (build-fuzz/fuzz-corpus/TARGET, which grows; the seeds in
# fuzz/corpus/TARGET are only read), and prints for each target its executions, coverage and
# corpus. A crash, a broken invariant or a hang (an input running over 10 s) stops the target,
# leaves the input in build-fuzz/fuzz-artifacts/ and makes the script exit 1: copy it into
# fuzz/corpus/TARGET/ and it is a regression test of every build ("fuzz corpus: TARGET").
set -euo pipefail
cd "$(dirname "$0")/.."
usage="usage: scripts/fuzz.sh TARGET|all SECONDS (targets: $(ls fuzz/corpus | tr '\n' ' '))"
target=${1:?$usage}
seconds=${2:?$usage}
build=${FUZZ_BUILD_DIR:-build-fuzz}

if ! command -v clang++ > /dev/null; then
  echo "scripts/fuzz.sh: needs clang++ (scripts/install-dependencies.sh installs it)" >&2
  exit 1
fi
CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPERSON_IMPORT_FUZZ=ON \
  -DPERSON_IMPORT_TESTS=OFF -DPERSON_IMPORT_WERROR=OFF > "$build.cmake.log" 2>&1 \
  || { cat "$build.cmake.log" >&2; exit 1; }
cmake --build "$build" --target fuzzers -j "$(nproc)" > "$build.build.log" 2>&1 \
  || { tail -50 "$build.build.log" >&2; exit 1; }

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
  echo "== $name for ${seconds}s"
  if "$build/fuzz/$name" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
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
  fi
done
exit "$status"
