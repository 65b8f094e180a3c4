#!/usr/bin/env bats
# The wrapper end to end: the four programs against the local AWS and
# Elasticsearch servers, supervised, killed, stopped, reloaded, sharded.
# Every run is checked event by event with tests/e2e_check.py: each event
# the AWS server holds is in the index exactly once, with its millisecond
# timestamp, and nothing else is.

load helpers

setup() {
	CFG=$BATS_TEST_TMPDIR/cwl.yml
	REG=file:$BATS_TEST_TMPDIR/registry.ndjson
	common_setup
	aws_server_start
	es_server_start
}

teardown() {
	# the beat first, so that it drains while the servers are still up
	if [ -n "${BEAT:-}" ]; then
		kill -TERM "$BEAT" 2>/dev/null
		wait_for '! kill -0 "$BEAT" 2>/dev/null' 30 || true
		kill -KILL "$BEAT" 2>/dev/null || true
	fi
	# what is left of this test's run: its config path is in the command
	# lines (never an empty pattern, which would match any "-c ")
	[ -z "${CFG:-}" ] || pkill -KILL -f -- "-c $CFG" 2>/dev/null || true
	common_teardown
}

# write_config [EXTRA YAML]: the beat's config for this test.
write_config() {
	cat >"$CFG" <<EOF
cloudwatchlogsbeat:
  registry.url: $REG
  registry.flush_interval: 500ms
  stream_refresh_frequency: 1s
  group_refresh_frequency: 1s
  hot_stream_event_refresh_frequency: 500ms
  stream_event_refresh_frequency: 1s
  grace_period: 20s
  max_event_delay: 2s
  report_frequency: 5s
  restart.backoff: 200ms
  restart.max_backoff: 2s
  retry.backoff: 20ms
  retry.max_backoff: 500ms
  prospectors:
    - id: e2e
      groupnames: ["/e2e/*"]
output.elasticsearch:
  hosts: ["$ES_URL"]
  flush_interval: 200ms
  bulk_max_size: 2000
  backoff.init: 20ms
  backoff.max: 500ms
${1:-}
EOF
}

start_beat() {
	cloudwatchlogsbeat -c "$CFG" -v "$@" >"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
	BEAT=$!
}

# stop_beat: SIGTERM, wait; sets STOP_STATUS and STOP_SECONDS.
stop_beat() {
	local t0=$SECONDS
	kill -TERM "$BEAT"
	wait "$BEAT"
	STOP_STATUS=$?
	STOP_SECONDS=$((SECONDS - t0))
	BEAT=
}

# server_total: the number of events the AWS server holds.
server_total() {
	awsctl dump | wc -l
}

# wait_indexed [SECONDS]: until the index holds every event of the server.
wait_indexed() {
	local want
	want=$(server_total)
	es_wait_count "$want" "" "${1:-120}" || { tail -n 30 "$BATS_TEST_TMPDIR/beat.err"; return 1; }
}

registry_file() {
	cwl-registry get "$REG" >"$BATS_TEST_TMPDIR/reg.ndjson"
}

check_exact() {
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL" "$@"
	echo "$output"
	[ "$status" -eq 0 ]
}

# wait_checkpoints [SECONDS]: until the registry is past the newest event
# of every group. The checkpoints move when the sweep that catches late
# events (cwl-tail(1), FOLLOWING) has passed them: max_event_delay and
# 15 s after the events.
wait_checkpoints() {
	local i
	for i in $(seq "${1:-60}"); do
		registry_file
		"$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL" \
			--registry "$BATS_TEST_TMPDIR/reg.ndjson" >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}

# start_beat_group [ARGS...]: the beat as a shell on a terminal starts
# it: in a process group of its own (BEAT is its id), SIGINT not ignored
# (a non-interactive shell ignores it in what it starts in the
# background), so that kill -INT -- -$BEAT is a Ctrl-C.
start_beat_group() {
	"$PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])' cloudwatchlogsbeat -c "$CFG" -v "$@" \
		>"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
	BEAT=$!
}

# wait_beat_end SECONDS: until the beat has ended; sets STOP_STATUS.
wait_beat_end() {
	local i
	for i in $(seq $(($1 * 10))); do
		kill -0 "$BEAT" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$BEAT" 2>/dev/null; then
		echo "the beat still runs after $1 s" >&2
		tail -n 20 "$BATS_TEST_TMPDIR/beat.err" >&2
		return 1
	fi
	wait "$BEAT"
	STOP_STATUS=$?
	BEAT=
}

# wait_log PATTERN [SECONDS]: until beat.err has a line matching PATTERN.
wait_log() {
	local i
	for i in $(seq $((${2:-60} * 10))); do
		grep -q -- "$1" "$BATS_TEST_TMPDIR/beat.err" && return 0
		sleep 0.1
	done
	echo "no line matching: $1" >&2
	tail -n 20 "$BATS_TEST_TMPDIR/beat.err" >&2
	return 1
}

# leftovers: programs of this test still running.
leftovers() {
	pgrep -f -- "-c $CFG" || true
}

