#!/usr/bin/env bats
# The local AWS server (tests/servers/aws_server.py) does what the other
# tests rely on: Debian's AWS CLI works against it for every CloudWatch
# Logs, S3 and DynamoDB call we use, its pages and tokens follow AWS's
# limits, it refuses bad signatures as AWS does, and each realism switch
# and fault can be observed.

load helpers

# These tests run no program of ours, so they need no build. They choose
# the order switches themselves: those of the environment (aws.bash) are
# cleared.
setup() {
	unset CWL_LOGS_ORDER CWL_FILTER_TOKEN CWL_TOKEN_WINDOW CWL_FILTER_END
	_PIDFILE="$BATS_TEST_TMPDIR/.server-pids"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	cd "$BATS_TEST_TMPDIR" || return 1
	local v
	for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	export AWS_EC2_METADATA_DISABLED=true
}

# One server for the tests that need no command-line switch.
setup_file() {
	unset CWL_LOGS_ORDER CWL_FILTER_TOKEN CWL_TOKEN_WINDOW CWL_FILTER_END
	aws_server_start
	export SHARED_AWS_PORT=$AWS_SERVER_PORT
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

# shared: use the server of setup_file, reset to empty.
shared() {
	export AWS_SERVER_PORT=$SHARED_AWS_PORT
	export AWS_ENDPOINT_URL=http://127.0.0.1:$SHARED_AWS_PORT
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET AWS_REGION=us-east-1
	awsctl reset >/dev/null
}

# boto <<'EOF' ... EOF: Python with botocore clients for the server, one
# attempt per call: logs, s3, ddb, sts; err(fn, **kw) gives the error code
# of a call (None when it succeeded); raw(method, path, body, ...) sends one
# request signed by botocore and gives (status, headers, body); ctl(command,
# **args) posts to the control endpoint (bodies of any size) and gives the
# answer.
boto() {
	REPO=$REPO "$PY" -c '
import json, os, sys, time, http.client
import botocore.session
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.exceptions import ClientError
sys.path.insert(0, os.environ["REPO"] + "/tests/servers")
from aws_request import sign
_s = botocore.session.get_session()
def client(name, **kw):
    return _s.create_client(name, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                            config=Config(retries={"total_max_attempts": 1}, **kw))
class _Lazy:
    def __init__(self, name):
        self.name, self.c = name, None
    def __getattr__(self, a):
        self.c = self.c or client(self.name)
        return getattr(self.c, a)
logs, s3, ddb, sts = _Lazy("logs"), _Lazy("s3"), _Lazy("dynamodb"), _Lazy("sts")
def err(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"]
    return None
def ctl(cmd, **args):
    c = http.client.HTTPConnection("127.0.0.1", int(os.environ["AWS_SERVER_PORT"]), timeout=60)
    c.request("POST", "/_control/" + cmd, body=json.dumps(args))
    r = c.getresponse()
    body = r.read()
    assert r.status == 200, (cmd, r.status, body[:300])
    return json.loads(body)
def raw(method, path, body=b"", headers=None, target=None, service=None, key=None, secret=None,
        token=None, date=None, sha=None, signed=True):
    body = body.encode() if isinstance(body, str) else body
    service = service or ("logs" if target and target.startswith("Logs_") else
                          "dynamodb" if target and target.startswith("DynamoDB_") else "s3")
    req = AWSRequest(method=method, url=os.environ["AWS_ENDPOINT_URL"] + path, data=body)
    for k, v in (headers or {}).items():
        req.headers[k] = v
    if target:
        req.headers["X-Amz-Target"] = target
        req.headers["Content-Type"] = "application/x-amz-json-1.%d" % (service != "dynamodb")
    if signed:
        sign(req, service, "us-east-1", key or os.environ["AWS_ACCESS_KEY_ID"],
             secret or os.environ["AWS_SECRET_ACCESS_KEY"], token, date, sha)
    c = http.client.HTTPConnection("127.0.0.1", int(os.environ["AWS_SERVER_PORT"]), timeout=30)
    c.request(method, path, body=body or None, headers=dict(req.headers.items()))
    r = c.getresponse()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode("utf-8", "replace")
'"$(cat)"
}

# out N: what command N of the last aws_cli_batch printed; rc N: its status.
out() { cat "cli/$1.out"; }
rc() { cat "cli/$1.rc"; }

@test "aws_server_start writes port and pid, exports the settings, takes options, stops on SIGTERM" {
	echo '[{"access_key_id":"AKIAFROMFILE00000001","secret_access_key":"filesecret"}]' >keys.json
	echo '[{"arn":"arn:aws:iam::123456789012:role/from-file","allow":"*"}]' >roles.json
	aws_server_start --region eu-west-1 --keys keys.json --roles roles.json --bucket start-bucket \
		--seed '{"group":"/seeded","streams":2,"events":3}' --tps GetLogEvents=25 --latency 5-10
	[ -n "$AWS_SERVER_PORT" ] && [ "$AWS_SERVER_PORT" -gt 0 ]
	[ "$AWS_ENDPOINT_URL" = "http://127.0.0.1:$AWS_SERVER_PORT" ]
	[ "$AWS_ACCESS_KEY_ID" = AKIACWLTESTKEY0000001 ]
	[ "$AWS_SECRET_ACCESS_KEY" = cwlTestSecret0000000000000000000000000001 ]
	[ "$AWS_REGION" = us-east-1 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/aws-server.1.pid)" = "$AWS_SERVER_PID" ]
	grep -qx "$AWS_SERVER_PID" "$BATS_TEST_TMPDIR/.server-pids"
	[ "$(awsctl settings --get region)" = eu-west-1 ]
	[ "$(awsctl faults --get tps.GetLogEvents)" = 25.0 ]
	[ "$(awsctl faults --get latency_max_ms)" = 10 ]
	[ "$(awsctl stats --get events_total)" = 6 ]
	[[ "$(awsctl keys)" == *AKIAFROMFILE00000001* ]]
	[[ "$(awsctl roles)" == *role/from-file* ]]
	[[ "$(awsctl buckets)" == *start-bucket* ]]
	# reset goes back to what the command line said.
	awsctl settings --region ap-south-1 >/dev/null
	awsctl reset >/dev/null
	[ "$(awsctl settings --get region)" = eu-west-1 ]
	[ "$(awsctl faults --get tps.GetLogEvents)" = 25.0 ]
	[[ "$(awsctl keys)" == *AKIAFROMFILE00000001* ]]
	[[ "$(awsctl roles)" == *role/from-file* ]]
	aws_server_stop
	! kill -0 "$AWS_SERVER_PID" 2>/dev/null
	run awsctl ping
	[ "$status" -eq 1 ]
	run "$PY" "$REPO/tests/servers/aws_server.py" --keys /nonexistent
	[ "$status" -eq 2 ]
	[[ "$output" == *"aws_server: error:"* ]]
}

@test "awsctl: seed, put, stats, dump, settings, faults, reset" {
	shared
	run awsctl seed --group /g/a --streams 2 --events 3 --start 1000 --step 10
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq .events)" = 6 ]
	awsctl put --group /g/a --stream late --json '{"events":[{"timestamp":5,"message":"x"},{"timestamp":2,"message_b64":"/w=="}]}' >/dev/null
	[ "$(awsctl stats --get events_total)" = 8 ]
	[ "$(awsctl stats --get events./g/a.late)" = 2 ]
	awsctl dump --group /g/a >dump.ndjson
	[ "$(wc -l <dump.ndjson)" = 8 ]
	[ "$(jq -r 'select(.stream=="stream-0001") | .timestamp' dump.ndjson | tr '\n' ' ')" = "1000 1010 1020 " ]
	# Invalid UTF-8 is served with U+FFFD.
	[ "$(jq -r 'select(.stream=="late") | .message' dump.ndjson | tail -1)" = $'\xef\xbf\xbd' ]
	jq -r .eventId dump.ndjson | grep -qE '^[0-9]{56}$'
	[ "$(awsctl settings --token-ttl 5 --get token_ttl)" = 5 ]
	[ "$(awsctl faults --throttle 0.5 --ops GetLogEvents,FilterLogEvents --get ops.1)" = FilterLogEvents ]
	[ "$(awsctl faults --tps GetLogEvents=25,FilterLogEvents=5 --get tps.FilterLogEvents)" = 5.0 ]
	[ "$(awsctl faults --clear --get throttle)" = 0.0 ]
	run awsctl nosuch
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown command: nosuch"* ]]
	# aws_seed GROUP STREAMS EVENTS [--flags]; Lambda-like stream names.
	aws_seed /aws/lambda/fn 3 4 --lambda-names --kind lambda >seed.json
	[ "$(jq .events seed.json)" = 12 ]
	jq -r '.stream_names[]' seed.json | grep -qE '^[0-9]{4}/[0-9]{2}/[0-9]{2}/\[\$LATEST\][0-9a-f]{32}$'
	awsctl dump --group /aws/lambda/fn | jq -r .message | grep -q '^REPORT RequestId: '
	awsctl reset >/dev/null
	[ "$(awsctl stats --get events_total)" = 0 ]
	[ "$(awsctl settings --get token_ttl)" = 0 ]
}

@test "AWS CLI: CloudWatch Logs calls and their errors" {
	shared
	now=$(($(date +%s) * 1000))
	aws_cli_batch cli <<EOF
logs create-log-group --log-group-name /app/web
logs create-log-stream --log-group-name /app/web --log-stream-name i-1
logs put-log-events --log-group-name /app/web --log-stream-name i-1 --log-events timestamp=$now,message=first timestamp=$((now + 1)),message=ERROR-second
logs put-log-events --log-group-name /app/web --log-stream-name i-1 --log-events timestamp=$((now - 20 * 86400000)),message=old timestamp=$((now - 20 * 86400000 + 1)),message=old2
logs describe-log-groups --log-group-name-prefix /app
logs describe-log-streams --log-group-name /app/web
logs get-log-events --log-group-name /app/web --log-stream-name i-1 --start-from-head
logs filter-log-events --log-group-name /app/web --filter-pattern ERROR
logs describe-log-streams --log-group-name /nope
logs delete-log-stream --log-group-name /app/web --log-stream-name i-1
logs delete-log-group --log-group-name /app/web
logs describe-log-groups
EOF
	for i in 1 2 3 4 5 6 7 8 10 11 12; do [ "$(rc $i)" = 0 ] || { echo "command $i"; out $i; false; }; done
	[ "$(out 4 | jq .rejectedLogEventsInfo.tooOldLogEventEndIndex)" = 1 ]
	[ "$(out 5 | jq -r '.logGroups[0] | .logGroupName, .arn, .storedBytes')" = \
		"$(printf '%s\n' /app/web 'arn:aws:logs:us-east-1:123456789012:log-group:/app/web:*' 0)" ]
	[ "$(out 6 | jq '.logStreams[0] | .firstEventTimestamp, .lastEventTimestamp, .storedBytes' | tr '\n' ' ')" = "$now $((now + 1)) 0 " ]
	[ "$(out 6 | jq -r '.logStreams[0].arn')" = arn:aws:logs:us-east-1:123456789012:log-group:/app/web:log-stream:i-1 ]
	[ "$(out 7 | jq -r '.events[].message' | tr '\n' ' ')" = "first ERROR-second " ]
	[[ "$(out 7 | jq -r .nextForwardToken)" =~ ^f/[0-9]{56}/s$ ]]
	[[ "$(out 7 | jq -r .nextBackwardToken)" =~ ^b/[0-9]{56}/s$ ]]
	[ "$(out 8 | jq -r '.events[] | .message, .logStreamName')" = "$(printf 'ERROR-second\ni-1')" ]
	[[ "$(out 8 | jq -r '.events[0].eventId')" =~ ^[0-9]{56}$ ]]
	[[ "$(out 9)" == *"(ResourceNotFoundException)"*"The specified log group does not exist."* ]]
	[ "$(out 12 | jq '.logGroups | length')" = 0 ]
	boto <<'EOF'
now = int(time.time() * 1000)
logs.create_log_group(logGroupName="/e")
logs.create_log_stream(logGroupName="/e", logStreamName="s")
def fails(code, text, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e
        assert text in e.response["Error"]["Message"], e
        return
    raise SystemExit("%s did not fail" % kw)
fails("ResourceAlreadyExistsException", "The specified log group already exists", logs.create_log_group, logGroupName="/e")
fails("ResourceAlreadyExistsException", "The specified log stream already exists", logs.create_log_stream, logGroupName="/e", logStreamName="s")
fails("ResourceNotFoundException", "The specified log stream does not exist.", logs.get_log_events, logGroupName="/e", logStreamName="x")
fails("InvalidParameterException", "must be in chronological order", logs.put_log_events, logGroupName="/e", logStreamName="s",
      logEvents=[{"timestamp": now, "message": "b"}, {"timestamp": now - 1, "message": "a"}])
fails("InvalidParameterException", "cannot span more than 24 hours", logs.put_log_events, logGroupName="/e", logStreamName="s",
      logEvents=[{"timestamp": now - 90000000, "message": "a"}, {"timestamp": now, "message": "b"}])
fails("InvalidParameterException", "Member must satisfy regular expression pattern", logs.create_log_group, logGroupName="bad:name")
r = logs.put_log_events(logGroupName="/e", logStreamName="s", logEvents=[
    {"timestamp": now, "message": "ok"}, {"timestamp": now + 3 * 3600 * 1000, "message": "future"}])
assert r["rejectedLogEventsInfo"] == {"tooNewLogEventStartIndex": 1}, r
# The fields this Debian botocore does not know yet are on the wire too.
st, h, b = raw("POST", "/", "{}", target="Logs_20140328.DescribeLogGroups")
g = json.loads(b)["logGroups"][0]
assert g["logGroupArn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/e" and g["logGroupClass"] == "STANDARD", g
assert h["content-type"] == "application/x-amz-json-1.1" and h["x-amzn-requestid"]
st, h, b = raw("POST", "/", "{}", target="Logs_20140328.NoSuchCall")
assert st == 400 and '"__type":"UnknownOperationException"' in b, b
st, h, b = raw("POST", "/", "{not json", target="Logs_20140328.DescribeLogGroups")
assert st == 400 and '"__type":"SerializationException"' in b, b
EOF
	# /usr/bin/aws itself, once (aws_cli_batch runs the same code in one process).
	run aws_cli logs describe-log-streams --log-group-name /e
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -r '.logStreams[0].logStreamName')" = s ]
}

@test "AWS CLI: auto-pagination across 51 groups, 120 streams and 25,000 events" {
	shared
	awsctl seed --group-count 51 --group-prefix /many/g- >/dev/null
	awsctl seed --group /wide --streams 120 --events 1 >/dev/null
	awsctl seed --group /deep --streams 1 --events 25000 >/dev/null
	aws_cli_batch cli <<EOF
logs describe-log-groups --log-group-name-prefix /many/
logs describe-log-streams --log-group-name /wide
logs filter-log-events --log-group-name /deep
logs describe-log-groups --log-group-name-prefix /many/ --no-paginate
EOF
	[ "$(out 1 | jq '.logGroups | length')" = 51 ]
	[ "$(out 1 | jq -r '.logGroups[50].logGroupName')" = /many/g-0050 ]
	[ "$(out 2 | jq '[.logStreams[].logStreamName] | unique | length')" = 120 ]
	[ "$(out 3 | jq '.events | length')" = 25000 ]
	[ "$(out 3 | jq '[.events[].eventId] | unique | length')" = 25000 ]
	[ "$(out 4 | jq '.logGroups | length')" = 50 ]
	[ "$(out 4 | jq -r '.nextToken | length > 0')" = true ]
	# Three FilterLogEvents pages of at most 10,000 events.
	[ "$(awsctl stats --get requests.FilterLogEvents)" = 3 ]
}

@test "describe paging: exactly 50 groups is one page, 51 two; orderBy LastEventTime" {
	shared
	awsctl seed --group-count 50 --group-prefix /p/a- >/dev/null
	awsctl seed --group-count 51 --group-prefix /p/b- >/dev/null
	awsctl seed --group /order --stream-names '["s-c","s-a","s-b"]' >/dev/null
	now=$(($(date +%s) * 1000))
	awsctl put --group /order --stream s-c --json "{\"events\":[{\"timestamp\":$((now - 3000)),\"message\":\"x\"}]}" >/dev/null
	awsctl put --group /order --stream s-a --json "{\"events\":[{\"timestamp\":$((now - 1000)),\"message\":\"x\"}]}" >/dev/null
	awsctl put --group /order --stream s-b --json "{\"events\":[{\"timestamp\":$((now - 2000)),\"message\":\"x\"}]}" >/dev/null
	boto <<'EOF'
r = logs.describe_log_groups(logGroupNamePrefix="/p/a-")
assert len(r["logGroups"]) == 50 and "nextToken" not in r, r.keys()
r = logs.describe_log_groups(logGroupNamePrefix="/p/b-")
assert len(r["logGroups"]) == 50 and r["nextToken"]
r2 = logs.describe_log_groups(logGroupNamePrefix="/p/b-", nextToken=r["nextToken"])
assert [g["logGroupName"] for g in r2["logGroups"]] == ["/p/b-0050"] and "nextToken" not in r2
r = logs.describe_log_groups(limit=7)
assert len(r["logGroups"]) == 7
assert err(logs.describe_log_groups, limit=51) == "InvalidParameterException"
names = lambda r: [s["logStreamName"] for s in r["logStreams"]]
assert names(logs.describe_log_streams(logGroupName="/order")) == ["s-a", "s-b", "s-c"]
assert names(logs.describe_log_streams(logGroupName="/order", descending=True)) == ["s-c", "s-b", "s-a"]
r = logs.describe_log_streams(logGroupName="/order", orderBy="LastEventTime", descending=True, limit=2)
assert names(r) == ["s-a", "s-b"], names(r)
r = logs.describe_log_streams(logGroupName="/order", orderBy="LastEventTime", descending=True, nextToken=r["nextToken"])
assert names(r) == ["s-c"], names(r)
try:
    logs.describe_log_streams(logGroupName="/order", orderBy="LastEventTime", logStreamNamePrefix="s-")
    raise SystemExit("orderBy LastEventTime with a prefix was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameterException"
    assert e.response["Error"]["Message"] == "Cannot order by LastEventTime with a logStreamNamePrefix.", e
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
EOF
}

@test "GetLogEvents: 10,000-event and 1 MB pages, startFromHead, the end token is the token passed" {
	shared
	awsctl seed --group /pages --stream-names '["small"]' --events 25000 --start 1000000 --step 1 >/dev/null
	awsctl seed --group /pages --stream-names '["big"]' --events 20000 --size 200 --start 1000000 --step 1 >/dev/null
	awsctl seed --group /pages --stream-names '["odd"]' --events 5 --kind mixed >/dev/null
	boto <<'EOF'
get = lambda **kw: logs.get_log_events(logGroupName="/pages", **kw)
r = get(logStreamName="small", startFromHead=True)
assert len(r["events"]) == 10000 and r["events"][0]["timestamp"] == 1000000
seen, tok = 10000, r["nextForwardToken"]
while True:
    r = get(logStreamName="small", startFromHead=True, nextToken=tok)
    if r["nextForwardToken"] == tok:
        assert r["events"] == []
        break
    seen += len(r["events"])
    tok = r["nextForwardToken"]
assert seen == 25000, seen
# At the end, again: no events, and the token passed in comes back.
r = get(logStreamName="small", nextToken=tok)
assert r["events"] == [] and r["nextForwardToken"] == tok
# Without startFromHead: the last page, newest events.
r = get(logStreamName="small", limit=5)
assert [e["timestamp"] for e in r["events"]] == list(range(1024995, 1025000))
back = get(logStreamName="small", limit=5, nextToken=r["nextBackwardToken"])
assert [e["timestamp"] for e in back["events"]] == list(range(1024990, 1024995))
# 1 MB: 200-byte messages count 226 bytes each, 4639 fit in 1,048,576.
r = get(logStreamName="big", startFromHead=True)
size = sum(len(e["message"].encode()) + 26 for e in r["events"])
assert len(r["events"]) == 1048576 // 226 and size <= 1048576, (len(r["events"]), size)
# startTime / endTime window.
r = get(logStreamName="small", startFromHead=True, startTime=1000100, endTime=1000110)
assert [e["timestamp"] for e in r["events"]] == list(range(1000100, 1000110))
# Non-ASCII as it is; invalid UTF-8 bytes as U+FFFD.
m = [e["message"] for e in get(logStreamName="odd", startFromHead=True)["events"]]
assert "日本語 🚀" in m[2] and "\ufffd\ufffd\ufffd" in m[3] and "\n\tat " in m[4], m
assert err(get, logStreamName="small", nextToken="f/123/s") == "InvalidParameterException"
assert err(get, logStreamName="small", limit=10001) == "InvalidParameterException"
EOF
}

@test "FilterLogEvents: patterns, order across streams, stable eventIds" {
	shared
	awsctl put --group /f --stream a --json '{"events":[
		{"timestamp":3000,"message":"ERROR disk full on /var"},
		{"timestamp":1000,"message":"{\"level\":\"ERROR\",\"latency\":250,\"user\":{\"id\":7}}"},
		{"timestamp":5000,"message":"WARN slow request"}]}' >/dev/null
	awsctl put --group /f --stream b --json '{"events":[
		{"timestamp":2000,"message":"INFO user logged in"},
		{"timestamp":4000,"message":"ERROR Exiting now"},
		{"timestamp":4500,"message":"{\"level\":\"INFO\",\"latency\":50}"}]}' >/dev/null
	boto <<'EOF'
