#!/usr/bin/env bats
# cwl-ship: event lines to Elasticsearch (the local es_server.py), to files
# and to the console; acks, dead letters, retries, exit codes.

load helpers

setup_file() {
	# 200,000 event lines of 8 streams, and smaller cuts of them
	"$PY" - "$BATS_FILE_TMPDIR" <<-'EOF'
	import sys
	d = sys.argv[1]
	def line(i, srcs):
	    s = i % srcs
	    k = i // srcs + 1
	    return ('{"@timestamp":"2026-11-%02dT10:%02d:%02d.%03dZ",'
	            '"message":"event %d of stream s%d: GET /index.html 200",'
	            '"event":{"id":"e%d"},"log":{"file":{"path":"g/s%d"}},'
	            '"aws":{"cloudwatch":{"log_group":"G","log_stream":"s%d",'
	            '"ingestion_time":"2026-11-23T10:00:00.456Z"}},'
	            '"cloud":{"provider":"aws","region":"eu-west-1"},'
	            '"@metadata":{"_id":"e%d","cursor":{"group":"G",'
	            '"stream":"s%d","token":"f/%d","skip":%d,'
	            '"ts":1763892000123,"n":%d}}}\n'
	            % (22 + i % 2, (i // 60000) % 60, (i // 1000) % 60, i % 1000,
	               i, s, i, s, s, i, s, k, k, k))
	for name, n in (("big", 200000), ("mid", 20000), ("small", 1000)):
	    with open("%s/%s.ndjson" % (d, name), "w") as f:
	        f.writelines(line(i, 8) for i in range(n))
	EOF
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

BIG="$BATS_FILE_TMPDIR/big.ndjson"
MID="$BATS_FILE_TMPDIR/mid.ndjson"
SMALL="$BATS_FILE_TMPDIR/small.ndjson"

# ship [ARGS...]: cwl-ship -v to the local Elasticsearch with quick
# retries; stdin as given, acks in acks.out, messages (info lines too) in
# err.out.
ship() {
	cwl-ship -v -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.backoff.init=5ms \
		-E output.elasticsearch.backoff.max=100ms "$@" >acks.out 2>err.out
}

# check_acks INPUT [ACKS]: per stream, the acks go forward, and the last
# one is the cursor of the stream's last line in INPUT.
check_acks() {
	"$PY" - "$1" "${2:-acks.out}" <<-'EOF'
	import json, sys
	want = {}
	for l in open(sys.argv[1]):
	    c = json.loads(l)["@metadata"]["cursor"]
	    want[(c["group"], c["stream"])] = c
	last = {}
	for l in open(sys.argv[2]):
	    c = json.loads(l)
	    k = (c["group"], c["stream"])
	    if k in last and c["n"] <= last[k]["n"]:
	        sys.exit("ack of %s went from %d to %d" % (k, last[k]["n"], c["n"]))
	    last[k] = c
	if last != want:
	    sys.exit("last acks %s, wanted %s" % (
	        sorted((k, v["n"]) for k, v in last.items()),
	        sorted((k, v["n"]) for k, v in want.items())))
	EOF
}

# check_docs INPUT: every line of INPUT is in the index exactly once, by
# _id, and its _source is the line without @metadata.
check_docs() {
	es_docs >docs.ndjson
	"$PY" - "$1" docs.ndjson <<-'EOF'
	import json, sys
	want = {}
	for l in open(sys.argv[1]):
	    o = json.loads(l)
	    want[o.pop("@metadata")["_id"]] = o
	got = {}
	for l in open(sys.argv[2]):
	    d = json.loads(l)
	    if d["_id"] in got:
	        sys.exit("%s twice" % d["_id"])
	    got[d["_id"]] = d["_source"]
	if len(got) != len(want):
	    sys.exit("%d documents, wanted %d" % (len(got), len(want)))
	for k, v in want.items():
	    if got.get(k) != v:
	        sys.exit("%s: %r, wanted %r" % (k, got.get(k), v))
	EOF
}

# counters_show PID PATTERN: asks for the counters (SIGUSR1) until a
# line of them in err.out matches the extended regular expression PATTERN.
counters_show() {
	kill -USR1 "$1" && grep -Eq "cwl-ship: info: counters: $2" err.out
}

# summary KEY: the value of KEY in the final counters line.
summary() {
	sed -n "s/.*info: done: .*[ :]$1=\([0-9]*\).*/\1/p" err.out
}

# --- usage and configuration ---------------------------------------------

@test "cwl-ship: --help shows the synopsis and the outputs" {
	run cwl-ship --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: cwl-ship [-c FILE] [-E key=value]..."* ]]
	[[ "$output" == *"--dead-letter FILE"* ]]
	[[ "$output" == *"output.logstash"* ]]
}

@test "cwl-ship: a bad option or an argument is a usage error" {
	run cwl-ship --no-such-flag
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: cwl-ship"* ]]
	run cwl-ship extra
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: unexpected argument 'extra'"* ]]
	run cwl-ship --max-line-bytes lots </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: --max-line-bytes: 'lots': a number of bytes"* ]]
}

@test "cwl-ship: two outputs enabled is a configuration error" {
	cat >c.yml <<-EOF
	output.elasticsearch:
	  hosts: ["http://127.0.0.1:1"]
	output.file:
	  path: $BATS_TEST_TMPDIR/out
	EOF
	run cwl-ship -c c.yml </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: more than one output is enabled (output.elasticsearch, output.file)"* ]]
	# disabling one of them is enough
	run cwl-ship -c c.yml -E output.file.enabled=false </dev/null
	[ "$status" -eq 0 ]
}

@test "cwl-ship: bad output settings name the key" {
	run cwl-ship -E output.elasticsearch.hosts=h -E output.elasticsearch.op_type=upsert </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.op_type: 'upsert': index or create"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E output.elasticsearch.compression_level=12 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.compression_level: 12: 0 (none) to 9"* ]]
	run cwl-ship -E output.elasticsearch.hosts=ftp://h </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.hosts: 'ftp://h': the scheme is http or https"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E 'output.elasticsearch.index=logs-%{[x' </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.index: index: 'logs-%{[x': unclosed %{"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E 'output.elasticsearch.index=x-%{+yyyy.QQ}' </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad date format"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E output.elasticsearch.ssl.verification_mode=sometimes </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.ssl.verification_mode: 'sometimes': one of full, strict, certificate, none"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E output.elasticsearch.username=u -E output.elasticsearch.api_key=a:b </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"set one of them"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E output.elasticsearch.aws_auth.service=s3 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.aws_auth.service: 's3': es (Amazon OpenSearch Service) or aoss"* ]]
	run cwl-ship -E output.elasticsearch.hosts=h -E output.elasticsearch.bulk_max_bytes=10 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch.bulk_max_bytes: 10 is less than 1024"* ]]
}

