#!/usr/bin/env bats
# cwl-kinesis against the local AWS server: CloudWatch Logs subscription
# filters deliver the events put into groups to a Kinesis stream, and
# cwl-kinesis reads them back. Every reading test compares the event lines
# with the events the server holds (awsctl dump): all of them, each once,
# with CloudWatch's eventId as the id, in the order of each log stream.
# Also: follow and SIGTERM, resume (after a whole record and inside one),
# resharding, throttling, expired iterators, records set aside, usage and
# authentication errors, and the pipeline end to end into Elasticsearch
# next to a cwl-tail backfill.

load helpers

setup_file() {
	AWS_SERVER_SCOPE=file aws_server_start
	export SHARED_AWS_PORT=$AWS_SERVER_PORT
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

# shared: the server of setup_file, emptied, its switches as they started.
shared() {
	export AWS_SERVER_PORT=$SHARED_AWS_PORT
	export AWS_ENDPOINT_URL=http://127.0.0.1:$SHARED_AWS_PORT
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	export AWS_REGION=us-east-1
	awsctl reset >/dev/null
}

feed() {
	"$PY" "$REPO/tests/servers/kinesis_feed.py" "$@" >/dev/null
}

# fast: quick retries and polls, in $CWL_CONFIG.
fast() {
	cat >"$BATS_TEST_TMPDIR/fast.yml" <<-EOF
	cloudwatchlogsbeat:
	  retry.backoff: 5ms
	  retry.max_backoff: 200ms
	  kinesis.poll_frequency: 200ms
	  kinesis.shard_refresh_frequency: 500ms
	EOF
	export CWL_CONFIG=$BATS_TEST_TMPDIR/fast.yml
}

# verify OUT [STREAM]: the event lines in OUT are exactly the events the
# server holds, each once, with its eventId as event.id and _id, the
# fields of cwl-tail's lines, the events of each log stream in the order
# they were put, and per shard cursors whose n grows by one a line (marks
# included). Prints a summary.
verify() {
	awsctl dump >"$BATS_TEST_TMPDIR/dump.ndjson"
	"$PY" - "$1" "$BATS_TEST_TMPDIR/dump.ndjson" "${2:-s}" <<-'EOF'
	import collections, datetime, json, re, sys
	out, dump, kstream = sys.argv[1], sys.argv[2], sys.argv[3]
	held = [json.loads(l) for l in open(dump, encoding="utf-8")]
	by_id = {e["eventId"]: e for e in held}
	seen, order, last_n, marks = collections.Counter(), collections.defaultdict(list), {}, 0
	for raw in open(out, "rb"):
	    assert raw.endswith(b"\n"), "the last line is not ended"
	    e = json.loads(raw.decode("utf-8"))
	    c = e["@metadata"]["cursor"]
	    assert c["group"] == "@kinesis/" + kstream, c
	    assert re.fullmatch(r"shardId-\d{12}", c["stream"]), c
	    assert re.fullmatch(r"[1-9]\d*", c["token"]) and c["skip"] >= 0, c
	    assert c["n"] == last_n.get(c["stream"], 0) + 1, (c, last_n.get(c["stream"]))
	    last_n[c["stream"]] = c["n"]
	    if set(e) == {"@metadata"}:
	        marks += 1
	        continue
	    h = by_id.get(e["event"]["id"])
	    assert h is not None, "not an event of the server: %r" % raw
	    assert e["@metadata"]["_id"] == h["eventId"], raw
	    assert e["message"] == h["message"], raw
	    ts = datetime.datetime.fromtimestamp(h["timestamp"] / 1000, datetime.timezone.utc)
	    assert e["@timestamp"] == ts.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (h["timestamp"] % 1000), raw
	    assert c["ts"] == h["timestamp"], raw
	    assert e["log"]["file"]["path"] == h["group"] + "/" + h["stream"], raw
	    assert e["aws"]["cloudwatch"] == {"log_group": h["group"], "log_stream": h["stream"]}, raw
	    assert e["cloud"] == {"provider": "aws", "region": "us-east-1", "account": {"id": "123456789012"}}, raw
	    seen[h["eventId"]] += 1
	    order[(h["group"], h["stream"])].append(h["eventId"])
	dup = [i for i, n in seen.items() if n > 1]
	missing = [i for i in by_id if i not in seen]
	assert not dup, "%d events twice, e.g. %s" % (len(dup), dup[:3])
	assert not missing, "%d events missing, e.g. %s" % (len(missing), [by_id[i] for i in missing[:3]])
	for (g, s), ids in order.items():
	    want = [e["eventId"] for e in held if e["group"] == g and e["stream"] == s]
	    assert ids == want, "the events of %s/%s are out of order" % (g, s)
	print("events %d, marks %d, shards %d" % (sum(seen.values()), marks, len(last_n)))
	EOF
}

# verified OUT N: verify OUT (or, when OUT holds a space, run the
# command OUT, which verifies), and that N events were there.
verified() {
	if [[ "$1" == *" "* ]]; then
		run $1
	else
		run verify "$1"
	fi
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "events $2, "* ]]
}

