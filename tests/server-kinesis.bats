#!/usr/bin/env bats
# The local AWS server's Kinesis Data Streams (tests/servers/aws_kinesis.py)
# and CloudWatch Logs subscription filters (aws_subscriptions.py): Debian's
# AWS CLI works against them for every call cwl-kinesis and the setup use,
# the shapes and errors follow botocore's kinesis and logs models, the
# per-shard read limits and iterator expiry can be observed, and events put
# into a subscribed group arrive in the stream in CloudWatch Logs' record
# format with the eventIds FilterLogEvents gives.

load helpers

# setup and teardown: helpers.bash's; the server is the file's.
setup_file() {
	aws_server_start
	export SHARED_AWS_PORT=$AWS_SERVER_PORT
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

# shared: the server of setup_file, emptied, its switches as they started.
shared() {
	export AWS_SERVER_PORT=$SHARED_AWS_PORT
	export AWS_ENDPOINT_URL=http://127.0.0.1:$SHARED_AWS_PORT
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET AWS_REGION=us-east-1
	awsctl reset >/dev/null
}

# kpy <<'EOF' ... EOF: Python with botocore clients for the server, one
# attempt per call: kin (kinesis), logs; err(fn, **kw) gives the error
# (code, message) of a call, or None; records(stream) gives every record
# of every shard (control endpoint) with its data gunzipped when it can.
kpy() {
	REPO=$REPO "$PY" -c '
import base64, gzip, json, os, sys, time, urllib.request
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError
_s = botocore.session.get_session()
def client(name):
    return _s.create_client(name, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name="us-east-1",
                            config=Config(retries={"total_max_attempts": 1}))
kin, logs = client("kinesis"), client("logs")
def err(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"].get("Message", "")
    return None
def ctl(cmd, **kw):
    req = urllib.request.Request(os.environ["AWS_ENDPOINT_URL"] + "/_control/" + cmd, json.dumps(kw).encode())
    return json.load(urllib.request.urlopen(req))
def iterator(stream, shard=0, kind="TRIM_HORIZON", **kw):
    return kin.get_shard_iterator(StreamName=stream, ShardId="shardId-%012d" % shard,
                                  ShardIteratorType=kind, **kw)["ShardIterator"]
def subscribe(stream, group, shards=1, name="f", pattern="", **kw):
    kin.create_stream(StreamName=stream, ShardCount=shards)
    logs.create_log_group(logGroupName=group)
    logs.put_subscription_filter(logGroupName=group, filterName=name, filterPattern=pattern,
                                 destinationArn="arn:aws:kinesis:us-east-1:123456789012:stream/" + stream,
                                 roleArn="arn:aws:iam::123456789012:role/r", **kw)
def records(stream):
    out = []
    for sh in ctl("kinesis", action="records", stream=stream)["shards"]:
        for r in sh["records"]:
            d = base64.b64decode(r["data_b64"])
            try:
                d = json.loads(gzip.decompress(d))
            except (OSError, ValueError):
                pass
            out.append((sh["shard"], r["seq"], d))
    return out
'"$(cat)"
}

@test "the AWS CLI: create-stream, describe-stream-summary, list-shards, put-record(s), get-shard-iterator, get-records, list-streams, delete-stream" {
	shared
	aws_cli kinesis create-stream --stream-name cli --shard-count 3
	run aws_cli kinesis describe-stream-summary --stream-name cli
	[ "$status" -eq 0 ]
	echo "$output" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)["StreamDescriptionSummary"]
assert d["StreamName"] == "cli" and d["StreamStatus"] == "ACTIVE", d
assert d["StreamARN"] == "arn:aws:kinesis:us-east-1:123456789012:stream/cli", d
assert d["OpenShardCount"] == 3 and d["RetentionPeriodHours"] == 24, d
assert d["StreamCreationTimestamp"], d'
	run aws_cli kinesis list-shards --stream-name cli
	[ "$status" -eq 0 ]
	echo "$output" | "$PY" -c '
import json, sys
s = json.load(sys.stdin)["Shards"]
assert [x["ShardId"] for x in s] == ["shardId-00000000000%d" % i for i in range(3)], s
lo = 0
for x in s:   # the ranges tile the 128-bit hash space
    r = x["HashKeyRange"]
    assert int(r["StartingHashKey"]) == lo, s
    lo = int(r["EndingHashKey"]) + 1
    assert "EndingSequenceNumber" not in x["SequenceNumberRange"], x
assert lo == 1 << 128, lo'
	# ExplicitHashKey 0 is the first shard; a second record there.
	run aws_cli kinesis put-record --stream-name cli --partition-key k --explicit-hash-key 0 \
		--cli-binary-format raw-in-base64-out --data 'first record'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"ShardId": "shardId-000000000000"'* ]]
	seq1=$(echo "$output" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["SequenceNumber"])')
	[[ "$seq1" =~ ^[1-9][0-9]{55}$ ]]
	run aws_cli kinesis put-records --stream-name cli --cli-binary-format raw-in-base64-out \
		--records Data=second,PartitionKey=a,ExplicitHashKey=1 Data=third,PartitionKey=b,ExplicitHashKey=2
	[ "$status" -eq 0 ]
	[[ "$output" == *'"FailedRecordCount": 0'* ]]
	it=$(aws_cli kinesis get-shard-iterator --stream-name cli --shard-id shardId-000000000000 \
		--shard-iterator-type TRIM_HORIZON --query ShardIterator --output text)
	run aws_cli kinesis get-records --shard-iterator="$it"
	[ "$status" -eq 0 ]
	echo "$output" | "$PY" -c '
import base64, json, sys
d = json.load(sys.stdin)
got = [base64.b64decode(r["Data"]).decode() for r in d["Records"]]
assert got == ["first record", "second", "third"], got
seqs = [int(r["SequenceNumber"]) for r in d["Records"]]
assert seqs == sorted(seqs) and len(set(seqs)) == 3, seqs
assert all(r["ApproximateArrivalTimestamp"].startswith("20") for r in d["Records"]), d
assert d["NextShardIterator"] and d["MillisBehindLatest"] == 0, d
assert "ChildShards" not in d, d'
	# AFTER_SEQUENCE_NUMBER of the first record starts at the second.
	it=$(aws_cli kinesis get-shard-iterator --stream-name cli --shard-id shardId-000000000000 \
		--shard-iterator-type AFTER_SEQUENCE_NUMBER --starting-sequence-number "$seq1" \
		--query ShardIterator --output text)
	run aws_cli kinesis get-records --shard-iterator="$it" --limit 1
	[ "$status" -eq 0 ]
	[[ "$output" == *'"Data": "c2Vjb25k"'* ]]
	run aws_cli kinesis list-streams
	[[ "$output" == *'"cli"'* ]]
	aws_cli kinesis delete-stream --stream-name cli
	run aws_cli kinesis describe-stream-summary --stream-name cli
	[ "$status" -ne 0 ]
	[[ "$output" == *"ResourceNotFoundException"*"Stream cli under account 123456789012 not found."* ]]
}

@test "iterator types: AT_ and AFTER_SEQUENCE_NUMBER, TRIM_HORIZON, LATEST, AT_TIMESTAMP; a sequence number of another shard is refused" {
	shared
	awsctl settings --kinesis-read-tps 0 >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="it", ShardCount=2)
	put = lambda d, h: kin.put_record(StreamName="it", Data=d, PartitionKey="p", ExplicitHashKey=h)
	a = put(b"a", "0"); b = put(b"b", "1"); c = put(b"c", "2")
	other = put(b"x", str((1 << 128) - 1))
	assert other["ShardId"] == "shardId-000000000001", other
	def read(**kw):
	    it = kin.get_shard_iterator(StreamName="it", ShardId="shardId-000000000000", **kw)["ShardIterator"]
	    return [r["Data"] for r in kin.get_records(ShardIterator=it)["Records"]]
	assert read(ShardIteratorType="TRIM_HORIZON") == [b"a", b"b", b"c"]
	assert read(ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=b["SequenceNumber"]) == [b"b", b"c"]
	assert read(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=b["SequenceNumber"]) == [b"c"]
	assert read(ShardIteratorType="AFTER_SEQUENCE_NUMBER", StartingSequenceNumber=c["SequenceNumber"]) == []
	assert read(ShardIteratorType="LATEST") == []
	assert read(ShardIteratorType="AT_TIMESTAMP", Timestamp=time.time() + 60) == []
	assert read(ShardIteratorType="AT_TIMESTAMP", Timestamp=time.time() - 60) == [b"a", b"b", b"c"]
	e = err(kin.get_shard_iterator, StreamName="it", ShardId="shardId-000000000000",
	        ShardIteratorType="AT_SEQUENCE_NUMBER", StartingSequenceNumber=other["SequenceNumber"])
	assert e[0] == "InvalidArgumentException" and "did not come from this stream" in e[1], e
	e = err(kin.get_shard_iterator, StreamName="it", ShardId="shardId-000000000000",
	        ShardIteratorType="AFTER_SEQUENCE_NUMBER")
	assert e[0] == "InvalidArgumentException" and "StartingSequenceNumber" in e[1], e
	e = err(kin.get_shard_iterator, StreamName="it", ShardId="shardId-000000000009", ShardIteratorType="LATEST")
	assert e == ("ResourceNotFoundException",
	             "Shard shardId-000000000009 in stream it under account 123456789012 does not exist"), e
	e = err(kin.get_records, ShardIterator="not-an-iterator")
	assert e[0] == "InvalidArgumentException", e
	EOF
}

