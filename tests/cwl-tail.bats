#!/usr/bin/env bats
# cwl-tail against the local AWS server. Every reading test compares the
# event ids written with the events the server holds (awsctl dump): all
# of them, each once. Also: follow, late events, resume, throttling and
# failures, the output forms, and every usage and configuration error.

load helpers

# One server for the tests that need no switch, holding the large group
# (30 streams of 20,000 events of 146 bytes: pages end at 1 MB).
setup_file() {
	AWS_SERVER_SCOPE=file aws_server_start
	export SHARED_AWS_PORT=$AWS_SERVER_PORT
	awsctl seed --group /cwl/big --streams 30 --events 20000 --size 120 \
		--start 1700000000000 --step 7 >/dev/null
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

# shared: point the programs at the server of setup_file.
shared() {
	export AWS_SERVER_PORT=$SHARED_AWS_PORT
	export AWS_ENDPOINT_URL=http://127.0.0.1:$SHARED_AWS_PORT
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	export AWS_REGION=us-east-1
}

# fast: a config with quick polls and retries, in $CWL_CONFIG.
fast() {
	cat >"$BATS_TEST_TMPDIR/fast.yml" <<-EOF
	cloudwatchlogsbeat:
	  retry.backoff: 5ms
	  retry.max_backoff: 200ms
	  retry.max_attempts: 40
	  stream_event_refresh_frequency: 300ms
	  hot_stream_event_refresh_frequency: 200ms
	  stream_refresh_frequency: 500ms
	EOF
	export CWL_CONFIG=$BATS_TEST_TMPDIR/fast.yml
}

# verify OUT GROUP [MODE]: the event lines in OUT are exactly the events
# the server holds for GROUP, each once, and every line is well formed.
# MODE "ids" compares CloudWatch's event ids (FilterLogEvents), "dups"
# allows an event twice (with one id). Prints a summary.
verify() {
	awsctl dump --group "$2" >"$BATS_TEST_TMPDIR/dump.ndjson"
	"$PY" - "$1" "$BATS_TEST_TMPDIR/dump.ndjson" "${3:-}" <<-'EOF'
	import json, sys
	from collections import Counter
	out, dump, mode = sys.argv[1], sys.argv[2], sys.argv[3]
	held = [json.loads(l) for l in open(dump, encoding="utf-8")]
	got, ids = [], Counter()
	for raw in open(out, "rb"):
	    assert raw.endswith(b"\n"), "the last line is not ended"
	    e = json.loads(raw.decode("utf-8"))          # strict UTF-8 and JSON
	    md = e["@metadata"]
	    assert e["event"]["id"] == md["_id"], raw
	    cw = e["aws"]["cloudwatch"]
	    assert e["log"]["file"]["path"] == cw["log_group"] + "/" + cw["log_stream"]
	    assert md["cursor"]["group"] == cw["log_group"]
	    assert e["@timestamp"].endswith("Z") and len(e["@timestamp"]) == 24
	    ids[md["_id"]] += 1
	    got.append((cw["log_stream"], e["@timestamp"], e["message"], md["_id"]))
	import time
	secs = {}
	def iso(ms):
	    s = secs.get(ms // 1000)
	    if s is None:
	        s = secs[ms // 1000] = time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(ms // 1000))
	    return s + "%03dZ" % (ms % 1000)
	want = Counter((h["stream"], iso(h["timestamp"]), h["message"]) for h in held)
	have = Counter((s, t, m) for s, t, m, _ in got)
	if mode == "dups":
	    have = Counter(set((s, t, m, i) for s, t, m, i in got))
	    have = Counter((s, t, m) for s, t, m, _ in have)
	else:
	    dup = [i for i, n in ids.items() if n > 1]
	    assert not dup, "%d ids written twice, e.g. %s" % (len(dup), dup[:3])
	missing, extra = want - have, have - want
	assert not missing, "%d events missing, e.g. %s" % (sum(missing.values()), list(missing)[:3])
	assert not extra, "%d events not on the server, e.g. %s" % (sum(extra.values()), list(extra)[:3])
	if mode == "ids":
	    assert set(ids) == set(h["eventId"] for h in held), "ids differ from CloudWatch's"
	print("verified %d events, %d lines, %d ids" % (len(held), len(got), len(ids)))
	EOF
}

# verify_big OUT GROUP: as verify, with sed and sort, for a large group
# whose seeded messages are unique and hold no quote: the messages written
# are those the server holds, and there are as many distinct ids as lines.
# Prints the count.
verify_big() {
	local n
	awsctl dump --group "$2" | cut -d'"' -f20 | LC_ALL=C sort >want.txt
	cut -d'"' -f8 "$1" | LC_ALL=C sort >have.txt
	cmp -s want.txt have.txt || { diff want.txt have.txt | head -5; return 1; }
	n=$(LC_ALL=C grep -o '"_id":"[0-9a-f]\{32\}"' "$1" | LC_ALL=C sort -u | wc -l)
	[ "$n" -eq "$(wc -l <"$1")" ] || { echo "$n ids for $(wc -l <"$1") lines"; return 1; }
	# and the lines are JSON: the first and last pages of every stream
	"$PY" -c 'import json,sys
for l in open(sys.argv[1], "rb"):
    e = json.loads(l)
    assert e["event"]["id"] == e["@metadata"]["_id"]' <(head -n 20000 "$1"; tail -n 20000 "$1")
	echo "$n events"
}

# ids FILE: the @metadata._id of each line, sorted.
ids() {
	"$PY" -c 'import json,sys
for l in open(sys.argv[1]): print(json.loads(l)["@metadata"]["_id"])' "$1" | sort
}

# last_cursors FILE: the last cursor of each source in FILE, as a
# checkpoint file would hold them.
last_cursors() {
	"$PY" -c 'import json,sys
last = {}
for l in open(sys.argv[1]):
    c = json.loads(l)["@metadata"]["cursor"]
    last[(c["group"], c["stream"])] = c
for c in last.values(): print(json.dumps(c))' "$1"
}

# wait_lines FILE N [SECONDS]: until FILE has N lines.
wait_lines() {
	wait_for "[ \"\$(wc -l <$(printf %q "$1"))\" -ge $2 ]" "${3:-$WAIT_SECONDS}" ||
		{ echo "wait_lines: $1 has $(wc -l <"$1") lines, not $2" >&2; return 1; }
}

# report PID PATTERN: asks for the counters (SIGUSR1) until a line of
# them in err.txt matches the extended regular expression PATTERN.
report() {
	kill -USR1 "$1" && grep -Eq "^cwl-tail: info: requests=.*$2" err.txt
}

# succeeded: the last `run` exited 0; else say how it ended.
succeeded() {
	[ "$status" -eq 0 ] && return 0
	echo "exit $status:"
	echo "$output" | tail -n 20
	return 1
}

# now_ms: the time in ms.
now_ms() { date +%s%3N; }

# put GROUP STREAM TIMESTAMP MESSAGE...: events in one batch.
put() {
	local g=$1 s=$2 t=$3
	shift 3
	awsctl put --group "$g" --stream "$s" --timestamp "$t" \
		--messages "$("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")" >/dev/null
}

# --- reading -------------------------------------------------------------

@test "30 streams of 20,000 events are read completely, over 1 MB pages" {
	shared
	cwl-tail --budget-get 50 /cwl/big >out.ndjson
	run verify_big out.ndjson /cwl/big
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "600000 events" ]
	[ "$(awsctl stats --get events_total)" -ge 600000 ]
	# more than one page per stream: three distinct tokens or more each
	LC_ALL=C grep -o '"cursor":{"group":"/cwl/big","stream":"[^"]*","token":"[^"]*"' out.ndjson |
		LC_ALL=C sort -u | cut -d'"' -f10 | uniq -c | awk '{print $1}' | sort -u >pages.txt
	[ "$(cat pages.txt)" = "3" ]
}

@test "the same events read group-wide with FilterLogEvents carry CloudWatch's ids" {
	shared
	awsctl seed --group /cwl/filter --streams 4 --events 3000 --size 40 >/dev/null
	cwl-tail --mode filter --limit 1000 --budget-filter 5 /cwl/filter >out.ndjson
	run verify out.ndjson /cwl/filter ids
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 12000 events, 12000 lines, 12000 ids" ]]
	grep -q '"stream":"\*"' out.ndjson
}

@test "a filter pattern reads only the matching events, group-wide" {
	shared
	put /cwl/pattern a 1700000000000 "ERROR one" "INFO two" "ERROR three"
	put /cwl/pattern b 1700000000500 "INFO four" "ERROR five"
	run cwl-tail --filter ERROR /cwl/pattern
	succeeded
	[ "$(echo "$output" | wc -l)" -eq 3 ]
	run "$PY" -c 'import json,sys
print(" ".join(json.loads(l)["message"] for l in sys.stdin))' <<<"$output"
	[ "$output" = "ERROR one ERROR three ERROR five" ]
}

@test "GROUP:STREAM, --stream-prefix and several groups at once" {
	shared
	awsctl seed --group /cwl/sel --streams 3 --events 10 --stream-prefix app- >/dev/null
	awsctl seed --group /cwl/sel --streams 2 --events 10 --stream-prefix web- >/dev/null
	awsctl seed --group /cwl/sel2 --streams 1 --events 7 >/dev/null
	run cwl-tail /cwl/sel:app-0001
	succeeded
	[ "$(echo "$output" | wc -l)" -eq 10 ]
	[ "$(echo "$output" | grep -c '"log_stream":"app-0001"')" -eq 10 ]
	run cwl-tail --stream-prefix web- /cwl/sel
	succeeded
	[ "$(echo "$output" | wc -l)" -eq 20 ]
	[ "$(echo "$output" | grep -c '"log_stream":"web-')" -eq 20 ]
	run cwl-tail /cwl/sel /cwl/sel2
	succeeded
	[ "$(echo "$output" | wc -l)" -eq 57 ]
}

@test "stream and group lines of cwl-list on stdin" {
	shared
	awsctl seed --group /cwl/stdin --streams 3 --events 5 >/dev/null
	awsctl seed --group /cwl/stdin2 --streams 2 --events 4 >/dev/null
	printf '%s\n' '{"logGroupName":"/cwl/stdin","logStreamName":"stream-0000","lastIngestionTime":1}' \
		'{"logGroupName":"/cwl/stdin","logStreamName":"stream-0002"}' \
		'{"logGroupName":"/cwl/stdin2","arn":"x"}' >in.ndjson
	run cwl-tail <in.ndjson
	succeeded
	[ "$(echo "$output" | grep -c '"path":"/cwl/stdin/stream-0000"')" -eq 5 ]
	[ "$(echo "$output" | grep -c '"path":"/cwl/stdin/stream-0001"')" -eq 0 ]
	[ "$(echo "$output" | grep -c '"log_group":"/cwl/stdin2"')" -eq 8 ]
	[ "$(echo "$output" | wc -l)" -eq 18 ]
}

@test "--since and --end read one time range" {
	shared
	awsctl put --group /cwl/range --stream s --timestamp 1700000000000 --step 1 \
		--messages '["a","b","c","d","e"]' >/dev/null
	awsctl put --group /cwl/range --stream s --timestamp 1700000010000 --step 1 \
		--messages '["f","g"]' >/dev/null
	run cwl-tail --since 1700000000002 --end 1700000010001 /cwl/range
	succeeded
	run "$PY" -c 'import json,sys
print("".join(json.loads(l)["message"] for l in sys.stdin))' <<<"$output"
	[ "$output" = "cdef" ]
	# the same with FilterLogEvents: --end is exclusive
	run cwl-tail --mode filter --since 2023-11-14T22:13:20.003Z --end 1700000010000 /cwl/range
	succeeded
	run "$PY" -c 'import json,sys
print("".join(json.loads(l)["message"] for l in sys.stdin))' <<<"$output"
	[ "$output" = "de" ]
}

@test "events at one millisecond keep their order, and @timestamp its milliseconds" {
	shared
	msgs=()
	for i in $(seq -w 0 299); do msgs+=("m$i"); done
	put /cwl/ms s 1700000000123 "${msgs[@]}"
	for mode in stream filter; do
		run cwl-tail --mode $mode --limit 70 --budget-filter 0 /cwl/ms
		succeeded
		[ "$(echo "$output" | grep -c '"@timestamp":"2023-11-14T22:13:20.123Z"')" -eq 300 ]
		run "$PY" -c 'import json,sys
e = [json.loads(l) for l in sys.stdin]
m = [x["message"] for x in e]
print(m == sorted(m), len(m), len(set(x["@metadata"]["_id"] for x in e)))' <<<"$output"
		[ "$output" = "True 300 300" ]
	done
}

@test "invalid UTF-8 and control characters in a message give valid JSON" {
	shared
	awsctl put --group /cwl/utf8 --stream s --json \
		'{"events":[{"timestamp":1700000000000,"message_b64":"b2sgAP/+IGJhZCDDKCDigqwgHhsgZW5k"}]}' >/dev/null
	run cwl-tail /cwl/utf8
	succeeded
	echo "$output" >out.ndjson
	run "$PY" -c 'import json
e = json.loads(open("out.ndjson", "rb").read().decode("utf-8"))
print(ascii(e["message"]))'
	[ "$output" = "'ok \\x00\\ufffd\\ufffd bad \\ufffd( \\u20ac \\x1e\\x1b end'" ]
}

# --- following --------------------------------------------------------------

@test "--follow sees events appended and streams created while it runs" {
	shared
	fast
	put /cwl/follow s1 "$(now_ms)" one two
	cwl-tail -f /cwl/follow >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines out.ndjson 2
	put /cwl/follow s1 "$(now_ms)" three
	put /cwl/follow s2 "$(now_ms)" four five
	wait_lines out.ndjson 5
	# a new stream, seen empty by two listings before its first event
	n=$(awsctl stats --get requests.DescribeLogStreams)
	awsctl create-stream --group /cwl/follow --stream s3 >/dev/null
	wait_for '[ "$(awsctl stats --get requests.DescribeLogStreams)" -ge $((n + 2)) ]'
	put /cwl/follow s3 "$(now_ms)" six
	wait_lines out.ndjson 6
	kill -TERM $pid
	wait $pid
	[ ! -s err.txt ]
	run verify out.ndjson /cwl/follow
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 6 events, 6 lines, 6 ids" ]]
}

@test "--follow with cwl-list lines on stdin picks up new streams" {
	shared
	fast
	put /cwl/fifo a "$(now_ms)" one
	mkfifo in.fifo
	cwl-tail -f <in.fifo >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	exec 7>in.fifo
	echo '{"logGroupName":"/cwl/fifo","logStreamName":"a"}' >&7
	wait_lines out.ndjson 1
	put /cwl/fifo b "$(now_ms)" two three
	echo '{"logGroupName":"/cwl/fifo","logStreamName":"b"}' >&7
	wait_lines out.ndjson 3
	put /cwl/fifo a "$(now_ms)" four
	wait_lines out.ndjson 4
	exec 7>&-
	kill -TERM $pid
	wait $pid
	run verify out.ndjson /cwl/fifo
	echo "$output"
	[ "$status" -eq 0 ]
}

# swept_of FILE GROUP: the swept_ms of GROUP in a --stats file.
swept_of() {
	awk -F'\t' -v g="$2" '$1 == g { for (i = 2; i <= NF; i++)
		if ($i ~ /^swept_ms=/) print substr($i, 10) }' "$1"
}

# wait_swept PID STATS GROUP MS: until the --stats of PID (asked with
# SIGUSR1) say that GROUP is swept past MS.
wait_swept() {
	wait_signals "$1" && wait_for "_swept_past $*" 120
}

_swept_past() {
	local s
	kill -USR1 "$1" 2>/dev/null || return 1
	s=$(swept_of "$2" "$3" 2>/dev/null)
	[ -n "$s" ] && [ "$s" -gt "$4" ]
}

# follow_config FILE: fast's config with a bound of 3 s, in FILE.
follow_config() {
	fast
	{ cat "$CWL_CONFIG"; echo "  max_event_delay: 3s"; } >"$1"
}

# late_within ORDER: events ingested up to max_event_delay late are
# written once each, under the order ORDER of GetLogEvents.
late_within() {
	CWL_LOGS_ORDER=$1 aws_server_start
	follow_config f.yml
	now=$(now_ms)
	put /late/g s "$now" new
	cwl-tail -c f.yml -f --stats st /late/g >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines out.ndjson 1
	put /late/g s $(($(now_ms) - 2500)) "2.5 s late"
	put /late/g t $(($(now_ms) - 1000)) "1 s late"
	put /late/g s $(($(now_ms) - 200000)) "200 s late, beyond the bound"
	put /late/g s "$(now_ms)" newer
	last=$(now_ms)
	wait_lines out.ndjson 4 60
	# until a sweep has passed every event: none may come twice
	wait_swept $pid st /late/g "$last"
	kill -TERM $pid
	wait $pid
	jq -r .message out.ndjson | sort >got
	printf '%s\n' "1 s late" "2.5 s late" new newer >want
	diff want got
	[ "$(jq -r .event.id out.ndjson | sort -u | wc -l)" -eq 4 ]
	# the ids are CloudWatch's
	awsctl dump --group /late/g | jq -r 'select(.message != "200 s late, beyond the bound") | .eventId' | sort >want_ids
	jq -r .event.id out.ndjson | sort >got_ids
	diff want_ids got_ids
	# the sweep read them again: events received are at most twice those written
	[ "$(stat_of st received)" -le 10 ]
	[ "$(stat_of st met)" -ge 1 ]
}

@test "following: events ingested late within --max-delay are written once (GetLogEvents by timestamp)" {
	late_within timestamp
}

@test "following: events ingested late within --max-delay are written once (GetLogEvents by ingestion)" {
	late_within ingestion
}

# late_beyond ORDER: an event later than the bound is not lost silently.
late_beyond() {
	CWL_LOGS_ORDER=$1 aws_server_start
	follow_config f.yml
	now=$(now_ms)
	put /late/b s "$now" new
	cwl-tail -c f.yml -f --stats st /late/b >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines out.ndjson 1
	wait_swept $pid st /late/b "$now"
	put /late/b s $((now - 60000)) "a minute late"
	put /late/b t "$(now_ms)" "on time"
	wait_lines out.ndjson 2 60
	wait_for 'grep -q "were not read" err.txt' 120
	wait_for 'kill -USR1 $pid && [ "$(stat_of st beyond_delay)" = 1 ]'
	kill -TERM $pid
	wait $pid
	cat err.txt
	[ "$(wc -l <err.txt)" -eq 1 ]
	grep -E "^cwl-tail: warning: /late/b:s: events ingested at [0-9T:.-]+Z were not read: they came more than 3s after their timestamps \(--max-delay\); to read them: cwl-tail --mode filter --since 14d --end [0-9T:.-]+Z '/late/b:s'$" err.txt
	[ "$(stat_of st beyond_delay)" -eq 1 ]
	! grep -q "a minute late" out.ndjson
	# the command it gives reads it, with the id a subscription gives
	cmd=$(sed 's/.*to read them: //' err.txt)
	eval "$cmd" >back.ndjson
	grep -q '"message":"a minute late"' back.ndjson
	id=$(awsctl dump --group /late/b | jq -r 'select(.message == "a minute late") | .eventId')
	[ "$(jq -r 'select(.message == "a minute late") | .event.id' back.ndjson)" = "$id" ]
}

@test "following: an event later than --max-delay gets a warning with the command that reads it (GetLogEvents by timestamp)" {
	late_beyond timestamp
}

@test "following: an event later than --max-delay gets a warning with the command that reads it (GetLogEvents by ingestion)" {
	late_beyond ingestion
}

# ml_start N RESUME: follows /ml/f from the cursors in RESUME, into
# outN.ndjson. ml_stop N: once its sweep has passed now, stops it; it
# wrote nothing on stderr, and its events (no mark lines) are in
# evN.ndjson.
ml_start() {
	cwl-tail -c f.yml -f --resume "$2" --stats "st$1" /ml/f >"out$1.ndjson" 2>"err$1.txt" 3>&- &
	pid=$!
	server_register $pid
}

ml_stop() {
	wait_swept $pid "st$1" /ml/f "$(now_ms)"
	kill -TERM $pid
	wait $pid
	[ ! -s "err$1.txt" ]
	grep -v '^{"@metadata":{"cursor"' "out$1.ndjson" >"ev$1.ndjson" || true
}

# ml_follow ORDER: a multiline group followed as a whole: each stream's
# lines joined apart though the streams interleave, an event whose lines
# come in two windows joined, late lines written once, and a SIGTERM and
# a resume that read again only whole events, under the order ORDER of
# GetLogEvents.
ml_follow() {
	CWL_LOGS_ORDER=$1 aws_server_start
	follow_config f.yml
	cat >>f.yml <<-'EOF2'
	  prospectors:
	    - groupnames: [/ml/f]
	      multiline: {pattern: '^\s', match: after, timeout: 8s}
	EOF2
	now=$(now_ms)
	put /ml/f a "$now" "a1 start" "  a1 more"
	put /ml/f b "$now" "b1 start" "  b1 more"
	ml_start 1 /dev/null
	# interleaved streams, joined apart; each written once the next
	# event of its stream starts, or after the timeout
	a2=$(now_ms)
	put /ml/f a "$a2" "a2 start"
	# the rest of a2, in a later window (or the same)
	put /ml/f a "$a2" "  a2 more" "  a2 end"
	put /ml/f b "$(now_ms)" "b2 start" "  b2 more"
	# lines ingested late, within the bound, in a stream read past
	# their time and in a new one: written once, joined together
	put /ml/f a $((a2 - 1)) "a late" "  a late more"
	put /ml/f c $(($(now_ms) - 2000)) "c1 late" "  c1 late more"
	ml_stop 1
	jq -r '[.aws.cloudwatch.log_stream, .message] | @json' ev1.ndjson | sort >got
	sort >want <<-'EOF2'
	["a","a1 start\n  a1 more"]
	["a","a2 start\n  a2 more\n  a2 end"]
	["a","a late\n  a late more"]
	["b","b1 start\n  b1 more"]
	["b","b2 start\n  b2 more"]
	["c","c1 late\n  c1 late more"]
	EOF2
	diff want got
	# each event's id is its first line's eventId
	for m in "a1 start" "a2 start" "a late" "b1 start" "b2 start" "c1 late"; do
		id=$(awsctl dump --group /ml/f | jq -r --arg m "$m" 'select(.message == $m) | .eventId')
		[ "$(jq -r --arg m "$m" 'select(.message | startswith($m)) | .event.id' ev1.ndjson)" = "$id" ]
	done
	# resumed from the last cursor: what is read again is whole events
	# written before, under their ids; no part of one comes on its own
	tail -n 1 out1.ndjson >ck.ndjson
	put /ml/f a "$(now_ms)" "a3 start" "  a3 more"
	ml_start 2 ck.ndjson
	ml_stop 2
	jq -c '[.event.id, .message]' ev1.ndjson | sort >before
	jq -c 'select(.message != "a3 start\n  a3 more") | [.event.id, .message]' ev2.ndjson | sort >again
	comm -13 before again >parts
	[ ! -s parts ]
	[ "$(grep -c '"message":"a3 start\\n  a3 more"' ev2.ndjson)" -eq 1 ]
}

@test "following a multiline group as a whole: lines joined stream by stream, late lines once, a resume writes no part twice (GetLogEvents by timestamp)" {
	ml_follow timestamp
}

@test "following a multiline group as a whole: lines joined stream by stream, late lines once, a resume writes no part twice (GetLogEvents by ingestion)" {
	ml_follow ingestion
}

@test "following: a group is hot from when it is first followed, so its first events are not left to the idle interval" {
	aws_server_start
	awsctl create-group --group /hot/g >/dev/null
	printf 'cloudwatchlogsbeat:\n  stream_event_refresh_frequency: 2m\n  hot_stream_event_refresh_frequency: 200ms\n  hot_stream_event_horizon: 1m\n' >hot.yml
	cwl-tail -c hot.yml -f /hot/g >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	# polled at the hot interval, though nothing came yet
	wait_for '[ "$(awsctl stats --get requests.FilterLogEvents)" -ge 3 ]'
	put /hot/g s "$(now_ms)" first
	# within a minute, where the idle interval would take two
	wait_lines out.ndjson 1 60
	kill -TERM $pid
	wait $pid
	[ "$(jq -r .message out.ndjson)" = first ]
}

@test "following: two busy groups share the FilterLogEvents budget, and neither waits for ever" {
	aws_server_start
	printf 'cloudwatchlogsbeat:\n  hot_stream_event_refresh_frequency: 200ms\n  stream_event_refresh_frequency: 300ms\n  max_event_delay: 3s\n  request_budget.filter_log_events: 2\n' >two.yml
	now=$(now_ms)
	put /two/a s "$now" a0
	put /two/b s "$now" b0
	cwl-tail -c two.yml -f /two/a /two/b >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	# each group alone would take the whole budget (a pass every 200 ms
	# and a sweep a second): the one waiting for a token keeps its turn
	for i in 1 2 3 4 5; do
		put /two/a s "$(now_ms)" "a$i"
		put /two/b s "$(now_ms)" "b$i"
		wait_for "grep -q '\"message\":\"a$i\"' out.ndjson && grep -q '\"message\":\"b$i\"' out.ndjson"
	done
	kill -TERM $pid
	wait $pid
	[ "$(jq -r 'select(.message) | .message' out.ndjson | sort | tr '\n' ' ')" = "a0 a1 a2 a3 a4 a5 b0 b1 b2 b3 b4 b5 " ]
}

# windows_cut END: following with windows that end among events stamped
# one a millisecond, under the server's --filter-end END: each is written
# once, whether endTime takes its millisecond or not. The events are
# stamped ahead of now, so that passes end among them; a machine too slow
# for that to happen (one pass read them all) tries again with them
# further ahead, so that the test always checks what it says.
windows_cut() {
	local ahead before start
	CWL_FILTER_END=$1 aws_server_start
	fast
	for ahead in 300 2000 10000 30000; do
		before=$(awsctl stats --get requests.FilterLogEvents)
		[ "$before" != null ] || before=0
		start=$(($(now_ms) + ahead))
		awsctl put --group "/ms/g$ahead" --stream s --timestamp "$start" \
			--step 1 --messages "$(seq -f 'e%.0f' 1 3000 | jq -R . |
			jq -sc .)" >/dev/null
		run cwl-tail -f --max-delay 0 --latency 0 --end $((start + 3000)) \
			--stats st "/ms/g$ahead"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | jq -r .message | sort -u | wc -l)" -eq 3000 ]
		[ "$(echo "$output" | wc -l)" -eq 3000 ]
		# several windows ended among them: the check was made
		[ $(($(awsctl stats --get requests.FilterLogEvents) - before)) -ge 4 ] &&
			return 0
	done
	echo "no run had windows end among the events" >&2
	return 1
}

