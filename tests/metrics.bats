#!/usr/bin/env bats
# Metrics: the --stats files of cwl-list, cwl-tail and cwl-registry
# (requests, throttles and retries per API, as the local AWS server
# counted them; the time of the last checkpoint), and the wrapper's
# cloudwatchlogsbeat.metrics.textfile in the Prometheus text format,
# end to end against the local AWS and Elasticsearch servers. Every file
# is checked with tests/prom_check.py, and with promtool when Debian's
# prometheus package is installed.

load helpers

setup() {
	common_setup
	CFG=$BATS_TEST_TMPDIR/cwl.yml
	PROM=$BATS_TEST_TMPDIR/prom/cwl.prom
	mkdir -p "$BATS_TEST_TMPDIR/prom"
	fast_retries "$BATS_TEST_TMPDIR/fast.yml"
}

teardown() {
	# the beat first, so that it drains while the servers are still up
	if [ -n "${BEAT:-}" ]; then
		kill -TERM "$BEAT" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$BEAT" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$BEAT" 2>/dev/null || true
	fi
	if [ -n "${FEEDER:-}" ]; then
		kill "$FEEDER" 2>/dev/null || true
	fi
	common_teardown
}

# server OP [WHAT]: the AWS server's count of requests (or throttles) of OP.
server() {
	local n
	n=$(awsctl stats --brief true --get "${2:-requests}.$1") || return 1
	[ "$n" = null ] && n=0
	echo "$n"
}

# prom FILE NAME [LABEL=VALUE...]: the value of one sample.
prom() {
	"$PY" "$REPO/tests/prom_check.py" "$@"
}

# valid FILE: the file is in the text format, every name in the
# namespace; promtool agrees, when it is there.
valid() {
	run "$PY" "$REPO/tests/prom_check.py" "$1" --namespace cloudwatchlogsbeat_
	[ "$status" -eq 0 ] || { echo "$output"; cat "$1"; return 1; }
	if command -v promtool >/dev/null; then
		run promtool check metrics <"$1"
		[ "$status" -eq 0 ] || { echo "promtool: $output"; cat "$1"; return 1; }
	fi
}

# wait_prom SECONDS NAME [LABEL=VALUE...] -- WANT: until the metrics file
# holds the sample with value WANT.
wait_prom() {
	local secs=$1 i v args=()
	shift
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	for i in $(seq $((secs * 5))); do
		v=$(prom "$PROM" --get "${args[@]}" 2>/dev/null) && [ "$v" = "$2" ] && return 0
		sleep 0.2
	done
	echo "wait_prom: ${args[*]} is '${v:-}', wanted $2" >&2
	cat "$PROM" >&2 2>/dev/null
	tail -n 20 "$BATS_TEST_TMPDIR/beat.err" >&2
	return 1
}

# es_group_count GROUP: documents in the index from log group GROUP.
es_group_count() {
	es_docs | "$PY" -c 'import json, sys
ids = {d["_id"] for d in map(json.loads, sys.stdin)
       if d["_source"].get("aws", {}).get("cloudwatch", {}).get("log_group") == sys.argv[1]}
print(len(ids))' "$1"
}

write_config() {
	cat >"$CFG" <<EOF
cloudwatchlogsbeat:
  registry.url: file:$BATS_TEST_TMPDIR/registry.ndjson
  registry.flush_interval: 500ms
  stream_refresh_frequency: 1s
  group_refresh_frequency: 1s
  hot_stream_event_refresh_frequency: 500ms
  stream_event_refresh_frequency: 1s
  grace_period: 20s
  report_frequency: 1s
  retry.backoff: 20ms
  retry.max_backoff: 500ms
  metrics.textfile: $PROM
  prospectors:
    - id: m
      groupnames: ["/m/*"]
output.elasticsearch:
  hosts: ["${ES_URL:-http://127.0.0.1:9}"]
  flush_interval: 200ms
  backoff.init: 20ms
  backoff.max: 500ms
${1:-}
EOF
}

start_beat() {
	cloudwatchlogsbeat -c "$CFG" "$@" >"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
	BEAT=$!
}

