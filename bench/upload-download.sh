#!/usr/bin/env bash
# Uploads and downloads images of growing size through glimpse's HTTP API and reports the
# throughput and the server's peak RSS (VmHWM) after each size, so that one can see that
# memory does not grow with image size.
#
#   bench/upload-download.sh [SIZE ...]      sizes for truncate(1), default: 256M 2G
#
# Needs curl and jq. Image files are sparse (no disk read cost); the store writes real bytes
# into a temporary data directory, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
[ $# -eq 0 ] && sizes=(256M 2G)

work=$(mktemp -d /var/tmp/glimpse-bench.XXXXXX)
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
go build -o "$work/glimpse" ./cmd/glimpse

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
iport=$(free_port); kport=$(free_port)
GLIMPSE_DATA_DIR="$work/data" GLIMPSE_IMAGE_LISTEN=127.0.0.1:$iport GLIMPSE_IDENTITY_LISTEN=127.0.0.1:$kport \
  GLIMPSE_ADMIN_PASSWORD=bench-secret GLIMPSE_LOG_LEVEL=warn GLIMPSE_MAX_IMAGE_SIZE=$((64 << 30)) \
  "$work/glimpse" serve >"$work/serve.log" 2>&1 &
pid=$!
image=http://127.0.0.1:$iport
for _ in $(seq 100); do curl -fs "$image/versions" >/dev/null && break; sleep 0.1; done

token=$(curl -fsi -H 'Content-Type: application/json' "http://127.0.0.1:$kport/v3/auth/tokens" -d '{"auth":
  {"identity": {"methods": ["password"], "password": {"user": {"name": "admin", "domain": {"name": "Default"},
  "password": "bench-secret"}}}, "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}}' |
  awk -F': ' 'tolower($1)=="x-subject-token" {print $2}' | tr -d '\r')
hwm() { awk '/VmHWM/ {print $2 / 1024}' "/proc/$pid/status"; }

printf 'glimpse %s, %s cores, go %s\n' "$("$work/glimpse" version | cut -d' ' -f2)" "$(nproc)" "$(go env GOVERSION)"
printf 'peak RSS after start: %.1f MiB\n' "$(hwm)"
printf '%-6s %14s %16s %18s\n' size 'upload MB/s' 'download MB/s' 'peak RSS (MiB)'
for size in "${sizes[@]}"; do
  file="$work/image-$size"
  truncate -s "$size" "$file"
  id=$(curl -fs -H "X-Auth-Token: $token" -H 'Content-Type: application/json' "$image/v2/images" \
    -d "{\"name\": \"bench-$size\", \"disk_format\": \"raw\", \"container_format\": \"bare\"}" | jq -r .id)
  up=$(curl -fs -o /dev/null -w '%{speed_upload}' -X PUT -H "X-Auth-Token: $token" \
    -H 'Content-Type: application/octet-stream' -T "$file" "$image/v2/images/$id/file")
  down=$(curl -fs -o /dev/null -w '%{speed_download}' -H "X-Auth-Token: $token" "$image/v2/images/$id/file")
  printf '%-6s %14.1f %16.1f %18.1f\n' "$size" "$(echo "$up / 1000000" | bc -l)" "$(echo "$down / 1000000" | bc -l)" "$(hwm)"
  curl -fs -X DELETE -H "X-Auth-Token: $token" "$image/v2/images/$id"
  rm -f "$file"
done
