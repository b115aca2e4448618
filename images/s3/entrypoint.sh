#!/bin/bash
# Start rclone (the store) behind nginx (the guard), and live as long as both do.
#
# rclone listens on a unix socket only nginx can reach, so no request bypasses
# the guard (nginx.conf says why it exists). If either process exits, the other
# is stopped and the container exits with its status, so a restart policy or
# the health check sees the failure instead of a half-working store.
set -euo pipefail

: "${S3_ACCESS_KEY:?set S3_ACCESS_KEY (the S3 access key id clients sign with)}"
: "${S3_SECRET_KEY:?set S3_SECRET_KEY (the S3 secret access key)}"
if [[ "$S3_ACCESS_KEY" == *,* ]]; then
    echo "S3_ACCESS_KEY must not contain a comma (rclone reads the pair as 'key,secret')" >&2
    exit 2
fi

# rclone serves every top-level folder of /data as a bucket.
for bucket in ${S3_BUCKETS:-datastaging datastore}; do
    mkdir -p "/data/$bucket"
done
mkdir -p /tmp/nginx /tmp/rclone
rm -f /tmp/rclone/s3.sock

# The key pair goes through rclone's environment (a CSV field, quotes doubled),
# not its command line, so that `ps` and `docker top` do not show the secret.
# Multipart parts that arrive out of order wait in memory: rclone allows 256Mi
# per upload and 1Gi in all by default, more than the stack's 256 MiB limit for
# this container, so cap them (a client over the cap is slowed, not failed).
# A one-second directory cache: Spark (images/spark) writes files into this
# volume directly, and rclone's default cache (5 min) would hide them from
# listings; no cache at all (0s) made out_s3's many small writes and listings
# crawl (logging-to-bq's stage step went from 1.4 s to over 140 s).
quote() { local value=${1//\"/\"\"}; printf '"%s"' "$value"; }
RCLONE_AUTH_KEY=$(quote "$S3_ACCESS_KEY,$S3_SECRET_KEY") \
    rclone serve s3 /data \
    --config "" \
    --addr unix:///tmp/rclone/s3.sock \
    --multipart-streaming-buffer-limit 64Mi \
    --multipart-streaming-buffer-total 96Mi \
    --dir-cache-time 1s \
    --log-level "${S3_LOG_LEVEL:-NOTICE}" &
rclone_pid=$!

# nginx would answer 502 until rclone listens; the health check would too,
# but a client started right after "healthy" should not, so wait here.
for _ in $(seq 100); do
    [[ -S /tmp/rclone/s3.sock ]] && break
    kill -0 "$rclone_pid" 2>/dev/null || break
    sleep 0.05
done

nginx -c /etc/dplat-s3/nginx.conf -e stderr -g "daemon off;" &
nginx_pid=$!

stopping=0
stop() { kill -TERM "$rclone_pid" "$nginx_pid" 2>/dev/null || true; }
trap 'stopping=1; stop' TERM INT
status=0
wait -n "$rclone_pid" "$nginx_pid" || status=$?
stop
wait || true
# A stop asked for is a clean exit; a process that died on its own is not.
if (( stopping )); then exit 0; fi
exit "$status"