@test "following: windows that end among events of every millisecond write each once (FilterLogEvents' endTime exclusive)" {
	windows_cut exclusive
}

@test "following: windows that end among events of every millisecond write each once (FilterLogEvents' endTime inclusive)" {
	windows_cut inclusive
}

@test "--mode stream follows forward tokens: late events come where GetLogEvents keeps ingestion order" {
	CWL_LOGS_ORDER=ingestion aws_server_start
	fast
	now=$(now_ms)
	put /cwl/late s "$now" new
	cwl-tail -f --mode stream /cwl/late >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines out.ndjson 1
	put /cwl/late s $((now - 300000)) "5 minutes late"
	put /cwl/late s $((now - 60000)) "a minute late"
	wait_lines out.ndjson 3
	kill -TERM $pid
	wait $pid
	run verify out.ndjson /cwl/late
	[ "$status" -eq 0 ]
}

@test "a stream idle past stream_event_horizon is dropped, and picked up when listed active" {
	shared
	fast
	echo '  stream_event_horizon: 1s' >>"$CWL_CONFIG"
	put /cwl/idle s "$(now_ms)" one
	mkfifo in.fifo
	cwl-tail -f --mode stream --since 1m <in.fifo >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	exec 7>in.fifo
	echo "{\"logGroupName\":\"/cwl/idle\",\"logStreamName\":\"s\",\"lastIngestionTime\":$(now_ms)}" >&7
	wait_lines out.ndjson 1
	# a second past its last event, the stream is idle, and dropped
	wait_for 'report $pid " idle=1 "'
	put /cwl/idle s "$(now_ms)" two
	# (a slower machine can only poll less)
	always_for 1 '[ "$(wc -l <out.ndjson)" -eq 1 ]'
	echo "{\"logGroupName\":\"/cwl/idle\",\"logStreamName\":\"s\",\"lastIngestionTime\":$(now_ms)}" >&7
	wait_lines out.ndjson 2
	# once stdin has ended, nothing can report it: polled once a horizon
	exec 7>&-
	wait_for 'report $pid " idle=1 "'
	put /cwl/idle s "$(now_ms)" three
	wait_lines out.ndjson 3
	kill -TERM $pid
	wait $pid
	run verify out.ndjson /cwl/idle
	[ "$status" -eq 0 ]
}

