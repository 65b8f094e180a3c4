"""CloudWatch Logs (JSON 1.1, X-Amz-Target Logs_20140328.*) for the local
AWS server: groups, streams, PutLogEvents, the describe calls and the two
ways of reading events, with AWS's paging limits.

How a stream is held: its events in ingestion order (arrays of timestamps,
ingestion times, sizes, and Messages), and, once an event came with an
older timestamp than one before it, the same positions sorted by
(timestamp, ingestion order), kept up to date as events come (each late
one inserted in its place). eventIds are made of the timestamp, the
stream's serial and the position in ingestion order.

AWS documents neither the order GetLogEvents serves a stream in nor what
its tokens are; its console shows a stream by timestamp and users report
bursts skipped by a client that follows nextForwardToken, while
PutLogEvents takes events up to 14 days old. So the order is a switch
(--logs-order, Settings.logs_order):

  timestamp  (the default, the cautious assumption) the stream by
             (timestamp, ingestion order); a forward or backward token is
             a place in that order, held as the event it follows (as
             AWS's 56 digits are as long as an eventId). A late event goes
             in at its place, which may be before the place a follower's
             token has passed: following nextForwardToken never gets it,
             and gets no event twice. startTime and endTime select by
             timestamp.
  ingestion  the stream in the order its events came; a token is a
             position in that list, so a late event is appended at the end
             and a client that follows nextForwardToken still gets it
             (after events with newer timestamps); only a client that
             searches by time (startTime, FilterLogEvents) can miss it.

Under both, a token comes back unchanged at the end of the stream, pages
hold at most 10,000 events and 1 MB (at least one event), and the
empty-pages and token-ttl switches apply.

FilterLogEvents orders the events of a group by timestamp, then ingestion
time. Its nextToken (--filter-token) holds the key of the last event
passed (key, the default: an event inserted before it later is skipped,
none is served twice), or its position (position): how many events of
the window were passed, counted again at each request, so that an event
inserted before that place moves the page boundary: the next page
repeats the event before it and never serves the inserted one. Its
endTime (--filter-end) leaves out the events stamped at it (exclusive,
the default, as users measure AWS doing), or takes them (inclusive, as
AWS's reference says).

With --token-window check, every nextToken (GetLogEvents, FilterLogEvents,
DescribeLogStreams, DescribeLogGroups) is valid only with the parameters
of the request it came from, limit aside (and startFromHead true with a
nextForwardToken, which GetLogEvents's reference asks for), as an SDK
paginator resends them; any other use gets InvalidParameterException "The
specified nextToken is invalid.". With free (the default), a token may be
sent with other parameters, which then apply from its place on.

PutLogEvents: at most 10,000 events and 1,048,576 bytes a batch, counted
as the UTF-8 bytes of the messages plus 26 per event; "Each log event can
be no larger than 1 MB", counted the same way.

Messages keep the bytes they were given: invalid UTF-8 is held with
Python's surrogateescape and served, as AWS serves it, with each invalid
byte replaced by U+FFFD (see aws_common.wire)."""

import base64
import hashlib
import heapq
import itertools
import json
import random
import re
import threading
import time
import uuid
from array import array
from bisect import bisect_left, bisect_right

from aws_common import AwsError, decode_token, encode_token, jstr, now_ms, raw_bytes, wire
from aws_logs_filter import compile_pattern

MAX_PAGE_EVENTS = 10000
MAX_PAGE_BYTES = 1048576
MAX_BATCH_BYTES = 1048576
# "Each log event can be no larger than 1 MB" (PutLogEvents, 2025; it was
# 256 KB): counted as in a batch, UTF-8 bytes + 26, so that one event may
# fill a batch, and a page, alone.
MAX_EVENT_BYTES = 1048576
EVENT_OVERHEAD = 26
DESCRIBE_LIMIT = 50
DAY_MS = 86400 * 1000
GROUP_RX = re.compile(r"[\.\-_/#A-Za-z0-9]+\Z")
STREAM_RX = re.compile(r"[^:*]*\Z")
GTOKEN_RX = re.compile(r"([fb])/(\d{56})/s\Z")
# What a nextToken is not bound to under --token-window check, and the
# defaults a request may leave out.
UNBOUND = {"nextToken", "limit", "interleaved"}
PARAM_DEFAULTS = {"startFromHead": False, "descending": False, "orderBy": "LogStreamName", "unmask": False}
RETENTION_DAYS = {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
                  1096, 1827, 2192, 2557, 2922, 3288, 3653}


def invalid(msg):
    return AwsError("InvalidParameterException", msg)


def constraint(value, member, rule):
    shown = "null" if value is None else "'%s'" % value
    return invalid("1 validation error detected: Value %s at '%s' failed to satisfy "
                   "constraint: %s" % (shown, member, rule))


def _same(i):
    return i


def event_size(msg):
    return (len(msg) if msg.isascii() else len(raw_bytes(msg))) + EVENT_OVERHEAD


class Messages:
    """The messages of a stream: a list, except that a seeded run of events
    can be held as a function of the event's number and made on demand."""

    __slots__ = ("starts", "segs", "n")

    def __init__(self):
        self.starts = []   # first position of each segment
        self.segs = []     # a list of str, or (fn, first number)
        self.n = 0

    def __len__(self):
        return self.n

    def extend(self, msgs):
        if self.segs and isinstance(self.segs[-1], list):
            self.segs[-1].extend(msgs)
        else:
            self.starts.append(self.n)
            self.segs.append(list(msgs))
        self.n += len(msgs)

    def extend_lazy(self, fn, first, count):
        self.starts.append(self.n)
        self.segs.append((fn, first))
        self.n += count

    def __getitem__(self, p):
        if p < 0:
            p += self.n
        if not 0 <= p < self.n:
            raise IndexError(p)
        k = bisect_right(self.starts, p) - 1
        seg = self.segs[k]
        if isinstance(seg, list):
            return seg[p - self.starts[k]]
        return seg[0](seg[1] + p - self.starts[k])


