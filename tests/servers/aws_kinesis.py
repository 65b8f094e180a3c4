"""Kinesis Data Streams (JSON 1.1, X-Amz-Target Kinesis_20131202.*) for the
local AWS server: streams of shards, records, shard iterators, resharding
and the per-shard read limits.

How a stream is held: shards in the order they were made, each an
append-only list of records (sequence number, arrival time, partition
key, data). Sequence numbers are 56 digits, "49", the shard's number in
six digits, then a counter of the stream in 48 digits: they grow within
a shard and are not contiguous, and a number names the shard it came
from, which is how AT_ and AFTER_SEQUENCE_NUMBER refuse a number of
another shard, as Kinesis does. A shard iterator is an opaque token
holding the shard and a position in its list and the time it was made;
it expires after kinesis_iterator_ttl seconds (300, as Kinesis: "A
shard iterator expires 5 minutes after it is returned to the
requester"). SplitShard and MergeShards close their parents (an
EndingSequenceNumber) and open children whose ParentShardId and
AdjacentParentShardId name them; a reader at the end of a closed shard
gets no NextShardIterator and the ChildShards.

The limits of a shard's reads, from the GetRecords reference: "Each
data record can be up to 1 MiB in size, and each shard can read up to 2
MiB per second"; "Each shard can support up to five read transactions
per second"; "If a call returns 10 MiB, subsequent calls made within
the next 5 seconds throw ProvisionedThroughputExceededException". Here
the calls of a shard within any second are counted (kinesis_read_tps,
5), and the bytes returned are taken from a bucket that refills at
kinesis_read_bytes a second (2 MiB) and holds at most one second's
worth: a call made while the bucket is in debt is refused, so 10 MiB
read at once keep the shard refusing for about four seconds. 0 turns
a limit off.

Switches where AWS documents no one behaviour (Settings, /_control/settings):
kinesis_end_with_records (true: the GetRecords answer that returns the
last records of a closed shard already has no NextShardIterator and
holds ChildShards; false: those records come with an iterator and the
next call, empty, ends the shard), kinesis_empty_reads (N empty answers
with a new iterator before each answer with records: "GetRecords can
return null for records even if the shard contains records further
along"), kinesis_update_seconds (how long a stream stays CREATING or
UPDATING after CreateStream, SplitShard or MergeShards; 0: at once)."""

import base64
import collections
import hashlib
import threading
import time
from bisect import bisect_left, bisect_right

from aws_common import AwsError, decode_token, encode_token

HASH_MAX = (1 << 128) - 1
MAX_RECORD = 1048576            # data + partition key of one record
MAX_GET_BYTES = 10 * 1048576    # one GetRecords answer
MAX_PUT_RECORDS = 500
MAX_PUTS_BYTES = 5 * 1048576
LIST_DEFAULT = 1000             # ListShards answers at most 1000 shards
NEXT_TOKEN_TTL = 300
SEQ_DIGITS = 48


def invalid(msg):
    return AwsError("InvalidArgumentException", msg)


def validation(value, member, rule):
    shown = "null" if value is None else "'%s'" % value
    return AwsError("ValidationException", "1 validation error detected: Value %s at '%s' failed to "
                    "satisfy constraint: %s" % (shown, member, rule))


def seq_str(shard_no, n):
    return "49%06d%0*d" % (shard_no, SEQ_DIGITS, n)


def seq_parse(s):
    """(shard number, counter) of a sequence number of this server, or None."""
    if not isinstance(s, str) or len(s) != 2 + 6 + SEQ_DIGITS or not s.isdigit() or not s.startswith("49"):
        return None
    return int(s[2:8]), int(s[8:])


def hash_of(key):
    """The hash key of a partition key: MD5 as a 128-bit integer, as Kinesis maps keys to shards."""
    return int.from_bytes(hashlib.md5(key.encode("utf-8")).digest(), "big")


class Record:
    __slots__ = ("seq", "n", "arrival", "key", "data")

    def __init__(self, seq, n, arrival, key, data):
        self.seq = seq          # the sequence number, a string
        self.n = n              # its counter, for bisect
        self.arrival = arrival  # epoch seconds
        self.key = key
        self.data = data        # bytes