@test "100,000 events in 40 streams over 3 groups, with arrivals, indexed exactly once" {
	awsctl seed --groups '["/e2e/a","/e2e/b"]' --streams 15 --events 2400 --step 7 --size 120 >/dev/null
	awsctl seed --groups '["/e2e/c"]' --streams 10 --events 2400 --step 13 --size 120 --stream_prefix c- >/dev/null
	# the arrivals below are stamped as they are put: a busy machine may
	# take seconds to put them, which the bound must cover
	write_config
	sed -i 's/max_event_delay: 2s/max_event_delay: 15s/' "$CFG"
	start_beat
	# while it runs: more events in old streams, new streams, and events
	# in them
	wait_for '[ "$(es_count)" -gt 0 ]'
	awsctl seed --groups '["/e2e/a"]' --stream_names '["stream-0000","stream-0001"]' --events 1000 --step 3 \
		--start "$(date +%s%3N)" >/dev/null
	awsctl seed --groups '["/e2e/c"]' --stream_names '["late-0","late-1"]' --events 1000 --step 1 \
		--start "$(date +%s%3N)" >/dev/null
	sleep 2
	awsctl put --group /e2e/b --stream stream-0003 --messages '["one more","and another"]' >/dev/null
	[ "$(server_total)" -eq 100002 ]
	wait_indexed 180
	wait_checkpoints
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	registry_file
	check_exact --registry "$BATS_TEST_TMPDIR/reg.ndjson"
	[[ "$output" == *"server 100002, index 100002, missing 0, extra 0, duplicated 0"* ]]
	# millisecond timestamps, UTC with Z, as the server holds them
	es_docs | head -n 1000 | grep -c '"@timestamp":"20[0-9-]*T[0-9:]*\.[0-9][0-9][0-9]Z"' | grep -qx 1000
	[ -z "$(leftovers)" ]
}

@test "chaos: 20 SIGKILLs of random programs under faults lose and duplicate nothing" {
	awsctl seed --groups '["/e2e/a","/e2e/b","/e2e/c"]' --streams 8 --events 800 --step 11 --size 100 >/dev/null
	write_config
	# the arrivals are stamped as they are put, which a busy machine may
	# take seconds to do
	sed -i 's/max_event_delay: 2s/max_event_delay: 15s/' "$CFG"
	awsctl faults --throttle 0.1 --error500 0.03 --drop 0.02 >/dev/null
	es_ctl _control/faults '{"item_429":0.05,"request_503":0.02,"drop_after":0.02}' >/dev/null
	start_beat
	local progs=(cwl-list cwl-tail cwl-ship cwl-registry) p victim killed=0 arrived= until=$((SECONDS + 300))
	local -A runs=()
	while [ "$killed" -lt 20 ] && [ "$SECONDS" -lt "$until" ]; do
		sleep "0.$((RANDOM % 9 + 1))"
		if [ "$killed" -ge 8 ] && [ -z "$arrived" ]; then
			awsctl seed --groups '["/e2e/b"]' --stream_names '["arrived"]' --events 400 --step 5 \
				--start "$(date +%s%3N)" >/dev/null
			arrived=1
		fi
		p=${progs[RANDOM % 4]}
		# not before the first run says it started: a program killed
		# before that line would be counted in a run 0 that is none
		grep -q "pipeline started" "$BATS_TEST_TMPDIR/beat.err" || continue
		victim=$(pgrep -n -f -- "^$CWL_BIN/$p .*-c $CFG") || continue
		# the run it belongs to: a run's programs are all gone before
		# the next run starts and says so (or later)
		kill -KILL "$victim" 2>/dev/null || continue
		killed=$((killed + 1))
		runs[$(grep -c "pipeline started" "$BATS_TEST_TMPDIR/beat.err")]=1
	done
	echo "killed $killed programs in ${#runs[@]} runs"
	grep -v ' info: ' "$BATS_TEST_TMPDIR/beat.err" | tail -n 40
	[ "$killed" -eq 20 ]
	wait_indexed 240
	awsctl faults --clear true >/dev/null
	es_ctl _control/faults '{"item_429":0,"request_503":0,"drop_after":0}' >/dev/null
	wait_checkpoints 120
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	# every run that lost a program was started again (how many runs the
	# kills fell in is the machine's business)
	grep -c "restarting in" "$BATS_TEST_TMPDIR/beat.err"
	[ "$(grep -c 'restarting in' "$BATS_TEST_TMPDIR/beat.err")" -ge "${#runs[@]}" ]
	grep -q "exited with signal KILL" "$BATS_TEST_TMPDIR/beat.err"
	registry_file
	check_exact --registry "$BATS_TEST_TMPDIR/reg.ndjson"
	[[ "$output" == *"missing 0, extra 0, duplicated 0"* ]]
	[ -z "$(leftovers)" ]
}

