#!/usr/bin/python3
"""A local stand-in for the AWS services cloudwatchlogsbeat talks to, for
the tests: CloudWatch Logs (with subscription filters delivering to
Kinesis), Kinesis Data Streams, S3, DynamoDB, STS, EC2 instance metadata
and the ECS credentials endpoint, all on one HTTP/1.1 port of 127.0.0.1.

    /usr/bin/python3 aws_server.py --port 0 --port-file F --pid-file F [options]

The service is chosen as AWS chooses it: by the credential scope of the
SigV4 Authorization header (logs, kinesis, s3, dynamodb, sts), X-Amz-Target, the
form's Action, and S3's REST paths (path style, or a bucket.s3... Host).
Unsigned GETs under /latest/ are instance metadata, under --ecs-prefix the
ECS endpoint. Every signature is recomputed with botocore's signer; shapes
and error codes follow the botocore service models. Switches make it
behave like the real services on their bad days (late lastEventTimestamp,
late events, expiring tokens, empty pages, throttling, 5xx, dropped
connections, latency, rate limits), and, where AWS documents nothing,
offer each plausible behaviour (aws_logs.py says what each means):

    --logs-order timestamp|ingestion   the order GetLogEvents serves a
                   stream in and what its tokens are (timestamp)
    --filter-token key|position        what a FilterLogEvents nextToken
                   holds (key)
    --token-window free|check          whether a nextToken is valid only
                   with the parameters of the request it came from (free)
    --filter-end exclusive|inclusive   whether FilterLogEvents returns the
                   events stamped at its endTime (exclusive: no)

Unsigned JSON POSTs under /_control/ drive it (tests/servers/awsctl):

    seed           groups and streams with generated events: group | groups |
                   group_count + group_prefix; streams (a count) | stream_names;
                   stream_prefix, lambda_names; events (per stream), size, start,
                   step, stream_offset (ms), kind (text json java java-multiline
                   lambda unicode invalid-utf8 mixed), late, late_by,
                   ingestion_delay, retention, seed
    put            append to group/stream (create: true): events [{timestamp,
                   message | message_b64}] or messages [...] + timestamp, step;
                   ingestion_time. No PutLogEvents checks, any order: an
                   event with an old timestamp is a late event, ingested now.
    create-group   group, retention        delete-group   group
                   (these, seed, put, put-batch, create-stream, delete-stream
                   and dump take account: a linked source account's 12-digit
                   id, whose groups DescribeLogGroups lists only with
                   includeLinkedAccounts and other calls reach only by ARN;
                   default: Settings.account, the monitoring account's own)
    create-stream  group, stream | streams, create_group
    delete-stream  group, stream
    dump           group?, stream?, order (ingestion | time): NDJSON of every
                   event: group, stream, eventId, timestamp, ingestionTime, message
    faults         throttle, error500, error503, drop (rates 0..1);
                   throttle_count, error500_count, error503_count, drop_count
                   (the next N requests); latency_ms, latency_max_ms; ops (the
                   operations faults apply to); tps {operation: per second};
                   seed; clear. Answers the configuration.
    settings       the switches of Settings (aws_common.py); answers them all
    put-batch      puts [{group, stream, events | messages, timestamp, step,
                   ingestion_time, create}]: many puts under one lock, in order
    stats          requests, services, status, throttles, faults, auth_failures,
                   imds, ecs (counters), imds_token_ttl_asked {seconds: PUTs},
                   signed_by {access key id: requests},
                   requests_by_key {access key id: {operation: n}},
                   events_returned_by_key {access key id: {GetLogEvents |
                   FilterLogEvents: events in the answers}},
                   groups, streams, events_total, events
                   {group: {stream: n}}, empty_pages, get_empty (GetLogEvents
                   answers without an event); reset: true clears counters;
                   brief: true leaves out events; times: true adds times
                   {access key id: {operation: [epoch seconds of each request,
                   the last 100000]}}; get_by_stream: true adds get_by_stream
                   {group: {stream: GetLogEvents requests}}
    reset          empty every store; settings, faults, keys and roles as the
                   command line gave them
    roles          roles [{arn, allow, external_id, mfa_serial, mfa_code,
                   web_identity, web_identity_token, max_duration}], replace,
                   delete [arn]
    keys           add [{access_key_id, secret_access_key, session_token,
                   expires}], remove [akid], issue {role_arn, session, duration}
    buckets        create [name], delete [name], region, keys
    tables         the DynamoDB tables
    hostile        kind, ops, count, bytes, chunked; clear: answers that break
                   the rules (aws_hostile.py)
    kinesis        action: create (stream, shards: made ACTIVE at once), put
                   (stream, records [{data | data_b64, partition_key, shard}]:
                   appended as given, no limits), records (stream: every
                   record of every shard), shards (stream: as ListShards
                   gives them), stats (stream?, reset: per shard get_records,
                   records_read, bytes_read, throttled_tps, throttled_bytes,
                   expired, iterators, empty_reads, records, open), readers
                   (stream: per shard the [time, access key] of each
                   GetRecords served, the last 100,000)
    ping

With --tls-cert and --tls-key it speaks HTTPS instead of HTTP.
"""