# --- resuming ---------------------------------------------------------------

@test "--resume from cursors mid-stream gives every event once, with the ids of a full run" {
	shared
	awsctl seed --group /cwl/resume --streams 3 --events 4000 --size 60 >/dev/null
	cwl-tail --limit 700 /cwl/resume >full.ndjson
	cwl-tail --limit 700 /cwl/resume | head -n 5000 >first.ndjson
	last_cursors first.ndjson >resume.ndjson
	[ "$(wc -l <resume.ndjson)" -ge 1 ]
	cwl-tail --limit 700 --resume resume.ndjson /cwl/resume >second.ndjson
	cat first.ndjson second.ndjson >both.ndjson
	run verify both.ndjson /cwl/resume
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 12000 events, 12000 lines, 12000 ids" ]]
	[ "$(ids both.ndjson)" = "$(ids full.ndjson)" ]
	# the same, group-wide
	cwl-tail --mode filter --limit 900 --budget-filter 0 /cwl/resume | head -n 7777 >ffirst.ndjson
	tail -n 1 ffirst.ndjson >fresume.ndjson
	cwl-tail --mode filter --limit 900 --budget-filter 0 --resume fresume.ndjson /cwl/resume >fsecond.ndjson
	cat ffirst.ndjson fsecond.ndjson >fboth.ndjson
	run verify fboth.ndjson /cwl/resume ids
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 12000 events, 12000 lines, 12000 ids" ]]
}