# lines OUT: the number of event lines (marks aside) in OUT.
lines() {
	grep -c '"message"' "$1" || true
}

# wait_lines OUT N [SECONDS]: until OUT holds at least N event lines.
wait_lines() {
	local i
	for i in $(seq $((${3:-30} * 10))); do
		[ "$(lines "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "wait_lines: $(lines "$1") lines in $1, wanted $2" >&2
	return 1
}

# stop PID: SIGTERM, then its exit status in $STOPPED.
stop() {
	kill -TERM "$1"
	wait "$1" && STOPPED=0 || STOPPED=$?
}

@test "reads every shard to its end and exits 0: every event once, with its eventId, in order" {
	shared
	feed subscribe s 3 /k/a /k/b
	for st in one two three; do
		feed put /k/a "$st" 120 --batch 50
	done
	feed put /k/b x 300 --size 300
	run cwl-kinesis s
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >out.ndjson
	run verify out.ndjson
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "events 660, marks "*", shards "[123] ]]
	# the CONTROL_MESSAGEs of the two filters are marks, not events
	! grep -q 'CWL CONTROL MESSAGE' out.ndjson
	[ "$(grep -c '^{"@metadata"' out.ndjson)" -ge 2 ]
	# quiet when all is well
	run bash -c 'cwl-kinesis s 2>&1 >/dev/null'
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "the stream by ARN, --group keeps some log groups, --limit, --fields and tags" {
	shared
	feed subscribe s 2 /k/a /k/b /other
	feed put /k/a x 30
	feed put /k/b y 30
	feed put /other z 30
	cwl-kinesis --limit 7 arn:aws:kinesis:us-east-1:123456789012:stream/s >all.ndjson
	[ "$(lines all.ndjson)" -eq 90 ]
	cwl-kinesis --group '/k/*' --group /nothing s >some.ndjson
	[ "$(lines some.ndjson)" -eq 60 ]
	! grep -q '"/other"' some.ndjson
	# the checkpoints still move past the records left out: one line per
	# record at least, and each shard's last cursor is the same
	"$PY" - all.ndjson some.ndjson <<-'EOF'
	import json, sys
	def last(path):
	    out = {}
	    for l in open(path):
	        c = json.loads(l)["@metadata"]["cursor"]
	        out[c["stream"]] = (c["token"], c["skip"])
	    return out
	a, b = last(sys.argv[1]), last(sys.argv[2])
	assert a == b and all(skip == 0 for _, skip in a.values()), (a, b)
	EOF
	printf 'tags: [kin]\nfields: {env: test}\n' >f.yml
	cwl-kinesis -c f.yml --fields team=logs --group /k/a s | grep -m 1 '"message"' >one.ndjson
	grep -q '"fields":{"env":"test","team":"logs"},"tags":\["kin"\]' one.ndjson
	# -v: a summary at the end
	run cwl-kinesis -v s
	[ "$status" -eq 0 ]
	[[ "$output" == *"cwl-kinesis: info: s: 90 events from "*" records, 0 set aside; "* ]]
}

