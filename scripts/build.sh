#!/usr/bin/env bash
# Configures and builds person-import into build/ (or $BUILD_DIR) with warnings as errors.
# Extra arguments go to CMake's configure step (e.g. -DPERSON_IMPORT_SANITIZE=ON);
# $BUILD_TARGET, when set, builds only that target (the demo builds only the program).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DPERSON_IMPORT_WERROR=ON "$@" >/dev/null
cmake --build "$build_dir" -j "$(nproc)" ${BUILD_TARGET:+--target "$BUILD_TARGET"}