@test "cwl-list --stats: requests, throttles and retries per operation, as the server counted them" {
	aws_server_start
	export CWL_CONFIG=$BATS_TEST_TMPDIR/fast.yml
	awsctl seed --groups '["/m/a","/m/b"]' --streams 3 --events 2 >/dev/null
	# the first DescribeLogStreams fails with a 500, the next two are throttled
	awsctl faults --error500_count 1 --throttle_count 2 --ops DescribeLogStreams >/dev/null
	run cwl-list --stats st streams '/m/*'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	cat st
	[ "$(head -n 1 st | cut -f 1,3)" = "$(printf 'cwl-list\tregion=us-east-1')" ]
	[ "$(stat_of st requests.DescribeLogStreams)" -eq "$(server DescribeLogStreams)" ]
	[ "$(stat_of st requests.DescribeLogGroups)" -eq "$(server DescribeLogGroups)" ]
	[ "$(stat_of st throttles.DescribeLogStreams)" -eq 2 ]
	[ "$(server DescribeLogStreams throttles)" -eq 2 ]
	[ "$(stat_of st retries.DescribeLogStreams)" -eq 1 ]
	[ "$(stat_of st throttles.DescribeLogGroups)" -eq 0 ]
	[ "$(stat_of st requests)" -eq $(($(server DescribeLogStreams) + $(server DescribeLogGroups))) ]
	[ "$(stat_of st throttles)" -eq 2 ]
	[ "$(stat_of st retries)" -eq 1 ]
}

@test "cwl-list --stats: no file name, or a file that cannot be written, is exit 2 before any request" {
	aws_server_start
	run cwl-list --stats '' streams /m/a
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-list: error: --stats: no file name" ]
	run cwl-list --stats "$BATS_TEST_TMPDIR/no/such/dir/st" streams /m/a
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: --stats: open $BATS_TEST_TMPDIR/no/such/dir/st.tmp: No such file or directory" ]
	[ "$(server DescribeLogStreams)" -eq 0 ]
	[ "$(server DescribeLogGroups)" -eq 0 ]
}

@test "cwl-tail --stats: requests, throttles and retries per API, as the server counted them" {
	aws_server_start
	export CWL_CONFIG=$BATS_TEST_TMPDIR/fast.yml
	awsctl seed --groups '["/m/a"]' --streams 4 --events 300 >/dev/null
	awsctl faults --error503_count 1 --throttle_count 3 --ops GetLogEvents >/dev/null
	run cwl-tail --stats st /m/a
	[ "$status" -eq 0 ] || { echo "$output" | tail -n 5; false; }
	# the events, and the 503 said once as it is retried
	[ "$(grep -c '^{' <<<"$output")" -eq 1200 ]
	[ "$(grep -c '^cwl-tail: warning: GetLogEvents /m/a:stream-[0-9]*: .*(HTTP 503); retrying' <<<"$output")" -eq 1 ]
	cat st
	[ "$(head -n 1 st | cut -f 1,3)" = "$(printf 'cwl-tail\tregion=us-east-1')" ]
	[ "$(stat_of st requests.GetLogEvents)" -eq "$(server GetLogEvents)" ]
	[ "$(stat_of st throttles.GetLogEvents)" -eq 3 ]
	[ "$(server GetLogEvents throttles)" -eq 3 ]
	[ "$(stat_of st retries.GetLogEvents)" -eq 1 ]
	[ "$(stat_of st requests.DescribeLogStreams)" -eq "$(server DescribeLogStreams)" ]
	[ "$(stat_of st requests.FilterLogEvents)" -eq "$(server FilterLogEvents)" ]
	# every API is there, called or not
	for api in GetLogEvents FilterLogEvents DescribeLogStreams; do
		for k in requests throttles retries; do
			[ -n "$(stat_of st "$k.$api")" ] || { echo "no $k.$api"; false; }
		done
	done
	[ "$(stat_of st requests)" -eq $(($(stat_of st requests.GetLogEvents) + $(stat_of st requests.FilterLogEvents) + $(stat_of st requests.DescribeLogStreams))) ]
}