@test "errors follow the model: a stream that exists, a bad name, no shard count, a missing stream, bad limits" {
	shared
	kpy <<-'EOF'
	kin.create_stream(StreamName="e", ShardCount=1)
	e = err(kin.create_stream, StreamName="e", ShardCount=1)
	assert e == ("ResourceInUseException", "Stream e under account 123456789012 already exists."), e
	e = err(kin.create_stream, StreamName="bad name", ShardCount=1)
	assert e[0] == "ValidationException" and "[a-zA-Z0-9_.-]+" in e[1], e
	e = err(kin.create_stream, StreamName="nocount")
	assert e[0] == "InvalidArgumentException" and "ShardCount" in e[1], e
	kin.create_stream(StreamName="ondemand", StreamModeDetails={"StreamMode": "ON_DEMAND"})
	assert len(kin.list_shards(StreamName="ondemand")["Shards"]) == 4
	for fn in (kin.list_shards, kin.describe_stream_summary):
	    e = err(fn, StreamName="none")
	    assert e == ("ResourceNotFoundException", "Stream none under account 123456789012 not found."), e
	it = iterator("e", 0, "TRIM_HORIZON")
	e = err(kin.get_records, ShardIterator=it, Limit=10001)
	assert e[0] == "InvalidArgumentException", e
	e = err(kin.put_record, StreamName="e", Data=b"x" * 1048576, PartitionKey="k")
	assert e[0] == "ValidationException", e
	e = err(kin.put_records, StreamName="e", Records=[{"Data": b"x", "PartitionKey": "k"}] * 501)
	assert e[0] == "ValidationException", e
	e = err(kin.list_shards, StreamName="e", NextToken="x")
	assert e == ("InvalidArgumentException", "NextToken and StreamName cannot be provided together."), e
	EOF
}