import argparse
import collections
import json
import os
import re
import signal
import socket
import sys
import threading
import time
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from aws_auth import AuthError, KeyStore, auth_error, credential_scope, load_botocore, verify  # noqa: E402
from aws_common import AwsError, Counter, Response, Settings, request_id  # noqa: E402
from aws_dynamodb import DynamoStore  # noqa: E402
from aws_faults import Faults  # noqa: E402
from aws_hostile import Hostile, Raw, Rule, serve_tls  # noqa: E402
from aws_kinesis import KinesisStore  # noqa: E402
from aws_logs import LogsStore  # noqa: E402
from aws_s3 import S3Store, s3_error  # noqa: E402
from aws_sts import StsStore, sts_error  # noqa: E402
from aws_subscriptions import Subscriptions  # noqa: E402

DROP = object()
VHOST_RX = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3[.-]")
SUBSCRIPTION_OPS = {"PutSubscriptionFilter", "DescribeSubscriptionFilters", "DeleteSubscriptionFilter"}
KINESIS_DATA_OPS = {"GetRecords", "GetShardIterator", "PutRecord", "PutRecords"}
DDB_DATA_OPS = {"PutItem", "GetItem", "DeleteItem", "UpdateItem", "Query", "Scan", "BatchGetItem",
                "BatchWriteItem"}
CORAL = {"UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationTokenException",
         "IncompleteSignatureException", "ExpiredTokenException", "AccessDeniedException",
         "SerializationException", "UnknownOperationException", "ThrottlingException"}


class Request:
    __slots__ = ("method", "raw_path", "path", "query", "headers", "body", "service", "op", "bucket", "key",
                 "akid")

    def __init__(self, method, target, headers, body):
        self.method = method
        raw_path, _, qs = target.partition("?")
        self.raw_path = raw_path
        self.path = unquote(raw_path)
        self.query = parse_qsl(qs, keep_blank_values=True)
        self.headers = headers
        self.body = body
        self.service = self.op = self.bucket = self.key = self.akid = None


def decode_aws_chunked(body):
    """The payload of an aws-chunked body (chunk signatures and trailers dropped)."""
    out, i = [], 0
    while i < len(body):
        j = body.find(b"\r\n", i)
        if j < 0:
            break
        size = int(body[i:j].split(b";")[0], 16)
        if size == 0:
            break
        out.append(body[j + 2:j + 2 + size])
        i = j + 2 + size + 2
    return b"".join(out)