@test "SIGTERM mid-run: exit 0 within the grace period, every acked event saved, no process left" {
	awsctl seed --groups '["/e2e/a"]' --streams 6 --events 5000 --step 3 >/dev/null
	write_config
	# a slow Elasticsearch, so that the stop comes mid-run; a small buffer,
	# so that what is in hand drains within the grace period, a minute
	# for a busy machine
	es_ctl _control/faults '{"latency_ms":200}' >/dev/null
	start_beat -E output.elasticsearch.bulk_max_size=200 -E output.elasticsearch.max_buffer_bytes=256KB \
		-E cloudwatchlogsbeat.grace_period=1min
	es_wait_count 2000 "" 60
	# what the registry holds before the signal was acked before it
	wait_for 'cwl-registry get "$REG" >"$BATS_TEST_TMPDIR/before.ndjson" && [ -s "$BATS_TEST_TMPDIR/before.ndjson" ]'
	stop_beat
	echo "stopped in ${STOP_SECONDS}s with $STOP_STATUS"
	[ "$STOP_STATUS" -eq 0 ]
	[ "$STOP_SECONDS" -le 60 ]
	! grep -q "grace period over" "$BATS_TEST_TMPDIR/beat.err"
	[ -z "$(leftovers)" ]
	registry_file
	[ "$(es_count)" -lt 30000 ]
	# nothing acked before the signal is lost from the registry, and after
	# the drain the registry holds, source by source (the group, read as a
	# whole), what reached the index
	run "$PY" - "$BATS_TEST_TMPDIR/before.ndjson" "$BATS_TEST_TMPDIR/reg.ndjson" "$ES_CTL_URL" <<'PY'
import collections, json, sys, urllib.request
def load(path):
    return {json.loads(l)["stream"]: json.loads(l)["n"] for l in open(path)}
before, after = load(sys.argv[1]), load(sys.argv[2])
docs = collections.Counter()
for line in urllib.request.urlopen(sys.argv[3] + "/_control/docs"):
    docs[json.loads(line)["_source"]["aws"]["cloudwatch"]["log_stream"]] += 1
if "*" in after:
    # the group is read as a whole: its cursor counts the group's events
    docs = collections.Counter({"*": sum(docs.values())})
lost = {s: (n, after.get(s, 0)) for s, n in before.items() if after.get(s, 0) < n}
behind = {s: (after.get(s, 0), n) for s, n in docs.items() if after.get(s, 0) != n}
print("before %d, after %d, indexed %d, lost %s, behind %s" % (
    sum(before.values()), sum(after.values()), sum(docs.values()), lost, behind))
sys.exit(1 if lost or behind or sum(before.values()) == 0 else 0)
PY
	echo "$output"
	[ "$status" -eq 0 ]
	# and a second run takes up where the first stopped, duplicating nothing
	es_ctl _control/faults '{"latency_ms":0}' >/dev/null
	start_beat
	wait_indexed 120
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	check_exact
	[ "$(es_stats duplicates)" -eq 0 ]
}

@test "three shards with one S3 registry index every event exactly once" {
	awsctl buckets --create '["cwl-registry"]' >/dev/null
	awsctl seed --groups '["/e2e/a","/e2e/b"]' --streams 12 --events 300 --step 9 >/dev/null
	REG=s3://cwl-registry/shared/
	write_config
	local pids=() i
	for i in 1 2 3; do
		cloudwatchlogsbeat -c "$CFG" -v --shard "$i/3" >"$BATS_TEST_TMPDIR/beat$i.out" 2>"$BATS_TEST_TMPDIR/beat$i.err" &
		pids+=($!)
	done
	wait_indexed 120
	wait_checkpoints
	kill -TERM "${pids[@]}"
	for i in 0 1 2; do
		wait "${pids[$i]}"
		[ "$?" -eq 0 ]
	done
	[ -z "$(leftovers)" ]
	registry_file
	check_exact --registry "$BATS_TEST_TMPDIR/reg.ndjson"
	[ "$(es_stats duplicates)" -eq 0 ]
	# each shard read some streams, and no stream was read by two
	for i in 1 2 3; do
		grep -q "pipeline started" "$BATS_TEST_TMPDIR/beat$i.err"
	done
}

# lput ACCOUNT GROUP STREAM TS INGESTION MESSAGE...: put into a group,
# of the monitoring account when ACCOUNT is empty, with that ingestion time.
lput() {
	local a=$1 g=$2 s=$3 t=$4 i=$5
	shift 5
	awsctl put ${a:+--account "$a"} --group "$g" --stream "$s" --timestamp "$t" --ingestion-time "$i" \
		--messages "$("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")" >/dev/null
}

# indexed: per document of the index, its message, account and group,
# sorted.
indexed() {
	es_docs | jq -r '[._source.message, ._source.cloud.account.id, ._source.aws.cloudwatch.log_group] | @tsv' | sort
}

# linked_checkpoints MODE: the registry holds, for each of the two
# accounts' groups /e2e/same, its own checkpoints, each at its end: in
# mode streams a cursor per stream at its count of events, in mode group
# one per group past its newest event (NEWEST).
linked_checkpoints() {
	local reg
	reg=$(cwl-registry get "$REG" | jq -c '[.group, .stream, .n, .ts]') || return 1
	if [ "$1" = streams ]; then
		[ "$(echo "$reg" | jq -r '"\(.[0]) \(.[1]) \(.[2])"' | paste -sd,)" = \
			"/e2e/same o 1,/e2e/same s $2,111122223333:/e2e/same l 1,111122223333:/e2e/same s $2" ]
	else
		[ "$(echo "$reg" | jq -r '"\(.[0]) \(.[1])"' | paste -sd,)" = "/e2e/same *,111122223333:/e2e/same *" ] &&
			[ "$(echo "$reg" | jq -r --argjson t "$NEWEST" 'select(.[3] > $t) | .[0]' | wc -l)" -eq 2 ]
	fi
}