@test "SIGTERM finishes the page in hand and exits 0; a resume carries on" {
	shared
	awsctl seed --group /cwl/term --streams 4 --events 3000 >/dev/null
	cwl-tail --budget-get 4 --limit 200 /cwl/term >first.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines first.ndjson 200
	kill -TERM $pid
	st=0
	wait $pid || st=$?
	[ "$st" -eq 0 ]
	[ ! -s err.txt ]
	n=$(wc -l <first.ndjson)
	[ "$n" -gt 0 ] && [ "$n" -lt 12000 ]
	[ $((n % 200)) -eq 0 ]
	last_cursors first.ndjson >resume.ndjson
	cwl-tail --budget-get 0 --limit 200 --resume resume.ndjson /cwl/term >second.ndjson
	cat first.ndjson second.ndjson >both.ndjson
	run verify both.ndjson /cwl/term
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "an expired token in a cursor: read again from its time, the same ids" {
	aws_server_start --token-ttl 1
	awsctl seed --group /cwl/ttl --streams 2 --events 3000 >/dev/null
	cwl-tail --limit 500 /cwl/ttl | head -n 2200 >first.ndjson
	last_cursors first.ndjson >resume.ndjson
	# time for the tokens to expire (the server's --token-ttl)
	sleep 1.5
	cwl-tail --limit 500 --resume resume.ndjson /cwl/ttl >second.ndjson 2>err.txt
	grep -q "cwl-tail: warning: GetLogEvents /cwl/ttl:stream-000.: the cursor's token was refused (InvalidParameterException: The specified nextToken has expired. (HTTP 400)); reading again from " err.txt
	cat first.ndjson second.ndjson >both.ndjson
	run verify both.ndjson /cwl/ttl dups
	echo "$output"
	[ "$status" -eq 0 ]
}

# --- bad days -----------------------------------------------------------------

@test "30% throttling, 5% 500s and dropped connections lose nothing" {
	aws_server_start
	fast
	awsctl seed --group /cwl/faults --streams 6 --events 2000 >/dev/null
	awsctl faults --throttle 0.3 --error500 0.05 --drop 0.05 --seed 7 >/dev/null
	cwl-tail --budget-get 20 /cwl/faults >out.ndjson
	run verify out.ndjson /cwl/faults
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 12000 events, 12000 lines, 12000 ids" ]]
	# the faults did happen
	[ "$(awsctl stats --get throttles.GetLogEvents)" -ge 1 ]
	cwl-tail --mode filter --budget-filter 0 --limit 3000 /cwl/faults >fout.ndjson
	run verify fout.ndjson /cwl/faults ids
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 12000 events, 12000 lines, 12000 ids" ]]
}

@test "throttling slows the request rate down (AIMD), and SIGUSR1 shows it" {
	aws_server_start --tps GetLogEvents=4
	fast
	awsctl seed --group /cwl/aimd --streams 4 --events 100 >/dev/null
	cwl-tail --budget-get 50 --limit 20 /cwl/aimd >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_signals $pid
	# (the server's 4 a second keep it reading for seconds)
	wait_for 'report $pid " throttles=[1-9]"'
	wait $pid
	rate=$(grep ' throttles=[1-9]' err.txt | tail -n 1 | sed -n 's/.*rate_get=\([0-9.]*\)\/s.*/\1/p')
	"$PY" -c "import sys; sys.exit(0 if float('$rate') < 50 else 1)"
	run verify out.ndjson /cwl/aimd
	[ "$status" -eq 0 ]
}

@test "throttled past the retry budget: exit 1 naming the call (one-shot)" {
	aws_server_start --throttle 1
	run cwl-tail -E cloudwatchlogsbeat.retry.max_attempts=3 \
		-E cloudwatchlogsbeat.retry.max_backoff=20ms /cwl/x:s
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-tail: error: GetLogEvents /cwl/x:s: ThrottlingException: Rate exceeded (HTTP 400), after 3 attempts" ]]
}

@test "500s past the retry budget: exit 1" {
	aws_server_start --error500 1
	run cwl-tail -E cloudwatchlogsbeat.retry.max_attempts=2 \
		-E cloudwatchlogsbeat.retry.max_backoff=20ms /cwl/x
	[ "$status" -eq 1 ]
	# the first failure is said at once, then the error when the retries
	# are spent
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "cwl-tail: warning: DescribeLogStreams /cwl/x: "*"(HTTP 500); retrying, 2 attempts in all" ]]
	[[ "${lines[1]}" == "cwl-tail: error: DescribeLogStreams /cwl/x: "*"(HTTP 500), after 2 attempts" ]]
}

@test "a server that does not answer: exit 1 after the retries" {
	shared
	export AWS_ENDPOINT_URL=http://127.0.0.1:9
	run cwl-tail -E cloudwatchlogsbeat.retry.max_attempts=2 \
		-E cloudwatchlogsbeat.retry.max_backoff=20ms /cwl/x:s
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "cwl-tail: warning: GetLogEvents /cwl/x:s: network error: "*"; retrying, 2 attempts in all" ]]
	[[ "${lines[1]}" == "cwl-tail: error: GetLogEvents /cwl/x:s: network error: "*", after 2 attempts" ]]
}

@test "refused credentials: exit 4" {
	shared
	export AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong
	run cwl-tail /cwl/big:stream-0000
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-tail: error: GetLogEvents /cwl/big:stream-0000: "*"Signature"* ]]
	[[ "$output" != *wrongwrong* ]]
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run cwl-tail /cwl/big:stream-0000
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-tail: error: GetLogEvents /cwl/big:stream-0000: "* ]]
}

@test "a missing group or stream named on the command line: exit 1" {
	shared
	run cwl-tail /cwl/none
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-tail: error: DescribeLogStreams /cwl/none: ResourceNotFoundException: The specified log group does not exist. (HTTP 400)" ]
	run cwl-tail /cwl/big:nope
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-tail: error: GetLogEvents /cwl/big:nope: ResourceNotFoundException: The specified log stream does not exist. (HTTP 400)" ]
}

@test "a filter pattern the service refuses: exit 2" {
	shared
	put /cwl/badpat s 1700000000000 x
	run cwl-tail --filter '{ $.x = ' /cwl/badpat
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: FilterLogEvents /cwl/badpat: InvalidParameterException: "* ]]
}

@test "a bad line on stdin is set aside with a warning; exit 3" {
	shared
	put /cwl/badin s 1700000000000 x
	printf '%s\n' 'not json' '{"logStreamName":"s"}' '[1]' \
		'{"logGroupName":"/cwl/badin","logStreamName":"s"}' >in.ndjson
	run cwl-tail <in.ndjson
	[ "$status" -eq 3 ]
	[[ "$output" == *"cwl-tail: warning: stdin:1: not JSON"* ]]
	[[ "$output" == *"cwl-tail: warning: stdin:2: no logGroupName"* ]]
	[[ "$output" == *"cwl-tail: warning: stdin:3: not a JSON object"* ]]
	[ "$(echo "$output" | grep -c '^{')" -eq 1 ]
}

# --- output -----------------------------------------------------------------

@test "| head -n 5 exits 0 silently" {
	shared
	run bash -c 'cwl-tail /cwl/big 2>err.txt | head -n 5 >/dev/null; echo "${PIPESTATUS[0]}"'
	[ "$output" = "0" ]
	[ ! -s err.txt ]
	run bash -c 'cwl-tail -f --since 2023-01-01 /cwl/big 2>err.txt | head -n 5 | wc -l; echo "${PIPESTATUS[0]}"'
	[ "${lines[0]}" = "5" ]
	[ "${lines[1]}" = "0" ]
	[ ! -s err.txt ]
}

@test "cwl-list | cwl-tail | cwl-ship | cwl-registry put: a run that goes well writes nothing on stderr" {
	shared
	put /cwl/quiet s1 "$(now_ms)" one two
	put /cwl/quiet s2 "$(now_ms)" three
	pipeline() {
		cwl-list "$@" streams /cwl/quiet 2>list.err | cwl-tail "$@" 2>tail.err |
			cwl-ship "$@" -E output.file.path=. -E output.file.filename=shipped 2>ship.err |
			cwl-registry "$@" put reg 2>reg.err
		echo "${PIPESTATUS[*]}"
	}
	run pipeline
	[ "$output" = "0 0 0 0" ]
	[ ! -s list.err ] && [ ! -s tail.err ] && [ ! -s ship.err ] && [ ! -s reg.err ]
	[ "$(wc -l <shipped)" -eq 3 ]
	[ "$(cwl-registry get reg | wc -l)" -eq 2 ]
	# -v: the shipper's counters as it ends
	run pipeline -v
	[ "$output" = "0 0 0 0" ]
	grep -q "^cwl-ship: info: done: lines=3 acked=3 " ship.err
}