def ts(pattern=None, **kw):
    kw = dict(kw)
    if pattern is not None:
        kw["filterPattern"] = pattern
    return [e["timestamp"] for e in logs.filter_log_events(logGroupName="/f", **kw)["events"]]
assert ts() == [1000, 2000, 3000, 4000, 4500, 5000], ts()
assert ts("ERROR") == [1000, 3000, 4000]
assert ts("ERROR disk") == [3000]
assert ts('"disk full"') == [3000]
assert ts("ERROR -Exiting") == [1000, 3000]
assert ts("?WARN ?INFO") == [2000, 4500, 5000]
assert ts('{ $.level = "ERROR" }') == [1000]
assert ts('{ $.level != "ERROR" }') == [4500]
assert ts("{ $.latency > 100 }") == [1000]
assert ts('{ $.user.id = 7 && $.latency >= 250 }') == [1000]
assert ts(logStreamNames=["b"]) == [2000, 4000, 4500]
assert ts(logStreamNamePrefix="a") == [1000, 3000, 5000]
assert ts(startTime=2000, endTime=4500) == [2000, 3000, 4000]
r1 = logs.filter_log_events(logGroupName="/f", limit=2)
r2 = logs.filter_log_events(logGroupName="/f", limit=2, nextToken=r1["nextToken"])
assert [e["timestamp"] for e in r2["events"]] == [3000, 4000]
all_ids = [e["eventId"] for e in logs.filter_log_events(logGroupName="/f")["events"]]
assert [e["eventId"] for e in r1["events"] + r2["events"]] == all_ids[:4]
assert len(set(all_ids)) == 6
# "As of May 15, 2020, this parameter is no longer supported. This
# parameter returns an empty list."
assert r1["searchedLogStreams"] == []
assert err(logs.filter_log_events, logGroupName="/f", filterPattern="{ $.level = ") == "InvalidParameterException"
# The dump gives each event the eventId FilterLogEvents gives it.
dump = [json.loads(l) for l in os.popen("/usr/bin/python3 -S %s/tests/servers/awsctl dump --group /f" % os.environ["REPO"])]
assert sorted(d["eventId"] for d in dump) == sorted(all_ids)
EOF
}

