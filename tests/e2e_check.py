#!/usr/bin/python3
"""Compares what the local AWS server holds with what reached the local
Elasticsearch server (or a file of event lines), event by event.

    e2e_check.py --aws-port P (--es URL | --ndjson FILE) [--registry FILE]
                 [--groups G,G] [--account NAME] [--quiet]

Each event is keyed by (group, stream, timestamp in ms, message). The check
passes when every event of the server is in the index exactly once, and
nothing else is: it prints "server N, index N, missing 0, extra 0,
duplicated 0" and exits 0; otherwise it names the first differences and
exits 1. With --registry (checkpoint lines), it also checks that the
registry ends at the end of every stream: the cursor's n equals the number
of events the server holds for that stream, or, for a group read as a
whole (stream "*"), the cursor's time is past the newest event of the
group. With --account, only the
documents whose fields.account is NAME are the index."""

import argparse
import collections
import datetime
import json
import sys
import urllib.request


def iso_ms(s):
    # "2026-11-23T10:00:00.123Z" -> epoch ms, exactly
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000 + d.microsecond // 1000


def server_events(port, groups):
    req = urllib.request.Request("http://127.0.0.1:%d/_control/dump" % port, data=b"{}",
                                 headers={"Content-Type": "application/json"})
    out = collections.Counter()
    per_stream = collections.Counter()
    newest = {}
    with urllib.request.urlopen(req, timeout=120) as r:
        for line in r:
            e = json.loads(line)
            if groups and e["group"] not in groups:
                continue
            out[(e["group"], e["stream"], e["timestamp"], e["message"])] += 1
            per_stream[(e["group"], e["stream"])] += 1
            newest[e["group"]] = max(newest.get(e["group"], 0), e["timestamp"])
    return out, per_stream, newest


def doc_key(src):
    cw = src["aws"]["cloudwatch"]
    return (cw["log_group"], cw["log_stream"], iso_ms(src["@timestamp"]), src["message"])


def index_events(url, account=None):
    out = collections.Counter()
    ids = collections.Counter()
    with urllib.request.urlopen(url.rstrip("/") + "/_control/docs", timeout=120) as r:
        for line in r:
            d = json.loads(line)
            if account is not None and \
                    d["_source"].get("fields", {}).get("account") != account:
                continue
            out[doc_key(d["_source"])] += 1
            ids[d["_id"]] += 1
    return out, ids


def file_events(path):
    out = collections.Counter()
    ids = collections.Counter()
    with open(path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            out[doc_key(d)] += 1
            ids[d.get("event", {}).get("id", "")] += 1
    return out, ids


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aws-port", type=int, required=True)
    ap.add_argument("--es")
    ap.add_argument("--ndjson")
    ap.add_argument("--registry")
    ap.add_argument("--groups")
    ap.add_argument("--account")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args()
    groups = set(a.groups.split(",")) if a.groups else None

    want, per_stream, newest = server_events(a.aws_port, groups)
    if a.es:
        got, ids = index_events(a.es, a.account)
    else:
        got, ids = file_events(a.ndjson)
    missing = want - got
    extra = got - want
    dup = sum(c - 1 for c in got.values() if c > 1)
    dup_ids = sum(c - 1 for c in ids.values() if c > 1)
    ok = not missing and not extra and dup == 0 and dup_ids == 0
    print("server %d, index %d, missing %d, extra %d, duplicated %d" % (
        sum(want.values()), sum(got.values()), sum(missing.values()),
        sum(extra.values()), dup + dup_ids))
    for k in list(missing)[:5]:
        print("missing: %s" % (k,))
    for k in list(extra)[:5]:
        print("extra: %s" % (k,))

    if a.registry:
        pos, swept = {}, {}
        with open(a.registry, encoding="utf-8") as f:
            for line in f:
                c = json.loads(line)
                if c["stream"] == "*":
                    swept[c["group"]] = c.get("ts", 0)
                else:
                    pos[(c["group"], c["stream"])] = c.get("n", 0)
        behind = [(s, pos.get(s, 0), n) for s, n in sorted(per_stream.items())
                  if s[0] not in swept and pos.get(s, 0) != n]
        behind += [((g, "*"), swept[g], newest[g] + 1) for g in sorted(swept)
                   if g in newest and swept[g] <= newest[g]]
        print("registry: %d streams, %d not at their end" % (len(per_stream), len(behind)))
        for s, have, n in behind[:5]:
            print("registry: %s:%s at %d of %d" % (s[0], s[1], have, n))
        ok = ok and not behind
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
