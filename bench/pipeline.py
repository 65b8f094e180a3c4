#!/usr/bin/python3
"""The helpers of bench/pipeline.sh: the Lambda-like event driver, the
sampler of the programs' CPU and memory, and the report.

    pipeline.py seed   --aws URL --group G --streams N --names FILE
    pipeline.py drive  --aws URL --group G --names FILE --seconds S --out FILE
                       [--active 200] [--rate 200] [--life 40] [--warm 0.7]
                       [--late 0] [--late-min 30] [--late-max 90]
    pipeline.py sample --out FILE --tree LABEL=PID --pids LABEL=PID,PID...
    pipeline.py report --aws URL --es URL --group G --drive FILE --samples FILE[,FILE]
                       --streams N --out FILE [--order O] [--restart-at S] [...]
    pipeline.py scale  FILE

seed: N streams named as Lambda names them (DATE/[$LATEST]HEX, dated the
day before their last event, so before today), one event each, their
last events spread evenly over the 24 hours that end 15 minutes ago: the
containers of the last day, all gone idle.

drive: ACTIVE streams are active at any moment (Lambda containers), at
first ACTIVE of the seeded ones: each stays active for an exponential
time of mean LIFE seconds, then goes idle and another takes its place:
one that went idle in this run (a warm container called again) with
probability WARM, else a new stream (a cold start), named with today's
date as Lambda would, so that it sorts after the older streams in a
listing by name. Events arrive at RATE per second, each in a random active
stream, with a burst of five times the rate for 2 s every 15 s, through
the server's control API (put-batch, every 100 ms); the server sets
each event's ingestion time, the event's timestamp is the driver's clock
up to 100 ms before. With --late F, a fraction F of the batches (the
events of one stream in one put) come late: stamped LATE_MIN to LATE_MAX
seconds before the driver's clock (one draw a batch, the events of the
batch in order), as a client that buffered them would send them; the
server takes them as PutLogEvents does (up to 14 days old), and, with its
stream ordered by timestamp, they go before events already there.
Messages are unique (a sequence number), so that the check can match
each event.

sample: every 250 ms, the utime + stime and VmHWM of each program
(cwl-list, cwl-tail, cwl-ship, cwl-registry) below the process tree of
a pid (the wrapper), or of the pids given; the last sample of each pid
before it ends is kept. Ends when every pid given is gone.

report: checks each index against the server (every event of the run
exactly once, none rewritten; with --restart-at, the documents of ours
rewritten are reported, not checked), computes the lag from ingestion
(aws.cloudwatch.ingestion_time) to the Elasticsearch server's receive
time (_received), the requests per event and per operation from the AWS
server's counters by access key, the events the server put in its
answers to each reader per event indexed (events_returned_by_key), the
request budgets against the times the server saw each request, CPU per
million events and peak RSS (--samples: the files of one or more sampler
runs, comma-separated), and prints the table; appends one JSON line to
--out. Exits 1 when a check failed.

scale: the table by number of streams, from the lines report appended.
"""

import argparse
import bisect
import datetime
import http.client
import json
import os
import random
import signal
import sys
import time
import urllib.parse

PROGS = ("cwl-list", "cwl-tail", "cwl-ship", "cwl-registry")


# --- HTTP -------------------------------------------------------------------

class Client:
    """Keep-alive JSON POSTs and GETs to one server."""

    def __init__(self, url, timeout=600):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = u.hostname, u.port, timeout
        self.conn = None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.conn.request(method, path, body=data,
                                  headers={"Content-Type": "application/json"} if data else {})
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (OSError, http.client.HTTPException):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        if r.status >= 300:
            raise RuntimeError("%s %s: %d %s" % (method, path, r.status, raw[:300].decode("utf-8", "replace")))
        return raw

    def json(self, method, path, body=None):
        return json.loads(self.call(method, path, body))


def die(msg):
    sys.stderr.write("bench: error: %s\n" % msg)
    sys.exit(1)


# --- seed -------------------------------------------------------------------

def lambda_name(rng, ms):
    day = time.strftime("%Y/%m/%d", time.gmtime(ms / 1000))
    return "%s/[$LATEST]%032x" % (day, rng.getrandbits(128))