@test "linked accounts: DescribeLogGroups includeLinkedAccounts and accountIdentifiers, reads by ARN, their errors" {
	shared
	awsctl put --group /x/app --stream s --messages '["own"]' >/dev/null
	awsctl put --group /x/app --stream s --account 111122223333 --messages '["first-source"]' >/dev/null
	awsctl put --group /x/app --stream s --account 444455556666 --messages '["second-source"]' >/dev/null
	awsctl create-group --group /x/only --account 111122223333 --retention 7 >/dev/null
	boto <<'EOF'
L = "Logs_20140328.DescribeLogGroups"
def arns(**kw):
    return [g["arn"] for g in logs.describe_log_groups(**kw)["logGroups"]]
A = "arn:aws:logs:us-east-1:%s:log-group:%s:*"
own, one, two = "123456789012", "111122223333", "444455556666"
# without includeLinkedAccounts: the monitoring account's own groups only
assert arns() == [A % (own, "/x/app")], arns()
assert arns(includeLinkedAccounts=False) == [A % (own, "/x/app")]
every = [A % (one, "/x/app"), A % (own, "/x/app"), A % (two, "/x/app"), A % (one, "/x/only")]
assert sorted(arns(includeLinkedAccounts=True)) == sorted(every), arns(includeLinkedAccounts=True)
assert sorted(arns(includeLinkedAccounts=True, accountIdentifiers=[one])) == [A % (one, "/x/app"), A % (one, "/x/only")]
assert arns(includeLinkedAccounts=True, accountIdentifiers=[two, own], logGroupNamePrefix="/x/a") == \
    [A % (own, "/x/app"), A % (two, "/x/app")], "by name, then account"
# pages of one group each reach every group once
seen, tok = [], None
while True:
    kw = {"nextToken": tok} if tok else {}
    r = logs.describe_log_groups(includeLinkedAccounts=True, limit=1, **kw)
    seen += [g["arn"] for g in r["logGroups"]]
    tok = r.get("nextToken")
    if not tok:
        break
assert sorted(seen) == sorted(every) and len(seen) == 4, seen
# "If you specify includeLinkedAccounts in your request, then
# metricFilterCount, retentionInDays, and storedBytes are not included"
g = [g for g in logs.describe_log_groups(includeLinkedAccounts=True, accountIdentifiers=[one])["logGroups"]
     if g["logGroupName"] == "/x/only"][0]
assert not {"metricFilterCount", "retentionInDays", "storedBytes"} & set(g), g
def fails(code, text, st_b):
    st, h, b = st_b
    assert st == 400 and json.loads(b)["__type"] == code and text in json.loads(b)["message"], (st, b)
fails("InvalidParameterException", "accountIdentifiers can only be used when includeLinkedAccounts is true",
      raw("POST", "/", json.dumps({"accountIdentifiers": [one]}), target=L))
fails("InvalidParameterException", "Member must have length less than or equal to 20",
      raw("POST", "/", json.dumps({"includeLinkedAccounts": True,
                                   "accountIdentifiers": ["%012d" % i for i in range(21)]}), target=L))
fails("InvalidParameterException", "Member must satisfy regular expression pattern: ^\\d{12}$",
      raw("POST", "/", json.dumps({"includeLinkedAccounts": True, "accountIdentifiers": ["12345"]}), target=L))
# reads by logGroupIdentifier: the ARN, with or without ":*"
def msgs(fn, key, **kw):
    return [e["message"] for e in fn(**kw)[key]]
def jcall(op):
    # this botocore's model still requires logGroupName in some calls
    def call(**kw):
        st, h, b = raw("POST", "/", json.dumps(kw), target="Logs_20140328." + op)
        if st != 200:
            raise ClientError({"Error": {"Code": json.loads(b)["__type"], "Message": json.loads(b)["message"]}}, op)
        return json.loads(b)
    return call
get_log_events, filter_log_events, describe_log_streams = \
    jcall("GetLogEvents"), jcall("FilterLogEvents"), jcall("DescribeLogStreams")
for arn in (A % (one, "/x/app"), (A % (one, "/x/app"))[:-2]):
    assert msgs(filter_log_events, "events", logGroupIdentifier=arn) == ["first-source"], arn
    assert msgs(get_log_events, "events", logGroupIdentifier=arn, logStreamName="s",
                startFromHead=True) == ["first-source"]
    st = describe_log_streams(logGroupIdentifier=arn)["logStreams"]
    assert [s["arn"] for s in st] == ["arn:aws:logs:us-east-1:%s:log-group:/x/app:log-stream:s" % one], st
assert msgs(filter_log_events, "events", logGroupIdentifier=(A % (two, "/x/app"))[:-2]) == ["second-source"]
# the monitoring account's own group: by name, by ARN, by name as identifier
for kw in ({"logGroupName": "/x/app"}, {"logGroupIdentifier": A % (own, "/x/app")}, {"logGroupIdentifier": "/x/app"}):
    assert msgs(filter_log_events, "events", **kw) == ["own"], kw
# a name reaches only the monitoring account's own group
assert err(logs.filter_log_events, logGroupName="/x/only") == "ResourceNotFoundException"
assert err(get_log_events, logGroupIdentifier="/x/only", logStreamName="s") == "ResourceNotFoundException"
assert err(logs.describe_log_streams, logGroupName="/x/only") == "ResourceNotFoundException"
assert err(filter_log_events, logGroupIdentifier=(A % ("999999999999", "/x/app"))[:-2]) == "ResourceNotFoundException"
# never both
for fn, kw in ((filter_log_events, {}), (get_log_events, {"logStreamName": "s"}), (describe_log_streams, {})):
    try:
        fn(logGroupName="/x/app", logGroupIdentifier=(A % (one, "/x/app"))[:-2], **kw)
        raise SystemExit("both accepted")
    except ClientError as e:
        assert e.response["Error"]["Code"] == "InvalidParameterException", e
        assert "mutually exclusive" in e.response["Error"]["Message"], e
EOF
	# the control commands take the account too
	[ "$(awsctl dump --group /x/app --account 444455556666 | jq -r .message)" = second-source ]
	[ "$(awsctl stats | jq -c '.events["111122223333:/x/app"]')" = '{"s":1}' ]
	run awsctl create-group --group /y --account 12x
	[ "$status" -ne 0 ]
	[[ "$output" == *"Invalid account id: 12x"* ]]
}

@test "signatures: wrong secret, unknown key, expired or missing session token, clock skew" {
	shared
	echo hi >f.txt
	awsctl buckets --create '["sig-bucket"]' >/dev/null
	awsctl keys --json '{"add":[{"access_key_id":"ASIAEXPIRED000000001","secret_access_key":"s1","session_token":"tok1","expires":1}]}' >/dev/null
	aws_cli_batch cli <<'EOF'
AWS_SECRET_ACCESS_KEY=wrong logs describe-log-groups
AWS_SECRET_ACCESS_KEY=wrong s3api put-object --bucket sig-bucket --key k --body f.txt
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 logs describe-log-groups
AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 s3api list-objects-v2 --bucket sig-bucket
AWS_ACCESS_KEY_ID=ASIAEXPIRED000000001 AWS_SECRET_ACCESS_KEY=s1 AWS_SESSION_TOKEN=tok1 logs describe-log-groups
AWS_ACCESS_KEY_ID=ASIAEXPIRED000000001 AWS_SECRET_ACCESS_KEY=s1 AWS_SESSION_TOKEN=tok1 s3api list-objects-v2 --bucket sig-bucket
s3api put-object --bucket sig-bucket --key k --body f.txt
EOF
	[[ "$(out 1)" == *"(InvalidSignatureException)"*"The request signature we calculated does not match"* ]]
	[[ "$(out 2)" == *"(SignatureDoesNotMatch)"* ]]
	[[ "$(out 3)" == *"(UnrecognizedClientException)"*"The security token included in the request is invalid."* ]]
	[[ "$(out 4)" == *"(InvalidAccessKeyId)"* ]]
	[[ "$(out 5)" == *"(ExpiredTokenException)"*"The security token included in the request is expired"* ]]
	[[ "$(out 6)" == *"(ExpiredToken)"* ]]
	[ "$(rc 7)" = 0 ]
	# The wire: status codes, error bodies and headers as the services send them.
	run aws_request -i --target Logs_20140328.DescribeLogGroups --secret wrong POST / '{}'
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "HTTP/1.1 400 Bad Request" ]
	[[ "$output" == *"x-amzn-ErrorType: InvalidSignatureException"* ]]
	[[ "$output" == *'{"__type":"InvalidSignatureException","message":"The request signature'* ]]
	boto <<'EOF'
