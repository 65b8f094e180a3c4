#!/bin/bash
# The beat end to end on local defaults: starts the local CloudWatch Logs
# and Elasticsearch servers of the test suite, seeds them with Lambda-like
# logs, runs cloudwatchlogsbeat against them for DEMO_SECONDS (default 30)
# while new invocations keep arriving, and shows what reached the index.
set -eu
cd "$(dirname "$0")/.."
REPO=$PWD
PY=/usr/bin/python3
SECS=${DEMO_SECONDS:-30}
D=$(mktemp -d "${TMPDIR:-/tmp}/cwl-demo.XXXXXX")
PIDS=()

cleanup() {
	[ ${#PIDS[@]} -gt 0 ] && kill -TERM "${PIDS[@]}" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$D"
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }

wait_port() {
	local i
	for i in $(seq 600); do [ -s "$1" ] && return 0; sleep 0.1; done
	echo "demo: a server did not start; see $2" >&2
	exit 1
}

say "starting the local CloudWatch Logs and Elasticsearch servers"
"$PY" tests/servers/aws_server.py --port 0 --port-file "$D/aws.port" --pid-file "$D/aws.pid" >"$D/aws.log" 2>&1 &
PIDS+=($!)
"$PY" tests/servers/es_server.py --port 0 --port-file "$D/es.port" --pid-file "$D/es.pid" >"$D/es.log" 2>&1 &
PIDS+=($!)
wait_port "$D/aws.port" "$D/aws.log"
wait_port "$D/es.port" "$D/es.log"
export AWS_SERVER_PORT=$(cat "$D/aws.port")
export AWS_ENDPOINT_URL=http://127.0.0.1:$AWS_SERVER_PORT
export AWS_ACCESS_KEY_ID=AKIACWLTESTKEY0000001
export AWS_SECRET_ACCESS_KEY=cwlTestSecret0000000000000000000000000001
export AWS_REGION=eu-west-1
ES=http://127.0.0.1:$(cat "$D/es.port")
awsctl() { "$PY" tests/servers/awsctl "$@"; }

say "seeding three Lambda log groups"
awsctl seed --groups '["/aws/lambda/demo-api","/aws/lambda/demo-worker","/aws/lambda/demo-cron"]' \
	--streams 4 --events 250 --step 40 --kind lambda --lambda_names true >/dev/null
bin/cwl-list groups /aws/lambda/demo
echo
bin/cwl-list --plain streams /aws/lambda/demo-api

cat >"$D/cloudwatchlogsbeat.yml" <<YML
cloudwatchlogsbeat:
  registry.url: file:$D/registry.ndjson
  stream_refresh_frequency: 2s
  group_refresh_frequency: 5s
  hot_stream_event_refresh_frequency: 1s
  report_frequency: 10s
  prospectors:
    - id: lambda
      groupnames: ["/aws/lambda/demo-*"]
      multiline:
        pattern: '^(START|END|REPORT) RequestId|^[0-9]{4}-[0-9]{2}-[0-9]{2}T'
        negate: true
        match: after
output.elasticsearch:
  hosts: ["$ES"]
  index: "cloudwatchlogsbeat-%{+yyyy.MM.dd}"
YML

say "running: ./cloudwatchlogsbeat -e -v -c $D/cloudwatchlogsbeat.yml (for ${SECS}s)"
./cloudwatchlogsbeat -e -v -c "$D/cloudwatchlogsbeat.yml" 2>"$D/beat.log" &
BEAT=$!
PIDS+=($BEAT)
start=$SECONDS
n=0
progress() {
	have=$(curl -fsS "$ES/_count" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["count"])')
	total=$(awsctl stats --get events_total)
	printf '%3ds  events in CloudWatch: %5d   documents in Elasticsearch: %5d\n' $((SECONDS - start)) "$total" "$have"
}
while [ $((SECONDS - start)) -lt "$SECS" ]; do
	sleep 3
	n=$((n + 1))
	# a new invocation in a new stream, as Lambda does
	awsctl seed --groups '["/aws/lambda/demo-api"]' --stream_names "[\"$(date -u +%Y/%m/%d)/[\$LATEST]demo$n\"]" \
		--events 20 --step 5 --start "$(($(date +%s) * 1000))" --kind lambda >/dev/null
	progress
done
# the last invocations still on their way, and the registry catching up
# with them (a busy machine takes longer: up to two minutes)
for _ in $(seq 120); do
	progress
	[ "$have" -ge "$total" ] && bin/cwl-registry get "file:$D/registry.ndjson" >"$D/reg.ndjson" &&
		"$PY" tests/e2e_check.py --aws-port "$AWS_SERVER_PORT" --es "$ES" --registry "$D/reg.ndjson" >/dev/null 2>&1 &&
		break
	sleep 1
done

say "stopping the beat (SIGTERM): it drains and saves its registry"
kill -TERM "$BEAT"
wait "$BEAT" && echo "exit status 0"
grep -E "restarting|error" "$D/beat.log" || echo "no restart, no error"

say "three documents from the index"
curl -fsS "$ES/_control/docs" -o "$D/docs.ndjson"
head -n 3 "$D/docs.ndjson" | "$PY" -c '
import json, sys
for line in sys.stdin:
    d = json.loads(line)
    print(json.dumps({"_index": d["_index"], "_id": d["_id"], "_source": d["_source"]}, indent=1)[:900])'

say "the registry: where each stream will resume"
bin/cwl-registry list "file:$D/registry.ndjson" | head -n 8

say "checking every event against the index"
if "$PY" tests/e2e_check.py --aws-port "$AWS_SERVER_PORT" --es "$ES" --registry "$D/registry.ndjson"; then
	echo "every event is in the index exactly once, and the registry is at the end of every stream"
fi