def cmd_seed(a):
    rng = random.Random(1)
    now = int(time.time() * 1000)
    start = now - 24 * 3600 * 1000 - 15 * 60 * 1000
    span = 24 * 3600 * 1000
    offset = max(span // a.streams, 1)
    names = [lambda_name(rng, start + i * offset - 24 * 3600 * 1000) for i in range(a.streams)]
    aws = Client(a.aws)
    r = aws.json("POST", "/_control/seed", {
        "group": a.group, "stream_names": names, "events": 1, "start": start,
        "stream_offset": offset, "step": 1, "ingestion_delay": 0, "kind": "lambda"})
    with open(a.names, "w") as f:
        f.write("\n".join(names) + "\n")
    print("seeded %d streams in %.1f s" % (r["streams"], r["seconds"]))


# --- drive ------------------------------------------------------------------

def cmd_drive(a):
    names = [n for n in open(a.names).read().split("\n") if n]
    rng = random.Random(2)
    aws = Client(a.aws, timeout=60)
    seeded = names[:]
    rng.shuffle(seeded)
    active = {}     # name: time it goes idle
    warm = []       # went idle in this run
    ever = set()
    last_ts = {}
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))

    def wake(now, n):
        active[n] = now + rng.expovariate(1.0 / a.life)
        ever.add(n)

    t0 = time.time()
    for n in seeded[:a.active]:
        wake(t0, n)
    tick = 0.1
    seq = 0
    puts = 0
    wakes = {"warm": 0, "cold": 0}
    late_events = late_batches = 0
    max_put = 0.0
    per_second = {}
    next_tick = t0
    while not stop[0]:
        now = time.time()
        if now - t0 >= a.seconds:
            break
        for n, until in sorted(active.items()):
            if until <= now:
                del active[n]
                if warm and rng.random() < a.warm:
                    wake(now, warm.pop(rng.randrange(len(warm))))
                    wakes["warm"] += 1
                else:
                    wake(now, lambda_name(rng, now * 1000))
                    wakes["cold"] += 1
                warm.append(n)
        el = now - t0
        rate = a.rate * (5 if el % 15 >= 13 else 1)
        want = rate * tick
        k = int(want) + (1 if rng.random() < want - int(want) else 0)
        streams = list(active)
        batch = {}
        base_ms = int(now * 1000)
        # The streams whose batch of this tick comes late, and by how much.
        back_ms = {}
        for _ in range(k):
            s = streams[rng.randrange(len(streams))]
            if s not in batch and a.late and rng.random() < a.late:
                back_ms[s] = int(rng.uniform(a.late_min, a.late_max) * 1000)
            if s in back_ms:
                ts = base_ms - back_ms[s] - rng.randrange(100)
                late_events += 1
            else:
                ts = max(base_ms - rng.randrange(100), last_ts.get(s, 0))
                last_ts[s] = ts
            batch.setdefault(s, [])
            seq += 1
            msg = ("%s\t%08x-%04x-4000-8000-%012x\tINFO\tprocessed order %d in %d ms seq=%09d"
                   % (time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts / 1000)) + ".%03dZ" % (ts % 1000),
                      seq * 2654435761 % (1 << 32), seq % 65536, seq * 40503 % (1 << 48),
                      seq % 100000, seq % 900, seq))
            batch[s].append({"timestamp": ts, "message": msg})
        late_batches += len(back_ms)
        if batch:
            body = {"puts": [{"group": a.group, "stream": s, "events": sorted(evs, key=lambda e: e["timestamp"])}
                             for s, evs in batch.items()]}
            p0 = time.time()
            aws.call("POST", "/_control/put-batch", body)
            max_put = max(max_put, time.time() - p0)
            puts += 1
            sec = int(now - t0)
            per_second[sec] = per_second.get(sec, 0) + k
        next_tick += tick
        d = next_tick - time.time()
        if d > 0:
            time.sleep(d)
        elif d < -1:
            next_tick = time.time()
    t1 = time.time()
    out = {"start": t0, "end": t1, "events": seq, "requests": puts, "streams": len(names),
           "new_streams": wakes["cold"],
           "active": a.active, "rate": a.rate, "life": a.life, "warm": a.warm,
           "ever_active": sorted(ever), "wakes": wakes, "max_put_s": round(max_put, 3),
           "late": a.late, "late_min": a.late_min, "late_max": a.late_max,
           "late_events": late_events, "late_batches": late_batches,
           "per_second": [per_second.get(i, 0) for i in range(int(t1 - t0) + 1)]}
    with open(a.out, "w") as f:
        json.dump(out, f)
    print("drove %d events in %.1f s (%d put-batch requests, slowest %.3f s); %d streams active at some "
          "point, %d warm and %d cold wake-ups; %d late events in %d batches" % (
              seq, t1 - t0, puts, max_put, len(ever), wakes["warm"], wakes["cold"], late_events, late_batches))