# linked_e2e MODE: the beat, with a prospector of include_linked_accounts
# read in MODE (group or streams), over the monitoring account's group
# /e2e/same and a linked account's group of that name: every event
# indexed once, with its account; the two groups' twin events (one
# stream name, timestamp, ingestion time and message) under two ids;
# a checkpoint per account; a restart re-indexes nothing and takes the
# new events of each group once.
linked_e2e() {
	local mode=$1 A=111122223333 ME=123456789012 t
	write_config
	sed -i "s|      groupnames: \[\"/e2e/\*\"\]|      groupnames: [\"/e2e/same\"]\n      include_linked_accounts: true\n      mode: $1|" "$CFG"
	grep -q "include_linked_accounts: true" "$CFG"
	t=$(date +%s%3N)
	for a in "" $A; do
		lput "$a" /e2e/same s "$t" $((t + 10)) twin
	done
	lput "" /e2e/same s $((t + 1)) $((t + 20)) own-1 own-2 own-3
	lput "" /e2e/same o $((t + 2)) $((t + 20)) own-o
	lput $A /e2e/same s $((t + 1)) $((t + 20)) src-1 src-2 src-3
	lput $A /e2e/same l $((t + 2)) $((t + 20)) src-l
	NEWEST=$((t + 2))
	start_beat
	es_wait_count 10 "" 120
	wait_for "linked_checkpoints $mode 4" 60
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	[ "$(indexed)" = "$(printf '%s\n' own-1 own-2 own-3 own-o | sed "s|\$|	$ME	/e2e/same|"
		printf '%s\n' src-1 src-2 src-3 src-l | sed "s|\$|	$A	/e2e/same|"
		printf 'twin\t%s\t/e2e/same\n' $A $ME)" ]
	# the twins: one event in each group, alike but for the group's
	# account, under two ids; every document its own id
	[ "$(es_docs | jq -r 'select(._source.message == "twin") | ._id' | sort -u | wc -l)" -eq 2 ]
	[ "$(es_docs | jq -r ._id | sort -u | wc -l)" -eq 10 ]
	es_docs | jq -c '{(._id): ._version}' | sort >versions
	# a restart: nothing indexed again, the new events of each group once
	start_beat
	t=$(date +%s%3N)
	lput "" /e2e/same s "$t" "$t" own-4
	lput $A /e2e/same s "$t" "$t" src-4
	NEWEST=$t
	es_wait_count 12 "" 120
	wait_for "linked_checkpoints $mode 5" 60
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	[ "$(es_count)" -eq 12 ]
	[ "$(indexed | grep -- -4)" = "$(printf 'own-4\t%s\t/e2e/same\nsrc-4\t%s\t/e2e/same' $ME $A)" ]
	# the documents of the first run were not written again
	[ "$(es_docs | jq -c '{(._id): ._version}' | sort | grep -Fxf versions | wc -l)" -eq 10 ]
	[ "$(es_stats duplicates)" -eq 0 ]
	[ -z "$(leftovers)" ]
}

@test "linked accounts, group-wide: two accounts' groups of one name indexed once each, with their accounts, ids and checkpoints apart; a restart re-indexes nothing" {
	linked_e2e group
}

@test "linked accounts, stream by stream: two accounts' groups of one name indexed once each, with their accounts, ids and checkpoints apart; a restart re-indexes nothing" {
	linked_e2e streams
}

@test "linked accounts with an S3 registry: a restart takes each account's checkpoints up, re-indexing nothing" {
	awsctl buckets --create '["cwl-registry"]' >/dev/null
	REG=s3://cwl-registry/linked/
	linked_e2e group
}

@test "refused credentials stop the beat with exit 4 and the reason, without restarts" {
	awsctl seed --groups '["/e2e/a"]' --streams 1 --events 10 >/dev/null
	write_config
	AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong run timeout 60 cloudwatchlogsbeat -c "$CFG"
	echo "$output"
	[ "$status" -eq 4 ]
	[[ "$output" == *"InvalidSignatureException"* ]]
	[[ "$output" == *"cloudwatchlogsbeat: error: [default] stopping: exit 4 (authentication or permission refused)"* ]]
	[[ "$output" != *"restarting in"* ]]
	[[ "$output" != *wrongwrongwrong* ]]
	[ -z "$(leftovers)" ]
}

@test "a registry that cannot be read is retried with backoff, and the reason logged" {
	awsctl seed --groups '["/e2e/a"]' --streams 2 --events 50 >/dev/null
	REG=s3://not-yet/prefix/
	write_config
	start_beat
	wait_for 'grep -q "restarting in" "$BATS_TEST_TMPDIR/beat.err"'
	grep "restarting in" "$BATS_TEST_TMPDIR/beat.err" | head -n 1 | grep -q "reading the registry failed (exit 1)"
	grep -q "not-yet" "$BATS_TEST_TMPDIR/beat.err"
	awsctl buckets --create '["not-yet"]' >/dev/null
	wait_indexed 60
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	check_exact
}

@test "SIGHUP drains and starts again with the config read anew" {
	# a shell started with SIGHUP ignored (under nohup) cannot trap it
	if [ $((0x$(sed -n 's/^SigIgn:\t*//p' /proc/self/status) & 1)) = 1 ]; then
		skip "SIGHUP is ignored here (nohup): the wrapper cannot trap it"
	fi
	awsctl seed --groups '["/e2e/a"]' --streams 2 --events 100 >/dev/null
	awsctl seed --groups '["/other/x"]' --streams 2 --events 100 >/dev/null
	write_config
	start_beat
	es_wait_count 200 "" 60
	sed -i 's|groupnames: \["/e2e/\*"\]|groupnames: ["/e2e/*", "/other/*"]|' "$CFG"
	kill -HUP "$BEAT"
	es_wait_count 400 "" 60
	grep -q "restarting with the configuration read anew" "$BATS_TEST_TMPDIR/beat.err"
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	check_exact
	[ -z "$(leftovers)" ]
}

