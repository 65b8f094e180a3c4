#!/usr/bin/python3
"""The helpers of bench/kinesis.sh.

    kinesis.py seed  --aws URL --groups N --streams N --events N --size N --batch N
    kinesis.py drive --aws URL --groups N --streams N --rate R --seconds S
    kinesis.py lag   --aws URL --es URL --index NAME [--index NAME ...]

seed: N groups of N streams, EVENTS events each of SIZE bytes, put through
the control API (put-batch) BATCH events a put, as PutLogEvents would put
them: the subscription filters deliver one record per put and stream.

drive: RATE events a second for SECONDS, each in a random stream of the
groups, put every 100 ms; messages are unique ("drive N").

lag: for each index, every event of the server's groups exactly once
(matched by group, stream and message), and the lag from the server's
ingestion time to the Elasticsearch server's receive time (_received):
p50, p99 and max, in seconds, one JSON line per index. Exits 1 when an
index misses an event or holds one twice.
"""

import argparse
import json
import random
import sys
import time
import urllib.request


def post(url, path, body):
    req = urllib.request.Request(url.rstrip("/") + path, json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return r.read()


def groups_of(n):
    return ["/bench/kinesis/g%03d" % i for i in range(n)]


def cmd_seed(a):
    puts = []
    for g in groups_of(a.groups):
        for s in range(a.streams):
            for first in range(0, a.events, a.batch):
                n = min(a.batch, a.events - first)
                puts.append({"group": g, "stream": "s%03d" % s, "create": True,
                             "messages": ["%s/s%03d event %09d %s" % (g, s, first + i, "x" * a.size)
                                          [:max(a.size, 40)] for i in range(n)]})
            if len(puts) >= 20:
                post(a.aws, "/_control/put-batch", {"puts": puts})
                puts = []
    if puts:
        post(a.aws, "/_control/put-batch", {"puts": puts})


def cmd_drive(a):
    rng = random.Random(7)
    names = [(g, "s%03d" % s) for g in groups_of(a.groups) for s in range(a.streams)]
    t0, n, seq = time.time(), 0, 0
    while time.time() - t0 < a.seconds:
        due = int((time.time() - t0) * a.rate)
        by = {}
        for _ in range(due - n):
            g, s = rng.choice(names)
            by.setdefault((g, s), []).append("drive %09d" % seq)
            seq += 1
        n = due
        if by:
            post(a.aws, "/_control/put-batch", {"puts": [
                {"group": g, "stream": s, "create": True, "messages": m} for (g, s), m in by.items()]})
        time.sleep(0.1)
    print(json.dumps({"events": seq, "seconds": round(time.time() - t0, 3)}))


def pct(v, q):
    return v[min(len(v) - 1, int(q * (len(v) - 1) + 0.5))] if v else None


def cmd_lag(a):
    held = {}
    with urllib.request.urlopen(urllib.request.Request(a.aws.rstrip("/") + "/_control/dump", b"{}"),
                                timeout=600) as r:
        for line in r:
            e = json.loads(line)
            held[(e["group"], e["stream"], e["message"])] = e["ingestionTime"]
    bad = 0
    for index in a.index:
        seen, lags = {}, []
        with urllib.request.urlopen(a.es.rstrip("/") + "/_control/docs?index=" + index, timeout=600) as r:
            for line in r:
                d = json.loads(line)
                src = d["_source"]
                cw = src["aws"]["cloudwatch"]
                k = (cw["log_group"], cw["log_stream"], src["message"])
                seen[k] = seen.get(k, 0) + 1
                if k in held:
                    lags.append((d["_received"] - held[k]) / 1000.0)  # both ms
        missing = sum(1 for k in held if k not in seen)
        twice = sum(1 for v in seen.values() if v > 1)
        lags.sort()
        out = {"index": index, "events": len(held), "missing": missing, "duplicated": twice,
               "p50": pct(lags, 0.5), "p99": pct(lags, 0.99), "max": lags[-1] if lags else None}
        print(json.dumps(out))
        bad += missing + twice
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seed")
    d = sub.add_parser("drive")
    lg = sub.add_parser("lag")
    for p in (s, d, lg):
        p.add_argument("--aws", required=True)
    for p in (s, d):
        p.add_argument("--groups", type=int, required=True)
        p.add_argument("--streams", type=int, required=True)
    s.add_argument("--events", type=int, required=True)
    s.add_argument("--size", type=int, default=120)
    s.add_argument("--batch", type=int, default=1000)
    d.add_argument("--rate", type=float, required=True)
    d.add_argument("--seconds", type=float, required=True)
    lg.add_argument("--es", required=True)
    lg.add_argument("--index", action="append", required=True)
    a = ap.parse_args()
    return {"seed": cmd_seed, "drive": cmd_drive, "lag": cmd_lag}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