class Stream:
    __slots__ = ("group", "name", "serial", "created", "ts", "it", "size", "msg",
                 "maxts", "min_ts", "in_order", "_order")

    def __init__(self, group, name, serial, created):
        self.group = group
        self.name = name
        self.serial = serial
        self.created = created
        self.ts = array("q")      # timestamps, in ingestion order
        self.it = array("q")      # ingestion times (never decreasing)
        self.size = array("q")    # UTF-8 bytes + 26, as AWS counts
        self.msg = Messages()
        self.maxts = array("q")   # running maximum of ts: lastEventTimestamp
        self.min_ts = None
        self.in_order = True      # timestamps never decreased so far
        self._order = None        # once they did: order(), kept up to date

    def __len__(self):
        return len(self.ts)

    def append(self, tss, its, msgs, sizes, ordered=None):
        """Append events; msgs is a list, or (fn, first number) made on demand."""
        n = len(tss)
        if not n:
            return
        start = len(self.ts)
        prev = self.ts[-1] if self.ts else None
        if ordered is None:
            ordered = all(a <= b for a, b in zip(tss, itertools.islice(tss, 1, None)))
        ordered = ordered and (prev is None or prev <= tss[0])
        was_in_order = self.in_order
        if not ordered:
            self.in_order = False
        # maxts is a running maximum: a batch in order after the last
        # event ingested may still be older than a newer event before it
        if ordered and (not self.maxts or self.maxts[-1] <= tss[0]):
            self.maxts.extend(tss if isinstance(tss, array) else array("q", tss))
        else:
            first = self.maxts[-1] if self.maxts else tss[0]
            self.maxts.extend(array("q", itertools.accumulate(tss, max, initial=first))[1:])
        self.ts.extend(tss if isinstance(tss, array) else array("q", tss))
        self.it.extend(its if isinstance(its, array) else array("q", its))
        self.size.extend(sizes if isinstance(sizes, array) else array("q", sizes))
        if isinstance(msgs, tuple):
            self.msg.extend_lazy(msgs[0], msgs[1], n)
        else:
            self.msg.extend(msgs)
        lo = min(tss)
        self.min_ts = lo if self.min_ts is None else min(self.min_ts, lo)
        if not (was_in_order and ordered):
            self._sort_in(start, was_in_order)

    def _sort_in(self, start, was_in_order):
        """Places the events from position start on in the order by
        (timestamp, ingestion order): each goes after every event of its
        timestamp or before, as late events are a minority, one by one."""
        if was_in_order:
            self._order = array("q", range(start))
        o, ts = self._order, self.ts
        for q in range(start, len(ts)):
            t = ts[q]
            if not o or ts[o[-1]] <= t:
                o.append(q)
            else:
                o.insert(bisect_right(o, t, key=ts.__getitem__), q)

    def order(self):
        """Positions (ingestion order) sorted by (timestamp, ingestion order)."""
        return range(len(self.ts)) if self.in_order else self._order

    def rank(self, q):
        """The index of position q in order()."""
        if self.in_order:
            return q
        ts = self.ts
        return bisect_left(self._order, (ts[q], q), key=lambda r: (ts[r], r))

    def event_id(self, p):
        return "%020d%012d%024d" % (max(self.ts[p], 0), self.serial, p)


ACCOUNT_RX = re.compile(r"\d{12}\Z")
ACCOUNTS_MAX = 20


class Group:
    __slots__ = ("name", "account", "created", "retention", "streams", "kms", "sorted_names")

    def __init__(self, name, created, account=None):
        self.name = name
        self.account = account  # a linked source account's id; None: the server's own
        self.created = created
        self.retention = None
        self.streams = {}
        self.kms = None
        self.sorted_names = None  # (key, the stream names sorted), see _names