@test "Ctrl-C with the output down: the whole group stops within shutdown_timeout, whether SIGINT or SIGTERM" {
	awsctl seed --groups '["/e2e/a"]' --streams 2 --events 50 >/dev/null
	write_config "cloudwatchlogsbeat.shutdown_timeout: 2s"
	# an output nobody listens at; a grace period far longer than the
	# deadlines below, so that only the shutdown timeout can end the run
	sed -i "s|hosts: \[\"$ES_URL\"\]|hosts: [\"http://127.0.0.1:1\"]|; s/grace_period: 20s/grace_period: 600s/" "$CFG"
	for sig in INT TERM; do
		start_beat_group
		wait_log "cwl-ship: warning: POST http://127.0.0.1:1/_bulk: .*events again in"
		kill -"$sig" -- -"$BEAT"
		group=$BEAT
		wait_beat_end 120
		echo "SIG$sig: exit $STOP_STATUS"
		cat "$BATS_TEST_TMPDIR/beat.err" | grep -v "events again in"
		[ "$STOP_STATUS" -eq 0 ]
		# (how many were in hand depends on how far cwl-tail got)
		grep -Eq "cwl-ship: error: stopped with [1-9][0-9]* events not delivered: the shutdown timeout \(2000 ms\) passed" "$BATS_TEST_TMPDIR/beat.err"
		! grep -q "exit -1" "$BATS_TEST_TMPDIR/beat.err"
		! grep -q "restarting in" "$BATS_TEST_TMPDIR/beat.err"
		! grep -q "grace period over" "$BATS_TEST_TMPDIR/beat.err"
		# no process of the group is left
		! kill -0 -- -"$group" 2>/dev/null
		# nothing was acked, so nothing is lost: the registry has no
		# checkpoint past what was delivered (nothing)
		[ -z "$(cwl-registry get "$REG")" ]
	done
}

@test "a second Ctrl-C stops at once, however long the drain could take" {
	awsctl seed --groups '["/e2e/a"]' --streams 2 --events 50 >/dev/null
	write_config "cloudwatchlogsbeat.shutdown_timeout: 600s"
	sed -i "s|hosts: \[\"$ES_URL\"\]|hosts: [\"http://127.0.0.1:1\"]|; s/grace_period: 20s/grace_period: 600s/" "$CFG"
	start_beat_group
	wait_log "cwl-ship: warning: POST http://127.0.0.1:1/_bulk: .*events again in"
	kill -INT -- -"$BEAT"
	wait_log "cwl-ship: info: stopping: delivering the [1-9][0-9]* events in hand"
	kill -INT -- -"$BEAT"
	wait_beat_end 120
	[ "$STOP_STATUS" -eq 0 ]
	grep -q "cwl-ship: error: stopped by a second signal with [1-9][0-9]* events not delivered" "$BATS_TEST_TMPDIR/beat.err"
	[ -z "$(leftovers)" ]
}

@test "test config refuses what a run refuses, with exit 2 and the reason; run refuses it before it starts anything" {
	write_config
	local bad
	for bad in "output.logstash.hosts=[\"127.0.0.1:5044\"]" \
		output.elasticsearch.compression_level=42 \
		"output.elasticsearch.hosts=[\"ftp://127.0.0.1\"]" \
		output.elasticsearch.worker=0 output.elasticsearch.worker=-3 \
		cloudwatchlogsbeat.prospectors.0.multiline.pattern=x; do
		run cloudwatchlogsbeat -c "$CFG" -E "$bad" -E 'cloudwatchlogsbeat.prospectors.0.filter_pattern=ERROR' test config
		echo "$bad: $output"
		[ "$status" -eq 2 ]
		[[ "$output" != *"Config OK"* ]]
		run timeout 60 cloudwatchlogsbeat -c "$CFG" -E "$bad" -E 'cloudwatchlogsbeat.prospectors.0.filter_pattern=ERROR' run
		[ "$status" -eq 2 ]
		[[ "$output" != *"supervising"* ]]
	done
	run cloudwatchlogsbeat -c "$CFG" -E 'output.logstash.hosts=["127.0.0.1:5044"]' test config
	[ "${lines[0]}" = "cwl-ship: error: more than one output is enabled (output.elasticsearch, output.logstash): enable one, or set the others' enabled: false" ]
	run cloudwatchlogsbeat -c "$CFG" -E output.elasticsearch.compression_level=42 test config
	[ "${lines[0]}" = "cwl-ship: error: -E: output.elasticsearch.compression_level: 42: 0 (none) to 9" ]
	run cloudwatchlogsbeat -c "$CFG" -E 'output.elasticsearch.hosts=["ftp://127.0.0.1"]' test config
	[ "${lines[0]}" = "cwl-ship: error: output.elasticsearch.hosts: 'ftp://127.0.0.1': the scheme is http or https" ]
	run cloudwatchlogsbeat -c "$CFG" -E output.elasticsearch.worker=-3 test config
	[ "${lines[0]}" = "cwl-ship: error: -E: output.elasticsearch.worker: -3: 1 or more" ]
	run cloudwatchlogsbeat -c "$CFG" -E cloudwatchlogsbeat.prospectors.0.multiline.pattern=x \
		-E cloudwatchlogsbeat.prospectors.0.filter_pattern=ERROR test config
	[[ "${lines[0]}" == "cwl-tail: error: "*"multiline needs mode streams and no filter_pattern" ]]
	# a region that cannot be one
	run env AWS_REGION='us east' cloudwatchlogsbeat -c "$CFG" test config
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "cwl-list: error: AWS region 'us east' (AWS_REGION): not a region name"* ]]
	# a duration the programs read is one the wrapper reads
	run cloudwatchlogsbeat -c "$CFG" -E cloudwatchlogsbeat.grace_period=1w test config
	[ "$status" -eq 0 ]
}