L = "Logs_20140328.DescribeLogGroups"
D = "DynamoDB_20120810.ListTables"
st, h, b = raw("GET", "/sig-bucket/k", secret="wrong")
assert st == 403 and "<Error><Code>SignatureDoesNotMatch</Code>" in b and "<RequestId>" in b, (st, b)
assert "x-amz-request-id" in h
st, h, b = raw("POST", "/", "{}", target=D, secret="wrong")
assert st == 400 and '"__type":"com.amazon.coral.service#InvalidSignatureException"' in b, b
st, h, b = raw("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", service="sts", secret="wrong",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
assert st == 403 and "<Type>Sender</Type>" in b and "<Code>SignatureDoesNotMatch</Code>" in b, b
st, h, b = raw("POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", service="sts", key="AKIANOPE",
               headers={"Content-Type": "application/x-www-form-urlencoded"})
assert st == 403 and "<Code>InvalidClientTokenId</Code>" in b, b
st, h, b = raw("POST", "/", "{}", target=D, key="AKIANOPE")
assert '"__type":"com.amazon.coral.service#UnrecognizedClientException"' in b, b
st, h, b = raw("POST", "/", "{}", target=D, key="ASIAEXPIRED000000001", secret="s1", token="tok1")
assert '"__type":"com.amazon.coral.service#ExpiredTokenException"' in b, b
# A session token with a key that has none; a key that needs one without it; a wrong one.
st, h, b = raw("POST", "/", "{}", target=L, token="bogus")
assert '"__type":"UnrecognizedClientException"' in b, b
st, h, b = raw("GET", "/sig-bucket/k", key="ASIAEXPIRED000000001", secret="s1")
assert "<Code>InvalidAccessKeyId</Code>" in b, b
st, h, b = raw("GET", "/sig-bucket/k", key="ASIAEXPIRED000000001", secret="s1", token="other")
assert "<Code>InvalidToken</Code>" in b, b
# No signature at all.
st, h, b = raw("POST", "/", "{}", target=L, signed=False)
assert st == 400 and '"__type":"MissingAuthenticationTokenException"' in b, b
st, h, b = raw("GET", "/sig-bucket/k", signed=False)
assert st == 403 and "<Code>AccessDenied</Code>" in b, b
# Clock skew beyond 15 minutes, both ways.
old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 1200))
new = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() + 1200))
st, h, b = raw("POST", "/", "{}", target=L, date=old)
assert st == 400 and ('"message":"Signature expired: %s is now earlier than' % old) in b, b
st, h, b = raw("POST", "/", "{}", target=L, date=new)
assert "Signature not yet current: %s is still later than" % new in b, b
st, h, b = raw("GET", "/sig-bucket/k", date=old)
assert st == 403 and "<Code>RequestTimeTooSkewed</Code>" in b, b
ok = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(time.time() - 600))
assert raw("POST", "/", "{}", target=L, date=ok)[0] == 200
# S3 checks a payload hash it is given, and takes UNSIGNED-PAYLOAD.
st, h, b = raw("PUT", "/sig-bucket/h", "body", sha="0" * 64)
assert st == 400 and "<Code>XAmzContentSHA256Mismatch</Code>" in b, b
assert raw("PUT", "/sig-bucket/u", "body", sha="UNSIGNED-PAYLOAD")[0] == 200
# Query-string (presigned) S3 URLs.
url = client("s3", signature_version="s3v4").generate_presigned_url("get_object", Params={"Bucket": "sig-bucket", "Key": "u"}, ExpiresIn=60)
c = http.client.HTTPConnection("127.0.0.1", int(os.environ["AWS_SERVER_PORT"]))
c.request("GET", url.split(str(os.environ["AWS_SERVER_PORT"]), 1)[1])
r = c.getresponse()
assert r.status == 200 and r.read() == b"body"
EOF
	[ "$(awsctl stats --get auth_failures.signature)" -ge 5 ]
}

@test "AWS CLI: S3 objects, conditional reads and writes, listing pages" {
	shared
	printf 'one' >one.txt
	etag='"'$(md5sum <one.txt | cut -d' ' -f1)'"'
	boto <<'EOF'
import hashlib
assert raw("PUT", "/ckpt-bucket")[0] == 200
for k in ["a/1", "a/2", "a/3", "b/1", "b/2", "c"]:
    assert raw("PUT", "/ckpt-bucket/list/" + k, "x")[0] == 200
# Conditional writes (the CLI of Debian 12 cannot send these headers).
st, h, b = raw("PUT", "/ckpt-bucket/lock", "v1", headers={"If-None-Match": "*"})
assert st == 200 and h["etag"] == '"%s"' % hashlib.md5(b"v1").hexdigest()
etag = h["etag"]
st, h, b = raw("PUT", "/ckpt-bucket/lock", "v2", headers={"If-None-Match": "*"})
assert st == 412 and "<Code>PreconditionFailed</Code>" in b and "<Condition>If-None-Match</Condition>" in b, b
st, h, b = raw("PUT", "/ckpt-bucket/lock", "v3", headers={"If-Match": '"0123"'})
assert st == 412 and "<Condition>If-Match</Condition>" in b, b
assert raw("PUT", "/ckpt-bucket/lock", "v3", headers={"If-Match": etag})[0] == 200
assert raw("GET", "/ckpt-bucket/lock")[2] == "v3"
st, h, b = raw("PUT", "/ckpt-bucket/missing", "v1", headers={"If-Match": etag})
assert st == 404 and "<Code>NoSuchKey</Code>" in b, b
st, h, b = raw("GET", "/ckpt-bucket/lock", headers={"Range": "bytes=1-"})
assert st == 206 and b == "3" and h["content-range"] == "bytes 1-1/2"
# Virtual-hosted style.
st, h, b = raw("GET", "/lock", headers={"Host": "ckpt-bucket.s3.us-east-1.amazonaws.com"})
assert st == 200 and b == "v3", (st, b)
# HeadBucket; a missing bucket is made on the first PUT only when the switch says so.
assert raw("HEAD", "/ckpt-bucket")[0] == 200 and raw("HEAD", "/other-bucket")[0] == 404
assert raw("PUT", "/other-bucket/k", "x")[0] == 404
assert os.system("/usr/bin/python3 -S %s/tests/servers/awsctl settings --s3-auto-create true >/dev/null"
                 % os.environ["REPO"]) == 0
assert raw("PUT", "/other-bucket/k", "x")[0] == 200
assert os.system("/usr/bin/python3 -S %s/tests/servers/awsctl settings --s3-auto-create false >/dev/null"
                 % os.environ["REPO"]) == 0
EOF
	aws_cli_batch cli <<EOF
s3api create-bucket --bucket ckpt-bucket
s3api put-object --bucket ckpt-bucket --key state/a.json --body one.txt
s3api head-object --bucket ckpt-bucket --key state/a.json
s3api get-object --bucket ckpt-bucket --key state/a.json got.txt
s3api get-object --bucket ckpt-bucket --key state/a.json --if-match '$etag' got2.txt
s3api get-object --bucket ckpt-bucket --key state/a.json --if-match '"0000"' got3.txt
s3api get-object --bucket ckpt-bucket --key state/a.json --if-none-match '$etag' got4.txt
s3api head-object --bucket ckpt-bucket --key state/a.json --if-none-match '$etag'
s3api get-object --bucket ckpt-bucket --key state/none.json got5.txt
s3api put-object --bucket no-such-bucket --key k --body one.txt
s3api delete-object --bucket ckpt-bucket --key state/a.json
s3api head-object --bucket ckpt-bucket --key state/a.json
s3api list-objects-v2 --bucket ckpt-bucket --prefix list/ --page-size 2
s3api list-objects-v2 --bucket ckpt-bucket --prefix list/ --delimiter /
s3api list-objects-v2 --bucket ckpt-bucket --prefix list/ --max-keys 4 --no-paginate
s3api list-objects-v2 --bucket ckpt-bucket --prefix list/ --start-after list/a/3
EOF
	for i in 2 3 4 5 11 13; do [ "$(rc $i)" = 0 ] || { echo "command $i"; out $i; false; }; done
	[[ "$(out 1)" == *"(BucketAlreadyOwnedByYou)"* ]]
	[ "$(out 2 | jq -r .ETag)" = "$etag" ]
	[ "$(out 3 | jq .ContentLength)" = 3 ]
	[ "$(cat got.txt)" = one ]
	[[ "$(out 6)" == *"(PreconditionFailed)"* ]]
	[[ "$(out 7)" == *"(304)"* ]]
	[[ "$(out 8)" == *"(304)"* ]]
	[[ "$(out 9)" == *"(NoSuchKey)"* ]]
	[[ "$(out 10)" == *"(NoSuchBucket)"* ]]
	[[ "$(out 12)" == *"(404)"* ]]
	[ "$(out 13 | jq -r '[.Contents[].Key] | join(" ")')" = "list/a/1 list/a/2 list/a/3 list/b/1 list/b/2 list/c" ]
	[ "$(out 14 | jq -r '[.CommonPrefixes[].Prefix] | join(" ")')" = "list/a/ list/b/" ]
	[ "$(out 14 | jq -r '[.Contents[].Key] | join(" ")')" = "list/c" ]
	[ "$(out 15 | jq -r '.KeyCount, .IsTruncated, (.NextContinuationToken | length > 0)' | tr '\n' ' ')" = "4 true true " ]
	[ "$(out 16 | jq -r '[.Contents[].Key] | join(" ")')" = "list/b/1 list/b/2 list/c" ]
	# Three pages of 2 for 6 keys, then one page each.
	[ "$(awsctl stats --get requests.ListObjectsV2)" = 6 ]
}

