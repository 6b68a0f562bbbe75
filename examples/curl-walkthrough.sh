#!/usr/bin/env bash
# A walk through optd's API with curl: create, step (JSON and raw float32), params, PATCH, snapshot,
# checkpoint download/upload, delete. Every request must succeed (or fail exactly as announced);
# the script stops with a non-zero exit at the first one that does not.
#
#   examples/curl-walkthrough.sh http://127.0.0.1:8080 [bearer-token]
set -Eeuo pipefail

base=${1:?usage: $0 http://host:port [bearer-token]}
base=${base%/}
id="walkthrough-$$"
s="$base/v1/sessions/$id"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
auth=()
if [ -n "${2:-}" ]; then auth=(-H "Authorization: Bearer $2"); fi

# curl that fails (exit 22, body still printed) on any 4xx/5xx answer
c() { curl -sS --fail-with-body "${auth[@]}" "$@"; echo; }
say() { printf '\n## %s\n' "$*"; }
step_failed() { echo "FAILED: $current" >&2; }
trap 'step_failed' ERR

current="create an Adam session (pytorch convention) with three parameters"; say "$current"
c "$base/v1/sessions" -H 'Content-Type: application/json' \
  -d "{\"id\": \"$id\", \"optimizer\": {\"name\": \"adam\", \"learning_rate\": 0.01}, \"convention\": \"pytorch\", \"params\": [0.5, -1.25, 3]}"

current="step 1, JSON gradient (answer: the parameters after it; ETag \"1\")"; say "$current"
c "$s/step" -H 'Content-Type: application/json' -d '[0.1, 0.2, -0.3]' -D "$work/headers"
grep -i '^etag' "$work/headers"

current="step 2, raw little-endian float32 gradient [0.1, 0.2, -0.3] (12 bytes), answer as JSON"; say "$current"
printf '\xcd\xcc\xcc\x3d\xcd\xcc\x4c\x3e\x9a\x99\x99\xbe' > "$work/grad.f32"
c "$s/step" -H 'Content-Type: application/octet-stream' -H 'Accept: application/json' --data-binary @"$work/grad.f32"

current="step 3, conditional (If-Match: \"2\") and with an Idempotency-Key"; say "$current"
c "$s/step" -H 'Content-Type: application/json' -H 'If-Match: "2"' -H 'Idempotency-Key: walkthrough-step-3' \
  -d '{"gradient": [0.1, 0.2, -0.3]}'

current="the same Idempotency-Key again: the first answer comes back, nothing is applied"; say "$current"
c "$s/step" -H 'Content-Type: application/json' -H 'Idempotency-Key: walkthrough-step-3' -d '[0.1, 0.2, -0.3]'

current="a gradient of the wrong length is refused (422 length_mismatch) and changes nothing"; say "$current"
status=$(curl -sS "${auth[@]}" -o "$work/problem" -w '%{http_code}' "$s/step" \
  -H 'Content-Type: application/json' -d '[1, 2]')
cat "$work/problem"; echo
[ "$status" = 422 ]

current="read the parameters, JSON and raw float32"; say "$current"
c "$s/params"
curl -sS --fail "${auth[@]}" "$s/params" -H 'Accept: application/octet-stream' -o "$work/params.f32"
od -A d -t f4 "$work/params.f32"

current="change the learning rate (optimizer state kept)"; say "$current"
c -X PATCH "$s" -H 'Content-Type: application/json' -d '{"optimizer": {"learning_rate": 0.001}}'

current="write the snapshot now"; say "$current"
c -X POST "$s/snapshot"

current="download the checkpoint (safetensors), delete the session, upload the checkpoint again"; say "$current"
curl -sS --fail "${auth[@]}" "$s/checkpoint" -o "$work/ckpt.safetensors"
echo "checkpoint: $(wc -c < "$work/ckpt.safetensors") bytes"
curl -sS --fail "${auth[@]}" -X DELETE "$s" -o /dev/null -w 'DELETE %{http_code}\n'
c -X PUT "$s/checkpoint" -H 'Content-Type: application/octet-stream' --data-binary @"$work/ckpt.safetensors" \
  -w '\nPUT checkpoint %{http_code}'
c "$s/params"

current="delete it (204), then it is gone (404 session_not_found)"; say "$current"
curl -sS --fail "${auth[@]}" -X DELETE "$s" -o /dev/null -w 'DELETE %{http_code}\n'
status=$(curl -sS "${auth[@]}" -o "$work/problem" -w '%{http_code}' "$s")
cat "$work/problem"; echo
[ "$status" = 404 ]

printf '\nwalkthrough complete\n'