@test "no output configured: events on stdout; test config, list and test output" {
	awsctl seed --groups '["/e2e/a"]' --streams 2 --events 20 --step 250 >/dev/null
	cat >"$CFG" <<EOF
cloudwatchlogsbeat:
  registry.url: $REG
  stream_refresh_frequency: 1s
  prospectors:
    - groupnames: ["/e2e/a"]
EOF
	run cloudwatchlogsbeat -c "$CFG" test config
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "Config OK: $CFG" ]]
	run cloudwatchlogsbeat -c "$CFG" list
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	start_beat
	wait_for '[ "$(wc -l <"$BATS_TEST_TMPDIR/beat.out")" -ge 40 ]'
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --ndjson "$BATS_TEST_TMPDIR/beat.out"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "test config refuses a bad file with exit 2 and the reason" {
	printf 'cloudwatchlogsbeat:\n  grace_period: forever\n' >"$CFG"
	run cloudwatchlogsbeat -c "$CFG" test config
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl.yml:2"*"grace_period"*"forever"* ]]
	run cloudwatchlogsbeat -c "$BATS_TEST_TMPDIR/none.yml" test config
	[ "$status" -eq 2 ]
	[[ "$output" == *"none.yml: No such file or directory"* ]]
}

@test "hostile config values run nothing" {
	cat >"$CFG" <<'EOF'
cloudwatchlogsbeat:
  registry.url: "file:reg $(touch pwned1).ndjson"
  prospectors:
    - id: "x`touch pwned2`"
      groupnames: ["/e2e/$(touch pwned3)", "a b; touch pwned4", "*", "'\"", "$HOME"]
output.file:
  path: "out$(touch pwned5)"
EOF
	run cloudwatchlogsbeat -c "$CFG" test config
	run cloudwatchlogsbeat -c "$CFG" list
	# cwl-list refuses the group names: exit 2 (the time limit is only
	# there in case it hangs)
	run timeout 120 cloudwatchlogsbeat -c "$CFG" -E 'cloudwatchlogsbeat.grace_period=1s' run
	echo "$output"
	[ "$status" -eq 2 ]
	ls
	[ ! -e pwned1 ] && [ ! -e pwned2 ] && [ ! -e pwned3 ] && [ ! -e pwned4 ] && [ ! -e pwned5 ]
	[ -z "$(leftovers)" ]
}

@test "test config with no credentials anywhere says so, naming the sources tried, and exits 0" {
	printf 'cloudwatchlogsbeat:\n  aws_region: us-east-1\n' >"$CFG"
	run env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY cloudwatchlogsbeat -c "$CFG" test config
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Config OK: $CFG" ]
	[[ "${lines[1]}" == "Credentials: none found: no AWS credentials: tried the config keys, environment"* ]]
}

# report_line TAG PATTERN [SECONDS]: waits for a report line of the
# pipeline TAG matching the extended regular expression PATTERN; prints it.
report_line() {
	local i
	for i in $(seq $((${3:-60} * 5))); do
		if grep -E "^cloudwatchlogsbeat: info: report \[$1\]: $2" "$BATS_TEST_TMPDIR/beat.err" | tail -n 1 | grep .; then
			return 0
		fi
		sleep 0.2
	done
	echo "no report line [$1] matching: $2" >&2
	grep "report \[" "$BATS_TEST_TMPDIR/beat.err" | tail -n 5 >&2
	return 1
}