@test "ListShards pages with MaxResults and NextToken, and filters: AT_LATEST, AFTER_SHARD_ID, FROM_TRIM_HORIZON" {
	shared
	kpy <<-'EOF'
	kin.create_stream(StreamName="ls", ShardCount=5)
	kin.split_shard(StreamName="ls", ShardToSplit="shardId-000000000000",
	                NewStartingHashKey=str((1 << 128) // 10))
	ids, kw = [], {"StreamName": "ls", "MaxResults": 2}
	while True:
	    r = kin.list_shards(**kw)
	    ids += [s["ShardId"] for s in r["Shards"]]
	    assert len(r["Shards"]) <= 2, r
	    if "NextToken" not in r:
	        break
	    kw = {"NextToken": r["NextToken"], "MaxResults": 2}
	assert ids == ["shardId-%012d" % i for i in range(7)], ids
	latest = [s["ShardId"] for s in kin.list_shards(StreamName="ls", ShardFilter={"Type": "AT_LATEST"})["Shards"]]
	assert latest == ["shardId-%012d" % i for i in (1, 2, 3, 4, 5, 6)], latest
	after = kin.list_shards(StreamName="ls", ShardFilter={"Type": "AFTER_SHARD_ID", "ShardId": "shardId-000000000004"})
	assert [s["ShardId"] for s in after["Shards"]] == ["shardId-000000000005", "shardId-000000000006"], after
	assert len(kin.list_shards(StreamName="ls", ShardFilter={"Type": "FROM_TRIM_HORIZON"})["Shards"]) == 7
	e = err(kin.list_shards, StreamName="ls", ShardFilter={"Type": "AFTER_SHARD_ID"})
	assert e[0] == "InvalidArgumentException", e
	EOF
}

@test "SplitShard and MergeShards: parents close, children name them, a closed shard ends with ChildShards and no iterator" {
	shared
	kpy <<-'EOF'
	kin.create_stream(StreamName="rs", ShardCount=2)
	put = lambda d, h: kin.put_record(StreamName="rs", Data=d, PartitionKey="p", ExplicitHashKey=h)
	put(b"before", "5")
	it0 = iterator("rs", 0, "TRIM_HORIZON")
	mid = (1 << 128) // 4
	kin.split_shard(StreamName="rs", ShardToSplit="shardId-000000000000", NewStartingHashKey=str(mid))
	s = {x["ShardId"]: x for x in kin.list_shards(StreamName="rs")["Shards"]}
	assert "EndingSequenceNumber" in s["shardId-000000000000"]["SequenceNumberRange"], s
	assert s["shardId-000000000002"]["ParentShardId"] == "shardId-000000000000", s
	assert s["shardId-000000000003"]["ParentShardId"] == "shardId-000000000000", s
	assert s["shardId-000000000002"]["HashKeyRange"]["EndingHashKey"] == str(mid - 1), s
	assert s["shardId-000000000003"]["HashKeyRange"]["StartingHashKey"] == str(mid), s
	assert put(b"after", "5")["ShardId"] == "shardId-000000000002"
	r = kin.get_records(ShardIterator=it0)
	assert [x["Data"] for x in r["Records"]] == [b"before"], r
	assert "NextShardIterator" not in r, r
	assert sorted(c["ShardId"] for c in r["ChildShards"]) == ["shardId-000000000002", "shardId-000000000003"], r
	assert all(c["ParentShards"] == ["shardId-000000000000"] for c in r["ChildShards"]), r
	e = err(kin.split_shard, StreamName="rs", ShardToSplit="shardId-000000000000", NewStartingHashKey="7")
	assert e[0] == "ResourceInUseException" and "already been merged or split" in e[1], e
	e = err(kin.split_shard, StreamName="rs", ShardToSplit="shardId-000000000002", NewStartingHashKey="0")
	assert e[0] == "InvalidArgumentException" and "NewStartingHashKey" in e[1], e
	e = err(kin.merge_shards, StreamName="rs", ShardToMerge="shardId-000000000002",
	        AdjacentShardToMerge="shardId-000000000001")
	assert e[0] == "InvalidArgumentException" and "adjacent" in e[1], e
	kin.merge_shards(StreamName="rs", ShardToMerge="shardId-000000000002", AdjacentShardToMerge="shardId-000000000003")
	s = {x["ShardId"]: x for x in kin.list_shards(StreamName="rs")["Shards"]}
	m = s["shardId-000000000004"]
	assert m["ParentShardId"] == "shardId-000000000002" and m["AdjacentParentShardId"] == "shardId-000000000003", m
	assert m["HashKeyRange"] == {"StartingHashKey": "0", "EndingHashKey": str((1 << 127) - 1)}, m
	EOF
}

@test "the AWS CLI splits and merges shards" {
	shared
	aws_cli kinesis create-stream --stream-name cr --shard-count 2
	aws_cli kinesis split-shard --stream-name cr --shard-to-split shardId-000000000001 \
		--new-starting-hash-key 255211775190703847597530955573826158592
	aws_cli kinesis merge-shards --stream-name cr --shard-to-merge shardId-000000000002 \
		--adjacent-shard-to-merge shardId-000000000003
	run aws_cli kinesis list-shards --stream-name cr --shard-filter Type=AT_LATEST \
		--query 'Shards[].[ShardId,ParentShardId,AdjacentParentShardId]' --output text
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | tr -s '\t ' ' ')" = "$(printf '%s\n' 'shardId-000000000000 None None' \
		'shardId-000000000004 shardId-000000000002 shardId-000000000003')" ]
}

@test "reshards wait while the stream is UPDATING (kinesis_update_seconds)" {
	shared
	awsctl settings --kinesis-update-seconds 30 >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="up", ShardCount=2)
	assert kin.describe_stream_summary(StreamName="up")["StreamDescriptionSummary"]["StreamStatus"] == "CREATING"
	e = err(kin.split_shard, StreamName="up", ShardToSplit="shardId-000000000000", NewStartingHashKey="9")
	assert e == ("ResourceInUseException",
	             "Stream up under account 123456789012 not ACTIVE, instead in state CREATING"), e
	EOF
}