class AwsServer:
    def __init__(self, settings):
        self.settings = settings
        self.keys = KeyStore()
        self.stats = Counter()
        self.faults = Faults()
        self.hostile = Hostile()
        self.logs = LogsStore(settings)
        self.kinesis = KinesisStore(settings)
        self.subs = Subscriptions(settings, self.logs, self.kinesis)
        self.logs.on_append = self.subs.deliver
        self.s3 = S3Store(settings)
        self.ddb = DynamoStore(settings)
        self.sts = StsStore(settings, self.keys, self.stats)
        self.log = None
        # When each request came, by access key and operation, for rate checks.
        self.times_lock = threading.Lock()
        self.times = {}
        # What the command line gave, restored by /_control/reset.
        self.extra_keys = []
        self.base_roles = None
        self.base_faults = {}

    # --- routing ----------------------------------------------------------

    def route(self, req):
        h = req.headers
        authz = h.get("Authorization")
        q = dict(req.query)
        signed = authz is not None and authz.startswith("AWS4-") or "X-Amz-Credential" in q
        if not signed:
            if req.raw_path.startswith("/latest/"):
                return "imds"
            prefix = self.settings.ecs_prefix
            if prefix and req.raw_path.startswith(prefix):
                return "ecs"
        service = None
        if authz is not None:
            scope = credential_scope(authz)
            service = scope[3] if scope else None
        elif "X-Amz-Credential" in q:
            parts = q["X-Amz-Credential"].split("/")
            service = parts[3] if len(parts) == 5 else None
        target = h.get("X-Amz-Target", "")
        if service is None:
            if target.startswith("Logs_"):
                service = "logs"
            elif target.startswith("Kinesis_"):
                service = "kinesis"
            elif target.startswith("DynamoDB_"):
                service = "dynamodb"
            elif "Action" in q or (req.method == "POST" and b"Action=" in req.body[:4096]):
                service = "sts"
            else:
                service = "s3"
        return service

    def operation(self, req):
        s = req.service
        if s in ("logs", "dynamodb", "kinesis"):
            target = req.headers.get("X-Amz-Target", "")
            prefix = {"logs": "Logs_20140328.", "dynamodb": "DynamoDB_20120810.",
                      "kinesis": "Kinesis_20131202."}[s]
            return target[len(prefix):] if target.startswith(prefix) else "Unknown"
        if s == "sts":
            params = dict(req.query)
            if req.method == "POST":
                params.update(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
            req.key = params  # the STS parameters
            return params.get("Action", "Unknown")
        if s == "s3":
            host = (req.headers.get("Host") or "").split(":")[0]
            m = VHOST_RX.match(host)
            if m:
                req.bucket = m.group("bucket")
                key = req.path[1:]
            else:
                bucket, _, key = req.path[1:].partition("/")
                req.bucket = bucket or None
            req.key = key if key else None
            return S3Store.operation(req.method, req.bucket, req.key, req.query)
        return "Unknown"

    # --- errors in each protocol ---------------------------------------------

    def render_error(self, req, e):
        s = req.service
        if s == "s3":
            return s3_error(e)
        if s == "sts":
            return sts_error(e)
        if s == "dynamodb":
            if e.code in CORAL:
                t = "com.amazon.coral.service#" + e.code
            elif e.code == "ValidationException":
                t = "com.amazon.coral.validate#ValidationException"
            else:
                t = "com.amazonaws.dynamodb.v20120810#" + e.code
            return self.json_body(req, dict({"__type": t, "message": e.message}, **e.extra), e.status,
                                  [("x-amzn-ErrorType", e.code)])
        if s in ("logs", "kinesis"):
            body = {"__type": e.code}
            if e.message:
                body["message"] = e.message
            return self.json_body(req, body, e.status, [("x-amzn-ErrorType", e.code)])
        return Response(e.status, [("Content-Type", "text/plain")], (e.message or e.code).encode())

    def json_body(self, req, obj, status=200, extra=()):
        if isinstance(obj, (str, bytes)):
            body = obj.encode("utf-8", "cwlfffd") if isinstance(obj, str) else obj
        else:
            body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "cwlfffd")
        ctype = "application/x-amz-json-1.0" if req.service == "dynamodb" else "application/x-amz-json-1.1"
        hs = [("Content-Type", ctype), ("x-amzn-RequestId", request_id())] + list(extra)
        if req.service == "dynamodb":
            hs.append(("x-amz-crc32", str(zlib.crc32(body) & 0xFFFFFFFF)))
        return Response(status, hs, body)

    def fault_error(self, req, fault):
        s, op = req.service, req.op
        if s in ("imds", "ecs"):
            code = {"throttle": 429, "tps": 429, "500": 500, "503": 503}[fault]
            return Response(code, [("Content-Type", "text/plain")], b"fault")
        if fault in ("throttle", "tps"):
            e = {"logs": AwsError("ThrottlingException", "Rate exceeded"),
                 "kinesis": (AwsError("ProvisionedThroughputExceededException", "Rate exceeded for Shard")
                             if op in KINESIS_DATA_OPS else AwsError("LimitExceededException", "Rate exceeded")),
                 "s3": AwsError("SlowDown", "Please reduce your request rate.", 503),
                 "sts": AwsError("Throttling", "Rate exceeded")}.get(s)
            if s == "dynamodb":
                e = (AwsError("ProvisionedThroughputExceededException",
                              "The level of configured provisioned throughput for the table was exceeded. "
                              "Consider increasing your provisioning level with the UpdateTable API.")
                     if op in DDB_DATA_OPS else AwsError("ThrottlingException", "Rate exceeded"))
        elif fault == "500":
            e = {"logs": AwsError("InternalFailure", "The request processing has failed because of an "
                                  "unknown error, exception or failure.", 500),
                 "kinesis": AwsError("InternalFailure", "The request processing has failed because of an "
                                     "unknown error, exception or failure.", 500),
                 "dynamodb": AwsError("InternalServerError", "Internal server error", 500),
                 "s3": AwsError("InternalError", "We encountered an internal error. Please try again.", 500),
                 "sts": AwsError("InternalFailure", "An internal error occurred.", 500)}[s]
        else:
            e = {"logs": AwsError("ServiceUnavailableException", "The service cannot complete the request.", 503),
                 "kinesis": AwsError("ServiceUnavailable", "The service is unavailable. Please try again.", 503),
                 "dynamodb": AwsError("ServiceUnavailable", "The service is currently unavailable or busy.", 503),
                 "s3": AwsError("ServiceUnavailable", "Service is unable to handle request.", 503),
                 "sts": AwsError("ServiceUnavailable", "Service is unable to handle request.", 503)}[s]
        return self.render_error(req, e)

    # --- one request -------------------------------------------------------

    def handle(self, req):
        if req.raw_path.startswith("/_control/"):
            return self.control(req)
        req.service = self.route(req)
        if req.service == "imds":
            req.op = "IMDS"
        elif req.service == "ecs":
            req.op = "ECS"
        else:
            req.op = self.operation(req)
        self.stats.add("requests", req.op)
        self.stats.add("services", req.service)
        self.note_time(req)
        delay, fault = self.faults.decide(req.op, listed_only=req.service in ("imds", "ecs"))
        if delay:
            self.stats.add("faults", "latency")
            time.sleep(delay)
        if fault:
            self.stats.add("faults", fault)
            if fault == "drop":
                return DROP
            if fault in ("throttle", "tps"):
                self.stats.add("throttles", req.op)
            return self.fault_error(req, fault)
        if req.service == "imds":
            return self.sts.imds(req.method, req.raw_path, req.headers)
        if req.service == "ecs":
            return self.sts.ecs(req.method, req.raw_path, req.headers)
        try:
            caller = self.authenticate(req)
            return self.hostile.answer(req, lambda: self.dispatch(req, caller), self.json_body)
        except AwsError as e:
            return self.render_error(req, e)

    def note_time(self, req):
        """Counts the request under its access key (signed or not yet
        checked) and keeps its arrival time."""
        authz = req.headers.get("Authorization")
        scope = credential_scope(authz) if authz else None
        if scope:
            akid = scope[0]
        else:
            cred = dict(req.query).get("X-Amz-Credential", "")
            akid = cred.split("/")[0] if cred else "-"
        req.akid = akid
        self.stats.add("requests_by_key", "%s %s" % (akid, req.op))
        with self.times_lock:
            q = self.times.get((akid, req.op))
            if q is None:
                q = self.times[(akid, req.op)] = collections.deque(maxlen=100000)
            q.append(time.time())

    def authenticate(self, req):
        if req.service == "sts" and req.op == "AssumeRoleWithWebIdentity":
            return None
        if not self.settings.verify_signatures:
            authz = req.headers.get("Authorization") or ""
            scope = credential_scope(authz)
            return self.keys.get(scope[0]) if scope and self.keys.get(scope[0]) else self.keys.get(
                "AKIACWLTESTKEY0000001")
        try:
            caller = verify(req, self.keys, self.settings.max_skew)
        except AuthError as e:
            self.stats.add("auth_failures", e.kind)
            raise auth_error(req.service, e) from None
        self.stats.add("signed_by", caller.akid)
        return caller

    def dispatch(self, req, caller):
        s = req.service
        if s in ("logs", "dynamodb", "kinesis"):
            if req.op == "Unknown":
                raise AwsError("UnknownOperationException", "", 400)
            try:
                params = json.loads(req.body.decode("utf-8", "surrogateescape")) if req.body.strip() else {}
            except ValueError:
                raise AwsError("SerializationException", "Unable to parse the request body as JSON") from None
            if s == "kinesis":
                return self.json_body(req, self.kinesis.call(req.op, params, caller))
            if s == "dynamodb":
                return self.json_body(req, self.ddb.call(req.op, params))
            if req.op in SUBSCRIPTION_OPS:
                return self.json_body(req, self.subs.call(req.op, params))
            return self.json_body(req, self.logs.call(req.op, params, lambda n: self.stats.add(
                "events_by_key", "%s %s" % (req.akid, req.op), n)))
        if s == "s3":
            if req.headers.get("x-amz-content-sha256", "").startswith("STREAMING-"):
                req.body = decode_aws_chunked(req.body)
            return self.s3.call(req.op, req, req.bucket, req.key)
        if s == "sts":
            body = self.sts.call(req.op, req.key, caller)
            return Response(200, [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id())],
                            body.encode())
        raise AwsError("UnknownService", "no such service: %s" % s, 400)

    # --- control endpoint ----------------------------------------------------

    def control(self, req):
        cmd = req.raw_path[len("/_control/"):].strip("/")
        try:
            args = json.loads(req.body) if req.body.strip() else {}
            for k, v in req.query:
                args.setdefault(k, v)
            fn = getattr(self, "ctl_" + cmd.replace("-", "_"), None)
            if fn is None:
                raise AwsError("BadRequest", "unknown command: %s" % cmd, 404)
            out = fn(args)
            if isinstance(out, Response):
                return out
            return Response(200, [("Content-Type", "application/json")],
                            json.dumps(out, ensure_ascii=False).encode("utf-8", "cwlfffd"))
        except AwsError as e:
            return self._ctl_error(e.status if e.status != 400 else 400, "%s: %s" % (e.code, e.message))
        except (KeyError, ValueError, TypeError) as e:
            return self._ctl_error(400, "%s: %s" % (type(e).__name__, e))

    @staticmethod
    def _ctl_error(status, msg):
        return Response(status, [("Content-Type", "application/json")], json.dumps({"error": msg}).encode())

    def ctl_ping(self, a):
        return {"ok": True, "pid": os.getpid()}

    def ctl_seed(self, a):
        return self.logs.ctl_seed(a)

    def ctl_put(self, a):
        return self.logs.ctl_put(a)

    def ctl_put_batch(self, a):
        return self.logs.ctl_put_batch(a)

    def ctl_create_group(self, a):
        return self.logs.ctl_create_group(a)

    def ctl_delete_group(self, a):
        return self.logs.ctl_delete_group(a)

    def ctl_create_stream(self, a):
        return self.logs.ctl_create_stream(a)

    def ctl_delete_stream(self, a):
        return self.logs.ctl_delete_stream(a)

    def ctl_dump(self, a):
        chunks = self.logs.ctl_dump(a)
        return Response(200, [("Content-Type", "application/x-ndjson")], chunks=chunks)

    def ctl_faults(self, a):
        return self.faults.set(a) if a else self.faults.snapshot()

    def ctl_settings(self, a):
        self.settings.update(a)
        return self.settings.snapshot()

    def ctl_stats(self, a):
        if a.get("reset"):
            self.stats.clear()
            with self.times_lock:
                self.times = {}
        out = {"requests": {}, "services": {}, "throttles": {}, "faults": {}, "auth_failures": {},
               "imds": {}, "ecs": {}}
        out.update(self.stats.snapshot())
        for section, name in (("requests_by_key", "requests_by_key"), ("events_by_key", "events_returned_by_key")):
            by_key = {}
            for k, n in out.pop(section, {}).items():
                akid, _, op = k.partition(" ")
                by_key.setdefault(akid, {})[op] = n
            out[name] = by_key
        if a.get("times"):
            with self.times_lock:
                t = {}
                for (akid, op), q in self.times.items():
                    t.setdefault(akid, {})[op] = list(q)
            out["times"] = t
        out.update(self.logs.ctl_stats(a))
        return out

    def ctl_reset(self, a):
        """Empty every store; settings, faults, keys and roles go back to
        what the command line said."""
        self.logs.reset()
        self.subs.reset()
        self.kinesis.reset()
        self.s3.reset()
        self.ddb.reset()
        self.sts.reset()
        if self.base_roles is not None:
            self.sts.ctl_roles({"replace": True, "roles": self.base_roles})
        self.faults.clear()
        self.hostile.reset()
        with self.times_lock:
            self.times = {}
        if self.base_faults:
            self.faults.set(self.base_faults)
        self.stats.clear()
        if not a.get("keep_settings"):
            self.settings.reset()
        self.keys.reset()
        for d in self.extra_keys:
            self.keys.add_dict(d)
        return {"ok": True}

    def ctl_roles(self, a):
        return self.sts.ctl_roles(a)

    def ctl_keys(self, a):
        for d in a.get("add", []):
            self.keys.add_dict(d)
        for akid in a.get("remove", []):
            self.keys.remove(akid)
        if a.get("issue"):
            # Temporary credentials for a role, as STS would issue them.
            d = a["issue"] if isinstance(a["issue"], dict) else {}
            k = self.sts.issue(d.get("role_arn", "arn:aws:iam::%s:role/cwl-reader" % self.settings.account),
                               d.get("session", "cwl-test"), float(d.get("duration", 3600)), "control")
            return {"issued": k.public(), "keys": self.keys.listing()}
        return {"keys": self.keys.listing()}

    def ctl_hostile(self, a):
        return self.hostile.set(a) if a else self.hostile.snapshot()

    def ctl_buckets(self, a):
        return self.s3.ctl_buckets(a)

    def ctl_tables(self, a):
        return self.ddb.ctl_tables(a)

    def ctl_kinesis(self, a):
        return self.kinesis.ctl_kinesis(a)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cwl-test-aws/1.0"
    sys_version = ""
    app = None  # the AwsServer

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def log_message(self, fmt, *args):
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts = []
            while True:
                line = self.rfile.readline(65537)
                if not line:
                    return None
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(3)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def handle_any(self):
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        if body is None:
            self.close_connection = True
            return
        req = Request(self.command, self.path, self.headers, body)
        try:
            resp = self.app.handle(req)
        except Exception:  # a bug here must not look like a network failure
            traceback.print_exc()
            resp = Response(500, [("Content-Type", "application/json")],
                            json.dumps({"__type": "InternalFailure",
                                        "message": traceback.format_exc(limit=3)}).encode())
        app = self.app
        if app.log is not None:
            status = "drop" if resp is DROP else resp.status
            app.log.write("%.3f %s %s %s %s %s\n" % (time.time(), self.command, self.path[:200], req.service,
                                                     req.op, status))
            app.log.flush()
        if isinstance(resp, Raw):
            return resp.send(self)
        if resp is DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        app.stats.add("status", str(resp.status))
        self.send(resp)

    def send(self, resp):
        head_only = self.command == "HEAD"
        reason = self.responses.get(resp.status, ("",))[0]
        lines = ["HTTP/1.1 %d %s" % (resp.status, reason),
                 "Date: " + self.date_time_string(), "Server: " + self.server_version]
        names = set()
        for k, v in resp.headers:
            lines.append("%s: %s" % (k, v))
            names.add(k.lower())
        chunked = resp.chunks is not None and not head_only
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        elif "content-length" not in names and resp.status not in (204, 304):
            lines.append("Content-Length: %d" % (0 if head_only else len(resp.body)))
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        try:
            if chunked:
                self.wfile.write(head)
                try:
                    for c in resp.chunks:
                        if c:
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                except Exception:  # cut the answer short: the client sees it is incomplete
                    traceback.print_exc()
                    self.close_connection = True
                    return
                self.wfile.write(b"0\r\n\r\n")
            elif head_only or resp.status in (204, 304):
                self.wfile.write(head)
            else:
                self.wfile.write(head + resp.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def parse_args(argv):
    ap = argparse.ArgumentParser(description="Local CloudWatch Logs, S3, DynamoDB, STS, IMDS and ECS "
                                 "credentials server for the tests.")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0: the kernel picks")
    ap.add_argument("--port-file", help="written with the port once listening")
    ap.add_argument("--pid-file")
    ap.add_argument("--log", help="append one line per request to this file")
    ap.add_argument("--keys", help="JSON list of {access_key_id, secret_access_key, session_token?, expires?}")
    ap.add_argument("--roles", help="JSON list of roles {arn, allow, external_id, mfa_serial, mfa_code, "
                    "web_identity, web_identity_token, max_duration}")
    ap.add_argument("--seed", action="append", default=[], metavar="JSON", help="seed at start (as /_control/seed)")
    ap.add_argument("--bucket", action="append", default=[], help="create this bucket at start")
    g = ap.add_argument_group("switches (also /_control/settings)")
    g.add_argument("--region")
    g.add_argument("--account")
    g.add_argument("--max-skew", type=int, help="seconds of clock skew allowed (900)")
    g.add_argument("--no-verify-signatures", action="store_true")
    g.add_argument("--last-event-lag", type=float, help="seconds lastEventTimestamp lags behind")
    g.add_argument("--token-ttl", type=float, help="seconds a nextToken stays valid (0: forever)")
    g.add_argument("--empty-pages", type=int, help="empty pages served before each page of events")
    g.add_argument("--accept-any-timestamp", action="store_true", help="PutLogEvents rejects no timestamp")
    g.add_argument("--filter-scan-limit", type=int, help="events FilterLogEvents scans per call (0: all)")
    g.add_argument("--logs-order", choices=Settings.CHOICES["logs_order"],
                   help="the order of a stream for GetLogEvents and its tokens (timestamp)")
    g.add_argument("--filter-token", choices=Settings.CHOICES["filter_token"],
                   help="what a FilterLogEvents nextToken holds: the last event's key, or a position (key)")
    g.add_argument("--token-window", choices=Settings.CHOICES["token_window"],
                   help="check: a nextToken is valid only with the parameters it came from (free)")
    g.add_argument("--filter-end", choices=Settings.CHOICES["filter_end"],
                   help="whether FilterLogEvents returns the events stamped at endTime (exclusive)")
    g.add_argument("--s3-auto-create", action="store_true", help="PUT into a missing bucket creates it")
    g.add_argument("--credential-ttl", type=float, help="seconds every issued credential lives")
    g.add_argument("--imds-v1", action="store_true", help="IMDS answers GETs without a session token")
    g.add_argument("--imds-role")
    g.add_argument("--ecs-prefix")
    g.add_argument("--ecs-auth-token", help="Authorization value the ECS endpoint requires")
    g.add_argument("--ecs-auth-token-uses", type=int,
                   help="answers the ECS token gets, then it is refused as rotated (0: no end)")
    g.add_argument("--ecs-role-arn")
    g.add_argument("--web-identity-token")
    g.add_argument("--kinesis-iterator-ttl", type=float, help="seconds a shard iterator lives (300; 0: forever)")
    g.add_argument("--kinesis-read-tps", type=float, help="GetRecords per shard per second (5; 0: no limit)")
    g.add_argument("--kinesis-read-bytes", type=int, help="bytes read per shard per second (2 MiB; 0: no limit)")
    f = ap.add_argument_group("faults (also /_control/faults)")
    f.add_argument("--throttle", type=float, help="rate 0..1 of throttling errors")
    f.add_argument("--error500", type=float, help="rate 0..1 of 500 answers")
    f.add_argument("--error503", type=float, help="rate 0..1 of 503 answers")
    f.add_argument("--drop", type=float, help="rate 0..1 of connections closed without an answer")
    f.add_argument("--latency", help="added latency in ms: N or MIN-MAX")
    f.add_argument("--tps", action="append", default=[], metavar="OP=N", help="rate limit of one operation")
    f.add_argument("--fault-ops", help="comma-separated operations the faults apply to (default: all)")
    f.add_argument("--fault-seed", type=int)
    f.add_argument("--hostile", action="append", default=[], metavar="KIND[:OPS[:COUNT]]",
                   help="answers that break the rules (aws_hostile.py; also /_control/hostile)")
    ap.add_argument("--tls-cert", help="serve HTTPS with this certificate")
    ap.add_argument("--tls-key")
    return ap.parse_args(argv)


def configure(app, a):
    s = {}
    for name in ("region", "account", "max_skew", "last_event_lag", "token_ttl", "empty_pages",
                 "filter_scan_limit", "logs_order", "filter_token", "token_window", "filter_end", "credential_ttl",
                 "imds_role", "ecs_prefix", "ecs_auth_token",
                 "ecs_auth_token_uses", "ecs_role_arn", "web_identity_token", "kinesis_iterator_ttl", "kinesis_read_tps",
                 "kinesis_read_bytes"):
        v = getattr(a, name)
        if v is not None:
            s[name] = v
    for name in ("accept_any_timestamp", "s3_auto_create", "imds_v1"):
        if getattr(a, name):
            s[name] = True
    if a.no_verify_signatures:
        s["verify_signatures"] = False
    app.settings.update(s)
    app.settings.keep_as_base()
    if app.settings.account != Settings.DEFAULTS["account"]:
        app.sts.reset()
    f = {}
    for name in ("throttle", "error500", "error503", "drop"):
        v = getattr(a, name)
        if v is not None:
            f[name] = v
    if a.latency:
        lo, _, hi = a.latency.partition("-")
        f["latency_ms"] = int(lo)
        if hi:
            f["latency_max_ms"] = int(hi)
    if a.tps:
        f["tps"] = {op: float(n) for op, _, n in (t.partition("=") for t in a.tps)}
    if a.fault_ops:
        f["ops"] = a.fault_ops
    if a.fault_seed is not None:
        f["seed"] = a.fault_seed
    if f:
        app.faults.set(f)
        app.base_faults = f
    app.hostile.rules = [Rule.parse(h) for h in a.hostile]
    app.hostile.keep_as_base()
    if a.keys:
        with open(a.keys) as fh:
            app.extra_keys = json.load(fh)
        for d in app.extra_keys:
            app.keys.add_dict(d)
    if a.roles:
        with open(a.roles) as fh:
            app.base_roles = json.load(fh)
        app.sts.ctl_roles({"replace": True, "roles": app.base_roles})
    for b in a.bucket:
        app.s3.create_bucket(b)
    for spec in a.seed:
        app.logs.ctl_seed(json.loads(spec))
    if a.log:
        app.log = open(a.log, "a")


def write_atomically(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as fh:
        fh.write(text)
    os.replace(tmp, path)


def main(argv=None):
    a = parse_args(sys.argv[1:] if argv is None else argv)
    app = AwsServer(Settings())
    try:
        configure(app, a)
    except (OSError, ValueError, KeyError, AwsError) as e:
        print("aws_server: error: %s" % e, file=sys.stderr)
        return 2
    Handler.app = app
    httpd = Server((a.host, a.port), Handler)
    port = httpd.server_address[1]
    if a.tls_cert:
        serve_tls(httpd, a.tls_cert, a.tls_key)

    def stop(signum, frame):
        threading.Thread(target=httpd.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if a.pid_file:
        write_atomically(a.pid_file, "%d\n" % os.getpid())
    if a.port_file:
        write_atomically(a.port_file, "%d\n" % port)
    threading.Thread(target=load_botocore, daemon=True).start()
    try:
        httpd.serve_forever(poll_interval=0.2)
    finally:
        httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