@test "the event line: fields in order, cursor, region, added fields" {
	shared
	put /cwl/line s 1700000000123 hello
	run cwl-tail --fields env=prod,team=core /cwl/line
	succeeded
	[[ "$output" =~ ^\{\"@timestamp\":\"2023-11-14T22:13:20.123Z\",\"message\":\"hello\",\"event\":\{\"id\":\"([0-9a-f]{32})\"\},\"log\":\{\"file\":\{\"path\":\"/cwl/line/s\"\}\},\"aws\":\{\"cloudwatch\":\{\"log_group\":\"/cwl/line\",\"log_stream\":\"s\",\"ingestion_time\":\"[0-9T:.-]+Z\"\}\},\"cloud\":\{\"provider\":\"aws\",\"region\":\"us-east-1\"\},\"fields\":\{\"env\":\"prod\",\"team\":\"core\"\},\"@metadata\":\{\"_id\":\"([0-9a-f]{32})\",\"cursor\":\{\"group\":\"/cwl/line\",\"stream\":\"s\",\"token\":\"\",\"skip\":1,\"ts\":0,\"n\":1\}\}\}$ ]]
	[ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[2]}" ]
	# the same event read again gets the same id
	id=${BASH_REMATCH[1]}
	run cwl-tail /cwl/line
	[[ "$output" == *"\"_id\":\"$id\""* ]]
}

@test "a prospector's fields, multiline and filter_pattern apply to the groups it names; the config's fields and tags to all" {
	shared
	put /cwl/app/one s 1700000000000 "Exception in main" "	at a.b(C.java:1)" "	at d.e(F.java:2)" "next" "	at g"
	cat >cfg.yml <<-'EOF'
	fields: {env: test}
	tags: [cwl, aws]
	cloudwatchlogsbeat:
	  prospectors:
	    - id: java
	      groupnames: ["/cwl/app/*"]
	      fields: {service: app, tier: back}
	      multiline:
	        pattern: '^\s'
	        match: after
	    - id: errors
	      groupnames: ["/cwl/errors"]
	      filter_pattern: ERROR
	    - id: top
	      groupnames: ["/cwl/under"]
	      fields: {service: under}
	      fields_under_root: true
	EOF
	run cwl-tail -c cfg.yml /cwl/app/one
	succeeded
	[ "$(echo "$output" | wc -l)" -eq 2 ]
	run "$PY" -c 'import json,sys
for l in sys.stdin:
    e = json.loads(l)
    print(repr(e["message"]), e["fields"], e["tags"], e["prospector"], e["@metadata"]["cursor"]["skip"])' <<<"$output"
	[ "${lines[0]}" = "'Exception in main\\n\\tat a.b(C.java:1)\\n\\tat d.e(F.java:2)' {'env': 'test', 'service': 'app', 'tier': 'back'} ['cwl', 'aws'] java 3" ]
	[ "${lines[1]}" = "'next\\n\\tat g' {'env': 'test', 'service': 'app', 'tier': 'back'} ['cwl', 'aws'] java 5" ]
	put /cwl/under s 1700000000000 x
	run cwl-tail -c cfg.yml --fields team=core /cwl/under
	succeeded
	[[ "$output" == *'"region":"us-east-1"},"prospector":"top","env":"test","service":"under","team":"core","tags":["cwl","aws"],"@metadata"'* ]]
	# a prospector's filter pattern: read group-wide, only what matches
	put /cwl/errors a 1700000000000 "ERROR x" "INFO y"
	put /cwl/errors b 1700000000001 "ERROR z"
	run cwl-tail -c cfg.yml --budget-filter 0 /cwl/errors
	succeeded
	[ "$(echo "$output" | grep -c '"message":"ERROR ')" -eq 2 ]
	[ "$(echo "$output" | wc -l)" -eq 2 ]
	[[ "$output" == *'"stream":"*"'* ]]
	# a group no prospector names gets the config's fields and tags
	put /cwl/other s 1700000000000 x
	run cwl-tail -c cfg.yml /cwl/other
	[[ "$output" == *'"region":"us-east-1"},"fields":{"env":"test"},"tags":["cwl","aws"],"@metadata"'* ]]
}

@test "--multiline joins lines; a joined event keeps the first line's time and its last line's cursor" {
	shared
	put /cwl/ml s 1700000000000 "one \\" "two \\" three four
	run cwl-tail --multiline '\\$' --multiline-match before --limit 2 /cwl/ml
	succeeded
	echo "$output" >out.ndjson
	run "$PY" -c 'import json
for l in open("out.ndjson"):
    e = json.loads(l); c = e["@metadata"]["cursor"]
    print(repr(e["message"]), e["@timestamp"], c["skip"], c["n"])'
	[ "${lines[0]}" = "'one \\\\\\ntwo \\\\\\nthree' 2023-11-14T22:13:20.000Z 1 3" ]
	[ "${lines[1]}" = "'four' 2023-11-14T22:13:20.000Z 2 4" ]
	# resuming after the joined event gives the next one
	sed -n 1p out.ndjson >resume.ndjson
	run cwl-tail --multiline '\\$' --multiline-match before --limit 2 --resume resume.ndjson /cwl/ml
	succeeded
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[[ "$output" == *'"message":"four"'* ]]
}

@test "-o text: time, stream and message; colour only when asked or on a terminal" {
	shared
	put /cwl/text web-1 1700000000123 "GET / 200" "bad $(printf '\033')[31m esc"
	run cwl-tail -o text /cwl/text
	succeeded
	[ "${lines[0]}" = "2023-11-14T22:13:20.123Z web-1 GET / 200" ]
	[ "${lines[1]}" = "2023-11-14T22:13:20.123Z web-1 bad ?[31m esc" ]
	run cwl-tail -o text --color always /cwl/text
	[[ "${lines[0]}" == $'\e[2m2023-11-14T22:13:20.123Z\e[0m \e['*'mweb-1'$'\e[0m GET / 200' ]]
	TZ=Asia/Kolkata run cwl-tail -o text --local /cwl/text
	[ "${lines[0]}" = "2023-11-15T03:43:20.123+05:30 web-1 GET / 200" ]
	# nor from the names of streams (group names cannot hold any)
	put /cwl/text2 "web$(printf '\033')]0;x$(printf '\007')" 1700000000123 "hi"
	run cwl-tail -o text /cwl/text2
	succeeded
	[ "$output" = "2023-11-14T22:13:20.123Z web?]0;x? hi" ]
}

@test "--progress prints the share of the time range done" {
	shared
	cwl-tail --progress --since 1700000000000 --end 1700000140000 /cwl/big:stream-0000 \
		2>err.txt >/dev/null
	grep -Eq '^cwl-tail: progress: 100.0% of the time range, 20000 events, [0-9]+ events/s, ETA 0:00:00$' err.txt
}

@test "SIGUSR1 prints the counters on stderr" {
	shared
	fast
	put /cwl/usr1 s "$(now_ms)" a b
	cwl-tail -f /cwl/usr1 >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines out.ndjson 2
	wait_for 'report $pid ""'
	kill -TERM $pid
	wait $pid
	grep -Eq '^cwl-tail: info: requests=[1-9][0-9]* throttles=0 retries=0 events=2 bytes=[1-9][0-9]* streams=1 active=1 idle=0 done=0 lag=[0-9]+ms' err.txt
}

@test "an empty page with a new token is not the end of a stream" {
	aws_server_start --empty-pages 2
	awsctl seed --group /cwl/empty --streams 2 --events 500 >/dev/null
	run cwl-tail --limit 100 --budget-get 0 /cwl/empty
	succeeded
	echo "$output" >out.ndjson
	run verify out.ndjson /cwl/empty
	[ "$status" -eq 0 ]
}

# --- usage and configuration ----------------------------------------------------

@test "usage errors exit 2 with the reason" {
	shared
	run cwl-tail --mode bogus /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --mode 'bogus': not stream or filter"* ]]
	[[ "$output" == *"usage: cwl-tail"* ]]
	run cwl-tail --since soon /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: --since: "*"soon"* ]]
	run cwl-tail --end yesterday-ish /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: --end: "* ]]
	run cwl-tail --since 1700000010000 --end 1700000000000 /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --end is before --since"* ]]
	run cwl-tail -o yaml /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --output 'yaml': not json or text"* ]]
	run cwl-tail --color sometimes /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"--color 'sometimes': not auto, always or never"* ]]
	run cwl-tail --fields novalue /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --fields 'novalue': not KEY=VALUE"* ]]
	run cwl-tail --multiline '^\s' --mode filter /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"--multiline needs --mode stream"* ]]
	run cwl-tail --multiline '[a' /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --multiline: multiline pattern '[a': missing ]"* ]]
	run cwl-tail --multiline-negate /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"--multiline-negate and --multiline-match need --multiline"* ]]
	run cwl-tail --filter x --mode stream /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"--filter reads with FilterLogEvents: not with --mode stream"* ]]
	run cwl-tail --budget-get -1 /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"--budget-get '-1': not a number of requests per second"* ]]
	run cwl-tail --limit 0 /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"--limit '0': not a number from 1 to 10000"* ]]
	run cwl-tail --max-delay soon /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --max-delay: invalid duration 'soon'"* ]]
	run cwl-tail --shard 3/2 /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: --shard '3/2': I must be between 1 and N"* ]]
	printf 'cloudwatchlogsbeat:\n  max_event_delay: soon\n' >md.yml
	run cwl-tail -c md.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: "*"md.yml:2: cloudwatchlogsbeat.max_event_delay"*"soon"* ]]
	run cwl-tail --latency forever /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: "*"forever"* ]]
	run cwl-tail ':s'
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: ':s': no log group name"* ]]
	run cwl-tail '/g:'
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: '/g:': not GROUP:STREAM"* ]]
}