@test "five GetRecords a second per shard: more are refused with ProvisionedThroughputExceededException; who read is kept" {
	shared
	awsctl settings --kinesis-read-tps 2 >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="tps", ShardCount=2)
	it = iterator("tps", 0, "TRIM_HORIZON")
	ok, refused = [], None
	for _ in range(200):
	    t = time.monotonic()
	    try:
	        it = kin.get_records(ShardIterator=it)["NextShardIterator"]
	        ok.append(t)
	    except ClientError as e:
	        refused = (e.response["Error"]["Code"], e.response["Error"]["Message"])
	        break
	assert refused == ("ProvisionedThroughputExceededException",
	                   "Rate exceeded for Shard - 123456789012/tps/shardId-000000000000"), refused
	assert len(ok) >= 2, ok
	# the other shard has its own budget
	it1 = iterator("tps", 1, "TRIM_HORIZON")
	kin.get_records(ShardIterator=it1)
	st = ctl("kinesis", action="stats", stream="tps")["streams"]["tps"]
	assert st["shardId-000000000000"]["throttled_tps"] == 1, st
	assert st["shardId-000000000000"]["get_records"] == len(ok), st
	assert st["shardId-000000000001"]["throttled_tps"] == 0, st
	readers = ctl("kinesis", action="readers", stream="tps")["shards"]
	assert [k for _, k in readers["shardId-000000000000"]] == ["AKIACWLTESTKEY0000001"] * len(ok), readers
	assert len(readers["shardId-000000000001"]) == 1, readers
	EOF
}

