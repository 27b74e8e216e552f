#!/bin/sh
# retire: stop the containers of the instance IDs Signalman names. Gone
# already is fine: a retry may repeat it.
set -eu
site=${SITE:-signalman-example}
docker info >/dev/null 2>&1 || { echo "the Docker Engine does not answer" >&2; exit 75; }
for id in $SIGNALMAN_INSTANCE_IDS; do
  name="$site-$SIGNALMAN_ENV-$id"
  if docker rm --force "$name" >/dev/null 2>&1; then
    echo "removed $name ($SIGNALMAN_VERSION)" >&2
  fi
done