@test "cwl-ship: a password in a host URL is never printed: the refusal, --check-config, --config-value" {
	url=http://elastic:S3cretPw@127.0.0.1:9200
	run cwl-ship -E output.elasticsearch.hosts="$url" </dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-ship: error: output.elasticsearch.hosts: 'http://elastic:[REDACTED]@127.0.0.1:9200': put credentials in username and password, not in the URL" ]
	run cwl-ship -E output.elasticsearch.hosts="$url" --check-config
	[ "$status" -eq 2 ]
	[[ "$output" != *S3cretPw* ]]
	# an '@' in the password, as people write it, is hidden too
	run cwl-ship -E output.elasticsearch.hosts=http://elastic:S3c@ret@127.0.0.1:9200 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"'http://elastic:[REDACTED]@127.0.0.1:9200'"* ]]
	[[ "$output" != *S3c* ]]
	run cwl-ship -E output.elasticsearch.hosts="$url" --config-value output.elasticsearch.hosts
	[ "$status" -eq 0 ]
	[ "$output" = "http://elastic:[REDACTED]@127.0.0.1:9200" ]
}

@test "cwl-ship: --config-value of a secret key prints [REDACTED], the secret only with --show-secrets" {
	printf 'output.elasticsearch:\n  username: elastic\n  password: S3cretPw\n  api_key: "id:K3yK3y"\n' >c.yml
	run cwl-ship -c c.yml --config-value output.elasticsearch.password
	[ "$status" -eq 0 ]
	[ "$output" = "[REDACTED]" ]
	run cwl-ship -c c.yml -E output.elasticsearch.bearer_token=abc --config-value output.elasticsearch.bearer_token
	[ "$output" = "[REDACTED]" ]
	# a map that holds secrets shows them redacted
	run cwl-ship -c c.yml --config-value output.elasticsearch
	[ "$status" -eq 0 ]
	[ "$output" = '{"username":"elastic","password":"[REDACTED]","api_key":"[REDACTED]"}' ]
	run cwl-ship -c c.yml --config-value output.elasticsearch.password --show-secrets
	[ "$status" -eq 0 ]
	[ "$output" = S3cretPw ]
	run cwl-ship -c c.yml --config-value output.elasticsearch.username
	[ "$output" = elastic ]
}

@test "cwl-ship: an unwritable dead-letter or acks file is a usage error" {
	run cwl-ship --dead-letter /nonexistent/dir/dl </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: --dead-letter /nonexistent/dir/dl: No such file or directory"* ]]
	run cwl-ship --acks /nonexistent/dir/acks </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: --acks /nonexistent/dir/acks: No such file or directory"* ]]
}

# --- the console and the raw documents -----------------------------------

@test "cwl-ship: console by default; @metadata cut out, every other byte kept" {
	cat >in.ndjson <<-'EOF'
	{"a":1,"@metadata":{"_id":"x1","cursor":{"group":"g","stream":"s","n":1}}}
	{"@metadata":{"_id":"x2","cursor":{"group":"g","stream":"s","n":2}} , "b":  2.50e+3,"c":"\u00e9\"\\"}
	  {"c":[1,{"@metadata":"nested stays"}],"@metadata" : {"cursor":{"group":"g","stream":"t","n":7}},"d":null}  
	{"@metadata":{"_id":"only"}}
	{"plain":"line","é":"ünïcode ✓ 😀"}

	{ "spaced" : true , "@metadata" : { } }
	EOF
	run cwl-ship --acks acks.out <in.ndjson
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = '{"a":1}' ]
	[ "${lines[1]}" = '{ "b":  2.50e+3,"c":"\u00e9\"\\"}' ]
	[ "${lines[2]}" = '{"c":[1,{"@metadata":"nested stays"}],"d":null}' ]
	[ "${lines[3]}" = '{}' ]
	[ "${lines[4]}" = '{"plain":"line","é":"ünïcode ✓ 😀"}' ]
	[ "${lines[5]}" = '{ "spaced" : true  }' ]
	# nothing else: all went well
	[ "${#lines[@]}" -eq 6 ]
	run cwl-ship -v --acks /dev/null <in.ndjson
	[ "${#lines[@]}" -eq 7 ]
	[[ "${lines[6]}" == "cwl-ship: info: done: lines=7 acked=6 "* ]]
	# every document is valid JSON
	cwl-ship <in.ndjson 2>/dev/null | "$PY" -c 'import json, sys; [json.loads(l) for l in sys.stdin]'
	# the acks: the newest cursor of each source
	sort acks.out >sorted
	[ "$(cat sorted)" = '{"group":"g","stream":"s","n":2}
{"group":"g","stream":"t","n":7}' ]
}

