#!/bin/sh
# weight: told each traffic change. Here Signalman's router splits the
# traffic in front of the containers, so there is nothing to move: the
# change is only written down (to $WEIGHT_LOG when set). On a platform
# that splits traffic itself, this is where it moves (README: The script
# target).
set -eu
line="canary ${SIGNALMAN_CANARY_VERSION:-none} at $SIGNALMAN_WEIGHT%, stable ${SIGNALMAN_STABLE_VERSION:-none}: $SIGNALMAN_SERVICE on $SIGNALMAN_ENV"
echo "$line" >&2
if [ -n "${WEIGHT_LOG:-}" ]; then
  echo "$line" >> "$WEIGHT_LOG"
fi
