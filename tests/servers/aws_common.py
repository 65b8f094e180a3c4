"""Pieces every service of the local AWS server shares: the error type,
responses, request ids, clocks, XML and JSON helpers, opaque tokens."""

import base64
import codecs
import email.utils
import hashlib
import json
import secrets
import string
import threading
import time
import uuid
from json.encoder import encode_basestring
from xml.sax.saxutils import escape as _xml_escape

ACCOUNT = "123456789012"


def _fffd(err):
    # Messages keep the raw bytes they were given (invalid UTF-8 is held as
    # lone surrogates, Python's "surrogateescape"); on the wire each invalid
    # byte becomes U+FFFD, as CloudWatch Logs serves what it cannot decode.
    return (b"\xef\xbf\xbd" * (err.end - err.start), err.end)


codecs.register_error("cwlfffd", _fffd)


def wire(text):
    """UTF-8 bytes of text, invalid bytes replaced by U+FFFD."""
    return text.encode("utf-8", "cwlfffd")


def raw_bytes(text):
    """The bytes a stored message was given as."""
    return text.encode("utf-8", "surrogateescape")


jstr = encode_basestring  # a JSON string literal, non-ASCII kept as is


class AwsError(Exception):
    """An error answered in the protocol of the service that raised it."""

    def __init__(self, code, message, status=400, **extra):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.extra = extra


class Response:
    __slots__ = ("status", "headers", "body", "chunks")

    def __init__(self, status=200, headers=None, body=b"", chunks=None):
        self.status = status
        self.headers = headers if headers is not None else []
        self.body = body
        self.chunks = chunks  # an iterable of bytes, sent chunked


def request_id():
    return str(uuid.uuid4())


def now_ms():
    return int(time.time() * 1000)