@test "--resume: a missing file or a bad line is exit 2 naming it" {
	shared
	run cwl-tail --resume nope.ndjson /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-tail: error: --resume nope.ndjson: No such file or directory" ]
	printf '%s\n' '{"group":"/g","stream":"s","ts":1,"n":1}' '{"stream":"s"}' >bad.ndjson
	run cwl-tail --resume bad.ndjson /g
	[ "$status" -eq 2 ]
	[ "$output" = 'cwl-tail: error: --resume bad.ndjson:2: cursor has no "group"' ]
	printf 'garbage\n' >bad2.ndjson
	run cwl-tail --resume bad2.ndjson /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: --resume bad2.ndjson:1: not JSON: "* ]]
}

@test "--resume: a position that is not one (skip -5, ts a string, n 1e999) is exit 2 naming the file and line" {
	shared
	local line
	for line in '{"group":"/g","stream":"s","token":"f/1","skip":-5,"ts":1,"n":1}	cursor "skip" is negative' \
		'{"group":"/g","stream":"s","token":"f/1","skip":1,"ts":"x","n":1}	cursor "ts" is not a whole number' \
		'{"group":"/g","stream":"s","token":"f/1","skip":1,"ts":1,"n":1e999}	cursor "n" is not a whole number' \
		'{"group":"/g","stream":"s","token":"f/1","skip":1.5,"ts":1,"n":1}	cursor "skip" is not a whole number' \
		'{"group":"/g","stream":"s","token":"f/1","skip":1,"ts":-1,"n":1}	cursor "ts" is negative'; do
		printf '{"group":"/g","stream":"t","ts":1,"n":1}\n%s\n' "${line%%	*}" >bad.ndjson
		run cwl-tail --resume bad.ndjson /g
		[ "$status" -eq 2 ]
		[ "$output" = "cwl-tail: error: --resume bad.ndjson:2: ${line#*	}" ]
	done
}

@test "--since and --latency take no sign, by one rule: exit 2 naming the option" {
	shared
	why="no sign: a relative time counts back from now (5m, 5m ago) and a duration has none (5m)"
	run cwl-tail --since=-5s /g
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-tail: error: --since: invalid time '-5s': $why" ]
	run cwl-tail --latency -5s /g
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-tail: error: --latency: invalid duration '-5s': $why" ]
	run cwl-tail --end +5m /g
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-tail: error: --end: invalid time '+5m': $why" ]
	printf 'cloudwatchlogsbeat:\n  start: -1h\n' >s.yml
	run cwl-tail -c s.yml /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-tail: error: s.yml:2: cloudwatchlogsbeat.start: invalid time '-1h': $why" ]
	# without the sign, both are what they were
	run cwl-tail --since 5s --latency 5s --end now /g
	[ "$status" -eq 1 ]
	[[ "$output" == *"ResourceNotFoundException"* ]]
}

@test "--since in the future reads nothing, and a warning says why" {
	shared
	awsctl put --group /cwl/future --stream s --messages '["a"]' >/dev/null
	run cwl-tail --since 2099-01-01 /cwl/future
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-tail: warning: --since '2099-01-01': 2099-01-01T00:00:00.000Z is in the future: no event is read before then, and without --follow none at all" ]
	printf 'cloudwatchlogsbeat:\n  start: 2099-01-01T10:00:00Z\n' >f.yml
	run cwl-tail -c f.yml /cwl/future
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-tail: warning: cloudwatchlogsbeat.start '2099-01-01T10:00:00Z': 2099-01-01T10:00:00.000Z is in the future: no event is read before then, and without --follow none at all" ]
	# the past is as it was: the event, no warning
	run cwl-tail --since 1d /cwl/future
	[ "$status" -eq 0 ]
	[[ "$output" == '{"@timestamp":'*'"message":"a"'* ]]
	[ "${#lines[@]}" -eq 1 ]
}

@test "configuration errors exit 2 naming the file and line" {
	shared
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      multiline:\n        pattern: "(?P<x>a)"\n' >ml.yml
	run cwl-tail -c ml.yml /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-tail: error: ml.yml:5: multiline pattern '(?P<x>a)': (?P is not supported" ]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      multiline: {pattern: x, match: sideways}\n' >ml2.yml
	run cwl-tail -c ml2.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: ml2.yml:4: multiline match 'sideways': not 'after' or 'before'" ]]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      filter_pattern: ERROR\n      multiline.pattern: x\n' >ml3.yml
	run cwl-tail -c ml3.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: ml3.yml:5: prospector 0: multiline needs mode streams and no filter_pattern" ]]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      fields: {message: x}\n      fields_under_root: true\n' >fur.yml
	run cwl-tail -c fur.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"fields_under_root: 'message' is a field of every event"* ]]
	printf 'cloudwatchlogsbeat:\n  hot_stream_event_horizon: 1m\n  hot_stream_event_refresh_frequency: 0s\n' >hot.yml
	run cwl-tail -c hot.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: hot.yml:3: cloudwatchlogsbeat.hot_stream_event_refresh_frequency cannot be zero while hot_stream_event_horizon is 60s" ]]
	printf 'cloudwatchlogsbeat:\n  request_budget.get_log_events: -2\n' >budget.yml
	run cwl-tail -c budget.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: budget.yml:2: cloudwatchlogsbeat.request_budget.get_log_events: a rate can not be negative" ]]
	printf 'cloudwatchlogsbeat:\n  stream_event_refresh_frequency: soon\n' >freq.yml
	run cwl-tail -c freq.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: freq.yml:2: "*"soon"* ]]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      mode: sideways\n' >mode.yml
	run cwl-tail -c mode.yml /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: mode.yml:4: cloudwatchlogsbeat.prospectors.0.mode: 'sideways' is not streams or group" ]]
}

@test "no region: exit 2" {
	shared
	unset AWS_REGION
	run cwl-tail /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: "*"region"* ]]
}

@test "--stats writes the counters per log group on SIGUSR1 and at exit, not on stderr" {
	aws_server_start
	awsctl seed --groups '["/st/a","/st/b"]' --streams 2 --events 50 >/dev/null
	cwl-tail --stats st /st/a /st/b >out 2>err
	[ "$(wc -l <out)" -eq 200 ]
	cat st
	[[ "$(sed -n 1p st)" =~ ^cwl-tail$'\t'[0-9]{13}$'\t'region=us-east-1$ ]]
	[[ "$(sed -n 2p st)" =~ ^$'\t'read=200$'\t'requests=[0-9]+$'\t'throttles=0$'\t'retries=0$'\t'streams=4$'\t'active=[0-9]+$'\t'idle=[0-9]+$'\t'received=200$'\t'met=0$'\t'beyond_delay=0($'\t'(requests|throttles|retries)\.(GetLogEvents|FilterLogEvents|DescribeLogStreams)=[0-9]+){9}$ ]]
	grep -qE $'^/st/a\tread=100\tnewest_ms=[0-9]{13}\tswept_ms=-1$' st
	grep -qE $'^/st/b\tread=100\tnewest_ms=[0-9]{13}\tswept_ms=-1$' st
	[ "$(wc -l <st)" -eq 4 ]
	# following: SIGUSR1 rewrites the file, and nothing goes to stderr
	rm st
	cwl-tail --follow --stats st /st/a >out 2>err &
	pid=$!
	server_register "$pid"
	wait_for_file st
	wait_lines out 100
	# the file is written before the signal handlers are set
	wait_signals "$pid"
	kill -USR1 "$pid"
	wait_for "grep -q $'^/st/a\\tread=100\\t' st"
	kill -TERM "$pid"
	wait "$pid"
	grep -q $'^/st/a\tread=100\t' st
	cat err
	! grep -q "requests=" err
}

@test "--stats with a file that cannot be written is exit 2, at once" {
	shared
	run cwl-tail --stats /nonexistent/dir/st /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-tail: error: --stats: open /nonexistent/dir/st.tmp: No such file or directory" ]
	run cwl-tail --stats '' /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: --stats: no file name"* ]]
}

# --- following groups ------------------------------------------------------