class LogsStore:
    on_append = staticmethod(lambda g, st, n: None)  # (group, stream, events appended): subscriptions

    def __init__(self, settings):
        self.settings = settings
        self.lock = threading.RLock()
        self.empty_pages_served = 0
        self._note = None
        self.reset()

    def reset(self):
        with self.lock:
            self.groups = {}
            self.serial = 0
            self.empty_pages_served = 0
            self.get_calls = {}   # (group, stream): GetLogEvents requests
            self.get_empty = 0    # GetLogEvents answers without an event

    def _names(self, g):
        """The names of g's streams, sorted; kept until a stream comes or
        goes (a new stream takes a new serial, a deleted one shrinks the
        dict), so that listing a group of 50,000 streams page by page does
        not sort them all for every page."""
        key = (len(g.streams), self.serial)
        if g.sorted_names is None or g.sorted_names[0] != key:
            g.sorted_names = (key, sorted(g.streams))
        return g.sorted_names[1]

    # --- helpers ------------------------------------------------------------

    def _arn(self, kind, name, stream=None, account=None):
        s = self.settings
        arn = "arn:aws:logs:%s:%s:log-group:%s" % (s.region, account or s.account, name)
        if kind == "stream":
            arn += ":log-stream:" + stream
        return arn

    def _key(self, name, account=None):
        """The key of a group in self.groups: its name in the server's own
        account (Settings.account), "ACCOUNT:NAME" in a linked source
        account (log group names hold no ':')."""
        if isinstance(account, int) and not isinstance(account, bool) and 0 <= account < 10 ** 12:
            account = "%012d" % account  # awsctl --account 111122223333
        if account is None or account == self.settings.account:
            return name
        if not isinstance(account, str) or not ACCOUNT_RX.match(account):
            raise invalid("Invalid account id: %s" % account)
        return "%s:%s" % (account, name)

    def _new_group(self, key):
        account, _, name = key.rpartition(":")
        g = Group(name, now_ms(), account or None)
        self.groups[key] = g
        return g

    def _new_stream(self, g, name):
        self.serial += 1
        st = Stream(g.name, name, self.serial, now_ms())
        g.streams[name] = st
        return st

    def _group_name(self, p, required=True):
        name, ident = p.get("logGroupName"), p.get("logGroupIdentifier")
        if name is not None and ident is not None:
            raise invalid("LogGroup name and LogGroup ARN are mutually exclusive parameters.")
        if ident is not None:
            if not isinstance(ident, str) or not ident:
                raise constraint(ident, "logGroupIdentifier", "Member must have length greater than or equal to 1")
            if ident.startswith("arn:"):
                m = re.match(r"arn:[^:]+:logs:[^:]*:([^:]*):log-group:([^:]+)(:\*)?\Z", ident)
                if not m:
                    raise invalid("Invalid log group ARN: " + ident)
                # "If the log group is in a source account and you are using
                # a monitoring account, you must use the log group ARN."
                return self._key(m.group(2), m.group(1))
            # a name: only ever the server's own account's group
            return ident
        if name is None:
            if required:
                raise constraint(None, "logGroupName", "Member must not be null")
            return None
        self._check_group_name(name)
        return name

    def _check_group_name(self, name):
        if not isinstance(name, str):
            raise AwsError("SerializationException", "Start of structure or map found where not expected.")
        if not 1 <= len(name) <= 512:
            raise constraint(name, "logGroupName", "Member must have length less than or equal to 512"
                             if name else "Member must have length greater than or equal to 1")
        if not GROUP_RX.match(name):
            raise constraint(name, "logGroupName",
                             "Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")

    def _check_stream_name(self, name, member="logStreamName"):
        if name is None:
            raise constraint(None, member, "Member must not be null")
        if not isinstance(name, str):
            raise AwsError("SerializationException", "Start of structure or map found where not expected.")
        if not 1 <= len(name) <= 512:
            raise constraint(name, member, "Member must have length greater than or equal to 1"
                             if not name else "Member must have length less than or equal to 512")
        if not STREAM_RX.match(name):
            raise constraint(name, member, "Member must satisfy regular expression pattern: [^:*]*")

    def _group(self, name):
        g = self.groups.get(name)
        if g is None:
            raise AwsError("ResourceNotFoundException", "The specified log group does not exist.")
        return g

    def _stream(self, g, name):
        st = g.streams.get(name)
        if st is None:
            raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.")
        return st

    @staticmethod
    def _int(p, name, lo, hi, default):
        v = p.get(name)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            raise AwsError("SerializationException", "NUMBER_VALUE can not be converted to an Integer"
                           if isinstance(v, float) else "Unexpected value for %s" % name)
        if lo is not None and v < lo:
            raise constraint(v, name, "Member must have value greater than or equal to %d" % lo)
        if hi is not None and v > hi:
            raise constraint(v, name, "Member must have value less than or equal to %d" % hi)
        return v

    @staticmethod
    def _bool(p, name, default=False):
        v = p.get(name)
        if v is None:
            return default
        if not isinstance(v, bool):
            raise AwsError("SerializationException", "Unexpected value for %s" % name)
        return v

    def _token_age_ok(self, issued):
        ttl = self.settings.token_ttl
        if ttl and time.time() - issued > ttl:
            raise invalid("The specified nextToken has expired.")

    def _window(self, p):
        """With --token-window check, a digest of the request's parameters
        but nextToken and limit (defaults left out): a nextToken is valid
        only with the parameters of the request it came from. Else ""."""
        if self.settings.token_window != "check":
            return ""
        d = {k: v for k, v in p.items()
             if k not in UNBOUND and v is not None and not (k in PARAM_DEFAULTS and PARAM_DEFAULTS[k] == v)}
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def _next(self, obj, p):
        """A nextToken for the describe calls and FilterLogEvents."""
        obj["t"] = int(time.time())
        w = self._window(p)
        if w:
            obj["w"] = w
        return encode_token(obj)

    def _decode_next(self, tok, kind, p):
        if tok is None:
            return None
        d = decode_token(tok) if isinstance(tok, str) else None
        if not isinstance(d, dict) or d.get("o") != kind or d.get("w", "") != self._window(p):
            raise invalid("The specified nextToken is invalid.")
        self._token_age_ok(d.get("t", 0))
        return d

    def _stream_json(self, g, st, now):
        d = {"logStreamName": st.name, "creationTime": st.created}
        n = len(st.ts)
        if n:
            d["firstEventTimestamp"] = st.min_ts
            last = self._reported_last(st, now)
            if last is not None:
                d["lastEventTimestamp"] = last
            d["lastIngestionTime"] = st.it[-1]
        d["uploadSequenceToken"] = "49%014d%040d" % (st.serial, n)
        d["arn"] = self._arn("stream", g.name, st.name, g.account)
        d["storedBytes"] = 0
        return d

    def _reported_last(self, st, now):
        # "lastEventTimestamp ... updates on an eventual consistency basis.
        # It typically updates in less than an hour from ingestion."
        if not st.ts:
            return None
        lag = self.settings.last_event_lag
        if not lag:
            return st.maxts[-1]
        k = bisect_right(st.it, now - int(lag * 1000))
        return st.maxts[k - 1] if k else None

    def _group_json(self, g, linked=False):
        arn = self._arn("group", g.name, account=g.account)
        d = {"logGroupName": g.name, "creationTime": g.created}
        # "If you specify includeLinkedAccounts in your request, then
        # metricFilterCount, retentionInDays, and storedBytes are not
        # included in the response."
        if g.retention is not None and not linked:
            d["retentionInDays"] = g.retention
        if not linked:
            d["metricFilterCount"] = 0
        d["arn"] = arn + ":*"
        if not linked:
            d["storedBytes"] = 0
        d.update({"logGroupClass": "STANDARD", "logGroupArn": arn})
        if g.kms:
            d["kmsKeyId"] = g.kms
        return d

    # --- operations -----------------------------------------------------------

    def call(self, op, p, note=None):
        """The answer to op; note(n) is told how many events it returns."""
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise AwsError("UnknownOperationException", "", 400)
        if not isinstance(p, dict):
            raise AwsError("SerializationException", "Start of list found where not expected")
        with self.lock:
            self._note = note
            try:
                return fn(p)
            finally:
                self._note = None

    def _note_events(self, n):
        if self._note is not None:
            self._note(n)

    def op_CreateLogGroup(self, p):
        name = p.get("logGroupName")
        if name is None:
            raise constraint(None, "logGroupName", "Member must not be null")
        self._check_group_name(name)
        if name in self.groups:
            raise AwsError("ResourceAlreadyExistsException", "The specified log group already exists")
        g = self._new_group(name)
        g.kms = p.get("kmsKeyId")
        return {}

    def op_DeleteLogGroup(self, p):
        name = self._group_name(p)
        self._group(name)
        del self.groups[name]
        return {}

    def op_PutRetentionPolicy(self, p):
        g = self._group(self._group_name(p))
        days = self._int(p, "retentionInDays", None, None, None)
        if days not in RETENTION_DAYS:
            raise constraint(days, "retentionInDays", "Member must satisfy enum value set: %s"
                             % sorted(RETENTION_DAYS))
        g.retention = days
        return {}

    def op_DeleteRetentionPolicy(self, p):
        self._group(self._group_name(p)).retention = None
        return {}

    def op_CreateLogStream(self, p):
        g = self._group(self._group_name(p))
        name = p.get("logStreamName")
        self._check_stream_name(name)
        if name in g.streams:
            raise AwsError("ResourceAlreadyExistsException", "The specified log stream already exists")
        self._new_stream(g, name)
        return {}

    def op_DeleteLogStream(self, p):
        g = self._group(self._group_name(p))
        name = p.get("logStreamName")
        self._check_stream_name(name)
        self._stream(g, name)
        del g.streams[name]
        return {}

    def op_DescribeLogGroups(self, p):
        limit = self._int(p, "limit", 1, DESCRIBE_LIMIT, DESCRIBE_LIMIT)
        prefix, pattern = p.get("logGroupNamePrefix"), p.get("logGroupNamePattern")
        if prefix is not None and pattern is not None:
            raise invalid("LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.")
        if prefix is not None:
            self._check_group_name(prefix)
        linked = self._bool(p, "includeLinkedAccounts")
        accounts = p.get("accountIdentifiers")
        if accounts is not None:
            if not isinstance(accounts, list):
                raise AwsError("SerializationException", "Unexpected value for accountIdentifiers")
            if len(accounts) > ACCOUNTS_MAX:
                raise constraint(accounts, "accountIdentifiers",
                                 "Member must have length less than or equal to %d" % ACCOUNTS_MAX)
            for i, a in enumerate(accounts):
                if not isinstance(a, str) or not ACCOUNT_RX.match(a):
                    raise constraint(a, "accountIdentifiers.%d.member" % (i + 1),
                                     "Member must satisfy regular expression pattern: ^\\d{12}$")
            # "When includeLinkedAccounts is set to True, use this
            # parameter to specify the list of accounts to search."
            if accounts and not linked:
                raise invalid("accountIdentifiers can only be used when includeLinkedAccounts is true.")
        own = self.settings.account
        # without includeLinkedAccounts, the monitoring account's own groups
        # (keys without ':'); with it, those of accountIdentifiers, or all
        wanted = (lambda g: g.account is None) if not linked else \
            (lambda g: (g.account or own) in accounts) if accounts else (lambda g: True)
        tok = self._decode_next(p.get("nextToken"), "g", p)
        if linked:
            # every account's groups by name, then key
            order = sorted((k.rpartition(":")[2], k) for k in self.groups)
            names = [k for _, k in order]
            i = bisect_left(order, (prefix,)) if prefix else 0
            if tok is not None:
                a = tok.get("a", "")
                i = max(i, bisect_right(order, (a.rpartition(":")[2], a)))
        else:
            names = sorted(self.groups)
            i = bisect_left(names, prefix) if prefix else 0
            if tok is not None:
                i = max(i, bisect_right(names, tok.get("a", "")))
        out = []
        more = False
        pat = pattern.lower() if pattern else None
        while i < len(names):
            n = names[i]
            i += 1
            g = self.groups[n]
            if not wanted(g):
                continue
            if prefix and not g.name.startswith(prefix):
                break
            if pat and pat not in g.name.lower():
                continue
            if len(out) == limit:
                more = True
                break
            out.append(n)
        res = {"logGroups": [self._group_json(self.groups[n], linked) for n in out]}
        if more:
            res["nextToken"] = self._next({"o": "g", "a": out[-1]}, p)
        return res

    def op_DescribeLogStreams(self, p):
        g = self._group(self._group_name(p))
        limit = self._int(p, "limit", 1, DESCRIBE_LIMIT, DESCRIBE_LIMIT)
        order = p.get("orderBy", "LogStreamName")
        if order not in ("LogStreamName", "LastEventTime"):
            raise constraint(order, "orderBy", "Member must satisfy enum value set: [LogStreamName, LastEventTime]")
        desc = self._bool(p, "descending")
        prefix = p.get("logStreamNamePrefix")
        if prefix is not None:
            self._check_stream_name(prefix, "logStreamNamePrefix")
            if order == "LastEventTime":
                raise invalid("Cannot order by LastEventTime with a logStreamNamePrefix.")
        tok = self._decode_next(p.get("nextToken"), "s", p)
        if tok is not None and (tok.get("g") != g.name or tok.get("b") != order or tok.get("d") != desc):
            raise invalid("The specified nextToken is invalid.")
        now = now_ms()
        if order == "LogStreamName" and not prefix and not desc:
            names = self._names(g)
            i = 0
            if tok is not None:
                k = tok.get("k")
                if not (isinstance(k, list) and len(k) == 1 and isinstance(k[0], str)):
                    raise invalid("The specified nextToken is invalid.")
                i = bisect_right(names, k[0])
            page = names[i:i + limit]
            res = {"logStreams": [self._stream_json(g, g.streams[n], now) for n in page]}
            if len(names) - i > limit:
                res["nextToken"] = self._next({"o": "s", "g": g.name, "b": order, "d": desc, "k": [page[-1]]}, p)
            return res
        if order == "LogStreamName":
            names = [n for n in g.streams if not prefix or n.startswith(prefix)]
            keyed = sorted(((n,), n) for n in names)
        else:
            keyed = []
            for n, st in g.streams.items():
                last = self._reported_last(st, now)
                keyed.append(((last if last is not None else -1, n), n))
        if tok is not None:
            last_key = tuple(tok["k"])
            keyed = [kn for kn in keyed if (kn[0] < last_key if desc else kn[0] > last_key)]
        # one page and whether there is more: the limit + 1 first of the
        # order, not a sort of every stream (50,000 in the bench)
        keyed = heapq.nlargest(limit + 1, keyed) if desc else heapq.nsmallest(limit + 1, keyed)
        page = keyed[:limit]
        res = {"logStreams": [self._stream_json(g, g.streams[n], now) for _, n in page]}
        if len(keyed) > limit:
            res["nextToken"] = self._next({"o": "s", "g": g.name, "b": order, "d": desc,
                                           "k": list(page[-1][0])}, p)
        return res

    def op_PutLogEvents(self, p):
        gname = self._group_name(p)
        sname = p.get("logStreamName")
        self._check_stream_name(sname)
        events = p.get("logEvents")
        if events is None:
            raise constraint(None, "logEvents", "Member must not be null")
        if not isinstance(events, list):
            raise AwsError("SerializationException", "Unexpected value for logEvents")
        if not events:
            raise constraint("[]", "logEvents", "Member must have length greater than or equal to 1")
        if len(events) > MAX_PAGE_EVENTS:
            raise constraint("[...]", "logEvents", "Member must have length less than or equal to 10000")
        tss, msgs, sizes = [], [], []
        for i, e in enumerate(events, 1):
            if not isinstance(e, dict):
                raise AwsError("SerializationException", "Unexpected value for logEvents")
            ts, m = e.get("timestamp"), e.get("message")
            if ts is None:
                raise constraint(None, "logEvents.%d.member.timestamp" % i, "Member must not be null")
            if m is None:
                raise constraint(None, "logEvents.%d.member.message" % i, "Member must not be null")
            if isinstance(ts, bool) or not isinstance(ts, int) or not isinstance(m, str):
                raise AwsError("SerializationException", "Unexpected value for logEvents")
            if ts < 0:
                raise constraint(ts, "logEvents.%d.member.timestamp" % i,
                                 "Member must have value greater than or equal to 0")
            if not m:
                raise constraint("", "logEvents.%d.member.message" % i,
                                 "Member must have length greater than or equal to 1")
            size = event_size(m)
            if size > MAX_EVENT_BYTES:
                raise invalid("Log event too large: %d bytes exceeds limit of %d" % (size, MAX_EVENT_BYTES))
            tss.append(ts)
            msgs.append(m)
            sizes.append(size)
        total = sum(sizes)
        if total > MAX_BATCH_BYTES:
            raise invalid("Upload too large: %d bytes exceeds limit of %d" % (total, MAX_BATCH_BYTES))
        if any(a > b for a, b in zip(tss, tss[1:])):
            raise invalid("Log events in a single PutLogEvents request must be in chronological order.")
        if tss[-1] - tss[0] > DAY_MS:
            raise invalid("The batch of log events in a single PutLogEvents request cannot span more than 24 hours.")
        g = self._group(gname)
        st = self._stream(g, sname)
        now = now_ms()
        lo, hi = 0, len(tss)
        rejected = {}
        if not self.settings.accept_any_timestamp:
            too_old = now - 14 * DAY_MS
            expired = now - g.retention * DAY_MS if g.retention else None
            k = bisect_left(tss, too_old)
            if k:
                rejected["tooOldLogEventEndIndex"] = k - 1
            if expired is not None:
                ke = bisect_left(tss, expired)
                if ke:
                    rejected["expiredLogEventEndIndex"] = ke - 1
                k = max(k, ke)
            lo = k
            j = bisect_right(tss, now + 2 * 3600 * 1000)
            if j < len(tss):
                rejected["tooNewLogEventStartIndex"] = j
            hi = max(lo, j)
        if hi > lo:
            ing = max(now, st.it[-1] if st.it else 0)
            st.append(tss[lo:hi], array("q", [ing]) * (hi - lo), msgs[lo:hi], sizes[lo:hi], ordered=True)
            self.on_append(g, st, hi - lo)
        res = {"nextSequenceToken": "49%014d%040d" % (st.serial, len(st))}
        if rejected:
            res["rejectedLogEventsInfo"] = rejected
        return res

    # GetLogEvents tokens look like AWS's: f/<56 digits>/s and b/<56 digits>/s:
    # the stream's serial, a place in the stream (see _places), when the
    # token was issued, the empty pages served in a row before it, and a
    # check over all of it and, with --token-window check, the request's
    # window (_window).
    @staticmethod
    def _gtok(d, serial, place, issued, empties, window=""):
        body = "%012d%016d%012d%02d" % (serial, place, issued, empties)
        chk = int(hashlib.sha256((d + body + window).encode()).hexdigest()[:16], 16) % 10 ** 14
        return "%s/%s%014d/s" % (d, body, chk)

    def _parse_gtok(self, tok, st, p):
        m = GTOKEN_RX.match(tok) if isinstance(tok, str) else None
        if not m:
            raise invalid("The specified nextToken is invalid.")
        d, digits = m.groups()
        serial, place, issued, empties = int(digits[:12]), int(digits[12:28]), int(digits[28:40]), int(digits[40:42])
        windows = [self._window(p)]
        if d == "f" and p.get("startFromHead") is True:
            # "If you are using a previous nextForwardToken value as the
            # nextToken in this operation, you must specify true for
            # startFromHead": also when the first request said false.
            windows.append(self._window(dict(p, startFromHead=False)))
        if (serial != st.serial or place > len(st) or
                all(self._gtok(d, serial, place, issued, empties, w) != tok for w in windows)):
            raise invalid("The specified nextToken is invalid.")
        self._token_age_ok(issued)
        return d, place, empties

    def _places(self, st):
        """The order GetLogEvents serves st in (positions in ingestion
        order), and the two functions between an index i in it (the
        boundary before its i-th event) and the place a token holds. By
        ingestion the place is i; by timestamp it is 0 before the first
        event and else 1 + the position of the event just before the
        boundary, so that an event inserted before it later (a late
        event) does not move it: a follower never meets that event, and
        meets no event twice."""
        if self.settings.logs_order == "ingestion" or st.in_order:
            return range(len(st)), _same, _same
        seq = st.order()
        return seq, (lambda i: seq[i - 1] + 1 if i else 0), (lambda pl: st.rank(pl - 1) + 1 if pl else 0)

    @staticmethod
    def _fit(seq, sizes, lo, hi, limit, forward):
        """How many events of seq[lo:hi] one page holds, taken from lo on
        (forward) or back from hi: at most limit and MAX_PAGE_BYTES, but at
        least one, as an event of the largest size fills a page alone."""
        if hi <= lo:
            return 0
        a, b = (lo, min(hi, lo + limit)) if forward else (max(lo, hi - limit), hi)
        sz = sizes[a:b] if isinstance(seq, range) else array("q", map(sizes.__getitem__, seq[a:b]))
        if not forward:
            sz.reverse()
        return max(1, bisect_right(list(itertools.accumulate(sz)), MAX_PAGE_BYTES))

    @staticmethod
    def _scan(ts, sizes, pos, n, lo_t, hi_t, limit, forward):
        """By ingestion, with startTime or endTime: the positions of a page,
        scanning from pos forward (to n) or backward, and where the scan
        stopped."""
        idx, acc, r = [], 0, pos
        while (r < n) if forward else (r > 0):
            q = r if forward else r - 1
            if lo_t <= ts[q] < hi_t:
                s = sizes[q]
                if len(idx) == limit or (idx and acc + s > MAX_PAGE_BYTES):
                    break
                idx.append(q)
                acc += s
            r += 1 if forward else -1
        return (idx if forward else idx[::-1]), r

    def op_GetLogEvents(self, p):
        g = self._group(self._group_name(p))
        sname = p.get("logStreamName")
        self._check_stream_name(sname)
        limit = self._int(p, "limit", 1, MAX_PAGE_EVENTS, MAX_PAGE_EVENTS)
        t0 = self._int(p, "startTime", 0, None, None)
        t1 = self._int(p, "endTime", 0, None, None)
        head = self._bool(p, "startFromHead")
        tok = p.get("nextToken")
        st = self._stream(g, sname)
        self.get_calls[(g.name, sname)] = self.get_calls.get((g.name, sname), 0) + 1
        n = len(st)
        seq, place, index = self._places(st)
        if tok is not None:
            d, pl, empties = self._parse_gtok(tok, st, p)
            pos = index(pl)
        else:
            d, pos, empties = ("f", 0, 0) if head else ("b", n, 0)
        ts, sizes = st.ts, st.size
        if (t0 is not None or t1 is not None) and self.settings.logs_order == "ingestion":
            idx, r = self._scan(ts, sizes, pos, n, -(1 << 62) if t0 is None else t0,
                                1 << 62 if t1 is None else t1, limit, d == "f")
            first, last = (pos, r) if d == "f" else (r, pos)
        else:
            # By timestamp, the window is one run of seq.
            lo = bisect_left(seq, t0, key=ts.__getitem__) if t0 is not None else 0
            hi = bisect_left(seq, t1, key=ts.__getitem__) if t1 is not None else n
            if d == "f":
                a = max(pos, lo)
                k = self._fit(seq, sizes, a, hi, limit, True)
                idx, first, last = seq[a:a + k], pos, a + k
            else:
                b = min(pos, hi)
                k = self._fit(seq, sizes, lo, b, limit, False)
                idx, first, last = seq[b - k:b], b - k, pos
        now_s = int(time.time())
        w = self._window(p)
        if len(idx) and (tok is not None or head) and empties < self.settings.empty_pages:
            # An empty page with a new token while events remain, as AWS can serve.
            self.empty_pages_served += 1
            self._note_events(0)
            here = place(pos)
            nf = self._gtok("f", st.serial, here, now_s, empties + 1 if d == "f" else 0, w)
            nb = self._gtok("b", st.serial, here, now_s, empties + 1 if d == "b" else 0, w)
            return '{"events":[],"nextForwardToken":"%s","nextBackwardToken":"%s"}' % (nf, nb)
        if d == "f":
            nf = tok if (tok is not None and last == pos) else self._gtok("f", st.serial, place(last), now_s, 0, w)
            nb = self._gtok("b", st.serial, place(first), now_s, 0, w)
        else:
            nb = tok if (tok is not None and first == pos) else self._gtok("b", st.serial, place(first), now_s, 0, w)
            nf = self._gtok("f", st.serial, place(last), now_s, 0, w)
        it, msg = st.it, st.msg
        if not len(idx):
            self.get_empty += 1
        self._note_events(len(idx))
        body = ",".join(['{"timestamp":%d,"message":%s,"ingestionTime":%d}' % (ts[i], jstr(msg[i]), it[i])
                         for i in idx])
        return '{"events":[%s],"nextForwardToken":"%s","nextBackwardToken":"%s"}' % (body, nf, nb)

    def op_FilterLogEvents(self, p):
        g = self._group(self._group_name(p))
        names, prefix = p.get("logStreamNames"), p.get("logStreamNamePrefix")
        if names is not None and prefix is not None:
            raise invalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
        limit = self._int(p, "limit", 1, MAX_PAGE_EVENTS, MAX_PAGE_EVENTS)
        t0 = self._int(p, "startTime", 0, None, None)
        t1 = self._int(p, "endTime", 0, None, None)
        try:
            pred = compile_pattern(p.get("filterPattern"))
        except ValueError as e:
            raise invalid(str(e)) from None
        tok = self._decode_next(p.get("nextToken"), "f", p)
        if tok is not None and tok.get("g") != g.name:
            raise invalid("The specified nextToken is invalid.")
        # A token holds the key of the last event passed, or (--filter-token
        # position) how many events of the window were passed.
        passed = tok.get("p") if tok else None
        if passed is not None and (isinstance(passed, bool) or not isinstance(passed, int) or passed < 0):
            raise invalid("The specified nextToken is invalid.")
        if names is not None:
            if not isinstance(names, list) or not 1 <= len(names) <= 100:
                raise constraint("[...]", "logStreamNames", "Member must have length less than or equal to 100"
                                 if isinstance(names, list) and names else
                                 "Member must have length greater than or equal to 1")
            streams = [g.streams[n] for n in sorted(set(names)) if n in g.streams]
        else:
            streams = [g.streams[n] for n in self._names(g) if not prefix or n.startswith(prefix)]
        key = tuple(tok["k"]) if tok and tok.get("k") else None
        empties = tok.get("e", 0) if tok else 0
        # AWS documents endTime as taking the events stamped at it; a
        # user measured otherwise (aws-cli issue 4262): --filter-end
        hi_t = 1 << 62 if t1 is None else t1 + 1 if self.settings.filter_end == "inclusive" else t1

        def walk(st):
            ts, it, serial = st.ts, st.it, st.serial
            order = st.order()
            lo = bisect_left(order, t0, key=ts.__getitem__) if t0 is not None else 0
            if key is not None:
                lo = max(lo, bisect_right(order, key, key=lambda q: (ts[q], it[q], serial, q)))
            for k in range(lo, len(order)):
                q = order[k]
                yield (ts[q], it[q], serial, q, st)

        # Streams with no event at or after startTime have nothing to give:
        # left out of the merge, which otherwise costs a generator each.
        walked = [s for s in streams if t0 is None or (len(s) and s.maxts[-1] >= t0)]
        merged = (walk(walked[0]) if len(walked) == 1 else
                  heapq.merge(*[walk(s) for s in walked]) if walked else iter(()))
        if passed:
            merged = itertools.islice(merged, passed, None)
        scan_cap = self.settings.filter_scan_limit or 0
        out, acc, scanned, last_key, stopped = [], 0, 0, key, False
        for ev in merged:
            if ev[0] >= hi_t:
                break
            st, q = ev[4], ev[3]
            m = st.msg[q]
            if pred is None or pred(m):
                s = st.size[q]
                if len(out) == limit or (out and acc + s > MAX_PAGE_BYTES):
                    stopped = True
                    break
                out.append(ev)
                acc += s
            last_key = ev[:4]
            scanned += 1
            if scan_cap and scanned >= scan_cap:
                stopped = True
                break
        by_position = self.settings.filter_token == "position"

        def next_token(k, n, e):
            where = {"p": (passed or 0) + n} if by_position else {"k": list(k) if k else None}
            return self._next(dict(where, o="f", g=g.name, e=e), p)

        if out and empties < self.settings.empty_pages:
            self.empty_pages_served += 1
            self._note_events(0)
            nt = next_token(key, 0, empties + 1)
            # "As of May 15, 2020, this parameter is no longer
            # supported. This parameter returns an empty list."
            return {"events": [], "searchedLogStreams": [], "nextToken": nt}
        parts = ['{"logStreamName":%s,"timestamp":%d,"message":%s,"ingestionTime":%d,"eventId":"%s"}'
                 % (jstr(st.name), ts_, jstr(st.msg[q]), it_, st.event_id(q)) for ts_, it_, _, q, st in out]
        body = '{"events":[%s],"searchedLogStreams":[]' % ",".join(parts)
        self._note_events(len(out))
        if stopped:
            body += ',"nextToken":"%s"' % next_token(last_key, scanned, 0)
        return body + "}"

    # --- control endpoint -------------------------------------------------------

    def ensure_stream(self, group, stream, create=True, account=None):
        self._check_group_name(group)
        self._check_stream_name(stream)
        key = self._key(group, account)
        g = self.groups.get(key)
        if g is None:
            if not create:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.", 404)
            g = self._new_group(key)
        st = g.streams.get(stream)
        if st is None:
            if not create:
                raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.", 404)
            st = self._new_stream(g, stream)
        return g, st

    def ctl_create_group(self, a):
        with self.lock:
            name = a["group"]
            self._check_group_name(name)
            key = self._key(name, a.get("account"))
            g = self.groups.get(key) or self._new_group(key)
            if a.get("retention") is not None:
                g.retention = int(a["retention"])
            return {"group": name, "arn": self._arn("group", name, account=g.account) + ":*"}

    def ctl_delete_group(self, a):
        with self.lock:
            return {"deleted": self.groups.pop(self._key(a["group"], a.get("account")), None) is not None}

    def ctl_create_stream(self, a):
        with self.lock:
            if not a.get("create_group", True) and self._key(a["group"], a.get("account")) not in self.groups:
                raise AwsError("ResourceNotFoundException", "The specified log group does not exist.", 404)
            names = a.get("streams") or [a["stream"]]
            for n in names:
                self.ensure_stream(a["group"], n, account=a.get("account"))
            return {"group": a["group"], "streams": names}

    def ctl_delete_stream(self, a):
        with self.lock:
            g = self.groups.get(self._key(a["group"], a.get("account")))
            ok = g is not None and g.streams.pop(a["stream"], None) is not None
            return {"deleted": ok}

    def ctl_put(self, a):
        """Append events as given, in that order, with no PutLogEvents checks."""
        with self.lock:
            g, st = self.ensure_stream(a["group"], a["stream"], a.get("create", True), a.get("account"))
            now = now_ms()
            evs = a.get("events")
            if evs is None:
                msgs = a.get("messages") or []
                t = a.get("timestamp", now)
                evs = [{"timestamp": t + i * a.get("step", 0), "message": m} for i, m in enumerate(msgs)]
            tss, msgs = [], []
            for e in evs:
                if "message_b64" in e:
                    m = base64.b64decode(e["message_b64"]).decode("utf-8", "surrogateescape")
                else:
                    m = e["message"]
                tss.append(int(e.get("timestamp", now)))
                msgs.append(m)
            ing = int(a.get("ingestion_time", now))
            ing = max(ing, st.it[-1] if st.it else 0)
            st.append(tss, array("q", [ing]) * len(tss), msgs, [event_size(m) for m in msgs])
            self.on_append(g, st, len(tss))
            return {"group": g.name, "stream": st.name, "appended": len(tss), "events": len(st)}

    def ctl_put_batch(self, a):
        """Many puts (as ctl_put) under one lock, in the order given."""
        with self.lock:
            done = [self.ctl_put(p) for p in a.get("puts", [])]
            return {"puts": len(done), "appended": sum(d["appended"] for d in done)}

    def ctl_seed(self, a):
        t_start = time.time()
        rng = random.Random(a.get("seed", 1))
        if "groups" in a:
            groups = list(a["groups"])
        elif "group_count" in a:
            pre = a.get("group_prefix", "/cwl/test/group-")
            groups = ["%s%04d" % (pre, i) for i in range(int(a["group_count"]))]
        else:
            groups = [a.get("group", "/cwl/test")]
        nev = int(a.get("events", 0))
        step = int(a.get("step", 1000))
        now = now_ms()
        start = int(a["start"]) if a.get("start") is not None else now - nev * step - 60000
        offset = int(a.get("stream_offset", 0))
        kind = a.get("kind", "text")
        size = int(a.get("size", 0))
        late = int(a.get("late", 0))
        late_by = a.get("late_by")
        delay = a.get("ingestion_delay")
        total = 0
        made = []
        with self.lock:
            for gname in groups:
                self._check_group_name(gname)
                gkey = self._key(gname, a.get("account"))
                g = self.groups.get(gkey) or self._new_group(gkey)
                if a.get("retention") is not None:
                    g.retention = int(a["retention"])
                if "stream_names" in a:
                    snames = list(a["stream_names"])
                elif isinstance(a.get("streams"), list):
                    snames = list(a["streams"])
                else:
                    count = int(a.get("streams", 1))
                    if a.get("lambda_names"):
                        day = time.strftime("%Y/%m/%d", time.gmtime(start / 1000))
                        snames = ["%s/[$LATEST]%032x" % (day, rng.getrandbits(128)) for _ in range(count)]
                    else:
                        pre = a.get("stream_prefix", "stream-")
                        snames = ["%s%04d" % (pre, i) for i in range(count)]
                for si, sname in enumerate(snames):
                    g2, st = self.ensure_stream(gname, sname, account=a.get("account"))
                    base = len(st)
                    t0 = start + si * offset
                    if nev:
                        tss = array("q", range(t0, t0 + nev * step, step)) if step else array("q", [t0]) * nev
                        fn = message_maker(kind, sname, size)
                        if kind == "text":
                            # All of one size: made when read, which keeps a
                            # million-event seed fast and small.
                            sizes = array("q", [event_size(fn(base))]) * nev
                            msgs = (fn, base)
                        else:
                            msgs = [fn(i) for i in range(base, base + nev)]
                            sizes = array("q", [event_size(m) for m in msgs])
                        prev_it = st.it[-1] if st.it else 0
                        if delay is not None:
                            its = array("q", (max(t + int(delay), prev_it) for t in tss))
                        else:
                            its = array("q", [max(now, prev_it)]) * nev
                        st.append(tss, its, msgs, sizes, ordered=(step >= 0 and (not st.ts or st.ts[-1] <= t0)))
                        total += nev
                    if late:
                        hi = st.maxts[-1] if st.maxts else t0
                        lo = st.min_ts if st.min_ts is not None else hi
                        if late_by is not None:
                            ltss = [hi - int(late_by) - j for j in range(late)][::-1]
                        else:
                            span = max(hi - lo, 1)
                            ltss = sorted(lo + rng.randrange(span) for _ in range(late))
                        lmsgs = ["%s late event %d (timestamp %d)" % (sname, j, t) for j, t in enumerate(ltss)]
                        ing = max(now_ms() + 1, st.it[-1] + 1 if st.it else 0)
                        st.append(ltss, array("q", [ing]) * late, lmsgs, [event_size(m) for m in lmsgs])
                        total += late
                    made.append(sname)
        return {"groups": groups, "streams": len(made), "stream_names": made[:1000],
                "events": total, "seconds": round(time.time() - t_start, 3)}

    def ctl_stats(self, a=None):
        a = a or {}
        with self.lock:
            per = {gn: {sn: len(st) for sn, st in g.streams.items()} for gn, g in self.groups.items()}
            out = {"groups": len(self.groups),
                   "streams": sum(len(g.streams) for g in self.groups.values()),
                   "events_total": sum(sum(d.values()) for d in per.values()),
                   "empty_pages": self.empty_pages_served, "get_empty": self.get_empty}
            if not a.get("brief"):
                out["events"] = per
            if a.get("get_by_stream"):
                gb = {}
                for (gn, sn), n in self.get_calls.items():
                    gb.setdefault(gn, {})[sn] = n
                out["get_by_stream"] = gb
            return out

    def ctl_dump(self, a):
        """NDJSON lines (bytes chunks) of every event of a group or stream."""
        with self.lock:
            if a.get("group") is not None:
                g = self._group(self._key(a["group"], a.get("account")))
                groups = [g]
            else:
                groups = [self.groups[n] for n in sorted(self.groups)]
            snap = []
            for g in groups:
                names = [a["stream"]] if a.get("stream") else sorted(g.streams)
                for n in names:
                    st = self._stream(g, n)
                    snap.append((g.name, st, len(st)))
        by_time = a.get("order") == "time"

        def gen():
            for gname, st, n in snap:
                head = '{"group":%s,"stream":%s,"eventId":"' % (jstr(gname), jstr(st.name))
                # The line of event q, its eventId made as Stream.event_id makes it.
                fmt = (head.replace("%", "%%") + '%%020d%012d%%024d","timestamp":%%d,"ingestionTime":%%d,'
                       '"message":%%s}\n' % st.serial)
                ts, it, msg = st.ts, st.it, st.msg
                order = [q for q in st.order() if q < n] if by_time and not st.in_order else range(n)
                for a0 in range(0, n, 5000):
                    chunk = order[a0:a0 + 5000]
                    yield wire("".join([fmt % (max(ts[q], 0), q, ts[q], it[q], jstr(msg[q])) for q in chunk]))
        return gen()