@test "report_frequency: one line per pipeline, read, shipped, acked, dead-lettered and lag, in total and per group" {
	# fields.n is a long in the index: the events of /e2e/bad, which
	# carry a string there, are refused (400) and set aside
	es_server_start --mapping fields.n=long
	awsctl seed --groups '["/e2e/good"]' --streams 3 --events 100 >/dev/null
	awsctl seed --groups '["/e2e/bad"]' --streams 1 --events 20 >/dev/null
	write_config
	sed -i 's/report_frequency: 5s/report_frequency: 2s/' "$CFG"
	"$PY" - "$CFG" <<'EOF2'
import sys
p = sys.argv[1]
s = open(p).read()
s = s.replace("""    - id: e2e
      groupnames: ["/e2e/*"]
""", """    - id: good
      groupnames: ["/e2e/good"]
    - id: bad
      groupnames: ["/e2e/bad"]
      fields: {n: "not a number"}
""")
open(p, "w").write(s)
EOF2
	start_beat
	es_wait_count 300 "" 60 || { tail -n 30 "$BATS_TEST_TMPDIR/beat.err"; false; }
	run report_line default 'read=320 shipped=300 acked=320 dead_lettered=20 lag=[-0-9.]+s? streams=2 active=[0-9]+ requests=[0-9]+ throttles=0 '
	[ "$status" -eq 0 ]
	line=$output
	echo "$line"
	[[ "$line" == *" | /e2e/good: read=300 shipped=300 acked=300 dead_lettered=0 lag="* ]]
	[[ "$line" == *" | /e2e/bad: read=20 shipped=0 acked=20 dead_lettered=20 lag=-"* ]]
	# the lag of the events shipped, from their ingestion to the output's
	# answer: seconds with milliseconds, in the report of their interval
	run grep -oE '/e2e/good: read=[0-9]+ shipped=[1-9][0-9]* acked=[0-9]+ dead_lettered=0 lag=[0-9]+\.[0-9]{3}s' "$BATS_TEST_TMPDIR/beat.err"
	[ "$status" -eq 0 ]
	lag=$(head -n 1 <<<"$output" | sed 's/.*lag=//; s/s$//')
	awk -v l="$lag" 'BEGIN { exit !(l >= 0 && l < 120) }'
	# the set-aside events are said, with their reason
	grep -q "cwl-ship: warning: line [0-9]*: dropped (no dead-letter file): .*mapper_parsing_exception\|cwl-ship: warning: line [0-9]*: dropped (no dead-letter file): .*fields.n" "$BATS_TEST_TMPDIR/beat.err"
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	# a last report as the pipeline ends
	tail -n 3 "$BATS_TEST_TMPDIR/beat.err" | grep -q "report \[default\]: read=320 shipped=300 acked=320 dead_lettered=20"
}

@test "two accounts: a pipeline each, with the account's credentials, endpoint, checkpoints and fields.account" {
	local pa pb
	pa=$AWS_SERVER_PORT
	awsctl seed --groups '["/e2e/app"]' --streams 3 --events 200 >/dev/null
	# the second account: its own server, which knows only its own keys
	aws_server_start --account 222222222222
	pb=$AWS_SERVER_PORT
	awsctl keys --json '{"add":[{"access_key_id":"AKIACWLBETAKEY000001","secret_access_key":"betaSecret000000000000000000000000000001"}],"remove":["'"$TEST_AKID"'"]}' >/dev/null
	awsctl seed --groups '["/e2e/app"]' --streams 2 --events 150 --stream_offset 10 >/dev/null
	export AWS_SERVER_PORT=$pa AWS_ENDPOINT_URL=http://127.0.0.1:$pa
	cat >"$BATS_TEST_TMPDIR/credentials" <<'EOF2'
[beta]
aws_access_key_id = AKIACWLBETAKEY000001
aws_secret_access_key = betaSecret000000000000000000000000000001
EOF2
	chmod 600 "$BATS_TEST_TMPDIR/credentials"
	export AWS_SHARED_CREDENTIALS_FILE=$BATS_TEST_TMPDIR/credentials
	write_config
	cat >>"$CFG" <<EOF2
cloudwatchlogsbeat.accounts:
  - name: alpha
    endpoint: http://127.0.0.1:$pa
  - name: beta
    endpoint: http://127.0.0.1:$pb
    credential_profile_name: beta
EOF2
	start_beat
	es_wait_count 900 "" 90 || { tail -n 30 "$BATS_TEST_TMPDIR/beat.err"; false; }
	report_line alpha 'read=600 shipped=600 acked=600 '
	report_line beta 'read=300 shipped=300 acked=300 '
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	# each account's events exactly once, tagged with the account
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$pa" --es "$ES_CTL_URL" --account alpha
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server 600, index 600, missing 0, extra 0, duplicated 0"* ]]
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$pb" --es "$ES_CTL_URL" --account beta
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server 300, index 300, missing 0, extra 0, duplicated 0"* ]]
	# a registry per account, holding its group's checkpoint
	cwl-registry get "file:$BATS_TEST_TMPDIR/registry-alpha.ndjson" >"$BATS_TEST_TMPDIR/a.ndjson"
	cwl-registry get "file:$BATS_TEST_TMPDIR/registry-beta.ndjson" >"$BATS_TEST_TMPDIR/b.ndjson"
	jq -e -s 'length == 1 and .[0].group == "/e2e/app" and .[0].stream == "*" and .[0].n == 600' "$BATS_TEST_TMPDIR/a.ndjson"
	jq -e -s 'length == 1 and .[0].group == "/e2e/app" and .[0].stream == "*" and .[0].n == 300' "$BATS_TEST_TMPDIR/b.ndjson"
	[ ! -e "$BATS_TEST_TMPDIR/registry.ndjson" ]
	# every request to each server signed with that account's keys only
	run awsctl --port "$pa" stats --get requests_by_key
	[[ "$output" == *"$TEST_AKID"* && "$output" != *AKIACWLBETAKEY000001* ]]
	run awsctl --port "$pb" stats --get requests_by_key
	[[ "$output" == *AKIACWLBETAKEY000001* && "$output" != *"$TEST_AKID"* ]]
	run awsctl --port "$pb" stats --get auth_failures
	[ "$output" = "{}" ]
}