@test "2 MB a second per shard: a large read leaves the shard refusing until its bytes are paid" {
	shared
	awsctl settings --kinesis-read-bytes 100000 --kinesis-read-tps 0 >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="bytes", ShardCount=1)
	kin.put_records(StreamName="bytes", Records=[{"Data": b"x" * 100000, "PartitionKey": "k"}] * 4)
	it = iterator("bytes", 0, "TRIM_HORIZON")
	r = kin.get_records(ShardIterator=it)
	assert len(r["Records"]) == 4, len(r["Records"])
	e = err(kin.get_records, ShardIterator=r["NextShardIterator"])
	assert e[0] == "ProvisionedThroughputExceededException", e
	deadline = time.monotonic() + 30
	while err(kin.get_records, ShardIterator=r["NextShardIterator"]) is not None:
	    assert time.monotonic() < deadline, "the shard never recovered"
	    time.sleep(0.2)
	st = ctl("kinesis", action="stats", stream="bytes")["streams"]["bytes"]["shardId-000000000000"]
	assert st["throttled_bytes"] >= 1 and st["bytes_read"] == 400004, st
	EOF
}

@test "an iterator expires after kinesis_iterator_ttl seconds with ExpiredIteratorException; one from GetRecords is new" {
	shared
	awsctl settings --kinesis-iterator-ttl 1 >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="exp", ShardCount=1)
	it = iterator("exp", 0, "TRIM_HORIZON")
	deadline = time.monotonic() + 30
	while True:
	    e = err(kin.get_records, ShardIterator=it)
	    if e is not None:
	        break
	    assert time.monotonic() < deadline, "never expired"
	    time.sleep(0.3)
	assert e[0] == "ExpiredIteratorException", e
	assert e[1].startswith("Iterator expired. The iterator was created at time "), e
	assert e[1].endswith("which is further in the future than the tolerated delay of 1000 milliseconds."), e
	it = iterator("exp", 0, "LATEST")
	nxt = kin.get_records(ShardIterator=it)["NextShardIterator"]
	assert kin.get_records(ShardIterator=nxt)["Records"] == []
	assert ctl("kinesis", action="stats", stream="exp")["streams"]["exp"]["shardId-000000000000"]["expired"] == 1
	EOF
}

