#!/bin/sh
# status: the service's containers running now, from their labels, as
# JSON: what a restarted worker asks before it stops an old version.
set -eu
site=${SITE:-signalman-example}
docker info >/dev/null 2>&1 || { echo "the Docker Engine does not answer" >&2; exit 75; }
sep=""
printf '['
docker ps \
  --filter "label=dev.signalman.site=$site" \
  --filter "label=dev.signalman.product=$SIGNALMAN_PRODUCT" \
  --filter "label=dev.signalman.env=$SIGNALMAN_ENV" \
  --filter "label=dev.signalman.service=$SIGNALMAN_SERVICE" \
  --format '{{.Label "dev.signalman.instance"}} {{.Label "dev.signalman.version"}} {{.Label "dev.signalman.digest"}} {{.Names}}' |
while read -r id version digest name; do
  addr=$(docker port "$name" 8080/tcp 2>/dev/null | head -n 1)
  # A container between restarts publishes no port: it is not serving.
  [ -n "$addr" ] || continue
  printf '%s{"id":"%s","version":"%s","digest":"%s","addr":"http://%s"}' "$sep" "$id" "$version" "$digest" "$addr"
  sep=","
done
echo ']'