@test "--follow reads what arrives, new shards included, until SIGTERM, which exits 0 with whole lines" {
	shared
	fast
	feed subscribe s 2 /k/a
	feed put /k/a one 50
	cwl-kinesis -f s >out.ndjson 2>err.txt &
	pid=$!
	wait_lines out.ndjson 50
	feed put /k/a two 40
	feed put /k/a one 10
	wait_lines out.ndjson 100
	feed reshard s split shardId-000000000000
	feed reshard s split shardId-000000000001
	feed put /k/a three 30
	feed put /k/a four 30
	wait_lines out.ndjson 160
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	[ ! -s err.txt ]
	verified out.ndjson 160
}

@test "resharding: children are read after their parents, whatever the listing order; every event once, in order" {
	shared
	feed subscribe s 2 /k/a /k/b
	for i in 1 2 3; do feed put /k/a "s$i" 20; feed put /k/b "s$i" 20; done
	feed reshard s split shardId-000000000000
	for i in 1 2 3; do feed put /k/a "s$i" 20; feed put /k/b "s$i" 20; done
	feed reshard s merge shardId-000000000002 shardId-000000000003
	feed reshard s split shardId-000000000001
	for i in 1 2 3 4; do feed put /k/a "s$i" 20; feed put /k/b "s$i" 20; done
	run cwl-kinesis --limit 3 s
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >out.ndjson
	verified out.ndjson 400
	# each child's first line comes after the last line of its parents
	awsctl kinesis --action shards --stream s >shards.json
	"$PY" - out.ndjson shards.json <<-'EOF'
	import json, sys
	first, last = {}, {}
	for i, l in enumerate(open(sys.argv[1])):
	    s = json.loads(l)["@metadata"]["cursor"]["stream"]
	    first.setdefault(s, i)
	    last[s] = i
	for sh in json.load(open(sys.argv[2]))["shards"]:
	    for p in (sh.get("ParentShardId"), sh.get("AdjacentParentShardId")):
	        if p and sh["ShardId"] in first and p in last:
	            assert first[sh["ShardId"]] > last[p], (sh["ShardId"], p)
	print(sorted(first))
	EOF
}