# --- seeded messages ------------------------------------------------------------

_LEVELS = ("INFO", "INFO", "DEBUG", "WARN", "INFO", "ERROR")


def _pad(m, size):
    if size and len(m) < size:
        return m + " " + "x" * (size - len(m) - 1)
    return m


def message_maker(kind, stream, size):
    """A function from an event's number to its message, for one kind."""
    if kind == "text":
        head = "%s event " % stream
        fixed = len(head) + 9
        pad = (" " + "x" * (size - fixed - 1)) if size > fixed + 1 else ""
        return (head + "%09d" + pad.replace("%", "%%")).__mod__
    gen = _KINDS.get(kind)
    if gen is None:
        raise AwsError("BadRequest", "unknown kind: %s (one of text, %s)" % (kind, ", ".join(sorted(_KINDS))))
    return lambda i: _pad(gen(stream, i), size)


def _json_msg(stream, i):
    return json.dumps({"level": _LEVELS[i % len(_LEVELS)], "seq": i, "stream": stream,
                       "msg": "request handled", "latency_ms": (i * 37) % 1000,
                       "user": {"id": i % 97, "name": "user-%d" % (i % 97)}}, separators=(",", ":"))


def _java_line(stream, i):
    r, k = divmod(i, 5)
    if k == 0:
        return "2026-11-23 10:00:%02d,%03d ERROR [main] com.example.App - request %d failed" % (r % 60, r % 1000, r)
    if k == 1:
        return "java.lang.IllegalStateException: boom %d" % r
    return "\tat com.example.App.handle%d(App.java:%d)" % (k, 40 + k)


