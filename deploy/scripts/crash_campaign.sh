#!/usr/bin/env bash
# The long crash campaign: the real server, under load from 8 terminals and
# the mandatary, killed by SIGKILL and by simulated power cuts (unsynced
# bytes dropped) at random moments; after each restart every acknowledged
# answer must be there and nothing paid twice (tests/crash/).
# Usage: deploy/scripts/crash_campaign.sh [KILLS=50] [POWER_CUTS=50]
set -euo pipefail
cd "$(dirname "$0")/../.."

kills=${1:-50}
power_cuts=${2:-50}
deploy/scripts/build.sh passclear_crash_tests passclear-server
PASSCLEAR_CRASH_KILLS=$kills PASSCLEAR_POWER_CUTS=$power_cuts \
  ./build/tests/passclear_crash_tests
