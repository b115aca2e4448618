#!/bin/bash
# Healthy when a signed ListBuckets through the guard lists the buckets: the
# same request the host's probe makes, with rclone itself as the S3 client.
set -euo pipefail
RCLONE_S3_ACCESS_KEY_ID=$S3_ACCESS_KEY RCLONE_S3_SECRET_ACCESS_KEY=$S3_SECRET_KEY \
    exec rclone lsd --config "" --contimeout 2s --timeout 5s --retries 1 --low-level-retries 1 \
    ":s3,provider=Other,endpoint='http://127.0.0.1:9000',force_path_style=true:" >/dev/null