@test "cwl-registry put --stats: the time of the last save, kept by the next run; errors are exit 2" {
	t0=$(($(date +%s%3N) - 1))
	printf '{"group":"g","stream":"s","token":"f/1","skip":1,"ts":1,"n":1}\n' |
		cwl-registry put "file:$BATS_TEST_TMPDIR/reg.ndjson" --stats st -i 100ms
	t1=$(($(date +%s%3N) + 1))
	cat st
	[ "$(head -n 1 st | cut -f 1)" = cwl-registry ]
	[ "$(stat_of st saves)" -eq 1 ]
	last=$(stat_of st last_save_ms)
	[ "$last" -ge "$t0" ] && [ "$last" -le "$t1" ]
	# a run that saves nothing keeps the time of the one before
	cwl-registry put "file:$BATS_TEST_TMPDIR/reg.ndjson" --stats st </dev/null
	[ "$(stat_of st saves)" -eq 0 ]
	[ "$(stat_of st last_save_ms)" -eq "$last" ]
	# and a first run has none
	cwl-registry put "file:$BATS_TEST_TMPDIR/reg.ndjson" --stats st2 </dev/null
	[ "$(stat_of st2 last_save_ms)" -eq 0 ]
	run cwl-registry get "file:$BATS_TEST_TMPDIR/reg.ndjson" --stats st
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-registry: error: get: --stats is for put" ]
	run cwl-registry put "file:$BATS_TEST_TMPDIR/reg.ndjson" --stats ''
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-registry: error: --stats: no file name" ]
	run cwl-registry put "file:$BATS_TEST_TMPDIR/reg.ndjson" --stats "$BATS_TEST_TMPDIR/no/st" </dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-registry: error: --stats: open $BATS_TEST_TMPDIR/no/st.tmp: No such file or directory" ]
}