# follow_run ORDER: a group of many streams followed while events come,
# stopped with SIGTERM half-way and resumed from its checkpoints.
follow_run() {
	CWL_LOGS_ORDER=$1 aws_server_start
	follow_config f.yml
	for s in a b c d e f; do put /fol/g $s "$(now_ms)" "$s 0"; done
	# cwl-tail's own pid, from $!, through a FIFO: nothing looked up by
	# name, which would also match another run's on the same machine
	mkfifo tail.fifo
	cwl-tail -c f.yml -f --stats st /fol/g >tail.fifo 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	tee out1.ndjson <tail.fifo | cwl-ship -E output.file.path=. -E output.file.filename=shipped \
		--acks acks.ndjson 2>ship.txt 3>&- &
	pipe=$!
	server_register $pipe
	wait_lines out1.ndjson 6
	for k in 1 2 3; do
		for s in a b c d e f; do put /fol/g $s "$(now_ms)" "$s $k"; done
	done
	put /fol/g c $(($(now_ms) - 2000)) "c late"
	wait_lines out1.ndjson 25 60
	kill -TERM "$pid"
	wait "$pid"
	wait $pipe
	[ ! -s err.txt ]
	# the last ack is the checkpoint
	tail -n 1 acks.ndjson >ck.ndjson
	jq -e '.group == "/fol/g" and .stream == "*"' ck.ndjson
	swept=$(jq .ts ck.ndjson)
	for s in a b; do put /fol/g $s "$(now_ms)" "$s after"; done
	cwl-tail -c f.yml -f --resume ck.ndjson --stats st2 /fol/g >out2.ndjson 2>err2.txt 3>&- &
	pid=$!
	server_register $pid
	last=$(now_ms)
	wait_swept $pid st2 /fol/g "$last"
	kill -TERM $pid
	wait $pid
	cat err2.txt
	[ ! -s err2.txt ]
	# with --resume, once the sweep has passed the last events, a mark
	# (a cursor alone) carries the checkpoint past them
	tail -n 1 out2.ndjson | jq -e --argjson last "$last" \
		'(keys == ["@metadata"]) and .["@metadata"].cursor.stream == "*" and .["@metadata"].cursor.ts > $last'
	n2=$(grep -v '^{"@metadata":{"cursor"' out2.ndjson | tail -n 1 | jq '.["@metadata"].cursor.n')
	[ "$(tail -n 1 out2.ndjson | jq '.["@metadata"].cursor.n')" -eq "$n2" ]
	grep -v '^{"@metadata":{"cursor"' out2.ndjson >events2.ndjson
	mv events2.ndjson out2.ndjson
	cat out1.ndjson out2.ndjson >both.ndjson
	run verify both.ndjson /fol/g dups
	echo "$output"
	[ "$status" -eq 0 ]
	# read again after the restart: only events stamped at or after the
	# checkpoint's time, each once more
	"$PY" - "$swept" <<-'EOF'
	import json, sys
	swept = int(sys.argv[1])
	first = {json.loads(l)["@metadata"]["_id"]: l for l in open("out1.ndjson")}
	seen = set()
	for l in open("out2.ndjson"):
	    e = json.loads(l)
	    i = e["@metadata"]["_id"]
	    assert i not in seen, "written twice after the restart: " + l
	    seen.add(i)
	    if i in first:
	        from datetime import datetime, timezone
	        t = datetime.strptime(e["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
	        ms = int(t.timestamp() * 1000 + 0.5)
	        assert ms >= swept, "read again from before the checkpoint: " + l
	EOF
}

@test "following many streams with SIGTERM and a resume: every event, each once per run, only the late window again (GetLogEvents by timestamp)" {
	follow_run timestamp
}

@test "following many streams with SIGTERM and a resume: every event, each once per run, only the late window again (GetLogEvents by ingestion)" {
	follow_run ingestion
}

@test "following: a stop in the middle of a catch-up resumes from its page, writing nothing twice" {
	aws_server_start
	follow_config f.yml
	start=$(($(now_ms) - 300000))
	awsctl seed --group /fol/c --streams 3 --events 3000 --size 60 --start "$start" --step 11 >/dev/null
	cwl-tail -c f.yml -f --limit 500 /fol/c 2>err1.txt 3>&- | head -n 2222 >out1.ndjson
	[ ! -s err1.txt ]
	tail -n 1 out1.ndjson | jq -c '.["@metadata"].cursor' >ck.ndjson
	# the checkpoint is inside the sweep, at its page
	jq -e '.stream == "*" and .to > .ts and (.token | type) == "string" and .skip > 0' ck.ndjson
	cwl-tail -c f.yml -f --limit 500 --resume ck.ndjson --stats st /fol/c >out2.ndjson 2>err2.txt 3>&- &
	pid=$!
	server_register $pid
	wait_swept $pid st /fol/c "$((start + 3000 * 11))"
	kill -TERM $pid
	wait $pid
	[ ! -s err2.txt ]
	# the events, less the marks that --resume writes
	cat out1.ndjson out2.ndjson | grep -v '^{"@metadata":{"cursor"' >both.ndjson
	run verify both.ndjson /fol/c ids
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 9000 events, 9000 lines, 9000 ids" ]]
}

@test "following: a FilterLogEvents that keeps failing is exit 1 naming the call" {
	aws_server_start
	follow_config f.yml
	sed -i 's/max_attempts: 40/max_attempts: 3/' f.yml
	awsctl faults --ops FilterLogEvents --error500 1 >/dev/null
	put /fol/r a "$(now_ms)" one
	run cwl-tail -c f.yml -f /fol/r
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "cwl-tail: warning: FilterLogEvents /fol/r: InternalFailure"*"(HTTP 500); retrying, 3 attempts in all" ]]
	[[ "${lines[-1]}" == "cwl-tail: error: FilterLogEvents /fol/r: InternalFailure"*"(HTTP 500), after 3 attempts" ]]
}

@test "following with --shard: only the events of the shard's streams, as cwl-list --shard lists them" {
	aws_server_start
	follow_config f.yml
	for k in 1 2 3 4 5 6 7 8; do put /fol/n "x$k" "$(now_ms)" "x$k 1" "x$k 2"; done
	cwl-list --shard 1/2 -o json streams /fol/n | jq -r .logStreamName | sort >mine
	[ -s mine ]
	[ "$(wc -l <mine)" -lt 8 ]
	want=$((2 * $(wc -l <mine)))
	cwl-tail -c f.yml -f --shard 1/2 --stats st /fol/n >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_lines out.ndjson "$want"
	wait_swept $pid st /fol/n "$(now_ms)"
	kill -TERM $pid
	wait $pid
	jq -r .aws.cloudwatch.log_stream out.ndjson | sort -u >got
	diff mine got
	[ "$(wc -l <out.ndjson)" -eq "$want" ]
}

@test "three shards share the account's budget: no throttling at the quota, every event once" {
	# AWS's quota of FilterLogEvents: 5 a second; 4 a second each would
	# be 12 for three shards
	aws_server_start --tps FilterLogEvents=5
	follow_config f.yml
	echo "  request_budget.filter_log_events: 4" >>f.yml
	for s in a b c d e f g h; do put /sh/g $s "$(now_ms)" "$s 0"; done
	pids=()
	for i in 1 2 3; do
		cwl-tail -c f.yml -f --shard "$i/3" --stats "st$i" /sh/g >"out$i.ndjson" 2>"err$i.txt" 3>&- &
		pids+=($!)
		server_register $!
	done
	for k in 1 2 3 4 5 6 7 8 9 10; do
		for s in a b c d e f g h; do put /sh/g $s "$(now_ms)" "$s $k"; done
	done
	last=$(now_ms)
	for i in 1 2 3; do wait_swept "${pids[$((i - 1))]}" "st$i" /sh/g "$last"; done
	kill -TERM "${pids[@]}"
	for p in "${pids[@]}"; do wait "$p"; done
	cat err1.txt err2.txt err3.txt
	[ ! -s err1.txt ] && [ ! -s err2.txt ] && [ ! -s err3.txt ]
	# the shards kept to a third of the budget each: the server never
	# throttled them
	awsctl stats | jq -e '(.throttles.FilterLogEvents // 0) == 0'
	for i in 1 2 3; do [ "$(stat_of "st$i" throttles)" -eq 0 ]; done
	cat out1.ndjson out2.ndjson out3.ndjson | grep -v '^{"@metadata":{"cursor"' >all.ndjson
	run verify all.ndjson /sh/g ids
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "verified 88 events, 88 lines, 88 ids" ]]
	# with request_budget.per_shard, each takes the whole budget
	echo "  request_budget.per_shard: true" >>f.yml
	run cwl-tail -c f.yml --shard 2/3 --config-value cloudwatchlogsbeat.request_budget.per_shard
	[ "$output" = true ]
}

@test "--shard over two accounts' groups of one name: each stream in one shard by its ACCOUNT:GROUP key, as cwl-list --shard takes it" {
	shared
	A=444455556666
	ARN=arn:aws:logs:us-east-1:$A:log-group:/cwl/tsh
	for k in 0 1 2 3 4 5 6 7; do
		put /cwl/tsh "s$k" 1000 "own s$k"
		lput $A /cwl/tsh "s$k" 1000 "src s$k"
	done
	# stream by stream (GetLogEvents) and group-wide (FilterLogEvents)
	for mode in stream filter; do
		for i in 1 2 3; do
			cwl-tail --mode $mode --shard "$i/3" /cwl/tsh "$ARN" >"$mode$i.ndjson"
			# the sources cwl-list --shard takes: the same
			cwl-list --include-linked-accounts --shard "$i/3" -o json streams /cwl/tsh |
				jq -r '(if .logGroupIdentifier then .accountId + ":" else "" end) + .logGroupName + ":" + .logStreamName' |
				sort >listed
			[ -s listed ]
			jq -r '.["@metadata"].cursor.group + ":" + .aws.cloudwatch.log_stream' "$mode$i.ndjson" | sort >read
			diff listed read
		done
		# every event once, in one shard
		[ "$(cat "${mode}1.ndjson" "${mode}2.ndjson" "${mode}3.ndjson" | jq -r .message | sort | paste -sd,)" = \
			"$(for k in 0 1 2 3 4 5 6 7; do echo "own s$k"; echo "src s$k"; done | sort | paste -sd,)" ]
		# the linked group's streams are hashed by their own key: some
		# fall in another shard than their namesakes of the own group
		apart=0
		for k in 0 1 2 3 4 5 6 7; do
			own=$(grep -l "\"own s$k\"" "$mode"[123].ndjson)
			src=$(grep -l "\"src s$k\"" "$mode"[123].ndjson)
			[ "$own" = "$src" ] || apart=$((apart + 1))
		done
		echo "$mode: $apart of 8 apart"
		[ "$apart" -gt 0 ]
	done
}

@test "pages keep their window: tokens that hold only with the request they came from" {
	CWL_TOKEN_WINDOW=check CWL_FILTER_TOKEN=position aws_server_start
	now=$(now_ms)
	for s in a b; do
		for k in 1 2 3 4 5 6 7 8 9 10; do
			put /win/g $s $((now - 7200000 + k)) "$s old $k"
			put /win/g $s $((now - 60000 + k)) "$s new $k"
		done
	done
	run cwl-tail --since 1h --limit 3 -o text /win/g
	succeeded
	[ "$(echo "$output" | grep -c ' new ')" -eq 20 ]
	! echo "$output" | grep -q ' old '
	run cwl-tail --since 1h --limit 3 --mode filter /win/g
	succeeded
	[ "$(echo "$output" | jq -r .message | sort -u | grep -c ' new ')" -eq 20 ]
	[ "$(echo "$output" | wc -l)" -eq 20 ]
}