def _java_multiline(stream, i):
    return ("2026-11-23 10:00:%02d,%03d ERROR [main] com.example.App - request %d failed\n"
            "java.lang.IllegalStateException: boom %d\n"
            "\tat com.example.App.handle(App.java:42)\n"
            "\tat com.example.Main.main(Main.java:7)" % (i % 60, i % 1000, i, i))


def _lambda_msg(stream, i):
    r, k = divmod(i, 4)
    rid = str(uuid.UUID(int=(r * 2654435761) % (1 << 128)))
    if k == 0:
        return "START RequestId: %s Version: $LATEST" % rid
    if k == 1:
        return "2026-11-23T10:00:00.000Z\t%s\tINFO\tprocessing item %d" % (rid, r)
    if k == 2:
        return "END RequestId: %s" % rid
    return ("REPORT RequestId: %s\tDuration: %d.%02d ms\tBilled Duration: %d ms\t"
            "Memory Size: 128 MB\tMax Memory Used: 64 MB" % (rid, r % 900, r % 100, r % 900 + 1))


def _unicode_msg(stream, i):
    return "événement %d – ünïcödé 日本語 🚀 Ωmega" % i


def _invalid_utf8_msg(stream, i):
    return "bad bytes %d \udcff\udcfe\udcc3 end" % i


def _mixed_msg(stream, i):
    return (_text_msg, _json_msg, _unicode_msg, _invalid_utf8_msg, _java_multiline)[i % 5](stream, i)


def _text_msg(stream, i):
    return "%s event %09d" % (stream, i)


_KINDS = {"json": _json_msg, "java": _java_line, "java-multiline": _java_multiline,
          "lambda": _lambda_msg, "unicode": _unicode_msg, "invalid-utf8": _invalid_utf8_msg,
          "mixed": _mixed_msg}
