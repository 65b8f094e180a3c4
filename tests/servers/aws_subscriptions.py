"""CloudWatch Logs subscription filters for the local AWS server:
PutSubscriptionFilter, DescribeSubscriptionFilters and
DeleteSubscriptionFilter (JSON 1.1, Logs_20140328.*), and the delivery of
the events put into a subscribed group to its Kinesis stream in
CloudWatch Logs' record format.

"The Data attribute in a Kinesis record is base64 encoded and compressed
with the gzip format": each record is gzip-compressed JSON

    {"messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": G,
     "logStream": S, "subscriptionFilters": [FILTER],
     "logEvents": [{"id": EVENTID, "timestamp": MS, "message": M}, ...]}

holding events of one log stream. The id is the eventId FilterLogEvents
gives the same event (Stream.event_id). When a filter is put, a
CONTROL_MESSAGE goes to the stream first, as CloudWatch Logs checks that
it can write there:

    {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs",
     "logGroup": "", "logStream": "", "subscriptionFilters": [],
     "logEvents": [{"id": "", "timestamp": MS, "message": "CWL CONTROL
     MESSAGE: Checking health of destination Kinesis stream."}]}

Delivery is synchronous here: the records are in the stream when
PutLogEvents answers. How CloudWatch Logs cuts a put into records is not
documented; subscription_events_per_record (Settings) caps the events of
one record (0: the events of one put and stream go in one record, cut
only where a record would pass 1 MiB). Partition keys: with distribution
ByLogStream (the default) a hash of group and stream, so that a stream's
records stay in order on one shard; with Random, a random key.

Account-level subscription filter policies (PutAccountPolicy) are not
in the botocore model this server follows, so they are not offered."""

import gzip
import hashlib
import json
import re
import uuid

from aws_common import AwsError, now_ms, wire
from aws_logs import constraint, invalid
from aws_logs_filter import compile_pattern

MAX_FILTERS = 2
MAX_RECORD = 1048576 - 300
FILTER_RX = re.compile(r"[^:*]*\Z")
KINESIS_ARN_RX = re.compile(r"arn:aws[a-z-]*:kinesis:[^:]*:\d{12}:stream/[a-zA-Z0-9_.-]+\Z")
CONTROL_TEXT = "CWL CONTROL MESSAGE: Checking health of destination Kinesis stream."


def record(obj):
    """The Data of one record: gzip-compressed JSON."""
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "cwlfffd")
    return gzip.compress(raw, mtime=0)


class Filter:
    __slots__ = ("name", "group", "pattern", "pred", "dest", "role", "distribution", "created", "gobj")

    def json(self):
        return {"filterName": self.name, "logGroupName": self.group, "filterPattern": self.pattern,
                "destinationArn": self.dest, "roleArn": self.role, "distribution": self.distribution,
                "creationTime": self.created}