# lput ACCOUNT GROUP STREAM TS MESSAGE...: put into a linked account's group
lput() {
	local a=$1 g=$2 s=$3 t=$4
	shift 4
	awsctl put --account "$a" --group "$g" --stream "$s" --timestamp "$t" \
		--messages "$("$PY" -c 'import json,sys; print(json.dumps(sys.argv[1:]))' "$@")" >/dev/null
}

# fields FILE: per line, the group, account, cursor's group and stream, message
fields() {
	jq -c '[.aws.cloudwatch.log_group, .cloud.account.id, .["@metadata"].cursor.group,
		.["@metadata"].cursor.stream, .message]' "$1"
}

@test "linked accounts: one-shot reads by ARN, from arguments and cwl-list lines, with cloud.account.id and cursors apart" {
	shared
	ARN=arn:aws:logs:us-east-1:111122223333:log-group:/cwl/lk
	put /cwl/lk s 1000 own-1 own-2
	lput 111122223333 /cwl/lk s 1000 src-1 src-2
	# by the group's ARN (with or without ":*"), stream by stream and group-wide
	for a in "$ARN" "$ARN:*"; do
		run cwl-tail "$a"
		[ "$status" -eq 0 ]
		[ "$(echo "$output" | jq -r .message | tr '\n' ' ')" = "src-1 src-2 " ]
	done
	cwl-tail "$ARN" >byget.ndjson
	[ "$(fields byget.ndjson | head -1)" = '["/cwl/lk","111122223333","111122223333:/cwl/lk","s","src-1"]' ]
	[ "$(jq -r .log.file.path byget.ndjson | head -1)" = /cwl/lk/s ]
	cwl-tail --mode filter "$ARN" >byfilter.ndjson
	[ "$(fields byfilter.ndjson | head -1)" = '["/cwl/lk","111122223333","111122223333:/cwl/lk","*","src-1"]' ]
	run cwl-tail "$ARN:log-stream:s"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r .message | tr '\n' ' ')" = "src-1 src-2 " ]
	# the own group by name: today's cursor, no account unless a line gives it
	cwl-tail /cwl/lk >own.ndjson
	[ "$(fields own.ndjson | head -1)" = '["/cwl/lk",null,"/cwl/lk","s","own-1"]' ]
	# the two groups' GetLogEvents ids differ though the events are alike
	put /cwl/lk same 5000 twin
	lput 111122223333 /cwl/lk same 5000 twin
	[ "$(cwl-tail /cwl/lk:same | jq -r '.["@metadata"]._id')" != "$(cwl-tail "$ARN:log-stream:same" | jq -r '.["@metadata"]._id')" ]
	# cwl-list's lines: both groups, each with its account
	cwl-list --include-linked-accounts streams /cwl/lk >lines.ndjson
	cwl-tail <lines.ndjson >both.ndjson
	[ "$(fields both.ndjson | grep -v twin | sort)" = "$(printf '%s\n' \
		'["/cwl/lk","111122223333","111122223333:/cwl/lk","s","src-1"]' \
		'["/cwl/lk","111122223333","111122223333:/cwl/lk","s","src-2"]' \
		'["/cwl/lk","123456789012","/cwl/lk","s","own-1"]' \
		'["/cwl/lk","123456789012","/cwl/lk","s","own-2"]')" ]
	cwl-list --include-linked-accounts groups /cwl/lk | cwl-tail --mode filter >gboth.ndjson
	[ "$(jq -r '.cloud.account.id + " " + .message' gboth.ndjson | sort | tr '\n' ' ')" = \
		"111122223333 src-1 111122223333 src-2 111122223333 twin 123456789012 own-1 123456789012 own-2 123456789012 twin " ]
	# errors: a bad ARN is exit 2; a line whose identifier is not its group's is set aside
	run cwl-tail arn:aws:logs:us-east-1:1111:log-group:/cwl/lk
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-tail: error: 'arn:aws:logs:us-east-1:1111:log-group:/cwl/lk': not the ARN of a log group or stream"* ]]
	run cwl-tail <<<'{"logGroupName":"/cwl/other","logGroupIdentifier":"'"$ARN"'"}'
	[ "$status" -eq 3 ]
	[[ "$output" == *"stdin:1: logGroupIdentifier is not the ARN of the line's group: $ARN"* ]]
	run cwl-tail <<<'{"logGroupName":"/cwl/lk","accountId":"12"}'
	[ "$status" -eq 3 ]
	[[ "$output" == *"stdin:1: bad accountId: 12"* ]]
	# a name reaches only the monitoring account's own group
	lput 111122223333 /cwl/lkonly s 1000 x
	run cwl-tail /cwl/lkonly
	[ "$status" -eq 1 ]
	[[ "$output" == *"/cwl/lkonly"*"ResourceNotFoundException"* ]]
}

@test "linked accounts: --follow over two accounts' groups of one name, events and cursors apart, --resume resumes each" {
	shared
	fast
	t=$(now_ms)
	put /cwl/lkf s "$t" own-1
	lput 444455556666 /cwl/lkf s "$t" src-1
	cwl-list --include-linked-accounts --account-id 444455556666 --account-id 123456789012 groups /cwl/lkf >lines.ndjson
	[ "$(wc -l <lines.ndjson)" = 2 ]
	grep -v logGroupIdentifier lines.ndjson >own.line
	grep logGroupIdentifier lines.ndjson >src.line
	# follow: each group in a run of its own, which writes checkpoints
	# (--resume) that the two runs share, as a registry would hold them
	: >resume.ndjson
	for round in 1 2; do
		for who in own src; do
			rm -f in.fifo
			mkfifo in.fifo
			cwl-tail -f --resume resume.ndjson <in.fifo >"out-$who-$round.ndjson" 2>err.txt 3>&- &
			pid=$!
			server_register $pid
			exec 7>in.fifo
			cat "$who.line" >&7
			if [ $round = 1 ]; then
				wait_for "grep -q '\"$who-1\"' out-$who-1.ndjson"
				if [ $who = own ]; then put /cwl/lkf s "$(now_ms)" own-2; else lput 444455556666 /cwl/lkf s "$(now_ms)" src-2; fi
				wait_for "grep -q '\"$who-2\"' out-$who-1.ndjson"
			else
				wait_for "grep -q '\"$who-3\"' out-$who-2.ndjson"
			fi
			exec 7>&-
			kill -TERM $pid
			wait $pid
			[ ! -s err.txt ]
		done
		cat out-*-$round.ndjson >>all.ndjson
		last_cursors all.ndjson >resume.ndjson
		[ "$(jq -r .group resume.ndjson | sort | tr '\n' ' ')" = "/cwl/lkf 444455556666:/cwl/lkf " ]
		put /cwl/lkf s "$(now_ms)" own-3
		lput 444455556666 /cwl/lkf s "$(now_ms)" src-3
	done
	[ "$(jq -r 'select(.message) | .cloud.account.id + " " + .["@metadata"].cursor.group + " " + .message' out-*-1.ndjson | sort)" = \
		"$(printf '%s\n' "123456789012 /cwl/lkf own-1" "123456789012 /cwl/lkf own-2" \
		"444455556666 444455556666:/cwl/lkf src-1" "444455556666 444455556666:/cwl/lkf src-2")" ]
	# the resumed runs: each group from its own cursor, none of the other's events
	[ "$(jq -r 'select(.message) | .["@metadata"].cursor.group + " " + .message' out-own-2.ndjson | sort -u | tail -1)" = "/cwl/lkf own-3" ]
	[ "$(jq -r 'select(.message) | .["@metadata"].cursor.group + " " + .message' out-src-2.ndjson | sort -u | tail -1)" = "444455556666:/cwl/lkf src-3" ]
	[ -z "$(jq -r 'select(.message) | .message' out-own-2.ndjson | grep src)" ]
	[ -z "$(jq -r 'select(.message) | .message' out-src-2.ndjson | grep own)" ]
	# the n of each source goes on from its own cursor
	[ "$(jq -s '[.[] | select(.message == "src-3")][0]["@metadata"].cursor.n' out-src-2.ndjson)" -gt \
		"$(jq -s '[.[] | select(.message == "src-2")][0]["@metadata"].cursor.n' out-src-1.ndjson)" ]
}

@test "linked accounts: a followed group named like an account id does not take that account's stream cursors for its own" {
	shared
	fast
	A=444455556666
	t=$(now_ms)
	# the own group named 444455556666, and a linked account 444455556666's /cwl/lkid
	# (--json: awsctl would take the name for a number)
	awsctl put --json "{\"group\":\"$A\",\"stream\":\"s\",\"timestamp\":$((t - 60000)),\"messages\":[\"own-old\"]}" >/dev/null
	lput $A /cwl/lkid s "$t" src
	# checkpoints: the linked group's stream at t, read stream by stream
	printf '{"group":"%s:/cwl/lkid","stream":"s","token":"","skip":0,"ts":%s,"n":1}\n' $A "$t" >resume.ndjson
	cwl-tail -f -v --resume resume.ndjson $A >out.ndjson 2>err.txt 3>&- &
	pid=$!
	server_register $pid
	wait_for "grep -q ': followed as a whole' err.txt"
	# the own group has no cursor of its own nor of its streams: it starts
	# at the start, not at the linked stream's t, and reads its event
	from=$(sed -n 's/.*: followed as a whole with FilterLogEvents from \([^;]*\);.*/\1/p' err.txt)
	[ "$(date -u -d "$from" +%s%3N)" -le $((t - 60000)) ] || { cat err.txt; false; }
	wait_for "grep -q '\"own-old\"' out.ndjson"
	kill -TERM $pid
	wait $pid
	[ "$(jq -r 'select(.message) | .["@metadata"].cursor.group + " " + .message' out.ndjson)" = "$A own-old" ]
}
