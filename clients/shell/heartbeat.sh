#!/bin/sh
# Heartbeat client for the heartbeat monitor: POSIX sh + curl (7.55+).
#
#   heartbeat.sh --url URL --device ID --token TOKEN [--interval N] [--grace N] [--every N]
#                [--count N] [--fail] [--message TEXT] [--timeout S] [--retries N]
#                [--backoff S] [--jitter S]
#
# --url, --device and --token default to HEARTBEAT_URL, HEARTBEAT_DEVICE_ID, HEARTBEAT_TOKEN.
# Exit 0 when every beat was recorded, 1 when one was not, 2 for a usage error.
#
# Made for cron and systemd timers: one run, one beat, one curl. The token reaches curl on its
# standard input, never on its command line (which every user can read in ps). Network errors,
# timeouts, 429 and 5xx are retried with exponential backoff and full jitter, honouring a
# Retry-After (seconds, or an HTTP date where date -d reads it); other 4xx are final and print the
# service's message. See README.md.
# Fractional sleeps (sleep 0.25) need GNU coreutils or BusyBox, as every Linux has.

set -u

me=heartbeat
url=${HEARTBEAT_URL:-}
device=${HEARTBEAT_DEVICE_ID:-}
token=${HEARTBEAT_TOKEN:-}
interval=
grace=
every=
count=
status=ok
message=
has_message=0
timeout=10
retries=5
backoff=1
jitter=

usage() {
  echo "$me: $1" >&2
  echo "usage: heartbeat.sh --url URL --device ID --token TOKEN [--interval N] [--grace N] [--every N] [--count N] [--fail] [--message TEXT] [--timeout S] [--retries N] [--backoff S] [--jitter S]" >&2
  exit 2
}

is_whole() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }
is_number() { printf '%s\n' "$1" | grep -Eq '^[0-9]+([.][0-9]+)?$|^[.][0-9]+$'; }

need_value() { [ "$#" -ge 2 ] || usage "$1 needs a value"; }

while [ "$#" -gt 0 ]; do
  case $1 in
    --url) need_value "$@"; url=$2; shift 2 ;;
    --device) need_value "$@"; device=$2; shift 2 ;;
    --token) need_value "$@"; token=$2; shift 2 ;;
    --interval) need_value "$@"; is_whole "$2" || usage "--interval must be a whole number"; interval=$2; shift 2 ;;
    --grace) need_value "$@"; is_whole "$2" || usage "--grace must be a whole number"; grace=$2; shift 2 ;;
    --every) need_value "$@"; is_number "$2" || usage "--every must be a number of seconds"; every=$2; shift 2 ;;
    --count) need_value "$@"; is_whole "$2" && [ "$2" -ge 1 ] || usage "--count must be at least 1"; count=$2; shift 2 ;;
    --fail) status=fail; shift ;;
    --message) need_value "$@"; message=$2; has_message=1; shift 2 ;;
    --timeout) need_value "$@"; is_number "$2" || usage "--timeout must be a number of seconds"; timeout=$2; shift 2 ;;
    --retries) need_value "$@"; is_whole "$2" || usage "--retries must be a whole number"; retries=$2; shift 2 ;;
    --backoff) need_value "$@"; is_number "$2" || usage "--backoff must be a number of seconds"; backoff=$2; shift 2 ;;
    --jitter) need_value "$@"; is_number "$2" || usage "--jitter must be a number of seconds"; jitter=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage "unknown option $1" ;;
  esac
done

[ -n "$url" ] || usage "--url is required (or set HEARTBEAT_URL)"
[ -n "$device" ] || usage "--device is required (or set HEARTBEAT_DEVICE_ID)"
[ -n "$token" ] || usage "--token is required (or set HEARTBEAT_TOKEN)"
case $url in http://* | https://*) ;; *) usage "--url must start with http:// or https://" ;; esac
if [ -n "$every" ] && awk -v e="$every" 'BEGIN { exit !(e <= 0) }'; then usage "--every must be more than 0 seconds"; fi
if [ -n "$count" ] && [ "$count" -gt 1 ] && [ -z "$every" ]; then usage "--count above 1 needs --every"; fi
if [ -z "$jitter" ]; then
  if [ -n "$every" ]; then jitter=$(awk -v e="$every" 'BEGIN { print (e < 30 ? e : 30) }'); else jitter=0; fi
fi
if [ -z "$count" ] && [ -z "$every" ]; then count=1; fi

command -v curl >/dev/null 2>&1 || { echo "$me: curl is not installed" >&2; exit 2; }

# A uniform random number in [0, max], from the kernel (awk's rand() would give a whole fleet
# booted in the same second the same "random" numbers).
random_upto() {
  r=$(od -An -N4 -tu4 /dev/urandom 2>/dev/null | tr -d ' ')
  [ -n "$r" ] || r=$$
  awk -v r="$r" -v m="$1" 'BEGIN { printf "%.3f", m * (r % 1000001) / 1000000 }'
}

# The device id as a path segment (it is limited to A-Z a-z 0-9 . _ : -; only ':' needs escaping).
path_id=$(printf '%s' "$device" | sed 's/:/%3A/g')
endpoint="${url%/}/v1/heartbeats/$path_id"

# JSON string: escape backslash, quote and tab; newlines become \n; other control characters go.
# (sed does the escaping: awk's gsub treats backslashes differently from one awk to the next.)
tab=$(printf '\t')
json_string() {
  printf '%s' "$1" | tr -d '\000-\010\013-\037' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e "s/$tab/\\\\t/g" |
    awk '{ out = (NR > 1 ? out "\\n" : "") $0 } END { printf "\"%s\"", out }'
}