@test "metrics.textfile: per log group, acked equals what the index holds; dead letters, throttles, lag, the last checkpoint" {
	aws_server_start
	# fields.n is a long in the index: the events of /m/bad, which carry
	# a string there, are refused and set aside
	es_server_start --mapping fields.n=long
	awsctl seed --groups '["/m/good"]' --streams 3 --events 100 >/dev/null
	awsctl seed --groups '["/m/also"]' --streams 2 --events 50 >/dev/null
	awsctl seed --groups '["/m/bad"]' --streams 1 --events 20 >/dev/null
	awsctl faults --throttle_count 2 --ops FilterLogEvents >/dev/null
	write_config "cloudwatchlogsbeat.accounts:
  - name: alpha
    endpoint: $AWS_ENDPOINT_URL"
	"$PY" - "$CFG" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().replace("""    - id: m
      groupnames: ["/m/*"]
""", """    - id: m
      groupnames: ["/m/good", "/m/also", "/m/li*"]
    - id: bad
      groupnames: ["/m/bad"]
      fields: {n: "not a number"}
""")
open(p, "w").write(s)
EOF
	# events all along, so that every report has a lag to give
	awsctl put --group /m/live --stream s --create true --messages '["first"]' >/dev/null
	( while :; do awsctl put --group /m/live --stream s --messages '["more"]' >/dev/null 2>&1; sleep 0.2; done ) &
	FEEDER=$!
	t0=$(date +%s)
	start_beat
	labels=(account=alpha region=us-east-1)
	wait_prom 120 cloudwatchlogsbeat_events_acked_total "${labels[@]}" log_group=/m/good -- 300
	wait_prom 60 cloudwatchlogsbeat_events_acked_total "${labels[@]}" log_group=/m/also -- 100
	wait_prom 60 cloudwatchlogsbeat_events_acked_total "${labels[@]}" log_group=/m/bad -- 20
	wait_prom 60 cloudwatchlogsbeat_throttles_total "${labels[@]}" api=FilterLogEvents -- 2
	# a lag, from the events of /m/live
	for _ in $(seq 300); do
		lag=$(prom "$PROM" --get cloudwatchlogsbeat_lag_seconds "${labels[@]}" log_group=/m/live 2>/dev/null) && break
		sleep 0.2
	done
	[ -n "$lag" ]
	awk -v l="$lag" 'BEGIN { exit !(l >= 0 && l < 120) }'
	kill "$FEEDER"
	wait "$FEEDER" 2>/dev/null || true
	FEEDER=
	cp "$PROM" seen.prom
	valid seen.prom
	# acked is what reached the output: the index's count, per group
	for g in /m/good /m/also; do
		n=$(es_group_count "$g")
		[ "$(prom seen.prom --get cloudwatchlogsbeat_events_acked_total log_group="$g")" -eq "$n" ]
		[ "$(prom seen.prom --get cloudwatchlogsbeat_events_shipped_total log_group="$g")" -eq "$n" ]
		[ "$(prom seen.prom --get cloudwatchlogsbeat_events_read_total log_group="$g")" -eq "$n" ]
		[ "$(prom seen.prom --get cloudwatchlogsbeat_events_dead_lettered_total log_group="$g")" -eq 0 ]
	done
	[ "$(es_group_count /m/good)" -eq 300 ]
	[ "$(es_group_count /m/also)" -eq 100 ]
	# the refused ones: set aside, acked, never shipped
	[ "$(es_group_count /m/bad)" -eq 0 ]
	[ "$(prom seen.prom --get cloudwatchlogsbeat_events_shipped_total log_group=/m/bad)" -eq 0 ]
	[ "$(prom seen.prom --get cloudwatchlogsbeat_events_dead_lettered_total log_group=/m/bad)" -eq 20 ]
	# no lag where nothing was shipped
	run prom seen.prom --get cloudwatchlogsbeat_lag_seconds log_group=/m/bad
	[ "$status" -eq 1 ]
	# requests of every program that calls CloudWatch Logs
	[ "$(prom seen.prom --get cloudwatchlogsbeat_requests_total api=DescribeLogGroups)" -gt 0 ]
	[ "$(prom seen.prom --get cloudwatchlogsbeat_requests_total api=DescribeLogStreams)" -gt 0 ]
	[ "$(prom seen.prom --get cloudwatchlogsbeat_requests_total api=FilterLogEvents)" -gt 2 ]
	# the checkpoints were saved, since the beat started
	ck=$(prom seen.prom --get cloudwatchlogsbeat_last_checkpoint_timestamp_seconds "${labels[@]}")
	awk -v c="$ck" -v t0="$t0" -v t1="$(date +%s)" 'BEGIN { exit !(c >= t0 - 1 && c <= t1 + 1) }'
	# every sample but the version has the pipeline's account and region
	run prom seen.prom --samples
	[ "$(grep -vc '"name": "cloudwatchlogsbeat_build_info"' <<<"$output")" -eq \
		"$(grep -c '"account": "alpha".*"region": "us-east-1"' <<<"$output")" ]
	[ "$(prom seen.prom --get cloudwatchlogsbeat_build_info version=0.1.0)" -eq 1 ]
	# readable by node_exporter's user, and no file left beside it
	[ "$(stat -c %a "$PROM")" = 644 ]
	[ "$(ls "$BATS_TEST_TMPDIR/prom")" = cwl.prom ]
	# quiet when all is well
	run grep -E ': (warning|error):' "$BATS_TEST_TMPDIR/beat.err"
	[ -z "$(grep -v -e 'set aside' -e 'dropped (no dead-letter file)' <<<"$output")" ] || { echo "$output"; false; }
	kill -TERM "$BEAT"
	wait "$BEAT"
	st=$?
	BEAT=
	[ "$st" -eq 0 ]
	# the last counts stay in the file
	valid "$PROM"
	[ "$(prom "$PROM" --get cloudwatchlogsbeat_events_acked_total log_group=/m/good)" -eq 300 ]
}

