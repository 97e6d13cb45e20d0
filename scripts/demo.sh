#!/usr/bin/env bash
# The demo: builds everything, starts dcs-emulator on a free loopback port and drives it with
# the C example, examples/c/dcsctl, through a success, an asynchronous restart, a partial
# result, a batch of 120 ids, a refused signature, a restart that waits for RUNNING, a listing
# and a rolling restart in waves with its health gate; then,
# when redis-server is installed, against real Redis servers: a flush and a real restart.
set -uo pipefail
cd "$(dirname "$0")/.."

scripts/build.sh || exit $?

source scripts/emulator.sh
workdir=$(mktemp -d)
emulator_pid=
trap 'kill $emulator_pid 2>/dev/null; wait $emulator_pid 2>/dev/null; rm -rf "$workdir"' EXIT
start_emulator .build/release/dcs-emulator "$workdir" --restart-seconds 2 --generated-instances 120 ||
    { echo "demo: the emulator did not start" >&2; exit 2; }
url=$emulator_url

# dcsctl reads its configuration from the environment, as Huawei's SDKs do. These are the
# emulator's own test credentials, not real ones.
export DCS_ENDPOINT="$url"
export HUAWEICLOUD_SDK_AK=EMULATORAK000000000
export HUAWEICLOUD_SDK_SK=emulator-secret-key-do-not-use
export HUAWEICLOUD_SDK_PROJECT_ID=0a1b2c3d4e5f60718293a4b5c6d7e8f9

run() {
    echo
    echo "\$ $(printf "%q " "$@")"
    "$@"
    echo "(exit code $?)"
}

echo "dcs-emulator is listening on $url"

echo
echo "# Restart two running instances: both succeed."
run examples/c/dcsctl restart 2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef 5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c

echo
echo "# A restart is asynchronous: the first instance is still RESTARTING, so the service reports"
echo "# it failed, in a 200 answer. libdcs reports DCS_EPARTIAL and exit code 1, not success."
run examples/c/dcsctl restart 2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef 9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a

echo
echo "# Flush: Redis 3.0 cannot be flushed, a FROZEN instance cannot be acted on, an unknown id fails."
run examples/c/dcsctl flush --yes c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b no-such-instance

echo
echo "# Without --yes, off a terminal, a flush is refused: it deletes all data and cannot be undone."
echo "# --dry-run shows what would be sent instead, and sends nothing."
run examples/c/dcsctl flush 2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef
run examples/c/dcsctl flush --dry-run 2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef 5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c

echo
echo "# For scripts: one JSON document, with the request id of the answer that decided each instance."
run examples/c/dcsctl soft_restart --output json emu-0001 no-such-instance

echo
echo "# 120 ids: libdcs sends three requests of at most 50 (the service refuses more) and reports"
echo "# one outcome per id, in order. Outcomes counted:"
echo "\$ examples/c/dcsctl soft_restart emu-0001 ... emu-0120 | cut -d' ' -f2 | sort | uniq -c"
examples/c/dcsctl soft_restart $(printf 'emu-%04d ' $(seq 1 120)) | cut -d' ' -f2 | sort | uniq -c

echo
echo "# A wrong secret key: the gateway refuses the signature. The error line carries the status,"
echo "# the HTTP status, the service's error code and the request id support asks for; exit code 4."
HUAWEICLOUD_SDK_SK=not-the-right-key run examples/c/dcsctl restart 5b7c1a2e-3f4d-4e5a-9b6c-7d8e9f0a1b2c

echo
echo "# Nothing is sent for a bad argument (an id with a newline): DCS_EINVAL, exit code 2."
run examples/c/dcsctl restart "$(printf 'bad\nid')"

echo
echo "# A restart with --wait: the instance is RESTARTING for 2 s; dcsctl waits until it is"
echo "# RUNNING again (twice in a row), then reports it."
run examples/c/dcsctl restart --wait=30 c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e9f

echo
echo "# A fleet: the running session caches of prod, found by tag and status (all pages read),"
echo "# then restarted 7 at a time, each wave waited on until RUNNING before the next is sent."
run examples/c/dcsctl list --tag role=session-cache --tag env=prod --status RUNNING
echo "\$ examples/c/dcsctl list ... | cut -d' ' -f1 | examples/c/dcsctl restart --wave 7 - | cut -d' ' -f2 | uniq -c"
examples/c/dcsctl list --tag role=session-cache --tag env=prod --status RUNNING | cut -d' ' -f1 |
    examples/c/dcsctl restart --wave 7 - | cut -d' ' -f2 | uniq -c

echo
echo "# The health gate: the FROZEN instance of wave 1 does not end RUNNING, so wave 2 is not"
echo "# sent (not_sent: certainly not restarted); DCS_ESTOPPED, exit code 6."
run examples/c/dcsctl restart --wave 2 --wait=30 9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b emu-0002

echo
echo "# What the emulator saw (its log names no secret):"
cat "$workdir/emulator.log"

# The same calls against real Redis servers, when redis-server is installed.
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    echo
    echo "# (For the part on real Redis servers: sudo apt-get install -y redis-server)"
    exit 0
fi
kill $emulator_pid 2>/dev/null; wait $emulator_pid 2>/dev/null
start_emulator .build/release/dcs-emulator "$workdir" --redis --quiet ||
    { echo "demo: the emulator did not start in --redis mode" >&2; exit 2; }
export DCS_ENDPOINT=$emulator_url
instance=2e803f66-fbb0-47ad-b6cb-fb87f5bed4ef
field() {
    python3 -c "import json,sys,urllib.request; print(next(i for i in json.load(urllib.request.urlopen(sys.argv[1] + '/_emulator/instances')) if i['id'] == sys.argv[2])[sys.argv[3]])" "$DCS_ENDPOINT" "$instance" "$1"
}
port=$(field redis_port)

echo
echo "# Now each instance is a real redis-server ($instance on port $port)."
echo "\$ redis-cli -p $port SET greeting hello; redis-cli -p $port DBSIZE"
redis-cli -p "$port" SET greeting hello >/dev/null
redis-cli -p "$port" DBSIZE
run examples/c/dcsctl flush --yes "$instance"
echo "\$ redis-cli -p $port DBSIZE"
redis-cli -p "$port" DBSIZE

echo
echo "# A real restart: the redis-server process is replaced; dcsctl waits until it serves again."
echo "redis-server pid before: $(field redis_pid)"
run examples/c/dcsctl restart --wait "$instance"
echo "redis-server pid after:  $(field redis_pid)"
echo "\$ redis-cli -p $port PING"
redis-cli -p "$port" PING