body="{\"status\":\"$status\""
[ -n "$interval" ] && body="$body,\"interval\":$interval"
[ -n "$grace" ] && body="$body,\"grace\":$grace"
[ "$has_message" = 1 ] && body="$body,\"message\":$(json_string "$message")"
body="$body}"

work=$(mktemp -d "${TMPDIR:-/tmp}/heartbeat.XXXXXX") || exit 1
sleeper=
trap 'rm -rf "$work"; [ -z "$sleeper" ] || kill "$sleeper" 2>/dev/null' EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# sleep, but a SIGTERM or SIGINT ends the wait at once (a trap runs only after a foreground command).
pause() {
  sleep "$1" &
  sleeper=$!
  wait "$sleeper"
  sleeper=
}

# One attempt. Sets code (HTTP status, 000 when no answer) and curl_exit.
attempt() {
  # The token goes in a curl config on standard input, not in curl's arguments.
  code=$(printf 'header = "Authorization: Bearer %s"\n' "$token" | curl -sS -K - \
    --max-time "$timeout" --connect-timeout "$timeout" --keepalive-time 60 \
    -X POST -H 'Content-Type: application/json; charset=utf-8' -H 'Accept: application/json' \
    -A 'heartbeat-sh/1.0.0' --data-binary "$body" \
    -D "$work/headers" -o "$work/body" -w '%{http_code}' "$endpoint" 2>"$work/curl-error")
  curl_exit=$?
}

# The service's error as one line: HTTP 401 unauthorized: <message>.
service_error() {
  text=$(tr -d '\n' <"$work/body" 2>/dev/null)
  err_code=$(printf '%s' "$text" | sed -n 's/.*"code" *: *"\([^"]*\)".*/\1/p')
  err_message=$(printf '%s' "$text" | sed -n -E 's/.*"message" *: *"(([^"\\]|\\.)*)".*/\1/p' | sed 's/\\"/"/g')
  if [ -n "$err_code" ]; then echo "HTTP $code $err_code: $err_message"
  elif [ -n "$err_message" ]; then echo "HTTP $code: $err_message"
  else echo "HTTP $code: $(printf '%s' "$text" | cut -c1-200)"; fi
}

# Seconds the answer's Retry-After asks for (delta-seconds, or an HTTP date read by date -d, as GNU
# and BusyBox date can), or nothing when there is none or it cannot be read.
retry_after_seconds() {
  value=$(tr -d '\r' <"$work/headers" | sed -n 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]: *\(.*[^ ]\) *$/\1/p' | tail -n 1)
  case $value in
    '') ;;
    *[!0-9]*)
      when=$(date -u -d "$value" +%s 2>/dev/null) || return 0
      now=$(date -u +%s)
      if [ "$when" -gt "$now" ]; then echo $((when - now)); else echo 0; fi
      ;;
    *) echo "$value" ;;
  esac
}

# One beat with its retries; prints the answer or the failure; returns 0 when recorded.
beat() {
  n=0
  while :; do
    : >"$work/headers"
    : >"$work/body"
    attempt
    retry_after=
    if [ "$curl_exit" -eq 0 ] && [ "$code" -ge 200 ] && [ "$code" -lt 300 ]; then
      echo "200 $(cat "$work/body")"
      return 0
    fi
    if [ "$curl_exit" -eq 28 ]; then
      why="timed out after ${timeout}s"
    elif [ "$curl_exit" -ne 0 ] || [ "$code" = 000 ]; then
      why="network error: $(head -n 1 "$work/curl-error" | sed 's/^curl: //')"
    else
      why=$(service_error)
      if [ "$code" != 429 ] && [ "$code" -lt 500 ]; then
        echo "$me: $why" >&2 # final: retrying cannot fix a 4xx
        return 1
      fi
      retry_after=$(retry_after_seconds)
    fi
    if [ "$n" -ge "$retries" ]; then
      if [ "$retries" -gt 0 ]; then echo "$me: giving up after $((n + 1)) attempts: $why" >&2; else echo "$me: $why" >&2; fi
      return 1
    fi
    n=$((n + 1))
    if [ -n "$retry_after" ]; then
      delay=$(awk -v s="$retry_after" 'BEGIN { printf "%.3f", (s > 600 ? 600 : s) }')
      echo "$me: retry $n/$retries in ${delay}s (Retry-After): $why" >&2
    else
      cap=$(awk -v b="$backoff" -v n="$n" 'BEGIN { c = b * 2 ^ (n - 1); printf "%.3f", (c > 60 ? 60 : c) }')
      delay=$(random_upto "$cap")
      echo "$me: retry $n/$retries in ${delay}s (backoff cap ${cap}s): $why" >&2
    fi
    pause "$delay"
  done
}

first=$(random_upto "$jitter")
if awk -v j="$jitter" 'BEGIN { exit !(j > 0) }'; then echo "$me: first beat in ${first}s (jitter up to $(awk -v j="$jitter" 'BEGIN { printf "%g", j }')s)"; fi
pause "$first"
failures=0
sent=0
while [ -z "$count" ] || [ "$sent" -lt "$count" ]; do
  beat || failures=$((failures + 1))
  sent=$((sent + 1))
  # The next beat comes --every seconds after this one ended (POSIX date has no sub-second clock
  # to keep a fixed rate; the drift is the duration of a beat).
  if [ -n "$every" ] && { [ -z "$count" ] || [ "$sent" -lt "$count" ]; }; then pause "$every"; fi
done
[ "$failures" -eq 0 ]