class Shard:
    __slots__ = ("id", "no", "parent", "adjacent", "lo", "hi", "start_n", "end_n", "created", "closed",
                 "records", "ns", "calls", "bucket", "bucket_t", "stats", "readers")

    def __init__(self, no, lo, hi, start_n, parent=None, adjacent=None):
        self.id = "shardId-%012d" % no
        self.no = no
        self.parent = parent
        self.adjacent = adjacent
        self.lo, self.hi = lo, hi
        self.start_n = start_n
        self.end_n = None       # set when the shard closes
        self.created = time.time()
        self.closed = None
        self.records = []
        self.ns = []            # the counters of the records, for bisect
        self.calls = []         # times of the GetRecords calls of the last second
        self.bucket = None      # bytes a reader may still take (None: full)
        self.bucket_t = 0.0
        self.readers = collections.deque(maxlen=100000)  # (time, access key) of each GetRecords served
        self.stats = {"get_records": 0, "records_read": 0, "bytes_read": 0, "throttled_tps": 0,
                      "throttled_bytes": 0, "expired": 0, "iterators": 0, "empty_reads": 0}

    def json(self):
        d = {"ShardId": self.id}
        if self.parent:
            d["ParentShardId"] = self.parent
        if self.adjacent:
            d["AdjacentParentShardId"] = self.adjacent
        d["HashKeyRange"] = {"StartingHashKey": str(self.lo), "EndingHashKey": str(self.hi)}
        r = {"StartingSequenceNumber": seq_str(self.no, self.start_n)}
        if self.end_n is not None:
            r["EndingSequenceNumber"] = seq_str(self.no, self.end_n)
        d["SequenceNumberRange"] = r
        return d


class Stream:
    def __init__(self, name, arn, mode):
        self.name = name
        self.arn = arn
        self.mode = mode
        self.created = time.time()
        self.busy_until = 0.0   # CREATING or UPDATING until then
        self.busy_state = "CREATING"
        self.retention = 24
        self.shards = []        # in the order made; shard number = index
        self.by_id = {}
        self.counter = 0        # the sequence counter of the stream
        self.serial = 0         # which incarnation of the name (iterators of a deleted stream die)

    def status(self, now=None):
        return self.busy_state if (now or time.time()) < self.busy_until else "ACTIVE"

    def open_shards(self):
        return [s for s in self.shards if s.end_n is None]

    def new_shard(self, lo, hi, parent=None, adjacent=None):
        sh = Shard(len(self.shards), lo, hi, self.counter + 1, parent, adjacent)
        self.shards.append(sh)
        self.by_id[sh.id] = sh
        return sh

    def close(self, sh, now):
        sh.end_n = self.counter
        sh.closed = now

    def append(self, sh, key, data, now):
        self.counter += 1
        r = Record(seq_str(sh.no, self.counter), self.counter, now, key, data)
        sh.records.append(r)
        sh.ns.append(self.counter)
        return r

    def shard_for(self, h):
        for sh in self.shards:
            if sh.end_n is None and sh.lo <= h <= sh.hi:
                return sh
        raise AwsError("InternalFailure", "no open shard holds hash key %d" % h, 500)