@test "metrics.textfile that cannot be written stops the beat at start with exit 2, naming the path" {
	# a region, so that the programs' own checks pass before this one
	export AWS_REGION=us-east-1
	write_config
	run cloudwatchlogsbeat -c "$CFG" -E "cloudwatchlogsbeat.metrics.textfile=$BATS_TEST_TMPDIR/no/such/dir/cwl.prom"
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: cloudwatchlogsbeat.metrics.textfile $BATS_TEST_TMPDIR/no/such/dir/cwl.prom: cannot write it: No such file or directory" ]
	mkdir -p "$BATS_TEST_TMPDIR/a.prom"
	run cloudwatchlogsbeat -c "$CFG" -E "cloudwatchlogsbeat.metrics.textfile=$BATS_TEST_TMPDIR/a.prom"
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: cloudwatchlogsbeat.metrics.textfile $BATS_TEST_TMPDIR/a.prom: cannot write it: Is a directory" ]
	touch "$BATS_TEST_TMPDIR/file"
	run cloudwatchlogsbeat -c "$CFG" -E "cloudwatchlogsbeat.metrics.textfile=$BATS_TEST_TMPDIR/file/cwl.prom"
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: cloudwatchlogsbeat.metrics.textfile $BATS_TEST_TMPDIR/file/cwl.prom: cannot write it: Not a directory" ]
	# nothing was started, nothing left behind
	[ ! -e "$BATS_TEST_TMPDIR/registry.ndjson" ]
	[ -z "$(ls "$BATS_TEST_TMPDIR/a.prom")" ]
}

@test "metrics.textfile: a name node_exporter would not read is a warning; a file that can no longer be written, a warning at each report" {
	aws_server_start
	es_server_start
	awsctl seed --groups '["/m/a"]' --streams 1 --events 5 >/dev/null
	write_config
	start_beat -E "cloudwatchlogsbeat.metrics.textfile=$BATS_TEST_TMPDIR/prom/cwl.txt"
	PROM=$BATS_TEST_TMPDIR/prom/cwl.txt
	wait_for_file "$PROM" 30
	grep -qxF "cloudwatchlogsbeat: warning: cloudwatchlogsbeat.metrics.textfile $PROM: node_exporter's textfile collector reads only files ending in .prom" "$BATS_TEST_TMPDIR/beat.err"
	wait_prom 60 cloudwatchlogsbeat_events_acked_total log_group=/m/a -- 5
	rm -rf "$BATS_TEST_TMPDIR/prom"
	want="cloudwatchlogsbeat: warning: cloudwatchlogsbeat.metrics.textfile $PROM: cannot write it: No such file or directory"
	for _ in $(seq 150); do
		grep -qxF "$want" "$BATS_TEST_TMPDIR/beat.err" && break
		sleep 0.2
	done
	grep -qxF "$want" "$BATS_TEST_TMPDIR/beat.err" || { tail "$BATS_TEST_TMPDIR/beat.err"; false; }
	# the beat goes on, and so do the metrics once the directory is back
	mkdir "$BATS_TEST_TMPDIR/prom"
	wait_prom 60 cloudwatchlogsbeat_events_acked_total log_group=/m/a -- 5
	kill -0 "$BEAT"
}