class Subscriptions:
    def __init__(self, settings, logs, kinesis):
        self.settings = settings
        self.logs = logs          # its lock guards the filters too: PutLogEvents delivers under it
        self.kinesis = kinesis
        self.delivered = 0
        self.reset()

    def reset(self):
        with self.logs.lock:
            self.filters = {}     # group name: {filter name: Filter}
            self.delivered = 0

    def call(self, op, p):
        fn = getattr(self, "op_" + op)
        if not isinstance(p, dict):
            raise AwsError("SerializationException", "Start of list found where not expected")
        with self.logs.lock:
            return fn(p)

    def _group(self, p):
        name = self.logs._group_name(p)
        return self.logs._group(name)

    def _live(self, g):
        """The filters of group g, those of a deleted group of the same name dropped."""
        fs = self.filters.get(g.name)
        if fs and any(f.gobj is not g for f in fs.values()):
            fs = {k: f for k, f in fs.items() if f.gobj is g}
            self.filters[g.name] = fs
        return fs or {}

    @staticmethod
    def _filter_name(v, member="filterName"):
        if v is None:
            raise constraint(None, member, "Member must not be null")
        if not isinstance(v, str):
            raise AwsError("SerializationException", "Unexpected value for %s" % member)
        if not 1 <= len(v) <= 512:
            raise constraint(v, member, "Member must have length greater than or equal to 1" if not v else
                             "Member must have length less than or equal to 512")
        if not FILTER_RX.match(v):
            raise constraint(v, member, "Member must satisfy regular expression pattern: [^:*]*")
        return v

    def op_PutSubscriptionFilter(self, p):
        g = self._group(p)
        name = self._filter_name(p.get("filterName"))
        pattern = p.get("filterPattern")
        if pattern is None:
            raise constraint(None, "filterPattern", "Member must not be null")
        if not isinstance(pattern, str) or len(pattern) > 1024:
            raise constraint(pattern, "filterPattern", "Member must have length less than or equal to 1024")
        try:
            pred = compile_pattern(pattern)
        except ValueError as e:
            raise invalid(str(e)) from None
        dest = p.get("destinationArn")
        if dest is None:
            raise constraint(None, "destinationArn", "Member must not be null")
        if not isinstance(dest, str) or not dest:
            raise constraint(dest, "destinationArn", "Member must have length greater than or equal to 1")
        dist = p.get("distribution", "ByLogStream")
        if dist not in ("Random", "ByLogStream"):
            raise constraint(dist, "distribution", "Member must satisfy enum value set: [Random, ByLogStream]")
        role = p.get("roleArn")
        if not KINESIS_ARN_RX.match(dest):
            raise invalid("Invalid destination ARN: %s; this server delivers to Kinesis data streams only" % dest)
        if not role:
            raise invalid("roleArn is required when the destination is a Kinesis stream")
        if not self.kinesis.stream_arn_ok(dest):
            raise invalid("Could not deliver test message to specified Kinesis stream. Check if the given "
                          "kinesis stream is in ACTIVE state. ")
        fs = self._live(g)
        if name not in fs and len(fs) >= MAX_FILTERS:
            raise AwsError("LimitExceededException", "Resource limit exceeded.")
        f = Filter()
        f.name, f.group, f.pattern, f.pred, f.dest, f.role = name, g.name, pattern, pred, dest, role
        f.distribution, f.created, f.gobj = dist, now_ms(), g
        fs = dict(fs)
        fs[name] = f
        self.filters[g.name] = fs
        self.kinesis.deliver(dest, str(uuid.uuid4()), record({
            "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "", "logStream": "",
            "subscriptionFilters": [], "logEvents": [{"id": "", "timestamp": now_ms(), "message": CONTROL_TEXT}]}))
        return {}

    def op_DescribeSubscriptionFilters(self, p):
        g = self._group(p)
        prefix = p.get("filterNamePrefix")
        if prefix is not None:
            self._filter_name(prefix, "filterNamePrefix")
        limit = self.logs._int(p, "limit", 1, 50, 50)
        tok = self.logs._decode_next(p.get("nextToken"), "sf", p)
        names = sorted(n for n in self._live(g) if not prefix or n.startswith(prefix))
        if tok is not None:
            names = [n for n in names if n > tok.get("a", "")]
        page = names[:limit]
        res = {"subscriptionFilters": [self.filters[g.name][n].json() for n in page]}
        if len(names) > limit:
            res["nextToken"] = self.logs._next({"o": "sf", "a": page[-1]}, p)
        return res

    def op_DeleteSubscriptionFilter(self, p):
        g = self._group(p)
        name = self._filter_name(p.get("filterName"))
        fs = self._live(g)
        if name not in fs:
            raise AwsError("ResourceNotFoundException", "The specified subscription filter does not exist.")
        fs = dict(fs)
        del fs[name]
        self.filters[g.name] = fs
        return {}

    # --- delivery ---------------------------------------------------------------

    def deliver(self, g, st, count):
        """Sends the last count events of stream st of group g to the
        streams of g's subscription filters. Called under the logs lock
        by PutLogEvents and the control endpoint's puts."""
        fs = self._live(g) if self.filters else None
        if not fs or count <= 0:
            return
        first = len(st) - count
        per = int(self.settings.subscription_events_per_record or 0)
        owner = self.settings.account
        for f in fs.values():
            events = []
            for q in range(first, len(st)):
                m = st.msg[q]
                if f.pred is None or f.pred(m):
                    events.append((st.event_id(q), st.ts[q], m))
            if f.distribution == "Random":
                keyf = lambda: str(uuid.uuid4())  # noqa: E731
            else:
                k = hashlib.md5(wire(g.name + "/" + st.name)).hexdigest()
                keyf = lambda: k  # noqa: E731
            for chunk in self._chunks(events, per):
                data = record({"messageType": "DATA_MESSAGE", "owner": owner, "logGroup": g.name,
                               "logStream": st.name, "subscriptionFilters": [f.name],
                               "logEvents": [{"id": i, "timestamp": t, "message": m} for i, t, m in chunk]})
                if self.kinesis.deliver(f.dest, keyf(), data):
                    self.delivered += len(chunk)

    @staticmethod
    def _chunks(events, per):
        """The events cut into records: at most per each (0: no cap), and
        under 1 MiB of JSON each, which gzip can only make smaller."""
        out, size = [], 0
        for e in events:
            n = len(wire(e[2])) + 120
            if out and ((per and len(out) >= per) or size + n > MAX_RECORD):
                yield out
                out, size = [], 0
            out.append(e)
            size += n
        if out:
            yield out