# --- sample -----------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def proc_table():
    """pid: (comm, ppid, utime + stime in ticks) of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                s = f.read().decode("latin-1")
        except OSError:
            continue
        i, j = s.find("("), s.rfind(")")
        rest = s[j + 2:].split()
        out[int(d)] = (s[i + 1:j], int(rest[1]), int(rest[11]) + int(rest[12]))
    return out


def vm(pid):
    """(VmHWM, VmRSS) in kB, or None when the process is gone (a zombie
    has no memory lines: its last sample stands)."""
    try:
        with open("/proc/%d/status" % pid) as f:
            hwm = rss = None
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
            return (hwm, rss) if hwm is not None else None
    except OSError:
        return None


def role(pid, comm, cache):
    """The name a process is reported under: the program, as a stage of the
    pipeline; the wrapper's reads of the config through a program
    (--check-config, --config-value, --config-ms) and cwl-registry get
    apart, as "cwl-registry get, config", so that they are not taken for
    restarts; the wrapper's shells as "wrapper (bash)"; None for anything
    else."""
    if comm.startswith("cloudwatchlogs"):
        return "wrapper (bash)"
    if comm not in PROGS:
        return None
    if pid not in cache:
        try:
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                args = f.read().split(b"\0")
        except OSError:
            args = []
        config = any(x == b"--check-config" or x.startswith(b"--config-") for x in args)
        if comm == "cwl-registry":
            config = config or b"put" not in args
        cache[pid] = "cwl-registry get, config" if config else comm
    return cache[pid]


def cmd_sample(a):
    trees = dict(t.split("=", 1) for t in a.tree)
    trees = {k: int(v) for k, v in trees.items()}
    pids = {}
    for p in a.pids:
        label, _, ps = p.partition("=")
        pids[label] = [int(x) for x in ps.split(",") if x]
    seen = {}   # (label, pid): {prog, cpu, hwm, rss}
    series = {}  # label: {prog: [[ms, CPU s of all its processes so far]]}
    roles = {}
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    while not stop[0]:
        tab = proc_table()
        kids = {}
        for pid, (_, ppid, _) in tab.items():
            kids.setdefault(ppid, []).append(pid)
        alive = 0
        for label, root in trees.items():
            if root not in tab:
                continue
            alive += 1
            pending = [root]
            while pending:
                p = pending.pop()
                pending.extend(kids.get(p, ()))
                prog = role(p, tab[p][0], roles)
                if prog:
                    m = vm(p)
                    if m:
                        seen[(label, p)] = {"prog": prog, "cpu": tab[p][2], "hwm": m[0], "rss": m[1]}
        for label, ps in pids.items():
            for p in ps:
                if p in tab:
                    alive += 1
                    prog = role(p, tab[p][0], roles)
                    m = vm(p)
                    if m and prog:
                        seen[(label, p)] = {"prog": prog, "cpu": tab[p][2], "hwm": m[0], "rss": m[1]}
        now_ms = int(time.time() * 1000)
        tot = {}
        for (label, _), v in seen.items():
            key = (label, v["prog"])
            tot[key] = tot.get(key, 0) + v["cpu"] / TICK
        for (label, prog), cpu in tot.items():
            series.setdefault(label, {}).setdefault(prog, []).append([now_ms, round(cpu, 3)])
        if not alive:
            break
        time.sleep(0.25)
    out = {}
    for (label, pid), v in seen.items():
        d = out.setdefault(label, {}).setdefault(v["prog"], {"cpu_s": 0.0, "hwm_kb": 0, "pids": 0})
        d["cpu_s"] += v["cpu"] / TICK
        d["hwm_kb"] = max(d["hwm_kb"], v["hwm"])
        d["pids"] += 1
    for label, progs in series.items():
        for prog, s in progs.items():
            if label in out and prog in out[label]:
                out[label][prog]["series"] = s
    with open(a.out, "w") as f:
        json.dump(out, f)


# --- report -----------------------------------------------------------------

def iso_ms(s):
    d = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(d.timestamp()) * 1000 + d.microsecond // 1000


def pct(sorted_vals, q):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


def server_events(aws, group, since_ms):
    """(group, stream, ts, message): ingestion ms, of the events ingested
    at or after since_ms (those of the run)."""
    raw = aws.call("POST", "/_control/dump", {"group": group})
    out = {}
    for line in raw.splitlines():
        e = json.loads(line)
        if e["ingestionTime"] >= since_ms:
            out[(e["group"], e["stream"], e["timestamp"], e["message"])] = e["ingestionTime"]
    return out


def index_docs(es, index):
    raw = es.call("GET", "/_control/docs?index=" + urllib.parse.quote(index))
    docs = []
    for line in raw.splitlines():
        d = json.loads(line)
        s = d["_source"]
        cw = s["aws"]["cloudwatch"]
        docs.append({"key": (cw["log_group"], cw["log_stream"], iso_ms(s["@timestamp"]), s["message"]),
                     "ingest": iso_ms(cw["ingestion_time"]), "received": d["_received"],
                     "version": d["_version"], "id": d["_id"]})
    return docs


def check(want, docs, rewrites_expected=False):
    got = {}
    for d in docs:
        got[d["key"]] = got.get(d["key"], 0) + 1
    missing = sum(1 for k in want if k not in got)
    extra = sum(n for k, n in got.items() if k not in want)
    dup = sum(n - 1 for n in got.values() if n > 1)
    ids = {}
    for d in docs:
        ids[d["id"]] = ids.get(d["id"], 0) + 1
    dup += sum(n - 1 for n in ids.values() if n > 1)
    rewritten = sum(1 for d in docs if d["version"] > 1)
    return {"server": len(want), "index": len(docs), "missing": missing, "extra": extra,
            "duplicated": dup, "rewritten": rewritten, "rewrites_expected": rewrites_expected,
            "ok": missing == 0 and extra == 0 and dup == 0 and (rewritten == 0 or rewrites_expected)}


def lags(docs, t_mid_ms):
    all_l = sorted(d["received"] - d["ingest"] for d in docs)
    late = sorted(d["received"] - d["ingest"] for d in docs if d["ingest"] >= t_mid_ms)
    return {"p50": pct(all_l, 0.5) / 1000, "p99": pct(all_l, 0.99) / 1000,
            "max": (all_l[-1] / 1000 if all_l else float("nan")),
            "p50_late": pct(late, 0.5) / 1000, "p99_late": pct(late, 0.99) / 1000}


def bucket_depth(times, rate):
    """The smallest depth a token bucket of this rate needs to have let
    these requests through: max over i <= j of (j - i + 1) - rate (t_j - t_i)."""
    best, low = 0.0, None
    for j, t in enumerate(sorted(times)):
        v = j - rate * t
        low = v if low is None or v < low else low
        best = max(best, v - low + 1)
    return best


def peak_1s(times):
    ts = sorted(times)
    best = 0
    for i, t in enumerate(ts):
        best = max(best, bisect.bisect_right(ts, t + 1.0) - i)
    return best


def parse_kv(s):
    out = {}
    for part in (s or "").split(","):
        if part:
            k, _, v = part.partition("=")
            out[k] = float(v)
    return out


OPS = {"get": "GetLogEvents", "filter": "FilterLogEvents", "describe": "DescribeLogStreams"}


def merge_samples(paths):
    """The samples of several sampler runs (a wrapper started twice): CPU
    and processes added, the peak RSS the largest, and the CPU series of
    each run kept apart (cpu_at adds them)."""
    out = {}
    for path in paths:
        for label, progs in json.load(open(path)).items():
            for prog, v in progs.items():
                d = out.setdefault(label, {}).setdefault(prog, {"cpu_s": 0.0, "hwm_kb": 0, "pids": 0,
                                                              "series": []})
                d["cpu_s"] += v["cpu_s"]
                d["hwm_kb"] = max(d["hwm_kb"], v["hwm_kb"])
                d["pids"] += v["pids"]
                if v.get("series"):
                    d["series"].append(v["series"])
    return out


def cpu_at(prog, t_ms):
    """The CPU seconds a program had used at t_ms, over every run of it:
    each run's last sample at or before t_ms (none yet: 0). None when the
    sampler kept no series."""
    if not prog or not prog.get("series"):
        return None
    total = 0.0
    for s in prog["series"]:
        before = [cpu for t, cpu in s if t <= t_ms]
        total += before[-1] if before else 0.0
    return total


def cmd_report(a):
    aws = Client(a.aws)
    es = Client(a.es)
    drive = json.load(open(a.drive))
    samples = merge_samples(a.samples.split(","))
    since = int(drive["start"] * 1000)
    want = server_events(aws, a.group, since)
    if len(want) != drive["events"]:
        die("the server holds %d events of the run, the driver put %d" % (len(want), drive["events"]))
    st = aws.json("POST", "/_control/stats", {"brief": True, "times": True, "get_by_stream": True})
    if "events_returned_by_key" not in st:
        die("the AWS server does not count the events of its answers (events_returned_by_key)")
    t_mid = since + int((drive["end"] - drive["start"]) * 500)
    pipes = [("ours", a.ours_index, a.ours_key, parse_kv(a.ours_budget)),
             ("base", a.base_index, a.base_key, parse_kv(a.base_budget))]
    res = {"streams": a.streams, "seconds": round(drive["end"] - drive["start"], 1),
           "events": drive["events"], "active": drive["active"], "rate": drive["rate"],
           "wakes": drive["wakes"], "new_streams": drive["new_streams"], "cpus": os.cpu_count(),
           "throttles": st.get("throttles", {}), "base_scan": a.base_scan, "base_latency": a.base_latency,
           "order": a.order, "late": drive.get("late", 0), "late_min": drive.get("late_min"),
           "late_max": drive.get("late_max"), "late_events": drive.get("late_events", 0),
           "late_batches": drive.get("late_batches", 0), "restart_at": a.restart_at}
    span_end = {}
    for label, index, key, budget in pipes:
        docs = index_docs(es, index)
        if os.environ.get("BENCH_KEEP_DIR"):
            # what each document's lag is made of, for a closer look
            with open(os.path.join(os.environ["BENCH_KEEP_DIR"], "docs-%s.ndjson" % label), "w") as f:
                for d in docs:
                    f.write(json.dumps({"stream": d["key"][1], "ts": d["key"][2], "ingest": d["ingest"],
                                        "received": d["received"], "version": d["version"]}) + "\n")
            # and the events of the run it does not hold
            held = set(d["key"] for d in docs)
            with open(os.path.join(os.environ["BENCH_KEEP_DIR"], "missing-%s.ndjson" % label), "w") as f:
                for k in sorted(k for k in want if k not in held):
                    f.write(json.dumps({"stream": k[1], "ts": k[2], "message": k[3],
                                        "ingest": want[k]}) + "\n")
        r = {"check": check(want, docs, label == "ours" and a.restart_at is not None), "lag": lags(docs, t_mid)}
        last = max((d["received"] for d in docs), default=since)
        span_end[label] = last
        r["events_per_s"] = len(docs) / max((last - since) / 1000.0, 1e-9)
        reqs = st.get("requests_by_key", {}).get(key, {})
        r["requests"] = reqs
        r["req_per_event"] = {op: reqs.get(op, 0) / max(len(want), 1) for op in OPS.values()}
        r["req_per_event_all"] = sum(reqs.get(op, 0) for op in OPS.values()) / max(len(want), 1)
        # Events the server put in its answers to this reader, per event indexed.
        got = st.get("events_returned_by_key", {}).get(key, {})
        r["events_returned"] = got
        r["read_per_indexed"] = sum(got.values()) / len(docs) if docs else None
        times = st.get("times", {}).get(key, {})
        r["budget"] = {}
        for short, op in OPS.items():
            ts = times.get(op, [])
            rate = budget.get(short)
            if not ts:
                continue
            dur = max(ts) - min(ts)
            entry = {"n": len(ts), "avg": len(ts) / dur if dur > 0 else 0.0, "peak_1s": peak_1s(ts)}
            if rate:
                need = bucket_depth([t - ts[0] for t in ts], rate)
                entry.update({"budget": rate, "depth_needed": round(need, 2),
                              "depth_allowed": max(rate, 1.0),
                              "ok": need <= max(rate, 1.0) + 1.0})
            r["budget"][op] = entry
        r["progs"] = samples.get(label, {})
        # CPU until this reader's last event was indexed: what the events
        # cost, less the polling of the drain that follows them
        r["cpu_until_last"] = {p: cpu_at(v, last) for p, v in r["progs"].items()}
        res[label] = r
    # GetLogEvents of the streams that stayed idle all the run (ours only).
    ever = set(drive["ever_active"])
    gb = st.get("get_by_stream", {}).get(a.group, {})
    idle_n = drive["streams"] - (len(ever) - drive["new_streams"])
    idle_req = sum(n for s, n in gb.items() if s not in ever)
    idle_hit = sum(1 for s in gb if s not in ever)
    minutes = (max(span_end.values()) - since) / 60000.0
    res["idle"] = {"streams": idle_n, "get_requests": idle_req, "streams_polled": idle_hit,
                   "get_per_stream_min": idle_req / max(idle_n, 1) / max(minutes, 1e-9),
                   "describe_per_stream_min": res["ours"]["requests"].get("DescribeLogStreams", 0)
                   / max(drive["streams"], 1) / max(minutes, 1e-9),
                   "minutes": minutes,
                   "get_empty": st.get("get_empty", 0),
                   "get_total": res["ours"]["requests"].get("GetLogEvents", 0)}
    with open(a.out, "a") as f:
        f.write(json.dumps(res) + "\n")
    print_report(res)
    names = {"ours": "cloudwatchlogsbeat", "base": "the baseline"}
    bad = [names[label] for label, _, _, _ in pipes if not res[label]["check"]["ok"]]
    over = ["%s %s" % (names[label], op) for label, _, _, _ in pipes
            for op, b in res[label]["budget"].items() if b.get("ok") is False]
    if over:
        print("bench: over budget: %s" % ", ".join(over))
    if bad:
        print("bench: check failed for %s" % ", ".join(bad))
        sys.exit(1)


def fmt(v, spec="%.2f"):
    if v is None or v != v:
        return "-"
    return spec % v


def ratio(b, o):
    if not o or b is None or o != o or b != b:
        return "-"
    return "%.1fx" % (b / o)


def print_report(r):
    o, b = r["ours"], r["base"]
    print()
    print("%d streams (%d active at a time), %.0f s of events: %d events, %d warm wake-ups, %d new streams; "
          "%d CPUs" % (r["streams"], r["active"], r["seconds"], r["events"], r["wakes"]["warm"],
                       r["wakes"]["cold"], r["cpus"]))
    print("baseline: FilterLogEvents every %s, latency %s" % (r["base_scan"], r["base_latency"]))
    late = ("%d late events in %d batches (%.0f%% of batches stamped %g-%g s back)"
            % (r["late_events"], r["late_batches"], 100 * r["late"], r["late_min"], r["late_max"])
            if r.get("late") else "no late events")
    print("AWS server: streams in %s order; %s%s" % (
        r.get("order", "ingestion"), late,
        "; cloudwatchlogsbeat stopped (SIGTERM) and started again at %.0f s" % r["restart_at"]
        if r.get("restart_at") is not None else ""))
    print("%-40s %18s %16s %9s" % ("figure", "cloudwatchlogsbeat", "baseline", "base/ours"))
    rows = [("events/s sustained", o["events_per_s"], b["events_per_s"], "%.0f"),
            ("lag p50 s", o["lag"]["p50"], b["lag"]["p50"], "%.2f"),
            ("lag p99 s", o["lag"]["p99"], b["lag"]["p99"], "%.2f"),
            ("lag max s", o["lag"]["max"], b["lag"]["max"], "%.2f"),
            ("lag p50 s, events of the 2nd half", o["lag"]["p50_late"], b["lag"]["p50_late"], "%.2f"),
            ("lag p99 s, events of the 2nd half", o["lag"]["p99_late"], b["lag"]["p99_late"], "%.2f")]
    for op in OPS.values():
        rows.append(("%s per event" % op, o["req_per_event"][op], b["req_per_event"][op], "%.4f"))
    rows.append(("API requests per event", o["req_per_event_all"], b["req_per_event_all"], "%.4f"))
    rows.append(("events read per event indexed", o.get("read_per_indexed"), b.get("read_per_indexed"), "%.2f"))
    rows.append(("rewritten (written more than once)", o["check"]["rewritten"], b["check"]["rewritten"], "%d"))
    for p in PROGS + ("cwl-registry get, config", "wrapper (bash)"):
        po, pb = o["progs"].get(p), b["progs"].get(p)
        if not po and not pb:
            continue
        cpu = lambda x: x["cpu_s"] / max(r["events"], 1) * 1e6 if x else None
        rss = lambda x: x["hwm_kb"] / 1024.0 if x else None
        rows.append(("%s CPU s/1M events" % p, cpu(po), cpu(pb), "%.1f"))
        if p == "cwl-tail":
            until = lambda x: (x["cpu_until_last"].get(p) / max(r["events"], 1) * 1e6
                               if x["cpu_until_last"].get(p) is not None else None)
            rows.append(("%s CPU s/1M events, to the last indexed" % p, until(o), until(b), "%.1f"))
        rows.append(("%s peak RSS MB" % p, rss(po), rss(pb), "%.1f"))
    for name, vo, vb, spec in rows:
        print("%-40s %18s %16s %9s" % (name, fmt(vo, spec), fmt(vb, spec), ratio(vb, vo)))
    i = r["idle"]
    print("idle streams: %d; GetLogEvents to them: %d (%d streams), %.4f per idle stream per minute; "
          "DescribeLogStreams: %.4f per stream per minute"
          % (i["streams"], i["get_requests"], i["streams_polled"], i["get_per_stream_min"],
             i["describe_per_stream_min"]))
    print("GetLogEvents answers with no event: %d of %d (%.0f%%)" % (
        i["get_empty"], i["get_total"], 100.0 * i["get_empty"] / max(i["get_total"], 1)))
    for label, x in (("cloudwatchlogsbeat", o), ("baseline", b)):
        for op, e in x["budget"].items():
            if "budget" in e:
                print("budget %s %s: %d requests, %.2f/s on average, at most %d in 1 s; budget %g/s: "
                      "bucket depth needed %.1f of %.0f: %s" % (
                          label, op, e["n"], e["avg"], e["peak_1s"], e["budget"], e["depth_needed"],
                          e["depth_allowed"], "ok" if e["ok"] else "OVER"))
    if r.get("throttles"):
        print("throttled by the server's quotas: %s" % json.dumps(r["throttles"]))
    for label, x in (("cloudwatchlogsbeat", o), ("baseline", b)):
        c = x["check"]
        print("check %s: server %d, index %d, missing %d, extra %d, duplicated %d, rewritten %d%s: %s" % (
            label, c["server"], c["index"], c["missing"], c["extra"], c["duplicated"], c["rewritten"],
            " (restarted: reported, not checked)" if c.get("rewrites_expected") else "",
            "ok" if c["ok"] else "FAILED"))
        restarts = [p for p, v in x["progs"].items() if p in PROGS and v.get("pids", 1) > 1]
        if restarts:
            print("restarted during the run (%s): %s" % (label, ", ".join(restarts)))


def cmd_scale(a):
    rows = [json.loads(l) for l in open(a.file) if l.strip()]
    if not rows:
        return
    rows.sort(key=lambda r: r["streams"])
    print()
    print("cloudwatchlogsbeat by number of streams (%d active at a time); beside, the lag of the baseline "
          "(a query every %s, latency %s)" % (rows[0]["active"], rows[0]["base_scan"], rows[0]["base_latency"]))
    print("AWS server order: %s; late batches: %.0f%%" % (rows[0].get("order", "ingestion"),
                                                           100 * rows[0].get("late", 0)))
    head = ("streams", "ev/s", "p50 s", "p99 s", "max s", "base p50", "base p99", "Get/ev", "Desc/ev",
            "read/idx", "idleGet/min", "Desc/str/min", "list MB", "tail MB", "ship MB", "reg MB")
    print(("%8s %6s %7s %7s %7s %8s %8s %7s %7s %8s %11s %12s %7s %7s %7s %7s") % head)
    for r in rows:
        o, i = r["ours"], r["idle"]
        mb = lambda p: o["progs"].get(p, {}).get("hwm_kb", 0) / 1024.0
        print("%8d %6.0f %7.2f %7.2f %7.2f %8.2f %8.2f %7.3f %7.3f %8s %11.4f %12.4f %7.1f %7.1f %7.1f %7.1f" % (
            r["streams"], o["events_per_s"], o["lag"]["p50"], o["lag"]["p99"], o["lag"]["max"],
            r["base"]["lag"]["p50"], r["base"]["lag"]["p99"],
            o["req_per_event"]["GetLogEvents"], o["req_per_event"]["DescribeLogStreams"],
            fmt(o.get("read_per_indexed")),
            i["get_per_stream_min"], i["describe_per_stream_min"],
            mb("cwl-list"), mb("cwl-tail"), mb("cwl-ship"), mb("cwl-registry")))
    for x, y in zip(rows, rows[1:]):
        dn = y["streams"] - x["streams"]
        if dn <= 0:
            continue
        per = []
        for p in ("cwl-list", "cwl-tail"):
            d = (y["ours"]["progs"].get(p, {}).get("hwm_kb", 0) -
                 x["ours"]["progs"].get(p, {}).get("hwm_kb", 0)) * 1024.0 / dn
            per.append("%s %.0f B" % (p, d))
        print("memory per stream, %d -> %d streams: %s" % (x["streams"], y["streams"], ", ".join(per)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("seed")
    p.add_argument("--aws", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--streams", type=int, required=True)
    p.add_argument("--names", required=True)
    p = sub.add_parser("drive")
    p.add_argument("--aws", required=True)
    p.add_argument("--group", required=True)
    p.add_argument("--names", required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--active", type=int, default=200)
    p.add_argument("--rate", type=float, default=200)
    p.add_argument("--life", type=float, default=40)
    p.add_argument("--warm", type=float, default=0.7)
    p.add_argument("--late", type=float, default=0.0, help="fraction of the batches that come late")
    p.add_argument("--late-min", type=float, default=30.0, help="seconds")
    p.add_argument("--late-max", type=float, default=90.0, help="seconds")
    p = sub.add_parser("sample")
    p.add_argument("--out", required=True)
    p.add_argument("--tree", action="append", default=[])
    p.add_argument("--pids", action="append", default=[])
    p = sub.add_parser("report")
    for k in ("aws", "es", "group", "drive", "samples", "out"):
        p.add_argument("--" + k, required=True)
    p.add_argument("--streams", type=int, required=True)
    p.add_argument("--ours-index", default="cwlbeat")
    p.add_argument("--base-index", default="baseline")
    p.add_argument("--ours-key", required=True)
    p.add_argument("--base-key", required=True)
    p.add_argument("--ours-budget", default="get=10,filter=2,describe=4")
    p.add_argument("--base-budget", default="filter=5")
    p.add_argument("--base-scan", default="10s")
    p.add_argument("--base-latency", default="2s")
    p.add_argument("--order", default="timestamp", help="the AWS server's --logs-order")
    p.add_argument("--restart-at", type=float, help="seconds into the run the wrapper was restarted")
    p = sub.add_parser("scale")
    p.add_argument("file")
    a = ap.parse_args()
    {"seed": cmd_seed, "drive": cmd_drive, "sample": cmd_sample, "report": cmd_report,
     "scale": cmd_scale}[a.cmd](a)


if __name__ == "__main__":
    main()
