#!/bin/sh
# deploy: the script target's deploy command for the Docker Engine. It
# starts one container per instance ID Signalman gives, running exactly the
# verified image by digest with the service's environment, and prints the
# instances' addresses as JSON. It is idempotent: a container of that ID
# already running is kept, so a retry after a worker died starts nothing
# twice. Exit 75 asks Signalman to retry; any other failure is final.
set -eu
site=${SITE:-signalman-example}
docker info >/dev/null 2>&1 || { echo "the Docker Engine does not answer" >&2; exit 75; }
docker pull --quiet "$SIGNALMAN_IMAGE" >/dev/null || { echo "pull $SIGNALMAN_IMAGE failed" >&2; exit 75; }
sep=""
printf '['
for id in $SIGNALMAN_INSTANCE_IDS; do
  name="$site-$SIGNALMAN_ENV-$id"
  state=$(docker inspect --format '{{.State.Running}}' "$name" 2>/dev/null || echo missing)
  if [ "$state" = true ]; then
    echo "$name runs already" >&2
  else
    [ "$state" = missing ] || docker rm --force "$name" >/dev/null
    docker run --detach --name "$name" \
      --label "dev.signalman.site=$site" \
      --label "dev.signalman.product=$SIGNALMAN_PRODUCT" \
      --label "dev.signalman.env=$SIGNALMAN_ENV" \
      --label "dev.signalman.service=$SIGNALMAN_SERVICE" \
      --label "dev.signalman.version=$SIGNALMAN_VERSION" \
      --label "dev.signalman.digest=$SIGNALMAN_DIGEST" \
      --label "dev.signalman.instance=$id" \
      --env-file "$SIGNALMAN_ENV_FILE" --env HOST=0.0.0.0 --env PORT=8080 \
      --publish 127.0.0.1::8080 --restart unless-stopped \
      "$SIGNALMAN_IMAGE" >/dev/null
    echo "started $name" >&2
  fi
  addr=""
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    addr=$(docker port "$name" 8080/tcp 2>/dev/null | head -n 1)
    [ -n "$addr" ] && break
    sleep 0.5
  done
  [ -n "$addr" ] || { echo "$name publishes no port" >&2; docker logs --tail 20 "$name" >&2; exit 1; }
  printf '%s{"id":"%s","addr":"http://%s"}' "$sep" "$id" "$addr"
  sep=","
done
echo ']'