@test "the metrics of two pipelines: label values escaped as the format wants, families whole, DescribeLogStreams of cwl-list and cwl-tail summed" {
	mkdir -p p0 p1 p2
	printf 'prod\n' >p0/account
	printf 'staging\n' >p1/account
	printf '\n' >p2/account
	# a name with a tab, a quote, a backslash and a line break, escaped
	# as the --stats files do it (\t, \\, \n)
	odd='we"ird\tg\\x\ny'
	printf 'cwl-tail\t1\tregion=eu-west-1\n\tread=7\trequests.GetLogEvents=5\tthrottles.GetLogEvents=1\tretries.GetLogEvents=0\trequests.DescribeLogStreams=2\tthrottles.DescribeLogStreams=0\tretries.DescribeLogStreams=0\n/aws/a\tread=5\tnewest_ms=1\n%s\tread=2\tnewest_ms=1\n' "$odd" >p0/tail.stats
	printf 'cwl-ship\t1\n\tread=7\tshipped=6\tacked=7\tdead=1\tlag_ms=2500\n/aws/a\tread=5\tshipped=5\tacked=5\tdead=0\tlag_ms=2500\n%s\tread=2\tshipped=1\tacked=2\tdead=1\tlag_ms=-1\n' "$odd" >p0/ship.stats
	printf 'cwl-list\t1\tregion=eu-west-1\n\trequests=4\tthrottles=1\tretries=0\trequests.DescribeLogGroups=1\tthrottles.DescribeLogGroups=0\tretries.DescribeLogGroups=0\trequests.DescribeLogStreams=3\tthrottles.DescribeLogStreams=1\tretries.DescribeLogStreams=0\n' >p0/list.stats
	printf 'cwl-registry\t1\n\tsaves=3\tlast_save_ms=1796000000250\n' >p0/registry.stats
	# the same group in another pipeline: another series
	printf 'cwl-tail\t1\tregion=us-east-1\n\tread=1\n/aws/a\tread=1\tnewest_ms=1\n' >p1/tail.stats
	printf 'cwl-registry\t1\n\tsaves=0\tlast_save_ms=0\n' >p1/registry.stats
	# a pipeline without accounts; and a directory that is no pipeline's
	printf 'cwl-tail\t1\tregion=us-east-1\n\tread=0\n/aws/b\tread=0\tnewest_ms=0\n' >p2/tail.stats
	mkdir -p other
	cp p0/tail.stats other/
	run cloudwatchlogsbeat --print-metrics p0 p1/ p2 other
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >m.prom
	cat m.prom
	valid m.prom
	grep -qxF 'cloudwatchlogsbeat_events_read_total{account="prod",region="eu-west-1",log_group="we\"ird	g\\x\ny"} 2' m.prom
	[ "$(prom m.prom --get cloudwatchlogsbeat_events_read_total account=prod log_group=$'we"ird\tg\\x\ny')" -eq 2 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_events_read_total account=prod log_group=/aws/a)" -eq 5 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_events_read_total account=staging region=us-east-1 log_group=/aws/a)" -eq 1 ]
	grep -qxF 'cloudwatchlogsbeat_events_read_total{region="us-east-1",log_group="/aws/b"} 0' m.prom
	[ "$(prom m.prom --get cloudwatchlogsbeat_events_dead_lettered_total account=prod log_group=$'we"ird\tg\\x\ny')" -eq 1 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_requests_total account=prod api=DescribeLogStreams)" -eq 5 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_throttles_total account=prod api=DescribeLogStreams)" -eq 1 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_requests_total account=prod api=DescribeLogGroups)" -eq 1 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_lag_seconds account=prod log_group=/aws/a)" = 2.5 ]
	[ "$(prom m.prom --get cloudwatchlogsbeat_last_checkpoint_timestamp_seconds account=prod)" = 1796000000.25 ]
	# no lag without an event shipped, no checkpoint time without a save
	[ "$(grep -c '^cloudwatchlogsbeat_lag_seconds{' m.prom)" -eq 1 ]
	[ "$(grep -c '^cloudwatchlogsbeat_last_checkpoint_timestamp_seconds{' m.prom)" -eq 1 ]
	# the directory without an account file is not read
	[ "$(grep -c '^cloudwatchlogsbeat_events_read_total{account="prod"' m.prom)" -eq 2 ]
	# the checks see a value left unescaped, a family split, a repeated series
	sed 's/log_group="we\\"ird/log_group="we"ird/' m.prom >bad1.prom
	run "$PY" "$REPO/tests/prom_check.py" bad1.prom
	[ "$status" -eq 1 ]
	awk '/^cloudwatchlogsbeat_events_read_total/ { last = $0 } { print } END { print last }' m.prom >bad2.prom
	run "$PY" "$REPO/tests/prom_check.py" bad2.prom
	[ "$status" -eq 1 ]
	[[ "$output" == *"not together"* || "$output" == *"second sample"* ]]
	if command -v promtool >/dev/null; then
		run promtool check metrics <bad1.prom
		[ "$status" -ne 0 ]
	fi
	# with no pipeline, the version alone
	run cloudwatchlogsbeat --print-metrics
	printf '%s\n' "$output" >empty.prom
	valid empty.prom
	[ "$(grep -vc '^#' empty.prom)" -eq 1 ]
}