@test "AWS CLI: DynamoDB table, conditional writes, query pages, delete" {
	shared
	aws_cli_batch cli <<'EOF'
dynamodb create-table --table-name cwl-ckpt --attribute-definitions AttributeName=source,AttributeType=S AttributeName=shard,AttributeType=S --key-schema AttributeName=source,KeyType=HASH AttributeName=shard,KeyType=RANGE --billing-mode PAY_PER_REQUEST
dynamodb describe-table --table-name cwl-ckpt
dynamodb put-item --table-name cwl-ckpt --item '{"source":{"S":"g/s"},"shard":{"S":"0"},"seq":{"N":"5"},"owner":{"S":"a"}}' --condition-expression "attribute_not_exists(#s)" --expression-attribute-names '{"#s":"source"}'
dynamodb put-item --table-name cwl-ckpt --item '{"source":{"S":"g/s"},"shard":{"S":"0"},"seq":{"N":"6"},"owner":{"S":"b"}}' --condition-expression "attribute_not_exists(#s)" --expression-attribute-names '{"#s":"source"}'
dynamodb put-item --table-name cwl-ckpt --item '{"source":{"S":"g/s"},"shard":{"S":"0"},"seq":{"N":"7"},"owner":{"S":"a"}}' --condition-expression "#o = :me AND #q < :n" --expression-attribute-names '{"#o":"owner","#q":"seq"}' --expression-attribute-values '{":me":{"S":"a"},":n":{"N":"7"}}'
dynamodb put-item --table-name cwl-ckpt --item '{"source":{"S":"g/s"},"shard":{"S":"1"},"seq":{"N":"1"},"tags":{"L":[{"S":"x"},{"BOOL":true},{"NULL":true}]},"m":{"M":{"k":{"B":"AAE="}}}}'
dynamodb put-item --table-name cwl-ckpt --item '{"source":{"S":"g/s"},"shard":{"S":"2"},"seq":{"N":"1"}}' --condition-expression "NOT attribute_exists(shard) OR (seq > :z)" --expression-attribute-values '{":z":{"N":"0"}}'
dynamodb get-item --table-name cwl-ckpt --key '{"source":{"S":"g/s"},"shard":{"S":"0"}}' --consistent-read
dynamodb get-item --table-name cwl-ckpt --key '{"source":{"S":"g/s"},"shard":{"S":"1"}}'
dynamodb query --table-name cwl-ckpt --key-condition-expression "#s = :s AND begins_with(shard, :p)" --expression-attribute-names '{"#s":"source"}' --expression-attribute-values '{":s":{"S":"g/s"},":p":{"S":"1"}}'
dynamodb query --table-name cwl-ckpt --key-condition-expression "#s = :s" --expression-attribute-names '{"#s":"source"}' --expression-attribute-values '{":s":{"S":"g/s"}}' --page-size 1
dynamodb query --table-name cwl-ckpt --key-condition-expression "#s = :s" --expression-attribute-names '{"#s":"source"}' --expression-attribute-values '{":s":{"S":"g/s"}}' --limit 2 --no-paginate
dynamodb update-item --table-name cwl-ckpt --key '{"source":{"S":"g/s"},"shard":{"S":"0"}}' --update-expression "SET seq = seq + :one" --condition-expression "attribute_exists(seq)" --expression-attribute-values '{":one":{"N":"1"}}' --return-values ALL_NEW
dynamodb delete-item --table-name cwl-ckpt --key '{"source":{"S":"g/s"},"shard":{"S":"0"}}' --condition-expression "seq = :n" --expression-attribute-values '{":n":{"N":"8"}}'
dynamodb get-item --table-name cwl-ckpt --key '{"source":{"S":"g/s"},"shard":{"S":"0"}}'
EOF
	for i in 1 2 3 5 6 7 8 9 10 11 12 13 14 15; do [ "$(rc $i)" = 0 ] || { echo "command $i"; out $i; false; }; done
	[ "$(out 2 | jq -r .Table.TableStatus)" = ACTIVE ]
	[[ "$(out 4)" == *"(ConditionalCheckFailedException)"*"The conditional request failed"* ]]
	[ "$(out 8 | jq -r .Item.seq.N,.Item.owner.S | tr '\n' ' ')" = "7 a " ]
	[ "$(out 9 | jq -c .Item.tags.L)" = '[{"S":"x"},{"BOOL":true},{"NULL":true}]' ]
	[ "$(out 9 | jq -r .Item.m.M.k.B)" = AAE= ]
	[ "$(out 10 | jq -r '[.Items[].shard.S] | join(" ")')" = 1 ]
	[ "$(out 11 | jq -r '[.Items[].shard.S] | join(" ")')" = "0 1 2" ]
	[ "$(out 12 | jq -r '.Count, .LastEvaluatedKey.shard.S' | tr '\n' ' ')" = "2 1 " ]
	[ "$(out 13 | jq -r .Attributes.seq.N)" = 8 ]
	[ "$(out 15)" = "" ] || [ "$(out 15 | jq -c .)" = "{}" ]
	boto <<'EOF'
t = "cwl-ckpt"
k = {"source": {"S": "g/s"}, "shard": {"S": "1"}}
def fails(code, text, fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        assert e.response["Error"]["Code"] == code, e
        assert text in e.response["Error"]["Message"], e
        return
    raise SystemExit("%s did not fail" % kw)
fails("ResourceInUseException", "Table already exists: cwl-ckpt", ddb.create_table, TableName=t,
      AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"}],
      KeySchema=[{"AttributeName": "a", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
fails("ResourceNotFoundException", "Requested resource not found", ddb.get_item, TableName="none", Key=k)
fails("ValidationException", "Missing the key shard in the item", ddb.put_item, TableName=t, Item={"source": {"S": "x"}})
fails("ValidationException", "unused in expressions: keys: {:unused}", ddb.put_item, TableName=t, Item=k,
      ExpressionAttributeValues={":unused": {"N": "1"}})
fails("ValidationException", "attribute name: #nope", ddb.put_item, TableName=t, Item=k,
      ConditionExpression="attribute_exists(#nope)")
fails("ConditionalCheckFailedException", "The conditional request failed", ddb.delete_item, TableName=t, Key=k,
      ConditionExpression="seq <= :n", ExpressionAttributeValues={":n": {"N": "0"}})
fails("ConditionalCheckFailedException", "", ddb.put_item, TableName=t, Item=k,
      ConditionExpression="seq > :a AND NOT (seq <> :a)", ExpressionAttributeValues={":a": {"N": "1"}})
assert ddb.scan(TableName=t)["Count"] == 2
r = ddb.delete_item(TableName=t, Key=k, ReturnValues="ALL_OLD")
assert r["Attributes"]["seq"] == {"N": "1"}
# DynamoDB's wire form: JSON 1.0, a namespaced __type, a CRC32 of the body.
st, h, b = raw("POST", "/", '{"TableName":"none"}', target="DynamoDB_20120810.DescribeTable")
import zlib
assert h["content-type"] == "application/x-amz-json-1.0" and int(h["x-amz-crc32"]) == zlib.crc32(b.encode())
assert '"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException"' in b, b
EOF
}

@test "faults: throttling rate and per-operation TPS limit" {
	shared
	awsctl seed --group /t --events 3 >/dev/null
	awsctl faults --throttle 1 --ops GetLogEvents --tps DescribeLogStreams=0.25 >/dev/null
	boto <<'EOF'
def ctl(args):
    assert os.system("/usr/bin/python3 %s/tests/servers/awsctl %s >/dev/null" % (os.environ["REPO"], args)) == 0
def stat(path):
    import subprocess
    return subprocess.check_output(["/usr/bin/python3", os.environ["REPO"] + "/tests/servers/awsctl", "stats",
                                    "--get", path]).decode().strip()
assert err(logs.get_log_events, logGroupName="/t", logStreamName="stream-0000") == "ThrottlingException"
assert err(logs.describe_log_groups) is None
assert stat("throttles.GetLogEvents") == "1"
# 0.25 a second: one call, then "Rate exceeded" until four seconds have
# passed (the four calls below take far less, however busy the machine).
codes = [err(logs.describe_log_streams, logGroupName="/t") for _ in range(3)]
assert codes == [None, "ThrottlingException", "ThrottlingException"], codes
try:
    logs.describe_log_streams(logGroupName="/t")
except ClientError as e:
    assert e.response["Error"]["Message"] == "Rate exceeded"
    assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
time.sleep(4.1)
assert err(logs.describe_log_streams, logGroupName="/t") is None
assert int(stat("faults.tps")) >= 2
# A rate: about half of 100 requests, with a fixed seed.
ctl("faults --clear --throttle 0.5 --seed 7")
codes = [err(logs.describe_log_groups) for _ in range(100)]
n = codes.count("ThrottlingException")
assert 25 < n < 75, n
# S3 throttles with 503 SlowDown, DynamoDB data calls with ProvisionedThroughputExceededException,
# STS with Throttling.
ctl("faults --clear --throttle 1")
st, h, b = raw("GET", "/any-bucket/k")
assert st == 503 and "<Code>SlowDown</Code>" in b, b
st, h, b = raw("POST", "/", '{"TableName":"t","Key":{}}', target="DynamoDB_20120810.GetItem")
assert st == 400 and "#ProvisionedThroughputExceededException" in b, b
assert err(sts.get_caller_identity) == "Throttling"
# The next N requests, exactly.
ctl("faults --clear --throttle-count 2")
assert [err(logs.describe_log_groups) for _ in range(3)] == ["ThrottlingException"] * 2 + [None]
EOF
}

@test "faults: 500, 503, dropped connections, latency" {
	shared
	call() {
		curl -sS -o body -w '%{http_code}' -H 'X-Amz-Target: Logs_20140328.DescribeLogGroups' \
			-H 'Content-Type: application/x-amz-json-1.1' -d '{}' "$AWS_ENDPOINT_URL/"
	}
	awsctl faults --error500 1 --ops DescribeLogGroups >/dev/null
	[ "$(call)" = 500 ]
	[ "$(jq -r .__type body)" = InternalFailure ]
	awsctl faults --clear --error503 1 >/dev/null
	[ "$(call)" = 503 ]
	[ "$(jq -r .__type body)" = ServiceUnavailableException ]
	awsctl faults --clear --drop-count 2 >/dev/null
	run call
	[ "$status" -eq 52 ] # curl: empty reply from server
	run call
	[ "$status" -eq 52 ]
	[ "$(call)" = 400 ]
	[ "$(jq -r .__type body)" = MissingAuthenticationTokenException ]
	[ "$(awsctl stats --get faults.drop)" = 2 ]
	awsctl faults --clear --latency-ms 400 >/dev/null
	t=$(curl -sS -o /dev/null -w '%{time_total}' "$AWS_ENDPOINT_URL/b/k")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.4) }'
	awsctl faults --clear --latency-ms 300 --latency-max-ms 400 --ops GetObject >/dev/null
	t=$(curl -sS -o /dev/null -w '%{time_total}' "$AWS_ENDPOINT_URL/b/k")
	awk -v t="$t" 'BEGIN { exit !(t >= 0.3) }'
	# Only the operations listed.
	awsctl faults --clear --error503 1 --ops GetLogEvents >/dev/null
	[ "$(call)" = 400 ]
	# The control endpoint never takes faults.
	awsctl faults --clear --drop 1 >/dev/null
	[ "$(awsctl stats --get faults.drop)" = 2 ]
	[ "$(awsctl stats --get faults.500)" = 1 ]
	[ "$(awsctl stats --get faults.503)" = 1 ]
}

# under ORDER...: run the boto script on stdin once per GetLogEvents order
# (--logs-order), on the shared server reset, with ORDER in its environment.
under() {
	local script order
	script=$(cat)
	for order in "$@"; do
		awsctl reset >/dev/null
		awsctl settings --logs-order "$order" >/dev/null
		echo "# --logs-order $order"
		ORDER=$order boto <<<"$script" || return 1
	done
}

@test "the order switches: command line, environment, settings, reset, bad values" {
	aws_server_start
	[ "$(awsctl settings | jq -c '[.logs_order, .filter_token, .token_window]')" = '["timestamp","key","free"]' ]
	CWL_LOGS_ORDER=ingestion CWL_FILTER_TOKEN=position CWL_TOKEN_WINDOW=check aws_server_start
	[ "$(awsctl settings | jq -c '[.logs_order, .filter_token, .token_window]')" = '["ingestion","position","check"]' ]
	# The arguments win over the environment; reset goes back to them.
	CWL_LOGS_ORDER=ingestion aws_server_start --logs-order timestamp --token-window check
	[ "$(awsctl settings --get logs_order)" = timestamp ]
	awsctl settings --logs-order ingestion --filter-token position --token-window free >/dev/null
	[ "$(awsctl settings | jq -c '[.logs_order, .filter_token, .token_window]')" = '["ingestion","position","free"]' ]
	awsctl reset >/dev/null
	[ "$(awsctl settings | jq -c '[.logs_order, .filter_token, .token_window]')" = '["timestamp","key","check"]' ]
	run awsctl settings --logs-order sideways
	[ "$status" -eq 1 ]
	[ "$output" = "awsctl: error: settings: 400 BadRequest: logs_order: 'sideways' is not one of timestamp ingestion" ]
	run awsctl settings --filter-token index
	[ "$output" = "awsctl: error: settings: 400 BadRequest: filter_token: 'index' is not one of key position" ]
	run awsctl settings --token-window strict
	[ "$output" = "awsctl: error: settings: 400 BadRequest: token_window: 'strict' is not one of free check" ]
	run awsctl settings --filter-end open
	[ "$status" -eq 1 ]
	[ "$output" = "awsctl: error: settings: 400 BadRequest: filter_end: 'open' is not one of exclusive inclusive" ]
	CWL_FILTER_END=inclusive aws_server_start
	[ "$(awsctl settings --get filter_end)" = inclusive ]
	[ "$(awsctl settings --get logs_order)" = timestamp ]
	run "$PY" "$AWS_SERVER_PY" --logs-order sideways
	[ "$status" -eq 2 ]
	[[ "${lines[-1]}" == *"argument --logs-order: invalid choice: 'sideways' (choose from 'timestamp', 'ingestion')" ]]
}

@test "late events under each order: a forward-token follower gets them by ingestion, never by timestamp" {
	shared
	under timestamp ingestion <<'EOF'
import subprocess
by_ts = os.environ["ORDER"] == "timestamp"
def ctl(*args):
    subprocess.check_call(["/usr/bin/python3", os.environ["REPO"] + "/tests/servers/awsctl"] + list(args),
                          stdout=subprocess.DEVNULL)
ctl("seed", "--group", "/late", "--events", "100", "--start", "1000000", "--step", "1000")
g = dict(logGroupName="/late", logStreamName="stream-0000")
get = lambda **kw: logs.get_log_events(**dict(g, **kw))
ts = lambda r: [e["timestamp"] for e in r["events"]]
r = get(startFromHead=True)
assert ts(r) == list(range(1000000, 1100000, 1000))
tok = r["nextForwardToken"]
# A follower at the end; then late events (old timestamps) come, then a new one.
ctl("put", "--group", "/late", "--stream", "stream-0000", "--json",
    '{"events":[{"timestamp":1000500,"message":"late a"},{"timestamp":1050500,"message":"late b"}]}')
ctl("put", "--group", "/late", "--stream", "stream-0000", "--json", '{"events":[{"timestamp":1098500,"message":"late c"}]}')
ctl("put", "--group", "/late", "--stream", "stream-0000", "--messages", '["fresh"]', "--timestamp", "1200000")
r = get(startFromHead=True, nextToken=tok)
assert ts(r) == ([1200000] if by_ts else [1000500, 1050500, 1098500, 1200000]), ts(r)
# At the end the token comes back unchanged, under both orders.
end = get(startFromHead=True, nextToken=r["nextForwardToken"])
assert end["events"] == [] and end["nextForwardToken"] == r["nextForwardToken"], end
# From the head: by timestamp, the late events at their places; by ingestion, after.
r = get(startFromHead=True)
want = sorted(list(range(1000000, 1100000, 1000)) + [1000500, 1050500, 1098500]) + [1200000]
assert ts(r) == (want if by_ts else list(range(1000000, 1100000, 1000)) + [1000500, 1050500, 1098500, 1200000]), ts(r)
# Backward from the end, page by page: the same events, the other way, none twice.
back, r = [], get(limit=7)
while r["events"]:
    back = ts(r) + back
    r = get(limit=7, nextToken=r["nextBackwardToken"])
assert back == ts(get(startFromHead=True)), back
# startTime and endTime select by timestamp, under both orders.
r = get(startFromHead=True, startTime=1050000, endTime=1052000)
assert sorted(ts(r)) == [1050000, 1050500, 1051000], ts(r)
assert ts(r) == ([1050000, 1050500, 1051000] if by_ts else [1050000, 1051000, 1050500]), ts(r)
# A search by time after what was seen misses the late events under both.
assert [e["message"] for e in logs.filter_log_events(logGroupName="/late", startTime=1099001)["events"]] == ["fresh"]
# Late events of the seed (timestamps among the old ones), under a token held at the end.
tok = get(startFromHead=True, nextToken=tok)["nextForwardToken"]
tok = get(startFromHead=True, nextToken=tok)["nextForwardToken"]
ctl("seed", "--group", "/late", "--events", "0", "--late", "5")
r = get(startFromHead=True, nextToken=tok)
assert ts(r) == [] if by_ts else len(ts(r)) == 5, ts(r)
# FilterLogEvents orders by timestamp under both.
r = logs.filter_log_events(logGroupName="/late")
assert len(ts(r)) == 109 and ts(r) == sorted(ts(r))
EOF
}

@test "late batches in a row: lastEventTimestamp stays the newest, and FilterLogEvents after the late ones still finds the newer events, under each order" {
	shared
	under timestamp ingestion <<'EOF'
import subprocess
def ctl(*args):
    subprocess.check_call(["/usr/bin/python3", os.environ["REPO"] + "/tests/servers/awsctl"] + list(args),
                          stdout=subprocess.DEVNULL)
grp = "/late2-" + os.environ["ORDER"]
put = lambda ts, m: ctl("put", "--group", grp, "--stream", "s", "--messages", '["%s"]' % m, "--timestamp", str(ts))
put(2000000, "new")
put(1000000, "late")
# in order after the last one ingested, older than the newest
put(1000500, "late, in order after it")
st = logs.describe_log_streams(logGroupName=grp)["logStreams"][0]
assert st["lastEventTimestamp"] == 2000000, st
r = logs.filter_log_events(logGroupName=grp, startTime=1500000)
assert [e["message"] for e in r["events"]] == ["new"], r["events"]
r = logs.filter_log_events(logGroupName=grp)
assert [e["message"] for e in r["events"]] == ["late", "late, in order after it", "new"], r["events"]
EOF
}

@test "an out-of-order stream under each order: 10,000-event and 1 MB pages, empty pages, every event once" {
	shared
	under timestamp ingestion <<'EOF'
by_ts = os.environ["ORDER"] == "timestamp"
ctl("seed", group="/ooo", stream_names=["big"], events=20000, size=200, start=1000000, step=10)
# 3,000 late events of the same size, one between each pair of the first 3,000.
late = [{"timestamp": 1000005 + 10 * i, "message": ("late %05d " % i).ljust(200, "y")} for i in range(3000)]
ctl("put", group="/ooo", stream="big", events=late)
ctl("settings", empty_pages=1)
g = dict(logGroupName="/ooo", logStreamName="big")
def follow(forward):
    out, empty, tok = [], 0, None
    kw = dict(startFromHead=True) if forward else {}
    while True:
        r = logs.get_log_events(**dict(g, **kw, **({"nextToken": tok} if tok else {})))
        nt = r["nextForwardToken" if forward else "nextBackwardToken"]
        if not r["events"]:
            if nt == tok:
                return out, empty
            empty += 1
        size = sum(len(e["message"].encode()) + 26 for e in r["events"])
        assert len(r["events"]) <= 10000 and size <= 1048576, (len(r["events"]), size)
        # A page stops only where the next event would not fit.
        if r["events"] and nt != tok:
            assert size + 226 > 1048576 or len(r["events"]) == 10000 or len(out) + len(r["events"]) == 23000, size
        out = out + r["events"] if forward else r["events"] + out
        tok = nt
fwd, empty = follow(True)
assert len(fwd) == 23000 and len({(e["timestamp"], e["message"]) for e in fwd}) == 23000
assert empty >= 5, empty
stamps = [e["timestamp"] for e in fwd]
assert (stamps == sorted(stamps)) if by_ts else (stamps[20000:] == [x["timestamp"] for x in late]), stamps[:4]
back, _ = follow(False)
assert back == fwd
EOF
}

@test "FilterLogEvents --filter-token: a key skips an event inserted before it, a position repeats one, under each order" {
	shared
	for mode in key position; do
		awsctl settings --filter-token "$mode" >/dev/null
		MODE=$mode under timestamp ingestion <<'EOF' || return 1
import subprocess
def put(ts, msg):
    subprocess.check_call(["/usr/bin/python3", os.environ["REPO"] + "/tests/servers/awsctl", "put", "--group", "/ft",
                           "--stream", "a", "--messages", json.dumps([msg]), "--timestamp", str(ts)],
                          stdout=subprocess.DEVNULL)
subprocess.check_call(["/usr/bin/python3", os.environ["REPO"] + "/tests/servers/awsctl", "settings", "--filter-token",
                       os.environ["MODE"]], stdout=subprocess.DEVNULL)
for t in range(1000, 11000, 1000):
    put(t, "e%d" % t)
ts = lambda r: [e["timestamp"] for e in r["events"]]
r = logs.filter_log_events(logGroupName="/ft", limit=4)
assert ts(r) == [1000, 2000, 3000, 4000] and r["nextToken"]
put(2500, "late before the boundary")
put(9500, "late after it")
r = logs.filter_log_events(logGroupName="/ft", limit=4, nextToken=r["nextToken"])
seen = ts(r)
while r.get("nextToken"):
    r = logs.filter_log_events(logGroupName="/ft", limit=4, nextToken=r["nextToken"])
    seen += ts(r)
if os.environ["MODE"] == "key":
    assert seen == [5000, 6000, 7000, 8000, 9000, 9500, 10000], seen
else:
    # The window has one more event before the place: 4000 again, 2500 never.
    assert seen == [4000, 5000, 6000, 7000, 8000, 9000, 9500, 10000], seen
EOF
	done
	# Over a group that does not change, the AWS CLI's paginator gets every event once.
	awsctl seed --group /ftcli --streams 3 --events 20 >/dev/null
	run aws_cli logs filter-log-events --log-group-name /ftcli --page-size 7
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq '[.events[].eventId] | unique | length')" = 60 ]
	[ "$(awsctl stats --get requests.FilterLogEvents)" -ge 9 ]
}

@test "FilterLogEvents --filter-end: endTime leaves out the events stamped at it (exclusive, the default) or takes them (inclusive)" {
	shared
	[ "$(awsctl settings --get filter_end)" = exclusive ]
	awsctl put --group /fe --stream s --timestamp 1000 --step 1000 --messages '["a","b","c"]' >/dev/null
	run aws_cli logs filter-log-events --log-group-name /fe --start-time 1000 --end-time 2000
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.events[].message]')" = '["a"]' ]
	awsctl settings --filter-end inclusive >/dev/null
	run aws_cli logs filter-log-events --log-group-name /fe --start-time 1000 --end-time 2000
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.events[].message]')" = '["a","b"]' ]
	# startTime takes its millisecond either way
	run aws_cli logs filter-log-events --log-group-name /fe --start-time 2000
	[ "$(echo "$output" | jq -c '[.events[].message]')" = '["b","c"]' ]
	awsctl reset >/dev/null
	[ "$(awsctl settings --get filter_end)" = exclusive ]
}