def iso8601(t):
    """2026-11-23T10:00:00Z for an epoch in seconds."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def iso8601_ms(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def http_date(t):
    return email.utils.formatdate(t, usegmt=True)


def xml_escape(s):
    return _xml_escape(str(s), {'"': "&quot;"})


def json_response(obj, content_type, extra_headers=None, status=200):
    body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "cwlfffd")
    headers = [("Content-Type", content_type), ("x-amzn-RequestId", request_id())]
    if extra_headers:
        headers.extend(extra_headers)
    return Response(status, headers, body)


def random_id(prefix, n, alphabet=string.ascii_uppercase + string.digits):
    return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


def random_secret(n=40):
    return random_id("", n, string.ascii_letters + string.digits + "+/")


def random_session_token():
    return base64.b64encode(b"cwl-test-session:" + secrets.token_bytes(96)).decode()


def encode_token(obj):
    """An opaque, URL-safe token that carries obj (a JSON value)."""
    raw = json.dumps(obj, separators=(",", ":")).encode()
    mac = hashlib.sha256(b"cwl-token" + raw).digest()[:6]
    return base64.urlsafe_b64encode(mac + raw).decode().rstrip("=")


def decode_token(tok):
    """obj from encode_token, or None when tok was not made by it."""
    if not isinstance(tok, str) or not tok:
        return None
    try:
        data = base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4))
    except (ValueError, TypeError):
        return None
    mac, raw = data[:6], data[6:]
    if hashlib.sha256(b"cwl-token" + raw).digest()[:6] != mac:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class Counter:
    """Thread-safe nested counters: stats["requests"]["GetLogEvents"] += 1."""

    def __init__(self):
        self.lock = threading.Lock()
        self.data = {}

    def add(self, section, key, n=1):
        with self.lock:
            d = self.data.setdefault(section, {})
            d[key] = d.get(key, 0) + n

    def snapshot(self):
        with self.lock:
            return {k: dict(v) for k, v in self.data.items()}

    def clear(self):
        with self.lock:
            self.data = {}


class Settings:
    """The realism switches, settable from the command line and by the
    control endpoint while the server runs."""

    DEFAULTS = {
        "region": "us-east-1",
        "account": ACCOUNT,
        "max_skew": 900,               # seconds of clock skew a signature may have
        "verify_signatures": True,
        "last_event_lag": 0,           # seconds lastEventTimestamp lags behind
        "token_ttl": 0,                # seconds a nextToken lives (0: forever)
        "empty_pages": 0,              # empty pages served before each page of events
        "accept_any_timestamp": False,  # PutLogEvents takes too old / too new events
        "filter_scan_limit": 0,        # events FilterLogEvents scans per call (0: all)
        "logs_order": "timestamp",     # GetLogEvents serves a stream by timestamp | ingestion
        "filter_token": "key",         # FilterLogEvents nextToken: key of the last event | position
        "filter_end": "exclusive",     # FilterLogEvents endTime: excludes | includes its millisecond
        "token_window": "free",        # nextTokens valid with any parameters (free) | the same (check)
        "s3_auto_create": False,       # PUT into a missing bucket creates it
        "credential_ttl": None,        # seconds issued credentials live (None: as asked)
        "imds_v1": False,              # IMDS answers GETs without a session token
        "imds_token_ttl": None,        # at most these seconds for an IMDS session token
        "imds_role": "cwl-instance-role",
        "ecs_prefix": "/ecs/",
        "ecs_auth_token": None,        # Authorization value the ECS endpoint requires
        "ecs_auth_token_uses": 0,      # answers it gets (since the start or a reset), then refused (0: no end)
        "ecs_role_arn": "arn:aws:iam::%s:role/cwl-task-role" % ACCOUNT,
        "web_identity_token": "cwl-test-web-identity-token",
        # Kinesis (aws_kinesis.py) and subscriptions (aws_subscriptions.py)
        "kinesis_iterator_ttl": 300,   # seconds a shard iterator lives (0: forever)
        "kinesis_read_tps": 5,         # GetRecords per shard per second (0: no limit)
        "kinesis_read_bytes": 2097152,  # bytes read per shard per second (0: no limit)
        "kinesis_end_with_records": True,  # the last records of a closed shard end it
        "kinesis_empty_reads": 0,      # empty GetRecords answers before each with records
        "kinesis_update_seconds": 0,   # seconds CREATING / UPDATING lasts
        "subscription_events_per_record": 0,  # events in one delivered record (0: by size)
    }

    CHOICES = {
        "logs_order": ("timestamp", "ingestion"),
        "filter_token": ("key", "position"),
        "filter_end": ("exclusive", "inclusive"),
        "token_window": ("free", "check"),
    }

    def __init__(self):
        self.__dict__["_base"] = dict(self.DEFAULTS)
        self.__dict__["_v"] = dict(self.DEFAULTS)

    def __getattr__(self, name):
        try:
            return self._v[name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name, value):
        self.update({name: value})

    def update(self, d):
        for k, v in d.items():
            k = k.replace("-", "_")
            if k not in self.DEFAULTS:
                raise AwsError("BadRequest", "unknown setting: %s" % k)
            dflt = self.DEFAULTS[k]
            if isinstance(dflt, bool):
                v = v if isinstance(v, bool) else str(v).lower() in ("1", "true", "yes", "on")
            elif isinstance(dflt, int) and v is not None:
                v = float(v) if isinstance(v, float) or "." in str(v) else int(v)
            elif k == "credential_ttl" and v is not None:
                v = float(v)
            elif k in self.CHOICES and v not in self.CHOICES[k]:
                raise AwsError("BadRequest", "%s: %r is not one of %s" % (k, v, " ".join(self.CHOICES[k])))
            self._v[k] = v

    def reset(self):
        """Back to the values of the command line."""
        self._v.clear()
        self._v.update(self._base)

    def keep_as_base(self):
        self.__dict__["_base"] = dict(self._v)

    def snapshot(self):
        return dict(self._v)