@test "switches: empty reads before records; the last records of a closed shard with or without its end" {
	shared
	awsctl settings --kinesis-empty-reads 2 --kinesis-end-with-records false >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="sw", ShardCount=1)
	kin.put_record(StreamName="sw", Data=b"one", PartitionKey="k")
	it = iterator("sw", 0, "TRIM_HORIZON")
	kin.split_shard(StreamName="sw", ShardToSplit="shardId-000000000000", NewStartingHashKey="1000")
	answers = []
	while it:
	    r = kin.get_records(ShardIterator=it)
	    answers.append(([x["Data"] for x in r["Records"]], "ChildShards" in r, r["MillisBehindLatest"]))
	    it = r.get("NextShardIterator")
	assert [a[:2] for a in answers] == [([], False), ([], False), ([b"one"], False), ([], True)], answers
	assert answers[0][2] >= 0 and answers[-1][2] == 0, answers
	EOF
}

@test "signatures are checked with botocore's signer; a throttling fault on GetRecords is ProvisionedThroughputExceededException" {
	shared
	AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong run aws_cli kinesis list-streams
	[ "$status" -ne 0 ]
	[[ "$output" == *InvalidSignatureException* ]]
	AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000001 run aws_cli kinesis list-streams
	[ "$status" -ne 0 ]
	[[ "$output" == *UnrecognizedClientException* ]]
	[ "$(awsctl stats --get services.kinesis)" -ge 2 ]
	awsctl faults --throttle_count 1 --ops GetRecords,ListShards >/dev/null
	kpy <<-'EOF'
	kin.create_stream(StreamName="f", ShardCount=1)
	it = iterator("f", 0, "LATEST")
	assert err(kin.get_records, ShardIterator=it)[0] == "ProvisionedThroughputExceededException"
	ctl("faults", throttle_count=1)
	assert err(kin.list_shards, StreamName="f")[0] == "LimitExceededException"
	EOF
}

