#!/usr/bin/env bash
# The clang-tidy gate: the checks in .clang-tidy on every source of core/ and daemon/, a core
# each; any finding fails. Configures build-tidy (no build: clang-tidy reads its
# compile_commands.json) without precompiled headers, which are GCC's and which clang cannot
# read. Extra arguments name the files to check instead (e.g. scripts/tidy.sh core/reading/*.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${TIDY_BUILD_DIR:-build-tidy}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
  -DCMAKE_DISABLE_PRECOMPILE_HEADERS=ON -DPERSON_IMPORT_TESTS=OFF -DPERSON_IMPORT_WERROR=OFF \
  > "$build.cmake.log" 2>&1 || { cat "$build.cmake.log" >&2; exit 1; }
# The one generated header the sources include.
cmake --build "$build" --target person_import_build_info > /dev/null
if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files 'core/*.cpp' 'daemon/*.cpp' 2>/dev/null ||
    find core daemon -name '*.cpp')
fi
# GCC-only warning options in the compile commands mean nothing to clang.
printf '%s\n' "${files[@]}" |
  xargs -P "$(nproc)" -n 1 clang-tidy -p "$build" --quiet --extra-arg=-Wno-unknown-warning-option \
    > "$build.log" 2>&1 || {
  # Each finding with its source line and caret, once (a header's findings repeat per file).
  grep -v -E '^[0-9]+ warnings( and [0-9]+ errors?)? generated\.$|^Suppressed|^Use -header-filter|^Error while processing' \
    "$build.log" | awk '/: (warning|error): / { key = $0; shown = (key in seen); seen[key] = 1 } !shown' >&2
  exit 1
}
echo "clang-tidy: ${#files[@]} files, no findings"
