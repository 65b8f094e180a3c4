#!/usr/bin/python3
"""kinesis_feed.py: sets up CloudWatch Logs subscriptions to a Kinesis
stream on the local AWS server and puts events into the groups, through
the AWS APIs (botocore, signed), for the tests and the benchmarks.

    kinesis_feed.py subscribe STREAM SHARDS GROUP... [--pattern P] [--name F]
        CreateStream (SHARDS shards) unless it exists, CreateLogGroup for each
        GROUP unless it exists, PutSubscriptionFilter on each to the stream.
    kinesis_feed.py put GROUP STREAM COUNT [--size N] [--batch N] [--tag T]
        CreateLogStream unless it exists, then COUNT events with PutLogEvents,
        BATCH (default 500) a call: "T GROUP/STREAM event I" padded to N bytes.
    kinesis_feed.py reshard STREAM split SHARD | merge SHARD ADJACENT
        SplitShard at the middle of the shard's hash range, or MergeShards.

The endpoint, keys and region come from AWS_ENDPOINT_URL,
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION. Prints one JSON
line saying what it did; exits 1 when a call fails."""

import argparse
import json
import os
import sys
import time

import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError


def client(name):
    return botocore.session.get_session().create_client(
        name, endpoint_url=os.environ["AWS_ENDPOINT_URL"], region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(retries={"total_max_attempts": 10, "mode": "standard"}))


def exists(fn, **kw):
    try:
        fn(**kw)
    except ClientError as e:
        if e.response["Error"]["Code"] not in ("ResourceAlreadyExistsException", "ResourceInUseException"):
            raise
        return True
    return False


def subscribe(a):
    kin, logs = client("kinesis"), client("logs")
    exists(kin.create_stream, StreamName=a.stream, ShardCount=a.shards)
    arn = kin.describe_stream_summary(StreamName=a.stream)["StreamDescriptionSummary"]["StreamARN"]
    account = arn.split(":")[4]
    for g in a.groups:
        exists(logs.create_log_group, logGroupName=g)
        logs.put_subscription_filter(logGroupName=g, filterName=a.name, filterPattern=a.pattern,
                                     destinationArn=arn,
                                     roleArn="arn:aws:iam::%s:role/CWLtoKinesisRole" % account)
    return {"stream": a.stream, "arn": arn, "groups": a.groups}


def put(a):
    logs = client("logs")
    exists(logs.create_log_stream, logGroupName=a.group, logStreamName=a.log_stream)
    done, calls = 0, 0
    while done < a.count:
        n = min(a.batch, a.count - done)
        now = int(time.time() * 1000)
        evs = []
        for i in range(done, done + n):
            m = "%s %s/%s event %d" % (a.tag, a.group, a.log_stream, i)
            if a.size > len(m):
                m += " " + "x" * (a.size - len(m) - 1)
            evs.append({"timestamp": now, "message": m})
        logs.put_log_events(logGroupName=a.group, logStreamName=a.log_stream, logEvents=evs)
        done += n
        calls += 1
    return {"group": a.group, "stream": a.log_stream, "events": done, "calls": calls}


def reshard(a):
    kin = client("kinesis")
    if a.op == "split":
        sh = [s for s in kin.list_shards(StreamName=a.stream)["Shards"] if s["ShardId"] == a.shards[0]][0]
        lo, hi = int(sh["HashKeyRange"]["StartingHashKey"]), int(sh["HashKeyRange"]["EndingHashKey"])
        kin.split_shard(StreamName=a.stream, ShardToSplit=a.shards[0], NewStartingHashKey=str((lo + hi + 1) // 2))
    else:
        kin.merge_shards(StreamName=a.stream, ShardToMerge=a.shards[0], AdjacentShardToMerge=a.shards[1])
    return {"stream": a.stream, "shards": [s["ShardId"] for s in kin.list_shards(StreamName=a.stream)["Shards"]]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("subscribe")
    s.add_argument("stream")
    s.add_argument("shards", type=int)
    s.add_argument("groups", nargs="+")
    s.add_argument("--pattern", default="")
    s.add_argument("--name", default="cwl-kinesis")
    p = sub.add_parser("put")
    p.add_argument("group")
    p.add_argument("log_stream")
    p.add_argument("count", type=int)
    p.add_argument("--size", type=int, default=0)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--tag", default="m")
    r = sub.add_parser("reshard")
    r.add_argument("stream")
    r.add_argument("op", choices=("split", "merge"))
    r.add_argument("shards", nargs="+")
    a = ap.parse_args()
    try:
        out = {"subscribe": subscribe, "put": put, "reshard": reshard}[a.cmd](a)
    except ClientError as e:
        sys.stderr.write("kinesis_feed.py: error: %s: %s\n" % (a.cmd, e))
        return 1
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