class KinesisStore:
    def __init__(self, settings):
        self.settings = settings
        self.lock = threading.RLock()
        self.serial = 0
        self.caller = "-"
        self.reset()

    def reset(self):
        with self.lock:
            self.streams = {}

    # --- helpers ------------------------------------------------------------

    def _account(self):
        return self.settings.account

    def _arn(self, name):
        return "arn:aws:kinesis:%s:%s:stream/%s" % (self.settings.region, self._account(), name)

    @staticmethod
    def _check_name(v, member="streamName"):
        if v is None:
            raise validation(None, member, "Member must not be null")
        if not isinstance(v, str):
            raise AwsError("SerializationException", "Unexpected value for %s" % member)
        if not 1 <= len(v) <= 128:
            raise validation(v, member, "Member must have length less than or equal to 128" if v else
                             "Member must have length greater than or equal to 1")
        if not all(c.isascii() and (c.isalnum() or c in "_.-") for c in v):
            raise validation(v, member, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+")
        return v

    @staticmethod
    def _int(p, name, member, lo, hi, default=None):
        v = p.get(name)
        if v is None:
            return default
        if isinstance(v, bool) or not isinstance(v, int):
            raise AwsError("SerializationException", "NUMBER_VALUE can not be converted to an Integer"
                           if isinstance(v, float) else "Unexpected value for %s" % name)
        if lo is not None and v < lo:
            raise validation(v, member, "Member must have value greater than or equal to %d" % lo)
        if hi is not None and v > hi:
            raise validation(v, member, "Member must have value less than or equal to %d" % hi)
        return v

    @staticmethod
    def _hash_key(v, member):
        if not isinstance(v, str) or not v.isdigit() or (len(v) > 1 and v[0] == "0") or len(v) > 39:
            raise validation(v, member, "Member must satisfy regular expression pattern: 0|([1-9]\\d{0,38})")
        return int(v)

    @staticmethod
    def _timestamp(v, member):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise AwsError("SerializationException", "Unexpected value for %s" % member)
        return float(v)

    def _stream(self, p):
        name = self._check_name(p.get("StreamName"))
        st = self.streams.get(name)
        if st is None:
            raise AwsError("ResourceNotFoundException", "Stream %s under account %s not found."
                           % (name, self._account()))
        return st

    def _shard(self, st, sid):
        if not isinstance(sid, str):
            raise validation(sid, "shardId", "Member must not be null")
        sh = st.by_id.get(sid)
        if sh is None:
            raise AwsError("ResourceNotFoundException", "Shard %s in stream %s under account %s does not exist"
                           % (sid, st.name, self._account()))
        return sh

    def _active(self, st):
        s = st.status()
        if s != "ACTIVE":
            raise AwsError("ResourceInUseException", "Stream %s under account %s not ACTIVE, instead in state %s"
                           % (st.name, self._account(), s))

    def _busy(self, st, state):
        secs = float(self.settings.kinesis_update_seconds or 0)
        if secs > 0:
            st.busy_state = state
            st.busy_until = time.time() + secs

    def _iterator(self, st, sh, pos, now):
        sh.stats["iterators"] += 1
        return encode_token({"o": "k", "s": st.name, "v": st.serial, "h": sh.id, "p": pos, "t": round(now, 3)})

    # --- operations -----------------------------------------------------------

    def call(self, op, p, caller=None):
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise AwsError("UnknownOperationException", "", 400)
        if not isinstance(p, dict):
            raise AwsError("SerializationException", "Start of list found where not expected")
        with self.lock:
            self.caller = caller.akid if caller is not None else "-"
            return fn(p)

    def op_CreateStream(self, p):
        name = self._check_name(p.get("StreamName"))
        mode = "PROVISIONED"
        md = p.get("StreamModeDetails")
        if md is not None:
            mode = md.get("StreamMode") if isinstance(md, dict) else None
            if mode not in ("PROVISIONED", "ON_DEMAND"):
                raise validation(mode, "streamModeDetails.streamMode",
                                 "Member must satisfy enum value set: [ON_DEMAND, PROVISIONED]")
        count = self._int(p, "ShardCount", "shardCount", 1, None)
        if count is None:
            if mode == "PROVISIONED":
                raise invalid("ShardCount is required for streams in PROVISIONED mode.")
            count = 4
        if count > 500:
            raise AwsError("LimitExceededException", "This request would exceed the shard limit for the "
                           "account %s in %s. Current shard count for the account: 0. Limit: 500. Number of "
                           "additional shards that would have resulted from this request: %d."
                           % (self._account(), self.settings.region, count))
        if name in self.streams:
            raise AwsError("ResourceInUseException", "Stream %s under account %s already exists."
                           % (name, self._account()))
        self.serial += 1
        st = Stream(name, self._arn(name), mode)
        st.serial = self.serial
        span = (HASH_MAX + 1) // count
        for i in range(count):
            st.new_shard(i * span, HASH_MAX if i == count - 1 else (i + 1) * span - 1)
        self._busy(st, "CREATING")
        self.streams[name] = st
        return {}

    def op_DeleteStream(self, p):
        st = self._stream(p)
        del self.streams[st.name]
        return {}

    def op_ListStreams(self, p):
        limit = self._int(p, "Limit", "limit", 1, 10000, 100)
        start = p.get("ExclusiveStartStreamName")
        names = sorted(self.streams)
        i = bisect_right(names, start) if start else 0
        page = names[i:i + limit]
        return {"StreamNames": page, "HasMoreStreams": len(names) > i + limit}

    def _summary(self, st):
        d = {"StreamName": st.name, "StreamARN": st.arn, "StreamStatus": st.status(),
             "StreamModeDetails": {"StreamMode": st.mode}, "RetentionPeriodHours": st.retention,
             "StreamCreationTimestamp": round(st.created, 3), "EnhancedMonitoring": [{"ShardLevelMetrics": []}],
             "EncryptionType": "NONE"}
        return d

    def op_DescribeStreamSummary(self, p):
        st = self._stream(p)
        d = self._summary(st)
        d["OpenShardCount"] = len(st.open_shards())
        d["ConsumerCount"] = 0
        return {"StreamDescriptionSummary": d}

    def op_DescribeStream(self, p):
        st = self._stream(p)
        limit = self._int(p, "Limit", "limit", 1, 10000, 100)
        start = p.get("ExclusiveStartShardId")
        shards = st.shards
        if start is not None:
            shards = [s for s in shards if s.id > start]
        d = self._summary(st)
        d["Shards"] = [s.json() for s in shards[:limit]]
        d["HasMoreShards"] = len(shards) > limit
        return {"StreamDescription": d}

    def op_ListShards(self, p):
        now = time.time()
        tok = p.get("NextToken")
        limit = self._int(p, "MaxResults", "maxResults", 1, 10000, LIST_DEFAULT)
        limit = min(limit, LIST_DEFAULT)
        if tok is not None:
            if p.get("StreamName") is not None:
                raise invalid("NextToken and StreamName cannot be provided together.")
            d = decode_token(tok) if isinstance(tok, str) else None
            if not isinstance(d, dict) or d.get("o") != "l":
                raise invalid("Invalid NextToken.")
            if now - d.get("t", 0) > NEXT_TOKEN_TTL:
                raise AwsError("ExpiredNextTokenException", "The token has expired.")
            st = self.streams.get(d.get("s"))
            if st is None or st.serial != d.get("v"):
                raise AwsError("ResourceNotFoundException", "Stream %s under account %s not found."
                               % (d.get("s"), self._account()))
            after, ftype, fsid, fts = d.get("a"), d.get("f"), d.get("fs"), d.get("ft")
        else:
            if p.get("StreamName") is None:
                raise invalid("Either NextToken or StreamName should be provided.")
            st = self._stream(p)
            after = p.get("ExclusiveStartShardId")
            if after is not None and not isinstance(after, str):
                raise AwsError("SerializationException", "Unexpected value for ExclusiveStartShardId")
            ftype = fsid = fts = None
            f = p.get("ShardFilter")
            if f is not None:
                if not isinstance(f, dict):
                    raise AwsError("SerializationException", "Unexpected value for ShardFilter")
                ftype = f.get("Type")
                types = ("AFTER_SHARD_ID", "AT_TRIM_HORIZON", "FROM_TRIM_HORIZON", "AT_LATEST",
                         "AT_TIMESTAMP", "FROM_TIMESTAMP")
                if ftype not in types:
                    raise validation(ftype, "shardFilter.type", "Member must satisfy enum value set: [%s]"
                                     % ", ".join(types))
                fsid = f.get("ShardId")
                if ftype == "AFTER_SHARD_ID" and fsid is None:
                    raise invalid("ShardId must be provided for AFTER_SHARD_ID shard filter type.")
                if ftype in ("AT_TIMESTAMP", "FROM_TIMESTAMP"):
                    if f.get("Timestamp") is None:
                        raise invalid("Timestamp must be provided for %s shard filter type." % ftype)
                    fts = self._timestamp(f["Timestamp"], "Timestamp")

        def keep(sh):
            if after is not None and sh.id <= after:
                return False
            if ftype == "AFTER_SHARD_ID":
                return sh.id > fsid
            if ftype == "AT_LATEST":
                return sh.end_n is None
            if ftype == "AT_TIMESTAMP":
                return sh.created <= fts and (sh.closed is None or sh.closed > fts)
            if ftype == "FROM_TIMESTAMP":
                return sh.closed is None or sh.closed > fts
            return True
        shards = [sh for sh in st.shards if keep(sh)]
        page = shards[:limit]
        res = {"Shards": [sh.json() for sh in page]}
        if len(shards) > limit:
            res["NextToken"] = encode_token({"o": "l", "s": st.name, "v": st.serial, "a": page[-1].id,
                                             "f": ftype, "fs": fsid, "ft": fts, "t": round(now, 3)})
        return res

    def op_GetShardIterator(self, p):
        st = self._stream(p)
        sid = p.get("ShardId")
        if sid is None:
            raise validation(None, "shardId", "Member must not be null")
        sh = self._shard(st, sid)
        kind = p.get("ShardIteratorType")
        kinds = ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
        if kind not in kinds:
            raise validation(kind, "shardIteratorType", "Member must satisfy enum value set: [%s]" % ", ".join(kinds))
        seq = p.get("StartingSequenceNumber")
        now = time.time()
        if kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER"):
            if seq is None:
                raise invalid("The StartingSequenceNumber parameter must be provided for %s "
                              "ShardIteratorType." % kind)
            parsed = seq_parse(seq)
            if parsed is None or parsed[0] != sh.no:
                raise invalid("StartingSequenceNumber %s used in GetShardIterator on shard %s in stream %s "
                              "under account %s is invalid because it did not come from this stream."
                              % (seq, sh.id, st.name, self._account()))
            n = parsed[1]
            pos = bisect_left(sh.ns, n) if kind == "AT_SEQUENCE_NUMBER" else bisect_right(sh.ns, n)
        elif seq is not None:
            raise invalid("The StartingSequenceNumber parameter can only be used with AT_SEQUENCE_NUMBER "
                          "or AFTER_SEQUENCE_NUMBER ShardIteratorType.")
        elif kind == "TRIM_HORIZON":
            pos = 0
        elif kind == "LATEST":
            pos = len(sh.records)
        else:
            if p.get("Timestamp") is None:
                raise invalid("The timestampInMillis parameter cannot be null for AT_TIMESTAMP "
                              "ShardIteratorType.")
            t = self._timestamp(p["Timestamp"], "Timestamp")
            pos = next((i for i, r in enumerate(sh.records) if r.arrival >= t), len(sh.records))
        return {"ShardIterator": self._iterator(st, sh, pos, now)}

    def _throttled(self, st, sh, now):
        """Counts a GetRecords call of sh; raises when the shard's read limits refuse it."""
        tps = float(self.settings.kinesis_read_tps or 0)
        sh.calls = [t for t in sh.calls if now - t < 1.0]
        msg = "Rate exceeded for Shard - %s/%s/%s" % (self._account(), st.name, sh.id)
        if tps and len(sh.calls) >= tps:
            sh.stats["throttled_tps"] += 1
            raise AwsError("ProvisionedThroughputExceededException", msg)
        rate = float(self.settings.kinesis_read_bytes or 0)
        if rate:
            if sh.bucket is None:
                sh.bucket, sh.bucket_t = rate, now
            sh.bucket = min(rate, sh.bucket + (now - sh.bucket_t) * rate)
            sh.bucket_t = now
            if sh.bucket < 0:
                sh.stats["throttled_bytes"] += 1
                raise AwsError("ProvisionedThroughputExceededException", msg)
        sh.calls.append(now)

    def op_GetRecords(self, p):
        it = p.get("ShardIterator")
        if it is None:
            raise validation(None, "shardIterator", "Member must not be null")
        if not isinstance(it, str) or not 1 <= len(it) <= 512:
            raise validation(it, "shardIterator", "Member must have length less than or equal to 512")
        limit = p.get("Limit")
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int):
                raise AwsError("SerializationException", "Unexpected value for Limit")
            if not 1 <= limit <= 10000:
                raise invalid("Limit must be between 1 and 10000." if limit > 0 else
                              "1 validation error detected: Value '%d' at 'limit' failed to satisfy "
                              "constraint: Member must have value greater than or equal to 1" % limit)
        else:
            limit = 10000
        d = decode_token(it)
        if not isinstance(d, dict) or d.get("o") != "k":
            raise invalid("Invalid ShardIterator.")
        st = self.streams.get(d.get("s"))
        if st is None or st.serial != d.get("v"):
            raise AwsError("ResourceNotFoundException", "Stream %s under account %s not found."
                           % (d.get("s"), self._account()))
        sh = st.by_id.get(d.get("h"))
        if sh is None:
            raise invalid("Invalid ShardIterator.")
        now = time.time()
        ttl = float(self.settings.kinesis_iterator_ttl or 0)
        made = float(d.get("t", 0))
        if ttl and now - made > ttl:
            sh.stats["expired"] += 1
            fmt = "%a %b %d %H:%M:%S UTC %Y"
            raise AwsError("ExpiredIteratorException", "Iterator expired. The iterator was created at time %s "
                           "while right now it is %s which is further in the future than the tolerated "
                           "delay of %d milliseconds." % (time.strftime(fmt, time.gmtime(made)),
                                                         time.strftime(fmt, time.gmtime(now)), int(ttl * 1000)))
        self._throttled(st, sh, now)
        sh.stats["get_records"] += 1
        sh.readers.append((round(now, 3), self.caller))
        pos, empties = int(d.get("p", 0)), int(d.get("e", 0))
        recs = sh.records
        if pos < len(recs) and empties < int(self.settings.kinesis_empty_reads or 0):
            sh.stats["empty_reads"] += 1
            nxt = encode_token({"o": "k", "s": st.name, "v": st.serial, "h": sh.id, "p": pos, "e": empties + 1,
                                "t": round(now, 3)})
            return {"Records": [], "NextShardIterator": nxt,
                    "MillisBehindLatest": max(0, int((now - recs[pos].arrival) * 1000))}
        out, size, end = [], 0, pos
        while end < len(recs) and len(out) < limit:
            r = recs[end]
            n = len(r.data) + len(r.key)
            if out and size + n > MAX_GET_BYTES:
                break
            out.append(r)
            size += n
            end += 1
        if sh.bucket is not None:
            sh.bucket -= size
        sh.stats["records_read"] += len(out)
        sh.stats["bytes_read"] += size
        res = {"Records": [{"SequenceNumber": r.seq, "ApproximateArrivalTimestamp": round(r.arrival, 3),
                            "Data": base64.b64encode(r.data).decode(), "PartitionKey": r.key} for r in out]}
        at_end = end >= len(recs)
        closed_end = sh.end_n is not None and at_end and (not out or self.settings.kinesis_end_with_records)
        if closed_end:
            kids = [c for c in st.shards if c.parent == sh.id or c.adjacent == sh.id]
            res["ChildShards"] = [{"ShardId": c.id, "ParentShards": [x for x in (c.parent, c.adjacent) if x],
                                   "HashKeyRange": {"StartingHashKey": str(c.lo), "EndingHashKey": str(c.hi)}}
                                  for c in kids]
        else:
            res["NextShardIterator"] = self._iterator(st, sh, end, now)
        res["MillisBehindLatest"] = 0 if at_end else max(0, int((now - recs[end].arrival) * 1000))
        return res

    def _put_one(self, st, e, member):
        """Checks one record to put; returns (shard, partition key, data)."""
        key = e.get("PartitionKey")
        if key is None:
            raise validation(None, member + "partitionKey", "Member must not be null")
        if not isinstance(key, str) or not 1 <= len(key) <= 256:
            raise validation(key, member + "partitionKey", "Member must have length less than or equal to 256"
                             if isinstance(key, str) and key else
                             "Member must have length greater than or equal to 1")
        raw = e.get("Data")
        if raw is None:
            raise validation(None, member + "data", "Member must not be null")
        try:
            data = base64.b64decode(raw, validate=True) if isinstance(raw, str) else None
        except ValueError:
            data = None
        if data is None:
            raise AwsError("SerializationException", "Base64 encoded data is invalid")
        if len(data) + len(key.encode("utf-8")) > MAX_RECORD:
            raise validation("java.nio.HeapByteBuffer", member + "data",
                             "Member must have length less than or equal to 1048576")
        ehk = e.get("ExplicitHashKey")
        h = self._hash_key(ehk, member + "explicitHashKey") if ehk is not None else hash_of(key)
        if h > HASH_MAX:
            raise invalid("Invalid ExplicitHashKey. ExplicitHashKey must be in the range: [0, 2^128-1]. "
                          "Specified value was %s" % ehk)
        return st.shard_for(h), key, data

    def op_PutRecord(self, p):
        st = self._stream(p)
        sh, key, data = self._put_one(st, p, "")
        r = st.append(sh, key, data, time.time())
        return {"ShardId": sh.id, "SequenceNumber": r.seq, "EncryptionType": "NONE"}

    def op_PutRecords(self, p):
        st = self._stream(p)
        entries = p.get("Records")
        if entries is None:
            raise validation(None, "records", "Member must not be null")
        if not isinstance(entries, list):
            raise AwsError("SerializationException", "Unexpected value for Records")
        if not 1 <= len(entries) <= MAX_PUT_RECORDS:
            raise validation("[...]", "records", "Member must have length less than or equal to 500"
                             if entries else "Member must have length greater than or equal to 1")
        checked = [self._put_one(st, e if isinstance(e, dict) else {}, "records.%d.member." % (i + 1))
                   for i, e in enumerate(entries)]
        total = sum(len(d) + len(k.encode("utf-8")) for _, k, d in checked)
        if total > MAX_PUTS_BYTES:
            raise invalid("Records size exceeds 5 MB limit")
        now = time.time()
        out = []
        for sh, key, data in checked:
            r = st.append(sh, key, data, now)
            out.append({"SequenceNumber": r.seq, "ShardId": sh.id})
        return {"FailedRecordCount": 0, "Records": out, "EncryptionType": "NONE"}

    def op_SplitShard(self, p):
        st = self._stream(p)
        sid = p.get("ShardToSplit")
        if sid is None:
            raise validation(None, "shardToSplit", "Member must not be null")
        k = p.get("NewStartingHashKey")
        if k is None:
            raise validation(None, "newStartingHashKey", "Member must not be null")
        k = self._hash_key(k, "newStartingHashKey")
        self._active(st)
        sh = self._shard(st, sid)
        if sh.end_n is not None:
            raise AwsError("ResourceInUseException", "Shard %s in stream %s under account %s has already been "
                           "merged or split, and thus is not eligible for merging or splitting."
                           % (sh.id, st.name, self._account()))
        if not sh.lo < k <= sh.hi:
            raise invalid("NewStartingHashKey %d used in SplitShard() on shard %s in stream %s under account %s "
                          "is not both greater than one plus the shard's StartingHashKey %d and less than the "
                          "shard's EndingHashKey %d." % (k, sh.id, st.name, self._account(), sh.lo, sh.hi))
        now = time.time()
        st.close(sh, now)
        st.new_shard(sh.lo, k - 1, parent=sh.id)
        st.new_shard(k, sh.hi, parent=sh.id)
        self._busy(st, "UPDATING")
        return {}

    def op_MergeShards(self, p):
        st = self._stream(p)
        a, b = p.get("ShardToMerge"), p.get("AdjacentShardToMerge")
        if a is None:
            raise validation(None, "shardToMerge", "Member must not be null")
        if b is None:
            raise validation(None, "adjacentShardToMerge", "Member must not be null")
        self._active(st)
        sa, sb = self._shard(st, a), self._shard(st, b)
        for sh in (sa, sb):
            if sh.end_n is not None:
                raise AwsError("ResourceInUseException", "Shard %s in stream %s under account %s has already "
                               "been merged or split, and thus is not eligible for merging or splitting."
                               % (sh.id, st.name, self._account()))
        if sa is sb or not (sa.hi + 1 == sb.lo or sb.hi + 1 == sa.lo):
            raise invalid("Shards %s and %s in stream %s under account %s are not an adjacent pair of shards "
                          "eligible for merging" % (sa.id, sb.id, st.name, self._account()))
        now = time.time()
        st.close(sa, now)
        st.close(sb, now)
        st.new_shard(min(sa.lo, sb.lo), max(sa.hi, sb.hi), parent=sa.id, adjacent=sb.id)
        self._busy(st, "UPDATING")
        return {}

    # --- what CloudWatch Logs and the control endpoint call ---------------------

    def deliver(self, arn_or_name, key, data):
        """Appends one record as a producer would, to the open shard of key.
        Returns False when there is no such stream (the record is dropped)."""
        with self.lock:
            name = arn_or_name.rsplit("/", 1)[-1] if arn_or_name.startswith("arn:") else arn_or_name
            st = self.streams.get(name)
            if st is None or (arn_or_name.startswith("arn:") and st.arn != arn_or_name):
                return False
            st.append(st.shard_for(hash_of(key)), key, data, time.time())
            return True

    def stream_arn_ok(self, arn):
        with self.lock:
            name = arn.rsplit("/", 1)[-1]
            st = self.streams.get(name)
            return st is not None and st.arn == arn and st.status() != "CREATING"

    def ctl_kinesis(self, a):
        """The control endpoint's kinesis command: create, put, records,
        shards, stats (see aws_server.py)."""
        act = a.get("action", "stats")
        with self.lock:
            if act == "create":
                self.op_CreateStream({"StreamName": a["stream"], "ShardCount": int(a.get("shards", 1))})
                st = self.streams[a["stream"]]
                st.busy_until = 0
                return {"stream": st.name, "arn": st.arn, "shards": [s.id for s in st.shards]}
            if act == "put":
                st = self._stream({"StreamName": a["stream"]})
                out = []
                for r in a.get("records", []):
                    if "data_b64" in r:
                        data = base64.b64decode(r["data_b64"])
                    else:
                        data = r.get("data", "").encode("utf-8")
                    key = r.get("partition_key", "k")
                    sh = self._shard(st, r["shard"]) if r.get("shard") else st.shard_for(hash_of(key))
                    if sh.end_n is not None:
                        raise AwsError("BadRequest", "shard %s is closed" % sh.id)
                    rec = st.append(sh, key, data, time.time())
                    out.append({"shard": sh.id, "seq": rec.seq})
                return {"records": out}
            if act == "records":
                st = self._stream({"StreamName": a["stream"]})
                return {"shards": [{"shard": sh.id, "records": [
                    {"seq": r.seq, "key": r.key, "arrival": r.arrival, "data_b64": base64.b64encode(r.data).decode()}
                    for r in sh.records]} for sh in st.shards]}
            if act == "shards":
                st = self._stream({"StreamName": a["stream"]})
                return {"shards": [sh.json() for sh in st.shards]}
            if act == "readers":
                st = self._stream({"StreamName": a["stream"]})
                return {"shards": {sh.id: [list(r) for r in sh.readers] for sh in st.shards}}
            if act == "stats":
                out = {}
                for st in self.streams.values():
                    if a.get("stream") and st.name != a["stream"]:
                        continue
                    out[st.name] = {sh.id: dict(sh.stats, records=len(sh.records),
                                                open=sh.end_n is None) for sh in st.shards}
                    if a.get("reset"):
                        for sh in st.shards:
                            for k in sh.stats:
                                sh.stats[k] = 0
                return {"streams": out}
            raise AwsError("BadRequest", "unknown kinesis action: %s (create, put, records, shards, readers, "
                           "stats)" % act)