@test "subscription filters: put, describe, delete with the AWS CLI, and their errors" {
	shared
	aws_cli kinesis create-stream --stream-name sub --shard-count 1
	aws_cli logs create-log-group --log-group-name /sub/g
	arn=arn:aws:kinesis:us-east-1:123456789012:stream/sub
	role=arn:aws:iam::123456789012:role/CWLtoKinesisRole
	aws_cli logs put-subscription-filter --log-group-name /sub/g --filter-name all \
		--filter-pattern '' --destination-arn "$arn" --role-arn "$role"
	run aws_cli logs describe-subscription-filters --log-group-name /sub/g
	[ "$status" -eq 0 ]
	echo "$output" | "$PY" -c '
import json, sys
f, = json.load(sys.stdin)["subscriptionFilters"]
assert f["filterName"] == "all" and f["logGroupName"] == "/sub/g" and f["filterPattern"] == "", f
assert f["destinationArn"].endswith(":stream/sub") and f["roleArn"].endswith("/CWLtoKinesisRole"), f
assert f["distribution"] == "ByLogStream" and isinstance(f["creationTime"], int), f'
	run aws_cli logs put-subscription-filter --log-group-name /sub/none --filter-name x \
		--filter-pattern '' --destination-arn "$arn" --role-arn "$role"
	[[ "$output" == *ResourceNotFoundException* ]]
	run aws_cli logs put-subscription-filter --log-group-name /sub/g --filter-name x \
		--filter-pattern '' --destination-arn "${arn}-missing" --role-arn "$role"
	[[ "$output" == *InvalidParameterException*"Could not deliver test message to specified Kinesis stream"* ]]
	run aws_cli logs put-subscription-filter --log-group-name /sub/g --filter-name x \
		--filter-pattern '' --destination-arn "$arn"
	[[ "$output" == *InvalidParameterException*roleArn* ]]
	run aws_cli logs put-subscription-filter --log-group-name /sub/g --filter-name x \
		--filter-pattern '{ $.x = ' --destination-arn "$arn" --role-arn "$role"
	[[ "$output" == *InvalidParameterException* ]]
	aws_cli logs put-subscription-filter --log-group-name /sub/g --filter-name two \
		--filter-pattern ERROR --destination-arn "$arn" --role-arn "$role"
	run aws_cli logs put-subscription-filter --log-group-name /sub/g --filter-name three \
		--filter-pattern '' --destination-arn "$arn" --role-arn "$role"
	[[ "$output" == *LimitExceededException* ]]
	aws_cli logs delete-subscription-filter --log-group-name /sub/g --filter-name two
	run aws_cli logs delete-subscription-filter --log-group-name /sub/g --filter-name two
	[[ "$output" == *ResourceNotFoundException* ]]
	run aws_cli logs describe-subscription-filters --log-group-name /sub/g --query 'subscriptionFilters[].filterName' --output text
	[ "$output" = all ]
}

@test "PutLogEvents delivers to the subscribed stream: a CONTROL_MESSAGE first, then gzip JSON records with FilterLogEvents' eventIds" {
	shared
	kpy <<-'EOF'
	subscribe("d", "/d/g", shards=2)
	logs.create_log_stream(logGroupName="/d/g", logStreamName="s1")
	logs.create_log_stream(logGroupName="/d/g", logStreamName="s2")
	now = int(time.time() * 1000)
	logs.put_log_events(logGroupName="/d/g", logStreamName="s1",
	                    logEvents=[{"timestamp": now, "message": "m%d" % i} for i in range(3)])
	logs.put_log_events(logGroupName="/d/g", logStreamName="s2",
	                    logEvents=[{"timestamp": now + 1, "message": "ünï 日本"}])
	recs = records("d")
	ctl_msgs = [d for _, _, d in recs if d["messageType"] == "CONTROL_MESSAGE"]
	assert ctl_msgs == [{"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
	                     "logStream": "", "subscriptionFilters": [], "logEvents": [
	                         {"id": "", "timestamp": ctl_msgs[0]["logEvents"][0]["timestamp"],
	                          "message": "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."}]}]
	data = [d for _, _, d in recs if d["messageType"] == "DATA_MESSAGE"]
	assert len(data) == 2, data
	for d in data:
	    assert d["owner"] == "123456789012" and d["logGroup"] == "/d/g" and d["subscriptionFilters"] == ["f"], d
	by_stream = {d["logStream"]: d["logEvents"] for d in data}
	assert [e["message"] for e in by_stream["s1"]] == ["m0", "m1", "m2"], by_stream
	assert by_stream["s2"][0]["message"] == "ünï 日本", by_stream
	filt = {(e["logStreamName"], e["message"]): e["eventId"]
	        for e in logs.filter_log_events(logGroupName="/d/g")["events"]}
	for s, evs in by_stream.items():
	    for e in evs:
	        assert e["id"] == filt[(s, e["message"])], (e, filt)
	        assert isinstance(e["timestamp"], int)
	# a stream's records go to one shard (ByLogStream), whatever the put
	logs.put_log_events(logGroupName="/d/g", logStreamName="s1",
	                    logEvents=[{"timestamp": now + 2, "message": "later"}])
	shards = {sh for sh, _, d in records("d") if d.get("logStream") == "s1"}
	assert len(shards) == 1, shards
	EOF
}