# resume_check KIND: a checkpoint of the run in first.ndjson, inside a
# record (KIND at: skip > 0) or after a whole one (after: skip 0), through
# the registry; a run resumed there; what the first run wrote up to the
# checkpoint followed by the resumed run must be every event once.
resume_check() {
	"$PY" - first.ndjson "$1" >ckpt.ndjson <<-'EOF'
	import json, sys
	cs = [json.loads(l)["@metadata"]["cursor"] for l in open(sys.argv[1])]
	want = sys.argv[2] == "at"
	print(json.dumps([c for c in cs[len(cs) // 3:] if (c["skip"] > 0) == want][0]))
	EOF
	rm -f reg.ndjson
	cwl-registry put file:reg.ndjson <ckpt.ndjson
	cwl-registry get file:reg.ndjson >resume.ndjson
	"$PY" -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); assert a == b, (a, b)' \
		ckpt.ndjson resume.ndjson
	cwl-kinesis --resume resume.ndjson s >second.ndjson
	"$PY" - first.ndjson resume.ndjson second.ndjson >joined.ndjson <<-'EOF'
	import json, sys
	ck = {json.loads(l)["stream"]: json.loads(l)["n"] for l in open(sys.argv[2])}
	for l in open(sys.argv[1]):
	    c = json.loads(l)["@metadata"]["cursor"]
	    if c["n"] <= ck[c["stream"]]:
	        sys.stdout.write(l)
	sys.stdout.writelines(open(sys.argv[3]))
	EOF
	verify joined.ndjson
}

@test "--resume: after a whole record (AFTER_SEQUENCE_NUMBER) and inside one (AT_SEQUENCE_NUMBER, its first events dropped)" {
	shared
	feed subscribe s 1 /k/a
	feed put /k/a x 40 --batch 10
	feed put /k/a y 40 --batch 10
	cwl-kinesis s >first.ndjson
	[ "$(lines first.ndjson)" -eq 80 ]
	feed put /k/a z 20 --batch 10
	verified "resume_check at" 100
	verified "resume_check after" 100
	# a resume at the end reads nothing new
	cwl-kinesis s | cwl-registry put file:end.ndjson
	cwl-registry get file:end.ndjson >end-ckpt.ndjson
	run cwl-kinesis --resume end-ckpt.ndjson s
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "--resume: a child's checkpoint does not skip the end of its parent, acknowledged apart" {
	shared
	feed subscribe s 1 /k/a
	feed put /k/a x 30 --batch 5
	feed reshard s split shardId-000000000000
	feed put /k/a x 30 --batch 5
	cwl-kinesis s >first.ndjson
	[ "$(lines first.ndjson)" -eq 60 ]
	# the parent acked half way, the children to their end
	"$PY" - first.ndjson >ckpt.ndjson <<-'EOF'
	import json, sys
	last = {}
	cs = [json.loads(l)["@metadata"]["cursor"] for l in open(sys.argv[1])]
	parent = [c for c in cs if c["stream"] == "shardId-000000000000"]
	last["shardId-000000000000"] = parent[len(parent) // 2]
	for c in cs:
	    if c["stream"] != "shardId-000000000000":
	        last[c["stream"]] = c
	for c in last.values():
	    print(json.dumps(c))
	EOF
	cwl-kinesis --resume ckpt.ndjson s >second.ndjson
	grep -q '"stream":"shardId-000000000000"' second.ndjson
	! grep -q '"stream":"shardId-00000000000[12]"' second.ndjson
	"$PY" - first.ndjson ckpt.ndjson second.ndjson >joined.ndjson <<-'EOF'
	import json, sys
	ck = {json.loads(l)["stream"]: json.loads(l)["n"] for l in open(sys.argv[2])}
	lines = open(sys.argv[1]).readlines()
	out = [l for l in lines if json.loads(l)["@metadata"]["cursor"]["n"] <= ck[json.loads(l)["@metadata"]["cursor"]["stream"]]]
	par = [l for l in out if '"shardId-000000000000"' in l]
	kids = [l for l in out if '"shardId-000000000000"' not in l]
	sys.stdout.writelines(par + open(sys.argv[3]).readlines() + kids)
	EOF
	verified joined.ndjson 60
}

@test "ProvisionedThroughputExceededException is retried with backoff; tight read limits lose nothing" {
	shared
	fast
	feed subscribe s 1 /k/a
	feed put /k/a x 200 --batch 20
	awsctl faults --throttle_count 4 --ops GetRecords >/dev/null
	run cwl-kinesis -d kinesis --limit 5 s
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c 'ProvisionedThroughputExceededException: Rate exceeded for Shard (HTTP 400); retry')" -eq 4 ]
	echo "$output" | grep '^{' >out.ndjson
	verified out.ndjson 200
	# the server allows one read a second and 2 KB a second per shard:
	# whatever is refused is read again
	awsctl settings --kinesis-read-tps 1 --kinesis-read-bytes 2000 >/dev/null
	run cwl-kinesis --limit 20 s
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" >out2.ndjson
	verified out2.ndjson 200
}

@test "an expired iterator is renewed from the last position: nothing lost, nothing twice" {
	shared
	fast
	awsctl settings --kinesis-iterator-ttl 1 >/dev/null
	feed subscribe s 2 /k/a
	feed put /k/a x 30
	# polled every 1.5 s, the iterator of a shard at its tip is always
	# expired when it is used
	cwl-kinesis -f --poll 1500ms s >out.ndjson 2>err.txt &
	pid=$!
	wait_lines out.ndjson 30
	for i in $(seq 300); do
		n=$(awsctl kinesis --action stats --stream s | "$PY" -c 'import json,sys; print(sum(v["expired"] for v in json.load(sys.stdin)["streams"]["s"].values()))')
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	[ "$n" -ge 3 ]
	feed put /k/a y 30
	wait_lines out.ndjson 60
	stop "$pid"
	[ "$STOPPED" -eq 0 ]
	[ ! -s err.txt ]
	verified out.ndjson 60
}

@test "records that are not CloudWatch Logs' are set aside with the reason, shard and sequence number; the rest goes on; exit 3" {
	shared
	feed subscribe s 1 /k/a
	feed put /k/a x 10
	"$PY" - >bad.json <<-'EOF'
	import base64, gzip, json
	def gz(obj):
	    raw = obj if isinstance(obj, bytes) else json.dumps(obj).encode()
	    return base64.b64encode(gzip.compress(raw)).decode()
	good = {"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": "/k/a", "logStream": "x",
	        "subscriptionFilters": ["f"], "logEvents": []}
	recs = [{"data": "plain text"},
	        {"data_b64": gz(b"not json")},
	        {"data_b64": gz([1, 2])},
	        {"data_b64": gz({"messageType": "OTHER"})},
	        {"data_b64": gz(dict(good, logEvents=[{"timestamp": 1, "message": "no id"}]))},
	        {"data_b64": gz({k: v for k, v in good.items() if k != "logGroup"})},
	        {"data_b64": base64.b64encode(gzip.compress(b"{}")[:12]).decode()}]
	print(json.dumps({"records": recs}))
	EOF
	awsctl kinesis --action put --stream s --json "$(cat bad.json)" >/dev/null
	feed put /k/a y 10
	run cwl-kinesis s
	[ "$status" -eq 3 ]
	[ "$(echo "$output" | grep -c '^{"@timestamp"')" -eq 20 ]
	for why in 'not gzip' 'not JSON: ' 'not a JSON object' \
		'messageType "OTHER" is neither DATA_MESSAGE nor CONTROL_MESSAGE' \
		'logEvents\[0\] has no "id"' 'no "logGroup"' 'gzip: truncated'; do
		echo "$output" | grep -Eq "^cwl-kinesis: warning: s/shardId-000000000000: record [0-9]{56}: $why.*; set aside$"
	done
	echo "$output" | grep '^{' >out.ndjson
	verified out.ndjson 20
	# with a dead-letter file: each record whole, and no warning
	run cwl-kinesis --dead-letter dead.ndjson s
	[ "$status" -eq 3 ]
	[ "$(echo "$output" | grep -c 'warning')" -eq 0 ]
	[ "$(wc -l <dead.ndjson)" -eq 7 ]
	"$PY" - dead.ndjson <<-'EOF'
	import base64, json, re, sys
	d = [json.loads(l) for l in open(sys.argv[1])]
	assert d[0]["stream"] == "s" and d[0]["shard"] == "shardId-000000000000", d[0]
	assert all(re.fullmatch(r"\d{56}", x["sequence_number"]) for x in d), d
	assert d[0]["reason"] == "not gzip" and base64.b64decode(d[0]["data"]) == b"plain text", d[0]
	EOF
	run cwl-kinesis --dead-letter /nonexistent/dir/dead.ndjson s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: dead-letter file /nonexistent/dir/dead.ndjson: No such file or directory" ]
}

@test "usage errors: exit 2 with the reason and the synopsis" {
	shared
	check() {
		run "$@"
		echo "$output"
		[ "$status" -eq 2 ]
		[ "${lines[0]}" = "$WANT" ]
		[[ "$output" == *"usage: cwl-kinesis [-f] [--resume FILE]"* ]] || [ "${lines[1]:-}" = "" ]
	}
	WANT="cwl-kinesis: error: no stream: give STREAM_NAME_OR_ARN, or set cloudwatchlogsbeat.kinesis.stream"
	check cwl-kinesis
	WANT="cwl-kinesis: error: one stream only: 'a' and 'b'"
	check cwl-kinesis a b
	WANT="cwl-kinesis: error: stream 'no way': not a stream name or ARN (letters, digits, '_', '.', '-'; at most 128)"
	check cwl-kinesis 'no way'
	WANT="cwl-kinesis: error: stream 'arn:aws:kinesis:us-east-1:123:table/x': not a Kinesis stream ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)"
	check cwl-kinesis arn:aws:kinesis:us-east-1:123:table/x
	WANT="cwl-kinesis: error: --limit '0': not a number from 1 to 10000"
	check cwl-kinesis --limit 0 s
	WANT="cwl-kinesis: error: --group 'a:b': not a log group name"
	check cwl-kinesis --group a:b s
	WANT="cwl-kinesis: error: --fields 'x': not KEY=VALUE"
	check cwl-kinesis --fields x s
	run cwl-kinesis --bogus s
	[ "$status" -eq 2 ]
	run cwl-kinesis --since 'next tuesday' s
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-kinesis: error: --since: "*"next tuesday"* ]]
	run cwl-kinesis --poll 0 s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: --poll: the poll interval must be above 0" ]
	run cwl-kinesis --resume missing.ndjson s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: --resume missing.ndjson: No such file or directory" ]
	echo 'not json' >bad.ndjson
	run cwl-kinesis --resume bad.ndjson s
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-kinesis: error: --resume bad.ndjson:1: not JSON"* ]]
	printf 'cloudwatchlogsbeat:\n  kinesis.limit: 20000\n' >bad.yml
	run cwl-kinesis -c bad.yml s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: bad.yml:2: cloudwatchlogsbeat.kinesis.limit: not a number from 1 to 10000" ]
	printf 'cloudwatchlogsbeat:\n  kinesis.stream: "bad name"\n' >bad2.yml
	run cwl-kinesis -c bad2.yml
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-kinesis: error: bad2.yml:2 'bad name': not a stream name or ARN"* ]]
	run cwl-kinesis --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: cwl-kinesis [-f] [--resume FILE] [--since TIME] [--group GROUP]..." ]]
}

@test "refused credentials: exit 4; a missing stream: exit 1; a server that does not answer: exit 1 after the retries" {
	shared
	feed subscribe s 1 /k/a
	AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong run cwl-kinesis s
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-kinesis: error: ListShards s: InvalidSignatureException: "*"(HTTP 400)" ]]
	[[ "$output" != *wrongwrong* ]]
	AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000001 run cwl-kinesis s
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-kinesis: error: ListShards s: UnrecognizedClientException: "* ]]
	run cwl-kinesis none
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-kinesis: error: ListShards none: ResourceNotFoundException: Stream none under account 123456789012 not found. (HTTP 400)" ]
	# failing once the shards are listed: GetShardIterator
	awsctl faults --error500_count 100 --ops GetShardIterator >/dev/null
	run cwl-kinesis -E cloudwatchlogsbeat.retry.max_attempts=2 -E cloudwatchlogsbeat.retry.max_backoff=20ms s
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-kinesis: error: GetShardIterator s/shardId-000000000000: InternalFailure: "*"(HTTP 500), after 2 attempts" ]]
	export AWS_ENDPOINT_URL=http://127.0.0.1:9
	run cwl-kinesis -E cloudwatchlogsbeat.retry.max_attempts=2 -E cloudwatchlogsbeat.retry.max_backoff=20ms s
	[ "$status" -eq 1 ]
	# the first retried failure is a warning, as every program's
	[[ "${lines[0]}" == "cwl-kinesis: warning: ListShards: "*"; retrying, 2 attempts in all" ]]
	[[ "${lines[1]}" == "cwl-kinesis: error: ListShards s: network error: "* ]]
}

@test "end to end: cwl-kinesis | cwl-ship | cwl-registry puts every event in the index once, with the _id cwl-tail --mode filter gives it" {
	shared
	fast
	es_server_start
	feed subscribe s 2 /e2e/a /e2e/b
	for st in p q r; do feed put /e2e/a "$st" 150 --batch 40; feed put /e2e/b "$st" 100; done
	printf 'output.elasticsearch:\n  hosts: ["%s"]\n  flush_interval: 100ms\n' "$ES_URL" >es.yml
	cwl-kinesis s | cwl-ship -c es.yml | cwl-registry put file:reg.ndjson
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server 750, index 750, missing 0, extra 0, duplicated 0"* ]]
	# the ids are CloudWatch's eventIds
	es_docs | "$PY" -c '
import json, sys, urllib.request, os
held = {json.loads(l)["eventId"] for l in urllib.request.urlopen(urllib.request.Request(
    os.environ["AWS_ENDPOINT_URL"] + "/_control/dump", data=b"{}"))}
ids = {json.loads(l)["_id"] for l in sys.stdin}
assert ids == held, (len(ids), len(held))'
	# the registry holds the end of every shard
	cwl-registry get file:reg.ndjson >ckpt.ndjson
	[ "$(grep -c '"group":"@kinesis/s"' ckpt.ndjson)" -eq 2 ]
	run cwl-kinesis --resume ckpt.ndjson s
	[ -z "$output" ]
	# a backfill by polling the same groups meets the subscription: the
	# same documents, written again, none added
	cwl-tail --mode filter /e2e/a /e2e/b | cwl-ship -c es.yml >/dev/null
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL"
	[[ "$output" == *"server 750, index 750, missing 0, extra 0, duplicated 0"* ]]
	[ "$(es_docs | grep -c '"_version":2')" -eq 750 ]
}

@test "end to end with --follow: events arriving through a reshard and a SIGKILL of each program of the pipeline, each in the index once" {
	shared
	fast
	es_server_start
	feed subscribe s 2 /e2e/a
	feed put /e2e/a p 100
	printf 'output.elasticsearch:\n  hosts: ["%s"]\n  flush_interval: 100ms\ncloudwatchlogsbeat:\n  registry.flush_interval: 100ms\n' "$ES_URL" >es.yml
	mkfifo lines.fifo acks.fifo
	# run_pipeline: cwl-kinesis (pid KIN) | cwl-ship (SHIP) | cwl-registry
	# (REG), from the registry's checkpoints
	run_pipeline() {
		cwl-registry get file:reg.ndjson >ckpt.ndjson 2>/dev/null || : >ckpt.ndjson
		cwl-registry put -c es.yml file:reg.ndjson <acks.fifo &
		REG=$!
		cwl-ship -c es.yml <lines.fifo >acks.fifo 2>/dev/null &
		SHIP=$!
		cwl-kinesis -f --resume ckpt.ndjson s >lines.fifo 2>>kin.err &
		KIN=$!
	}
	# end_pipeline PID: SIGKILL to that program; the others end as their
	# pipes close (or with SIGTERM, the head), nothing drains past it
	end_pipeline() {
		kill -KILL "$1"
		kill -TERM "$KIN" 2>/dev/null || true
		wait "$KIN" || true
		wait "$SHIP" || true
		wait "$REG" || true
	}
	run_pipeline
	es_wait_count 100 "" 60
	feed put /e2e/a q 100
	feed reshard s split shardId-000000000001
	feed put /e2e/a r 100
	es_wait_count 300 "" 60
	end_pipeline "$KIN"
	feed put /e2e/a t 100
	run_pipeline
	es_wait_count 400 "" 60
	end_pipeline "$SHIP"
	feed put /e2e/a u 100
	run_pipeline
	es_wait_count 500 "" 60
	end_pipeline "$REG"
	feed put /e2e/a v 100
	run_pipeline
	es_wait_count 600 "" 60
	kill -TERM "$KIN"
	wait "$KIN"
	wait "$SHIP"
	wait "$REG"
	[ ! -s kin.err ]
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"server 600, index 600, missing 0, extra 0, duplicated 0"* ]]
	# the registry ends at the end of every shard: a resume reads nothing
	cwl-registry get file:reg.ndjson >ckpt.ndjson
	run cwl-kinesis --resume ckpt.ndjson s
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