@test "cwl-ship: console without --acks writes no ack; pretty indents" {
	printf '%s\n' '{"a":{"b":[1,2]},"@metadata":{"cursor":{"group":"g","stream":"s","n":1}}}' >in.ndjson
	run cwl-ship -q <in.ndjson
	[ "$status" -eq 0 ]
	[ "$output" = '{"a":{"b":[1,2]}}' ]
	run cwl-ship -q -E output.console.pretty=true <in.ndjson
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 3 ]
	[[ "$output" == *'"a": {'* ]]
	[[ "$output" != *metadata* ]]
}

@test "cwl-ship: bad lines are set aside with the reason and the line number" {
	{
		printf '%s\n' '{"ok":1,"@metadata":{"cursor":{"group":"g","stream":"s","n":1}}}'
		printf '%s\n' 'not json'
		printf '%s\n' '[1,2]'
		printf '{"nul":"a\0b"}\n'
		printf '{"bad":"\xff\xfe"}\n'
		printf '%s\n' '{"x":1} trailing'
		printf '%s\n' '{"x":"unterminated'
		printf '%s\n' '{"ok":2,"@metadata":{"cursor":{"group":"g","stream":"s","n":2}}}'
		printf '%s\n' '{"ok":3,"@metadata":{"cursor":"not an object"}}'
		printf '%s\n' '{"ok":4,"@metadata":{"_id":{"an":"object"}}}'
	} >in.ndjson
	run cwl-ship -q --dead-letter dl.ndjson --acks acks.out <in.ndjson
	[ "$status" -eq 3 ]
	[ "$output" = '{"ok":1}
{"ok":2}' ]
	[ "$(cat acks.out)" = '{"group":"g","stream":"s","n":2}' ]
	"$PY" - <<-'EOF'
	import json
	recs = [json.loads(l) for l in open("dl.ndjson")]
	got = [(r["line"], r["reason"]) for r in recs]
	want = [
	    (2, "not JSON: unexpected 'n' in a value at column 1"),
	    (3, "not a JSON object but an array"),
	    (4, "NUL byte at column 10"),
	    (5, "not valid UTF-8 at column 9"),
	    (6, "not JSON: unexpected 't' in the line after the object at column 9"),
	    (7, "not JSON: the line ends inside a string"),
	    (9, "@metadata.cursor is not an object with a group and a stream"),
	    (10, "@metadata._id is not a string"),
	]
	assert got == want, got
	assert recs[0]["raw"] == "not json"
	assert recs[2]["raw"] == "{\"nul\":\"a\u0000b\"}"
	assert recs[3]["raw"] == "{\"bad\":\"\ufffd\ufffd\"}"
	EOF
	# without a dead-letter file, a warning says the line is dropped, and why
	run cwl-ship --acks /dev/null <in.ndjson
	[ "$status" -eq 3 ]
	[[ "$output" == *"cwl-ship: warning: line 3: dropped (no dead-letter file): not a JSON object but an array"* ]]
	[[ "$output" != *"set aside"* ]]
	[ "$(grep -c '^cwl-ship: warning: line [0-9]*: dropped (no dead-letter file): ' <<<"$output")" -eq 8 ]
	# -q: errors only; the exit status says that lines were dropped
	run cwl-ship -q --acks /dev/null <in.ndjson
	[ "$status" -eq 3 ]
	[ "$(grep -c '^cwl-ship: ' <<<"$output")" -eq 0 ]
	run cwl-ship -v --acks /dev/null <in.ndjson
	[[ "$output" == *"dropped=8 invalid=8"* ]]
}

@test "cwl-ship: a line over max_line_bytes goes whole to the dead letter, streamed" {
	"$PY" - <<-'EOF'
	import json
	with open("in.ndjson", "w") as f:
	    f.write('{"first":1}\n')
	    f.write('{"big":"' + "é€😀x" * 300000 + '"}\n')
	    f.write('{"last":1}\n')
	EOF
	run cwl-ship -q --max-line-bytes 100000 --dead-letter dl.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	[ "$output" = '{"first":1}
{"last":1}' ]
	"$PY" - <<-'EOF'
	import json
	(r,) = [json.loads(l) for l in open("dl.ndjson")]
	line = open("in.ndjson", encoding="utf-8").read().split("\n")[1]
	assert r["line"] == 2 and r["raw"] == line, r["line"]
	assert r["reason"] == "line longer than max_line_bytes (100000)"
	assert r["bytes"] == len(line.encode()), r["bytes"]
	EOF
}

@test "cwl-ship: a last line without a newline is shipped" {
	printf '{"a":1}\n{"b":2}' | cwl-ship -q >out
	[ "$(cat out)" = '{"a":1}
{"b":2}' ]
}

# --- Elasticsearch -------------------------------------------------------

@test "cwl-ship: ships to Elasticsearch with @metadata._id as _id; acks per source" {
	es_server_start
	ship -E output.elasticsearch.index=logs <"$SMALL"
	[ "$(summary acked)" = 1000 ]
	[ "$(es_count logs)" = 1000 ]
	check_docs "$SMALL"
	check_acks "$SMALL"
	# the answers are filtered down to the statuses, and gzipped
	[ "$(es_stats gzip_requests)" -ge 1 ]
	es_ctl requests | grep -q 'filter_path=errors%2Citems.%2A.status%2Citems.%2A.error'
	# a replay overwrites, it does not duplicate
	ship -E output.elasticsearch.index=logs <"$SMALL"
	[ "$(es_count logs)" = 1000 ]
}

@test "cwl-ship: 200,000 events through 10% item 429s, 2% 503s and dropped connections arrive once" {
	es_server_start --seed 7 --fault item_429=0.1 --fault request_503=0.02 \
		--fault drop_before=0.01 --fault drop_after=0.01
	ship -E output.elasticsearch.index=big -E output.elasticsearch.worker=8 \
		-E output.elasticsearch.compression_level=0 <"$BIG"
	[ "$(summary acked)" = 200000 ]
	[ "$(summary dropped)" = 0 ]
	[ "$(summary too_many)" -gt 10000 ]
	[ "$(summary retries)" -gt 10000 ]
	grep -q "503 Service Unavailable: cluster_block_exception" err.out
	[ "$(es_stats faults | _srv_json 'j["item_429"] > 10000 and j["request_503"] > 0 and j["drop_before"] + j["drop_after"] > 0')" = True ]
	[ "$(es_count big)" = 200000 ]
	es_docs big | "$PY" -c '
import json, sys
ids = [json.loads(l)["_id"] for l in sys.stdin]
assert len(ids) == 200000 and len(set(ids)) == 200000
assert set(ids) == {"e%d" % i for i in range(200000)}'
	check_acks "$BIG"
}

@test "cwl-ship: acks stay in order per source with 8 requests in flight" {
	es_server_start --seed 3 --fault item_429=0.2 --latency-ms 20
	ship -E output.elasticsearch.worker=8 -E output.elasticsearch.bulk_max_size=100 \
		-E output.elasticsearch.index=o <"$MID"
	[ "$(es_stats inflight_max)" -ge 4 ]
	[ "$(es_count o)" = 20000 ]
	check_acks "$MID"
	# many acks, not one at the end: they follow the deliveries
	[ "$(wc -l <acks.out)" -gt 100 ]
}

@test "cwl-ship: a batch over the server's size cap is split; a lone huge event is set aside" {
	es_server_start --max-content-length 64kb
	"$PY" - <<-'EOF'
	with open("in.ndjson", "w") as f:
	    for i in range(400):
	        f.write('{"i":%d,"pad":"%s","@metadata":{"_id":"d%d"}}\n' % (i, "x" * 900, i))
	    f.write('{"huge":"%s","@metadata":{"_id":"huge"}}\n' % ("y" * 100000))
	EOF
	run ship -E output.elasticsearch.index=s -E output.elasticsearch.compression_level=0 \
		--dead-letter dl.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	[ "$(es_count s)" = 400 ]
	[ "$(es_stats too_large)" -ge 2 ]
	grep -q "413 Request Entity Too Large; splitting the batch" err.out
	[ "$(summary dropped)" = 1 ]
	"$PY" -c '
import json
(r,) = [json.loads(l) for l in open("dl.ndjson")]
assert r["_id"] == "huge" and r["status"] == 413, r
assert r["reason"].startswith("413 Request Entity Too Large"), r["reason"]
assert r["line"] == 401 and r["event"]["huge"].startswith("yyy")'
}

@test "cwl-ship: mapping errors go to the dead letter with the reason, the rest arrives, exit 3" {
	es_server_start --mapping count=long
	"$PY" - <<-'EOF'
	with open("in.ndjson", "w") as f:
	    for i in range(1, 301):
	        v = '"many"' if i % 50 == 0 else str(i)
	        f.write('{"count":%s,"@metadata":{"_id":"m%d","cursor":{"group":"g","stream":"s","n":%d}}}\n' % (v, i, i))
	EOF
	run ship -E output.elasticsearch.index=m --dead-letter dl.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	[ "$(es_count m)" = 294 ]
	[ "$(summary dropped)" = 6 ]
	# the registry moves past them: the last ack is the last line's
	[ "$(tail -n 1 acks.out)" = '{"group":"g","stream":"s","n":300}' ]
	"$PY" -c '
import json
recs = [json.loads(l) for l in open("dl.ndjson")]
assert [r["_id"] for r in recs] == ["m%d" % i for i in range(50, 301, 50)]
for r in recs:
    assert r["status"] == 400 and r["index"] == "m"
    assert r["reason"].startswith("document_parsing_exception") or r["reason"].startswith("mapper_parsing_exception"), r["reason"]
    assert "count" in r["reason"] and r["error"]["type"], r
    assert r["event"]["count"] == "many" and r["line"] == int(r["_id"][1:])'
}

@test "cwl-ship: index names from the event's @timestamp and fields; create and 409" {
	es_server_start
	printf '%s\n' \
		'{"@timestamp":"2026-11-22T23:59:59.999Z","aws":{"cloudwatch":{"log_group":"App-Web"}},"@metadata":{"_id":"a"}}' \
		'{"@timestamp":"2026-11-23T00:30:00+02:00","aws":{"cloudwatch":{"log_group":"App-Web"}},"@metadata":{"_id":"b"}}' \
		'{"@timestamp":"2026-11-23T10:00:00.000Z","aws":{"cloudwatch":{"log_group":"Other"}},"@metadata":{"_id":"c"}}' \
		'{"@timestamp":"2026-11-23T10:00:00.000Z","@metadata":{"_id":"d"}}' >in.ndjson
	run ship -E 'output.elasticsearch.index=cwl-%{[aws.cloudwatch.log_group]}-%{+yyyy.MM.dd}' \
		-E output.elasticsearch.op_type=create --dead-letter dl.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	es_docs | "$PY" -c '
import json, sys
got = sorted((d["_index"], d["_id"]) for d in map(json.loads, sys.stdin))
assert got == [("cwl-app-web-2026.11.22", "a"), ("cwl-app-web-2026.11.22", "b"), ("cwl-other-2026.11.23", "c")], got'
	grep -q '"reason":"index: the event has no field \[aws.cloudwatch.log_group\] to name its index"' dl.ndjson
	# create again: 409 on every item, counted as already there
	head -n 3 in.ndjson >again.ndjson
	run ship -E 'output.elasticsearch.index=cwl-%{[aws.cloudwatch.log_group]:none}-%{+yyyy.MM.dd}' \
		-E output.elasticsearch.op_type=create <again.ndjson
	[ "$status" -eq 0 ]
	[ "$(summary duplicates)" = 3 ]
	[ "$(summary acked)" = 3 ]
	[ "$(es_count)" = 3 ]
}

@test "cwl-ship: EOF flushes a batch still lingering" {
	es_server_start
	start=$(date +%s)
	ship -E output.elasticsearch.flush_interval=60s -E output.elasticsearch.index=l <"$SMALL"
	[ $(($(date +%s) - start)) -lt 10 ]
	[ "$(es_count l)" = 1000 ]
	check_acks "$SMALL"
}

@test "cwl-ship: SIGTERM delivers the lines in hand, then exits 0" {
	es_server_start
	mkfifo in.fifo
	# the writer keeps the pipe open: only the signal ends the run
	{ cat "$SMALL"; exec sleep 600; } >in.fifo 3>&- &
	server_register $!
	cwl-ship -v -E output.elasticsearch.hosts="$ES_URL" -E output.elasticsearch.index=t \
		-E output.elasticsearch.flush_interval=1h \
		-E output.elasticsearch.bulk_max_size=100000 <in.fifo >acks.out 2>err.out 3>&- &
	pid=$!
	server_register "$pid"
	wait_signals "$pid"
	# every line read; none sent, the batch waits for its flush interval
	wait_for 'counters_show "$pid" "lines=1000 "'
	[ "$(es_count)" = 0 ]
	kill -TERM "$pid"
	wait "$pid"
	[ "$(es_count t)" = 1000 ]
	grep -q "stopping: delivering the 1000 events in hand" err.out
	check_acks "$SMALL"
}

@test "cwl-ship: a second SIGTERM gives up on an unreachable output, exit 1" {
	mkfifo in.fifo
	{ cat "$SMALL"; exec sleep 600; } >in.fifo 3>&- &
	server_register $!
	cwl-ship -v -E output.elasticsearch.hosts=http://127.0.0.1:1 \
		-E output.elasticsearch.backoff.init=10ms <in.fifo >acks.out 2>err.out 3>&- &
	pid=$!
	server_register "$pid"
	wait_signals "$pid"
	wait_for 'counters_show "$pid" "lines=1000 "'
	kill -TERM "$pid"
	# the second signal once the first is being acted on
	wait_for 'grep -q "stopping: delivering the 1000 events in hand" err.out'
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	grep -q "cwl-ship: error: stopped by a second signal with 1000 events not delivered" err.out
	[ ! -s acks.out ]
}

# wait_grep PATTERN FILE [SECONDS]: until FILE has a line matching PATTERN.
wait_grep() {
	local i
	for i in $(seq $((${3:-30} * 10))); do
		grep -q -- "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "no line matching '$1' in $2:" >&2
	cat "$2" >&2
	return 1
}

# wait_exit PID [SECONDS]: until PID has ended; sets RC to its status.
wait_exit() {
	local i
	for i in $(seq $((${2:-60} * 10))); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	! kill -0 "$1" 2>/dev/null || { echo "pid $1 still runs" >&2; return 1; }
	RC=0
	wait "$1" || RC=$?
}

# stop_undeliverable FIFO [ARGS...]: cwl-ship of SMALL, through FIFO held
# open, to an output nobody listens at; SIGTERM once it retries; RC is
# its status.
stop_undeliverable() {
	local fifo=$1 pid
	shift
	mkfifo "$fifo"
	# the writer keeps the pipe open: only the signal ends the run
	{ cat "$SMALL"; exec sleep 600; } >"$fifo" 3>&- &
	server_register $!
	cwl-ship -v -E output.elasticsearch.hosts=http://127.0.0.1:1 \
		-E output.elasticsearch.backoff.init=10ms -E output.elasticsearch.backoff.max=200ms \
		"$@" <"$fifo" >acks.out 2>err.out 3>&- &
	pid=$!
	server_register "$pid"
	wait_signals "$pid"
	wait_grep "events again in" err.out
	kill -TERM "$pid"
	# the shutdown timeout ends it, far before this deadline
	wait_exit "$pid" 120
}

@test "cwl-ship: SIGTERM with an unreachable output: delivers for shutdown_timeout, then exits 1 without acks" {
	stop_undeliverable in.fifo -E cloudwatchlogsbeat.shutdown_timeout=1s
	[ "$RC" -eq 1 ]
	grep -q "cwl-ship: info: stopping: delivering the 1000 events in hand, for at most 1000 ms" err.out
	grep -q "cwl-ship: error: stopped with 1000 events not delivered: the shutdown timeout (1000 ms) passed" err.out
	[ ! -s acks.out ]
	# --shutdown-timeout wins over the config; 0: no wait at all
	stop_undeliverable in2.fifo -E cloudwatchlogsbeat.shutdown_timeout=600s --shutdown-timeout 0
	[ "$RC" -eq 1 ]
	grep -q "cwl-ship: error: stopped with 1000 events not delivered: the shutdown timeout (0 ms) passed" err.out
	[ ! -s acks.out ]
	run cwl-ship --shutdown-timeout soon </dev/null
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "cwl-ship: error: --shutdown-timeout: invalid duration 'soon'"* ]]
}

@test "cwl-ship: an unreachable output past max_retries exits 1" {
	run cwl-ship -E output.elasticsearch.hosts=http://127.0.0.1:1 \
		-E output.elasticsearch.max_retries=2 -E output.elasticsearch.backoff.init=5ms <"$SMALL"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: POST http://127.0.0.1:1/_bulk: "*"(after 2 retries)"* ]]
	[[ "$output" == *"warning: POST http://127.0.0.1:1/_bulk: "*"1000 events again in"* ]]
}

@test "cwl-ship: a dead host is skipped for the live one" {
	es_server_start
	ship -E "output.elasticsearch.hosts=[\"http://127.0.0.1:1\",\"$ES_URL\"]" \
		-E output.elasticsearch.bulk_max_size=100 -E output.elasticsearch.index=f <"$SMALL"
	[ "$(es_count f)" = 1000 ]
	check_acks "$SMALL"
}

@test "cwl-ship: wrong credentials exit 4; basic, API key and bearer work" {
	es_server_start --basic elastic:s3cretPassw0rd --api-key kid:keyS3cret --bearer tok3nS3cret
	run ship -E output.elasticsearch.username=elastic -E output.elasticsearch.password=wrongPassw0rd <"$SMALL"
	[ "$status" -eq 4 ]
	grep -q "cwl-ship: error: POST $ES_URL/_bulk: 401 Unauthorized: security_exception: unable to authenticate user \[elastic\]" err.out
	! grep -q wrongPassw0rd err.out
	[ ! -s acks.out ]
	ship -E output.elasticsearch.username=elastic -E output.elasticsearch.password=s3cretPassw0rd \
		-E output.elasticsearch.index=basic -d http <"$SMALL"
	[ "$(es_count basic)" = 1000 ]
	! grep -q s3cretPassw0rd err.out
	grep -q "Authorization: \[REDACTED\]" err.out
	ship -E output.elasticsearch.api_key=kid:keyS3cret -E output.elasticsearch.index=key <"$SMALL"
	[ "$(es_count key)" = 1000 ]
	ship -E output.elasticsearch.bearer_token=tok3nS3cret -E output.elasticsearch.index=bearer <"$SMALL"
	[ "$(es_count bearer)" = 1000 ]
	run ship -E output.elasticsearch.api_key=kid:nope <"$SMALL"
	[ "$status" -eq 4 ]
	grep -q "401 Unauthorized" err.out
}

@test "cwl-ship: SigV4 for Amazon OpenSearch Service passes the server's signature check" {
	es_server_start --sigv4 es --region eu-west-1
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET AWS_REGION=eu-west-1
	ship -E output.elasticsearch.aws_auth.service=es -E output.elasticsearch.index=v4 <"$SMALL"
	[ "$(es_count v4)" = 1000 ]
	es_ctl requests | grep -q '"auth": *"sigv4"'
	# the wrong secret: 403, exit 4, the secret never printed
	export AWS_SECRET_ACCESS_KEY=wrongSecretwrongSecretwrongSecret00000000
	run ship -E output.elasticsearch.aws_auth.service=es <"$SMALL"
	[ "$status" -eq 4 ]
	grep -q "cwl-ship: error: POST $ES_URL/_bulk: 403 Forbidden: The request signature we calculated does not match" err.out
	! grep -q wrongSecret err.out
}

@test "cwl-ship: SigV4 for OpenSearch Serverless (aoss) signs the payload hash" {
	es_server_start --sigv4 aoss --region eu-west-1
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	ship -E output.elasticsearch.aws_auth.service=aoss \
		-E output.elasticsearch.aws_auth.region=eu-west-1 -E output.elasticsearch.index=aoss <"$SMALL"
	[ "$(es_count aoss)" = 1000 ]
	# no credentials at all: exit 4, saying where it looked
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run ship -E output.elasticsearch.aws_auth.service=aoss -E output.elasticsearch.aws_auth.region=eu-west-1 <"$SMALL"
	[ "$status" -eq 4 ]
	grep -q "cwl-ship: error: POST $ES_URL/_bulk: signing: " err.out
}

@test "cwl-ship: TLS with a test CA and a client certificate; none warns" {
	tls_make_ca
	es_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-client-ca "$TLS_CA"
	ship -E output.elasticsearch.ssl.certificate_authorities="$TLS_CA" \
		-E output.elasticsearch.ssl.certificate="$TLS_CLIENT_CERT" \
		-E output.elasticsearch.ssl.key="$TLS_CLIENT_KEY" -E output.elasticsearch.index=tls <"$SMALL"
	[ "$(es_count tls)" = 1000 ]
	# an unknown CA: the handshake fails, and no retry would cure it
	run ship -E output.elasticsearch.ssl.certificate_authorities="$TLS_OTHER_CA" \
		-E output.elasticsearch.ssl.certificate="$TLS_CLIENT_CERT" \
		-E output.elasticsearch.ssl.key="$TLS_CLIENT_KEY" <"$SMALL"
	[ "$status" -eq 2 ]
	grep -q "cwl-ship: error: POST $ES_URL/_bulk: .*certificate" err.out
	# verification off: it goes through, with a warning
	ship -E output.elasticsearch.ssl.verification_mode=none \
		-E output.elasticsearch.ssl.certificate="$TLS_CLIENT_CERT" \
		-E output.elasticsearch.ssl.key="$TLS_CLIENT_KEY" -E output.elasticsearch.index=none <"$SMALL"
	[ "$(es_count none)" = 1000 ]
	grep -q "cwl-ship: warning: TLS verification is off" err.out
}

@test "cwl-ship: a certificate that does not verify is a configuration error: exit 2 at once, naming the problem" {
	tls_make_ca
	es_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY"
	# a CA the system does not know: not retried, whatever max_retries
	run timeout -k 5 60 cwl-ship -E output.elasticsearch.hosts="https://localhost:$ES_PORT" <<<'{"message":"x"}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: POST https://localhost:$ES_PORT/_bulk: SSL certificate problem: "*"certificate"* ]]
	[[ "$output" != *"events again in"* ]]
	[ "$(es_count)" = 0 ]
	# the right CA, another name on the certificate
	es_server_start --tls-cert "$TLS_WRONGHOST_CERT" --tls-key "$TLS_WRONGHOST_KEY"
	run timeout -k 5 60 cwl-ship -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.ssl.certificate_authorities="$TLS_CA" <<<'{"message":"x"}'
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: "*"certificate"*"127.0.0.1"* ]]
	[[ "$output" != *"events again in"* ]]
}

@test "cwl-ship: backpressure: reading stops at max_buffer_bytes, whatever the input's size" {
	es_server_start --latency-ms 200
	cwl-ship -v -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.max_buffer_bytes=2MiB -E output.elasticsearch.bulk_max_size=200 \
		-E output.elasticsearch.index=bp <"$BIG" >acks.out 2>err.out 3>&- &
	pid=$!
	server_register "$pid"
	wait_signals "$pid"
	# until what is held has reached half the bound: the input is read
	# far faster than the server takes it
	held() {
		local h
		h=$(sed -n 's/.*counters: .* held=\([0-9]*\)$/\1/p' err.out | tail -n 1)
		echo "${h:-0}"
	}
	wait_for 'kill -USR1 "$pid" && [ "$(held)" -ge 1048576 ]'
	rss=$(sed -n 's/^VmHWM:[^0-9]*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
	kill -TERM "$pid"
	wait_for 'grep -q "stopping: delivering" err.out'
	kill -TERM "$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 1 ]
	# the input is 95 MB and is read far faster than the server takes it;
	# what is held stays under the bound, the process far under the input
	held=$(held)
	lines=$(sed -n 's/.*counters: lines=\([0-9]*\) .*/\1/p' err.out | tail -n 1)
	[ "$held" -gt 0 ] && [ "$held" -le $((2 * 1024 * 1024 + 1100000)) ]
	[ "$lines" -lt 100000 ]
	[ "$rss" -lt 40000 ]
	grep -q "stopped by a second signal with [0-9]* events not delivered" err.out
}

@test "cwl-ship: a line larger than max_buffer_bytes still goes through" {
	es_server_start
	"$PY" -c '
with open("in.ndjson", "w") as f:
    f.write("{\"small\":1}\n")
    f.write("{\"big\":\"%s\"}\n" % ("z" * 300000))
    f.write("{\"small\":2}\n")'
	# it would wait for itself: a time limit turns that into a failure
	run timeout 120 cwl-ship -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.max_buffer_bytes=64KiB -E output.elasticsearch.index=huge <in.ndjson
	[ "$status" -eq 0 ]
	[ "$(es_count huge)" = 3 ]
}

@test "cwl-ship: pipeline and parameters go on the bulk URL" {
	es_server_start
	curl -fsS -X PUT -H 'Content-Type: application/json' "$ES_CTL_URL/_ingest/pipeline/p1" \
		--data-binary '{"processors":[{"set":{"field":"piped","value":true}}]}' >/dev/null
	ship -E output.elasticsearch.pipeline=p1 -E output.elasticsearch.index=p \
		-E 'output.elasticsearch.parameters={refresh: "false"}' <"$SMALL"
	[ "$(es_count p)" = 1000 ]
	es_ctl requests | grep -q 'pipeline=p1&refresh=false'
}

@test "cwl-ship: SIGUSR1 logs the counters, at every level; a run that goes well says nothing else" {
	mkfifo in.fifo
	{ cat "$SMALL"; exec sleep 600; } >in.fifo 3>&- &
	server_register $!
	cwl-ship --acks acks.out <in.fifo >out 2>err.out 3>&- &
	pid=$!
	server_register "$pid"
	wait_signals "$pid"
	wait_for 'counters_show "$pid" "lines=1000 acked=1000 "'
	kill -TERM "$pid"
	wait "$pid"
	grep -q "cwl-ship: info: counters: lines=1000 acked=1000 duplicates=0 failed=0 too_many=0 retries=0 dropped=0" err.out
	# no line but the counters asked for: neither the stop nor the end
	[ -z "$(grep -v '^cwl-ship: info: counters: ' err.out)" ]
	[ "$(wc -l <out)" = 1000 ]
	# -q too: the counters are what was asked for
	mkfifo in2.fifo
	{ echo '{"a":1}'; exec sleep 600; } >in2.fifo 3>&- &
	server_register $!
	cwl-ship -q <in2.fifo >out 2>err.out 3>&- &
	pid=$!
	server_register "$pid"
	wait_signals "$pid"
	wait_for 'counters_show "$pid" "lines=1 "'
	kill -TERM "$pid"
	wait "$pid"
}

@test "cwl-ship: a closed stdout ends the run quietly with 0" {
	es_server_start
	{ cwl-ship -E output.elasticsearch.hosts="$ES_URL" <"$MID" 2>err.out; echo $? >rc; } | true
	[ "$(cat rc)" = 0 ]
	! grep -q error err.out
}

# --- output.file -------------------------------------------------------------

@test "cwl-ship: output.file writes rotating NDJSON and acks what it wrote" {
	ship_file() {
		cwl-ship -E output.file.path="$BATS_TEST_TMPDIR/out" -E output.file.filename=ev \
			-E output.file.rotate_every_kb=100 -E output.file.number_of_files=3 "$@"
	}
	ship_file <"$SMALL" >acks.out
	check_acks "$SMALL"
	ls out >files
	[ "$(cat files)" = 'ev
ev.1
ev.2' ]
	for f in out/ev*; do [ "$(stat -c %s "$f")" -le 102400 ]; done
	[ "$(stat -c %a out/ev)" = 600 ]
	# the newest lines are in ev, in order, without @metadata
	tail -n 1 out/ev >last
	"$PY" -c '
import json
last = json.loads(open("last").read())
assert last["message"].startswith("event 999 ") and "@metadata" not in last'
	# a new start rotates
	printf '{"a":1}\n' | ship_file -E output.file.permissions=0640 >/dev/null
	[ "$(cat out/ev)" = '{"a":1}' ]
	[ "$(stat -c %a out/ev)" = 640 ]
	run ship_file -E output.file.number_of_files=1 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.file.number_of_files: 1: 2 to 1024"* ]]
	run ship_file -E output.file.permissions=rw </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.file.permissions: 'rw': an octal mode like 0600"* ]]
}

@test "cwl-ship: a full disk: writes go again after a backoff, up to max_retries" {
	run cwl-ship -v -E output.file.path=/dev -E output.file.filename=full \
		-E output.file.max_retries=2 -E output.file.backoff.init=5ms <"$SMALL"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: warning: write /dev/full: No space left on device; "*" events again in "* ]]
	[[ "$output" == *"acked=0 "* ]]
	[[ "$output" == *"cwl-ship: error: write /dev/full: No space left on device (after 2 retries)"* ]]
	run sh -c 'cwl-ship -E output.console.max_retries=1 -E output.console.backoff.init=5ms \
		--acks acks.out >/dev/full' <"$SMALL"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: write stdout: No space left on device (after 1 retries)"* ]]
	[ ! -s acks.out ]
}

@test "cwl-ship: --stats writes the counters per log group, with the lag from ingestion" {
	# two groups; a line of group H set aside for a mapping clash, and a
	# line that is not JSON, counted in the totals only
	es_server_start --mapping fields.n=long
	"$PY" - <<-'EOF2' >in.ndjson
	import json, datetime
	now = datetime.datetime.now(datetime.timezone.utc)
	ing = now.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (now.microsecond // 1000)
	for i in range(30):
	    g = "G" if i < 20 else "H\tx"
	    e = {"@timestamp": ing, "message": "m%d" % i,
	         "aws": {"cloudwatch": {"log_group": g, "log_stream": "s",
	                                "ingestion_time": ing}},
	         "@metadata": {"_id": "id%d" % i, "cursor": {"group": g,
	                       "stream": "s", "token": "", "skip": i + 1,
	                       "ts": 1, "n": i + 1}}}
	    if i == 25:
	        e["fields"] = {"n": "not a number"}
	    print(json.dumps(e))
	print("not json")
	EOF2
	run cwl-ship -E output.elasticsearch.hosts="$ES_URL" --acks acks.out --stats st <in.ndjson
	[ "$status" -eq 3 ]
	cat st
	[ "$(wc -l <st)" -eq 4 ]
	[[ "$(sed -n 1p st)" =~ ^cwl-ship$'\t'[0-9]{13}$ ]]
	[[ "$(sed -n 2p st)" =~ ^$'\t'read=31$'\t'shipped=29$'\t'acked=30$'\t'dead=2$'\t'lag_ms=[0-9]+$ ]]
	[[ "$(sed -n 3p st)" =~ ^G$'\t'read=20$'\t'shipped=20$'\t'acked=20$'\t'dead=0$'\t'lag_ms=[0-9]+$ ]]
	# the name escaped, so that a line splits on tabs
	[[ "$(sed -n 4p st)" =~ ^H\\tx$'\t'read=10$'\t'shipped=9$'\t'acked=10$'\t'dead=1$'\t'lag_ms=[0-9]+$ ]]
	lag=$(sed -n 3p st | sed 's/.*lag_ms=//')
	[ "$lag" -lt 60000 ]
	[ ! -e st.tmp ]
}

@test "cwl-ship: --stats with a file that cannot be written is exit 2, at once" {
	run cwl-ship --stats /nonexistent/dir/st </dev/null
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-ship: error: --stats: open /nonexistent/dir/st.tmp: No such file or directory" ]
	run cwl-ship --stats '' </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-ship: error: --stats: no file name"* ]]
}

@test "cwl-ship: a mark (a line with only a cursor) ships nothing and is acked after the events of its source before it" {
	es_server_start --mapping fields.n=long --latency-ms 30
	cat >in.ndjson <<-'EOF2'
	{"message":"a","@metadata":{"_id":"a","cursor":{"group":"G","stream":"s","token":"t1","skip":1,"ts":1,"n":1}}}
	{"message":"b","fields":{"n":"not a number"},"@metadata":{"_id":"b","cursor":{"group":"G","stream":"s","token":"t1","skip":2,"ts":1,"n":2}}}
	{"message":"c","@metadata":{"_id":"c","cursor":{"group":"G","stream":"t","token":"","skip":0,"ts":1,"n":0}}}
	{"@metadata":{"cursor":{"group":"G","stream":"s","token":"t1","skip":4,"ts":1,"n":4}}}
	 { "@metadata" : { "cursor" : {"group":"G","stream":"t","token":"t9","skip":7,"ts":1,"n":7} } }
	EOF2
	run cwl-ship -E output.elasticsearch.hosts="$ES_URL" -E output.elasticsearch.index=m \
		-E output.elasticsearch.worker=3 -E output.elasticsearch.bulk_max_size=1 \
		--dead-letter dl.ndjson --acks acks.out --stats st <in.ndjson
	echo "$output"
	cat acks.out st
	[ "$status" -eq 3 ]
	# the events went out, b set aside; no document for a mark
	[ "$(es_count m)" = 2 ]
	[ "$(wc -l <dl.ndjson)" -eq 1 ]
	# the newest ack of each stream is its mark's cursor; those of s go
	# forward, the mark's after a and b settled
	"$PY" - <<-'EOF2'
	import json
	acks = [json.loads(l) for l in open("acks.out")]
	s = [a["skip"] for a in acks if a["stream"] == "s"]
	t = [a["skip"] for a in acks if a["stream"] == "t"]
	assert s == sorted(s) and s[-1] == 4, s
	assert t[-1] == 7, t
	EOF2
	# marks are not events: read and acked count a, b and c only
	[[ "$(sed -n 2p st)" =~ ^$'\t'read=3$'\t'shipped=2$'\t'acked=3$'\t'dead=1$'\t' ]]
}