@test "delivery: the filter pattern applies, subscription_events_per_record cuts records, a deleted group's filters go" {
	shared
	awsctl settings --subscription-events-per-record 2 >/dev/null
	kpy <<-'EOF'
	subscribe("p", "/p/g", name="errors", pattern="ERROR", distribution="Random")
	logs.create_log_stream(logGroupName="/p/g", logStreamName="s")
	now = int(time.time() * 1000)
	msgs = ["ERROR a", "ok", "ERROR b", "ERROR c", "fine", "ERROR d", "ERROR e"]
	logs.put_log_events(logGroupName="/p/g", logStreamName="s",
	                    logEvents=[{"timestamp": now, "message": m} for m in msgs])
	data = [d for _, _, d in records("p") if d["messageType"] == "DATA_MESSAGE"]
	assert [[e["message"] for e in d["logEvents"]] for d in data] == [
	    ["ERROR a", "ERROR b"], ["ERROR c", "ERROR d"], ["ERROR e"]], data
	logs.delete_log_group(logGroupName="/p/g")
	logs.create_log_group(logGroupName="/p/g")
	logs.create_log_stream(logGroupName="/p/g", logStreamName="s")
	assert logs.describe_subscription_filters(logGroupName="/p/g")["subscriptionFilters"] == []
	logs.put_log_events(logGroupName="/p/g", logStreamName="s",
	                    logEvents=[{"timestamp": now, "message": "ERROR after"}])
	assert len([1 for _, _, d in records("p") if d["messageType"] == "DATA_MESSAGE"]) == 3
	EOF
}

@test "the control endpoint: kinesis create, put (any bytes, a chosen shard), records, shards, stats; awsctl put delivers too" {
	shared
	run awsctl kinesis --action create --stream c --shards 2
	[ "$status" -eq 0 ]
	[[ "$output" == *'"shards":["shardId-000000000000","shardId-000000000001"]'* ]]
	run awsctl kinesis --action put --stream c --json '{"records":[{"data":"not gzip","shard":"shardId-000000000001"},{"data_b64":"AAEC"}]}'
	[ "$status" -eq 0 ]
	[[ "$output" == *'"shard":"shardId-000000000001"'* ]]
	[ "$(awsctl kinesis --action records --stream c | "$PY" -c 'import json,sys; print(sum(len(s["records"]) for s in json.load(sys.stdin)["shards"]))')" = 2 ]
	[ "$(awsctl kinesis --action shards --stream c --get shards.1.ShardId)" = shardId-000000000001 ]
	run awsctl kinesis --action nope
	[ "$status" -eq 1 ]
	[[ "$output" == *"unknown kinesis action"* ]]
	aws_cli logs create-log-group --log-group-name /c/g
	aws_cli logs put-subscription-filter --log-group-name /c/g --filter-name f --filter-pattern '' \
		--destination-arn arn:aws:kinesis:us-east-1:123456789012:stream/c --role-arn arn:aws:iam::123456789012:role/r
	awsctl put --group /c/g --stream s --messages '["x","y"]' >/dev/null
	kpy <<-'EOF'
	data = [d for _, _, d in records("c") if isinstance(d, dict) and d["messageType"] == "DATA_MESSAGE"]
	assert [[e["message"] for e in d["logEvents"]] for d in data] == [["x", "y"]], data
	EOF
}