@test "--token-window check: a nextToken is valid only with the parameters it came from; free takes any" {
	shared
	awsctl seed --group /tw --streams 3 --events 20 --start 1000000 --step 1000 >/dev/null
	awsctl seed --group /tw-2 >/dev/null
	awsctl seed --group /tw-3 >/dev/null
	for window in check free; do
		awsctl settings --token-window "$window" >/dev/null
		WINDOW=$window boto <<'EOF' || return 1
check = os.environ["WINDOW"] == "check"
def same(fn, **kw):
    assert err(fn, **kw) is None, kw
def other(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        assert check, (kw, e)
        assert e.response["Error"] == {"Code": "InvalidParameterException",
                                       "Message": "The specified nextToken is invalid."}, e.response["Error"]
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        return
    assert not check, "%s: accepted" % kw
g = dict(logGroupName="/tw", logStreamName="stream-0000")
w = dict(g, startTime=1002000, endTime=1015000)
r = logs.get_log_events(startFromHead=True, limit=5, **w)
nf, nb = r["nextForwardToken"], r["nextBackwardToken"]
same(logs.get_log_events, startFromHead=True, limit=7, nextToken=nf, **w)
same(logs.get_log_events, startFromHead=True, nextToken=nb, **w)
other(logs.get_log_events, startFromHead=True, nextToken=nf, **g)
other(logs.get_log_events, startFromHead=True, nextToken=nf, **dict(g, startTime=1002000))
other(logs.get_log_events, startFromHead=True, nextToken=nf, **dict(w, endTime=1016000))
other(logs.get_log_events, nextToken=nf, **w)
# Started from the tail: a nextForwardToken with startFromHead true, as the
# reference asks, or false, as the first request and a paginator send it.
r = logs.get_log_events(limit=5, **g)
same(logs.get_log_events, startFromHead=True, nextToken=r["nextForwardToken"], **g)
same(logs.get_log_events, nextToken=r["nextForwardToken"], **g)
same(logs.get_log_events, nextToken=r["nextBackwardToken"], **g)
other(logs.get_log_events, startFromHead=True, nextToken=r["nextBackwardToken"], **g)
f = dict(logGroupName="/tw", startTime=1002000, endTime=1015000, filterPattern="event", logStreamNames=["stream-0000", "stream-0001"])
r = logs.filter_log_events(limit=2, **f)
same(logs.filter_log_events, limit=3, nextToken=r["nextToken"], **f)
other(logs.filter_log_events, nextToken=r["nextToken"], logGroupName="/tw")
other(logs.filter_log_events, nextToken=r["nextToken"], **dict(f, startTime=1003000))
other(logs.filter_log_events, nextToken=r["nextToken"], **dict(f, filterPattern="event 0"))
other(logs.filter_log_events, nextToken=r["nextToken"], **dict(f, logStreamNames=["stream-0000"]))
s = dict(logGroupName="/tw", logStreamNamePrefix="stream-")
r = logs.describe_log_streams(limit=1, **s)
same(logs.describe_log_streams, limit=2, nextToken=r["nextToken"], **s)
other(logs.describe_log_streams, nextToken=r["nextToken"], logGroupName="/tw")
r = logs.describe_log_groups(limit=1, logGroupNamePrefix="/tw")
same(logs.describe_log_groups, limit=1, logGroupNamePrefix="/tw", nextToken=r["nextToken"])
other(logs.describe_log_groups, limit=1, logGroupNamePrefix="/tw-", nextToken=r["nextToken"])
EOF
	done
	# The AWS CLI's paginators resend the first request with the token: they work under check.
	awsctl settings --token-window check >/dev/null
	aws_cli_batch cli <<'EOF'
logs filter-log-events --log-group-name /tw --start-time 1002000 --end-time 1015000 --page-size 4
logs describe-log-streams --log-group-name /tw --log-stream-name-prefix stream- --page-size 1
logs describe-log-groups --log-group-name-prefix /tw --page-size 1
logs filter-log-events --log-group-name /tw --start-time 1002000 --end-time 1015000 --page-size 4 --max-items 4
EOF
	for i in 1 2 3 4; do [ "$(rc $i)" = 0 ] || { echo "command $i"; out $i; false; }; done
	[ "$(out 1 | jq '.events | length')" = 39 ]
	[ "$(out 2 | jq '.logStreams | length')" = 3 ]
	[ "$(out 3 | jq '.logGroups | length')" = 3 ]
	# A client that drops startTime and endTime once it has a token fails.
	run aws_cli logs filter-log-events --log-group-name /tw --starting-token="$(out 4 | jq -r .NextToken)"
	[ "$status" -eq 254 ]
	[ "${lines[-1]}" = "An error occurred (InvalidParameterException) when calling the FilterLogEvents operation: The specified nextToken is invalid." ]
	# On the wire, as AWS answers a bad token.
	tok=$(out 4 | jq -r .NextToken | base64 -d | jq -r .nextToken)
	run aws_request -i --target Logs_20140328.FilterLogEvents POST / "{\"logGroupName\":\"/tw\",\"nextToken\":\"$tok\"}"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "HTTP/1.1 400 Bad Request" ]
	[[ "$output" == *"x-amzn-ErrorType: InvalidParameterException"* ]]
	[ "${lines[-1]}" = '{"__type":"InvalidParameterException","message":"The specified nextToken is invalid."}' ]
}

