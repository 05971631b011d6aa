#!/usr/bin/env bash
# The standing fault campaign: a 200,000-row upload with bad rows, imported by a daemon killed
# with kill -9 at N random moments (restarted each time), must end identical to an
# uninterrupted run (export, counts, errors CSV, failed rows); then on PostgreSQL, with the
# server restarted mid-import too. Uses build/person-import (build it first).
#   scripts/fault-campaign.sh [--kills N (50)] [--rows R (200000)] [--backend sqlite|postgresql|both]
#                             [--seed S] [--binary PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 scripts/fault_campaign.py "$@"