@test "accounts: a missing, bad or repeated name is exit 2 with the reason, before anything runs" {
	write_config
	cp "$CFG" "$CFG.base"
	printf 'cloudwatchlogsbeat.accounts:\n  - credential_profile_name: x\n' >>"$CFG"
	run cloudwatchlogsbeat -c "$CFG"
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: cloudwatchlogsbeat.accounts.0: no name" ]
	cp "$CFG.base" "$CFG"
	printf 'cloudwatchlogsbeat.accounts:\n  - name: "a b"\n' >>"$CFG"
	run cloudwatchlogsbeat -c "$CFG"
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: cloudwatchlogsbeat.accounts.0.name: 'a b': only letters, digits, '.', '_' and '-'" ]
	cp "$CFG.base" "$CFG"
	printf 'cloudwatchlogsbeat.accounts:\n  - name: a\n  - name: a\n' >>"$CFG"
	run cloudwatchlogsbeat -c "$CFG"
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: cloudwatchlogsbeat.accounts.1.name: 'a' names two accounts" ]
	[ -z "$(leftovers)" ]
}

# lifecycle_only FILE: every line of FILE is one of the lines the wrapper
# writes by default on a pipeline that runs well and is stopped.
lifecycle_only() {
	local t='^cloudwatchlogsbeat: info: \[default\] '
	! grep -v -e "${t}pipeline started: cwl-list [0-9]*, cwl-tail [0-9]*, cwl-ship [0-9]*, cwl-registry [0-9]*\$" \
		-e "${t}draining the pipeline: stop\$" -e "${t}pipeline stopped\$" "$1"
}

@test "by default a pipeline that runs well logs its start and its stop, nothing else; -q not even those" {
	for s in a b c; do awsctl put --group /e2e/q --stream "$s" --messages '["one","two"]' >/dev/null; done
	write_config
	cloudwatchlogsbeat -c "$CFG" >"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
	BEAT=$!
	wait_indexed
	wait_checkpoints
	stop_beat
	cat "$BATS_TEST_TMPDIR/beat.err"
	[ "$STOP_STATUS" -eq 0 ]
	lifecycle_only "$BATS_TEST_TMPDIR/beat.err"
	[ "$(grep -c 'pipeline started' "$BATS_TEST_TMPDIR/beat.err")" -eq 1 ]
	[ "$(grep -c 'draining the pipeline: stop' "$BATS_TEST_TMPDIR/beat.err")" -eq 1 ]
	[ "$(grep -c 'pipeline stopped' "$BATS_TEST_TMPDIR/beat.err")" -eq 1 ]
	# -q, or logging.level: error: nothing at all
	for q in -q "-E logging.level=error"; do
		awsctl put --group /e2e/q --stream a --messages "[\"after $q\"]" >/dev/null
		# shellcheck disable=SC2086
		cloudwatchlogsbeat -c "$CFG" $q >"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
		BEAT=$!
		wait_indexed
		wait_checkpoints
		stop_beat
		[ "$STOP_STATUS" -eq 0 ]
		[ ! -s "$BATS_TEST_TMPDIR/beat.err" ] || { cat "$BATS_TEST_TMPDIR/beat.err"; false; }
	done
	check_exact
}

@test "-v: the wrapper's info lines and reports, and the programs' info lines, which it runs with -v" {
	write_config
	for v in -v "-E logging.level=info"; do
		for s in a b c; do awsctl put --group /e2e/v --stream "$s" --messages "[\"one $v\",\"two $v\"]" >/dev/null; done
		# shellcheck disable=SC2086
		cloudwatchlogsbeat -c "$CFG" $v >"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
		BEAT=$!
		# cwl-tail's, as it starts following the group
		wait_for 'grep -q "^cwl-tail: info: /e2e/v: followed as a whole with FilterLogEvents from [0-9T:.-]*Z; events up to 2s late are caught$" "$BATS_TEST_TMPDIR/beat.err"'
		wait_indexed
		stop_beat
		[ "$STOP_STATUS" -eq 0 ]
		grep -q "^cloudwatchlogsbeat: info: \[default\] loading the registry file:" "$BATS_TEST_TMPDIR/beat.err"
		grep -q "^cloudwatchlogsbeat: info: \[default\] cwl-ship exited$" "$BATS_TEST_TMPDIR/beat.err"
		grep -q "^cloudwatchlogsbeat: info: report \[default\]: read=" "$BATS_TEST_TMPDIR/beat.err"
		grep -q "^cloudwatchlogsbeat: info: \[default\] pipeline stopped$" "$BATS_TEST_TMPDIR/beat.err"
	done
	check_exact
}

@test "setup --dry-run: the wrapper hands -v and -q to cwl-ship; logging.level does the same" {
	write_config
	cd "$BATS_TEST_TMPDIR"
	cloudwatchlogsbeat -c "$CFG" setup --dry-run >out 2>err
	grep -q "^PUT /_index_template/" out
	[ ! -s err ]
	cloudwatchlogsbeat -c "$CFG" -v setup --dry-run >out 2>err
	grep -q "^cwl-ship: info: dry run: the requests are printed, nothing is sent" err
	cloudwatchlogsbeat -c "$CFG" -E logging.level=info setup --dry-run >out 2>err
	grep -q "^cwl-ship: info: dry run: the requests are printed, nothing is sent" err
	# a warning (an unknown key) is shown by default, not under -q
	printf 'cloudwatchlogsbeat.no_such_key: 1\n' >>"$CFG"
	cloudwatchlogsbeat -c "$CFG" setup --dry-run >out 2>err
	grep -q "^cwl-ship: warning: .*no_such_key" err
	cloudwatchlogsbeat -c "$CFG" -q setup --dry-run >out 2>err
	[ ! -s err ]
}