@test "event size: one event of 1 MB, counted in UTF-8 bytes + 26, fills a batch and a page alone" {
	shared
	boto <<'EOF'
now = int(time.time() * 1000)
logs.create_log_group(logGroupName="/size")
logs.create_log_stream(logGroupName="/size", logStreamName="s")
def put(*msgs):
    return logs.put_log_events(logGroupName="/size", logStreamName="s",
                               logEvents=[{"timestamp": now + i, "message": m} for i, m in enumerate(msgs)])
def fails(text, *msgs):
    try:
        put(*msgs)
    except ClientError as e:
        assert e.response["Error"] == {"Code": "InvalidParameterException", "Message": text}, e.response["Error"]
        return
    raise SystemExit("accepted: %s" % [len(m) for m in msgs])
big = "x" * (1048576 - 26)
put(big)
fails("Log event too large: 1048577 bytes exceeds limit of 1048576", big + "x")
# é is two bytes in UTF-8.
put("\u00e9" * ((1048576 - 26) // 2))
fails("Log event too large: 1048578 bytes exceeds limit of 1048576", "\u00e9" * ((1048576 - 26) // 2 + 1))
fails("Upload too large: 1200052 bytes exceeds limit of 1048576", "a" * 600000, "b" * 600000)
put("small")
put(big)
get = lambda **kw: logs.get_log_events(logGroupName="/size", logStreamName="s", **kw)
sizes = lambda r: [len(e["message"].encode()) for e in r["events"]]
r = get(startFromHead=True)
assert sizes(r) == [1048550], sizes(r)
r = get(startFromHead=True, nextToken=r["nextForwardToken"])
assert sizes(r) == [1048550], sizes(r)
r = get(startFromHead=True, nextToken=r["nextForwardToken"])
assert sizes(r) == [5], sizes(r)
r = get(startFromHead=True, nextToken=r["nextForwardToken"])
assert sizes(r) == [1048550], sizes(r)
assert get(startFromHead=True, nextToken=r["nextForwardToken"])["events"] == []
assert sizes(get()) == [1048550]
r = logs.filter_log_events(logGroupName="/size")
assert sizes(r) == [1048550] and r["nextToken"]
r = logs.filter_log_events(logGroupName="/size", nextToken=r["nextToken"])
assert sizes(r) == [1048550] and r["nextToken"]
EOF
	# The control API puts what it is given: an event past 1 MB is served alone.
	boto <<'EOF'
ctl("put", group="/size", stream="huge", messages=["z" * 1500000, "after"])
r = logs.get_log_events(logGroupName="/size", logStreamName="huge", startFromHead=True)
assert [len(e["message"]) for e in r["events"]] == [1500000], [len(e["message"]) for e in r["events"]]
r = logs.get_log_events(logGroupName="/size", logStreamName="huge", startFromHead=True, nextToken=r["nextForwardToken"])
assert [e["message"] for e in r["events"]] == ["after"]
EOF
	# The AWS CLI, from a file.
	"$PY" -c 'import json, sys, time; json.dump([{"timestamp": int(time.time() * 1000), "message": "y" * int(sys.argv[1])}], open(sys.argv[2], "w"))' 1048550 ok.json
	"$PY" -c 'import json, sys, time; json.dump([{"timestamp": int(time.time() * 1000), "message": "y" * int(sys.argv[1])}], open(sys.argv[2], "w"))' 1048551 big.json
	aws_cli_batch cli <<'EOF'
logs put-log-events --log-group-name /size --log-stream-name s --log-events file://ok.json
logs put-log-events --log-group-name /size --log-stream-name s --log-events file://big.json
EOF
	[ "$(rc 1)" = 0 ]
	[[ "$(out 2)" == *"An error occurred (InvalidParameterException) when calling the PutLogEvents operation: Log event too large: 1048577 bytes exceeds limit of 1048576"* ]]
}

@test "stats: events returned in GetLogEvents and FilterLogEvents answers, by access key" {
	shared
	awsctl keys --json '{"add":[{"access_key_id":"AKIACWLOTHERKEY00001","secret_access_key":"otherSecret"}]}' >/dev/null
	awsctl seed --group /count --streams 2 --events 30 >/dev/null
	boto <<'EOF'
logs.get_log_events(logGroupName="/count", logStreamName="stream-0000", startFromHead=True)
r = logs.get_log_events(logGroupName="/count", logStreamName="stream-0001", limit=7)
logs.get_log_events(logGroupName="/count", logStreamName="stream-0000", startFromHead=True, startTime=1, endTime=2)
logs.filter_log_events(logGroupName="/count", limit=10)
logs.describe_log_streams(logGroupName="/count")
EOF
	AWS_ACCESS_KEY_ID=AKIACWLOTHERKEY00001 AWS_SECRET_ACCESS_KEY=otherSecret boto <<'EOF'
assert len(logs.filter_log_events(logGroupName="/count")["events"]) == 60
EOF
	[ "$(awsctl stats | jq -c .events_returned_by_key)" = \
		'{"AKIACWLTESTKEY0000001":{"GetLogEvents":37,"FilterLogEvents":10},"AKIACWLOTHERKEY00001":{"FilterLogEvents":60}}' ]
	[ "$(awsctl stats --get requests_by_key.AKIACWLTESTKEY0000001.GetLogEvents)" = 3 ]
	awsctl stats --reset >/dev/null
	[ "$(awsctl stats | jq -c .events_returned_by_key)" = '{}' ]
}

@test "expiring tokens, empty pages, late lastEventTimestamp, streams appearing" {
	aws_server_start --token-ttl 3 --empty-pages 2 --last-event-lag 3
	awsctl seed --group /sw --events 30 >/dev/null
	boto <<'EOF'
g = dict(logGroupName="/sw", logStreamName="stream-0000")
# Two empty pages with new tokens come before the events.
r = logs.get_log_events(startFromHead=True, **g)
assert r["events"] == [], r
t1 = r["nextForwardToken"]
r = logs.get_log_events(nextToken=t1, **g)
assert r["events"] == [] and r["nextForwardToken"] != t1
r = logs.get_log_events(nextToken=r["nextForwardToken"], **g)
assert len(r["events"]) == 30
r = logs.filter_log_events(logGroupName="/sw")
assert r["events"] == [] and r["nextToken"]
r = logs.filter_log_events(logGroupName="/sw", nextToken=r["nextToken"])
r = logs.filter_log_events(logGroupName="/sw", nextToken=r["nextToken"])
assert len(r["events"]) == 30
# lastEventTimestamp shows events only once they are 3 s old.
logs.create_log_stream(logGroupName="/sw", logStreamName="fresh")
now = int(time.time() * 1000)
logs.put_log_events(logGroupName="/sw", logStreamName="fresh", logEvents=[{"timestamp": now, "message": "m"}])
s = logs.describe_log_streams(logGroupName="/sw", logStreamNamePrefix="fresh")["logStreams"][0]
assert "lastEventTimestamp" not in s and s["firstEventTimestamp"] == now and "lastIngestionTime" in s, s
# A token older than 3 s is refused.
time.sleep(3.1)
try:
    logs.get_log_events(nextToken=t1, **g)
    raise SystemExit("an expired token was accepted")
except ClientError as e:
    assert e.response["Error"]["Code"] == "InvalidParameterException", e
    assert "nextToken" in e.response["Error"]["Message"]
s = logs.describe_log_streams(logGroupName="/sw", logStreamNamePrefix="fresh")["logStreams"][0]
assert s["lastEventTimestamp"] == now, s
# A stream appears while a client follows the group.
assert os.system("/usr/bin/python3 %s/tests/servers/awsctl create-stream --group /sw --stream new-one >/dev/null"
                 % os.environ["REPO"]) == 0
names = [s["logStreamName"] for s in logs.describe_log_streams(logGroupName="/sw")["logStreams"]]
assert names == ["fresh", "new-one", "stream-0000"], names
EOF
	[ "$(awsctl stats --get empty_pages)" = 4 ]
}

@test "STS: AssumeRole allowed and refused, ExternalId, web identity; issued keys work, then expire" {
	shared
	awsctl roles --json '{"roles":[{"arn":"arn:aws:iam::123456789012:role/ext","allow":["AKIACWLTESTKEY0000001"],"external_id":"xyz"},
		{"arn":"arn:aws:iam::123456789012:role/mfa","allow":"*","mfa_serial":"arn:aws:iam::123456789012:mfa/me","mfa_code":"123456"}]}' >/dev/null
	awsctl settings --credential-ttl 8 >/dev/null
	boto <<'EOF'
r = sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/cwl-reader", RoleSessionName="cwl")
c = r["Credentials"]
assert c["AccessKeyId"].startswith("ASIA") and c["SessionToken"], c
assert r["AssumedRoleUser"]["Arn"] == "arn:aws:sts::123456789012:assumed-role/cwl-reader/cwl"
left = c["Expiration"].timestamp() - time.time()
assert 0 < left <= 8.5, left
s2 = botocore.session.get_session()
s2.set_credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
mk = lambda n: s2.create_client(n, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                                config=Config(retries={"total_max_attempts": 1}))
l2, sts2 = mk("logs"), mk("sts")
assert sts2.get_caller_identity()["Arn"] == "arn:aws:sts::123456789012:assumed-role/cwl-reader/cwl"
assert err(l2.describe_log_groups) is None
try:
    sts.assume_role(RoleArn="arn:aws:iam::123456789012:role/other", RoleSessionName="cwl")
    raise SystemExit("refused role was assumed")
except ClientError as e:
    assert e.response["Error"]["Code"] == "AccessDenied"
    assert e.response["Error"]["Message"] == ("User: arn:aws:iam::123456789012:user/cwl-test is not authorized "
        "to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/other"), e
ext = "arn:aws:iam::123456789012:role/ext"
assert err(sts.assume_role, RoleArn=ext, RoleSessionName="cwl") == "AccessDenied"
assert err(sts.assume_role, RoleArn=ext, RoleSessionName="cwl", ExternalId="bad") == "AccessDenied"
assert err(sts.assume_role, RoleArn=ext, RoleSessionName="cwl", ExternalId="xyz") is None
assert err(sts.assume_role, RoleArn=ext, RoleSessionName="cwl", ExternalId="xyz", DurationSeconds=7200) == "ValidationError"
mfa = "arn:aws:iam::123456789012:role/mfa"
assert err(sts.assume_role, RoleArn=mfa, RoleSessionName="cwl") == "AccessDenied"
assert err(sts.assume_role, RoleArn=mfa, RoleSessionName="cwl", SerialNumber="arn:aws:iam::123456789012:mfa/me",
           TokenCode="000000") == "AccessDenied"
assert err(sts.assume_role, RoleArn=mfa, RoleSessionName="cwl", SerialNumber="arn:aws:iam::123456789012:mfa/me",
           TokenCode="123456") is None
wi = dict(RoleArn="arn:aws:iam::123456789012:role/cwl-reader", RoleSessionName="pod")
assert err(sts.assume_role_with_web_identity, WebIdentityToken="wrong", **wi) == "InvalidIdentityToken"
r = sts.assume_role_with_web_identity(WebIdentityToken="cwl-test-web-identity-token", **wi)
assert r["Credentials"]["AccessKeyId"].startswith("ASIA")
time.sleep(8.2)
assert err(l2.describe_log_groups) == "ExpiredTokenException"
assert err(sts2.get_caller_identity) == "ExpiredToken"
EOF
}

@test "IMDSv2 token flow with TTL expiry, IMDSv1 refused; ECS endpoint with and without its token" {
	shared
	u=$AWS_ENDPOINT_URL
	run curl -s -o /dev/null -w '%{http_code}' "$u/latest/meta-data/iam/security-credentials/"
	[ "$output" = 401 ]
	run curl -s -o /dev/null -w '%{http_code}' -X PUT "$u/latest/api/token"
	[ "$output" = 400 ]
	run curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 21601' "$u/latest/api/token"
	[ "$output" = 400 ]
	short=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 1' "$u/latest/api/token")
	tok=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$u/latest/api/token")
	role=$(curl -sf -H "X-aws-ec2-metadata-token: $tok" "$u/latest/meta-data/iam/security-credentials/")
	[ "$role" = cwl-instance-role ]
	curl -sf -H "X-aws-ec2-metadata-token: $tok" "$u/latest/meta-data/iam/security-credentials/$role" >creds.json
	[ "$(jq -r .Code,.Type creds.json | tr '\n' ' ')" = "Success AWS-HMAC " ]
	[[ "$(jq -r .AccessKeyId creds.json)" == ASIA* ]]
	[ "$(curl -sf -H "X-aws-ec2-metadata-token: $tok" "$u/latest/meta-data/placement/region")" = us-east-1 ]
	[ "$(curl -sf -H "X-aws-ec2-metadata-token: $tok" "$u/latest/dynamic/instance-identity/document" | jq -r .region)" = us-east-1 ]
	run curl -s -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $tok" "$u/latest/meta-data/iam/security-credentials/nope"
	[ "$output" = 404 ]
	sleep 1.1
	run curl -s -o /dev/null -w '%{http_code}' -H "X-aws-ec2-metadata-token: $short" "$u/latest/meta-data/iam/security-credentials/"
	[ "$output" = 401 ]
	[ "$(awsctl stats --get imds.token_puts)" = 4 ]
	# The credentials IMDS gave are known keys.
	AWS_ACCESS_KEY_ID=$(jq -r .AccessKeyId creds.json) AWS_SECRET_ACCESS_KEY=$(jq -r .SecretAccessKey creds.json) \
		AWS_SESSION_TOKEN=$(jq -r .Token creds.json) \
		aws_request --target Logs_20140328.DescribeLogGroups POST / '{}'
	# IMDSv1 when allowed.
	awsctl settings --imds-v1 true >/dev/null
	[ "$(curl -sf "$u/latest/meta-data/iam/security-credentials/")" = cwl-instance-role ]
	# ECS: open, then with a required Authorization value.
	curl -sf "$u/ecs/creds/abc" >ecs.json
	[ "$(jq -r '.RoleArn' ecs.json)" = arn:aws:iam::123456789012:role/cwl-task-role ]
	[ "$(jq -r '.AccessKeyId, .SecretAccessKey, .Token, .Expiration' ecs.json | grep -c .)" = 4 ]
	awsctl settings --ecs-auth-token 'Bearer s3cret' >/dev/null
	run curl -s -o /dev/null -w '%{http_code}' "$u/ecs/creds/abc"
	[ "$output" = 401 ]
	run curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer nope' "$u/ecs/creds/abc"
	[ "$output" = 403 ]
	run curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' "$u/ecs/creds/abc"
	[ "$output" = 200 ]
	# a token good for two answers (one given above), then refused as
	# rotated
	awsctl settings --ecs-auth-token-uses 2 >/dev/null
	for want in 200 403 403; do
		run curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer s3cret' "$u/ecs/creds/abc"
		[ "$output" = "$want" ]
	done
}

@test "a million events seeded, 10,000-event pages, a 600,000-event dump, 60 keep-alive connections" {
	# (the seconds they take are figures, not tests: speed is measured
	# in bench/)
	shared
	SECONDS=0
	awsctl seed --group /big --events 1000000 --size 60 >/dev/null
	awsctl seed --group /six --streams 6 --events 100000 >/dev/null
	echo "# seeded in $SECONDS s" >&3
	SECONDS=0
	awsctl dump --group /six >dump.ndjson
	[ "$(wc -l <dump.ndjson)" = 600000 ]
	echo "# dumped in $SECONDS s" >&3
	boto <<'EOF'
import threading
r = logs.get_log_events(logGroupName="/big", logStreamName="stream-0000", startFromHead=True)
assert len(r["events"]) == 10000
r = logs.get_log_events(logGroupName="/big", logStreamName="stream-0000", nextToken=r["nextForwardToken"])
assert len(r["events"]) == 10000
# 60 clients, each on its own keep-alive connection, at once.
import http.client
errors = []
def one():
    try:
        c = http.client.HTTPConnection("127.0.0.1", int(os.environ["AWS_SERVER_PORT"]), timeout=20)
        for _ in range(5):
            c.request("POST", "/_control/ping", body=b"{}")
            assert c.getresponse().read()
    except Exception as e:
        errors.append(e)
ts = [threading.Thread(target=one) for _ in range(60)]
[t.start() for t in ts]
[t.join() for t in ts]
assert not errors, errors[:3]
EOF
}
