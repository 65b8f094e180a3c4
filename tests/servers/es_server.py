#!/usr/bin/python3
"""A local Elasticsearch for the tests.

Implements, over HTTP/1.1 with keep-alive and many concurrent connections:
the _bulk API (index, create, update, delete; NDJSON framing rules, the
Content-Type and Content-Encoding: gzip rules, http.max_content_length
with 413, per-item answers with the real schema, 409 on create of an
existing _id, mapping clashes as 400 items, data streams taking create
only), authentication (basic, API key, bearer; 401 with the real
security_exception body), TLS with optional client certificates, SigV4
checking as Amazon OpenSearch Service does (--sigv4 es|aoss, with
botocore's signer), index templates, component templates, ILM policies,
ingest pipelines, data streams, and a read API to verify what arrived.

Faults (item-level 429, whole-request 429 and 503, connection drops before
or after applying a request, added latency) are injected into write
requests only, never into the read API or the /_control/ endpoints:

    GET  /_control/docs[?index=PATTERN]   every document, NDJSON
    GET  /_control/stats                  counters
    GET  /_control/requests               the last requests, NDJSON
    GET|POST /_control/faults             fault rates and counts
    GET|POST /_control/config             limits, mappings, credentials
    POST /_control/reset                  forget documents and counters
    GET|POST /_control/hostile            spoiled _bulk answers (es_hostile.py)

With --ctl-port-file a second, plain HTTP listener serves the same
server without TLS, authentication or faults, for the tests to look in.
"""

import argparse
import base64
import collections
import fnmatch
import json
import os
import random
import signal
import socket
import ssl
import sys
import threading
import time
import traceback
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import es_bulk
from es_hostile import EsHostile
from es_store import EsError, Store, error_body, es_error, iso_now, \
    new_uuid, parse_size, resolve_date_math, with_parents

REASONS = {
    100: "Continue", 200: "OK", 201: "Created", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict",
    413: "Request Entity Too Large", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Unavailable",
}

FAULTS = ("item_429", "request_429", "request_503", "drop_before",
          "drop_after")

WWW_AUTHENTICATE = ['Basic realm="security", charset="UTF-8"',
                    'Bearer realm="security"', "ApiKey"]

REQUEST_429 = (
    "rejected execution of coordinating operation [coordinating_and_primary_"
    "bytes=104857600, replica_bytes=0, all_bytes=104857600, coordinating_"
    "operation_bytes=1048576, max_coordinating_and_primary_bytes=107374182]")

ND_TYPES = ("application/json", "application/x-ndjson",
            "application/vnd.elasticsearch+json",
            "application/vnd.elasticsearch+x-ndjson")

DEFAULT_KEYS = {"AKIACWLTESTKEY0000001":
                "cwlTestSecret0000000000000000000000000001"}

# Paths whose POST only reads.
READ_POSTS = ("_count", "_search", "_refresh", "_mget")


class Faults:
    """Rates (0..1) and counts of the next requests to fault."""

    def __init__(self, seed=None):
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.rate = dict.fromkeys(FAULTS, 0.0)
        self.next = dict.fromkeys(FAULTS, 0)
        self.latency_ms = 0.0
        self.injected = dict.fromkeys(FAULTS, 0)

    def set(self, conf):
        with self.lock:
            for key, value in conf.items():
                if key in self.rate:
                    value = float(value)
                    if not 0.0 <= value <= 1.0:
                        raise ValueError("%s: a rate is between 0 and 1" % key)
                    self.rate[key] = value
                elif key.endswith("_next") and key[:-5] in self.next:
                    self.next[key[:-5]] = int(value)
                elif key == "latency_ms":
                    self.latency_ms = float(value)
                elif key == "seed":
                    self.rng.seed(int(value))
                else:
                    raise ValueError("unknown fault: %s" % key)

    def get(self):
        with self.lock:
            out = dict(self.rate)
            out.update({k + "_next": v for k, v in self.next.items()})
            out["latency_ms"] = self.latency_ms
            return out

    def hit(self, key):
        with self.lock:
            if self.next[key] > 0:
                self.next[key] -= 1
            elif not (self.rate[key] and self.rng.random() < self.rate[key]):
                return False
            self.injected[key] += 1
            return True


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.c = collections.Counter()
        self.items_by_status = collections.Counter()
        self.items_by_action = collections.Counter()
        self.responses = collections.Counter()
        self.max_body = 0
        self.max_body_decoded = 0
        self.inflight = 0
        self.inflight_max = 0

    def add(self, **kw):
        with self.lock:
            self.c.update(kw)


class App:
    """The server's state and settings, shared by both listeners."""

    def __init__(self, args):
        flavor = args.flavor or ("opensearch" if args.sigv4 else
                                 "elasticsearch")
        self.flavor = flavor
        version = args.version or ("2.13.0" if flavor == "opensearch"
                                   else "8.15.0")
        mappings = {}
        for m in args.mapping:
            field, _, ftype = m.partition("=")
            mappings[field] = ftype
        self.store = Store(version, mappings, args.dynamic_mapping,
                           parse_size(args.max_content_length))
        self.faults = Faults(args.seed)
        for f in args.fault:
            key, _, value = f.partition("=")
            self.faults.set({key: value})
        if args.latency_ms:
            self.faults.set({"latency_ms": args.latency_ms})
        self.stats = Stats()
        self.hostile = EsHostile(args.hostile)
        self.requests = collections.deque(maxlen=10000)
        self.basic = dict(b.split(":", 1) for b in args.basic)
        self.api_keys = dict(k.split(":", 1) for k in args.api_key)
        self.bearer = set(args.bearer)
        self.sigv4 = args.sigv4
        self.region = args.region
        self.sigv4_keys = dict(DEFAULT_KEYS)
        for k in args.sigv4_key:
            akid, _, secret = k.partition(":")
            self.sigv4_keys[akid] = secret
        self.cluster_uuid = new_uuid()
        self.conn_ids = iter(range(1, 1 << 62))
        self.conn_lock = threading.Lock()
        self.verbose = args.verbose

    def next_conn(self):
        with self.conn_lock:
            return next(self.conn_ids)

    def config(self):
        return {
            "version": self.store.version, "flavor": self.flavor,
            "max_content_length": self.store.max_content_length,
            "mappings": self.store.mappings,
            "dynamic_mapping": self.store.dynamic_mapping,
            "basic": ["%s:%s" % kv for kv in self.basic.items()],
            "api_key": ["%s:%s" % kv for kv in self.api_keys.items()],
            "bearer": sorted(self.bearer),
            "sigv4": self.sigv4, "region": self.region,
            "sigv4_keys": self.sigv4_keys,
        }

    def set_config(self, conf):
        s = self.store
        with s.lock:
            for key, value in conf.items():
                if key == "max_content_length":
                    s.max_content_length = parse_size(value)
                elif key == "mappings":
                    s.mappings.update(value)
                    for idx in s.indices.values():
                        idx.mapping.update(with_parents(value))
                elif key == "dynamic_mapping":
                    s.dynamic_mapping = bool(value)
                elif key == "version":
                    s.version = str(value)
                    s.major = int(s.version.split(".")[0])
                elif key == "basic":
                    self.basic = dict(b.split(":", 1) for b in value)
                elif key == "api_key":
                    self.api_keys = dict(k.split(":", 1) for k in value)
                elif key == "bearer":
                    self.bearer = set(value)
                elif key == "sigv4_keys":
                    self.sigv4_keys.update(value)
                else:
                    raise ValueError("unknown setting: %s" % key)

    def stats_json(self):
        st = self.stats
        with st.lock:
            out = dict(st.c)
            for k in ("requests", "bulk_requests", "items", "bytes",
                      "bytes_decoded", "gzip_requests", "auth_failures",
                      "connections", "tls_failures", "drops"):
                out.setdefault(k, 0)
            out["items_by_status"] = {str(k): v for k, v in
                                      sorted(st.items_by_status.items())}
            out["items_by_action"] = dict(st.items_by_action)
            out["responses_by_status"] = {str(k): v for k, v in
                                          sorted(st.responses.items())}
            out["max_body"] = st.max_body
            out["max_body_decoded"] = st.max_body_decoded
            out["inflight_max"] = st.inflight_max
        with self.faults.lock:
            out["faults"] = dict(self.faults.injected)
        with self.store.lock:
            out["duplicates"] = self.store.duplicates
            out["docs"] = sum(len(i.docs) for i in
                              self.store.indices.values())
            out["indices"] = len(self.store.indices)
        return out


class Drop(Exception):
    """Close the connection without an answer."""


def jdump(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def filter_path(obj, spec):
    """Elasticsearch's filter_path response filtering."""
    pats = [p.split(".") for p in spec.split(",") if p]
    missing = object()

    def walk(o, pats):
        if any(not p for p in pats):
            return o
        if isinstance(o, list):
            out = [walk(e, pats) for e in o]
            out = [e for e in out if e is not missing]
            return out if out else missing
        if isinstance(o, dict):
            res = {}
            for k, v in o.items():
                sub = []
                for p in pats:
                    if p[0] == "**":
                        sub.append(p)
                        sub.append(p[1:])
                    elif fnmatch.fnmatchcase(k, p[0]):
                        sub.append(p[1:])
                if sub:
                    r = walk(v, sub)
                    if r is not missing:
                        res[k] = r
            return res if res else missing
        return missing
    r = walk(obj, pats)
    return {} if r is missing else r


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "es"
    timeout = 300

    def setup(self):
        super().setup()
        self.app = self.server.app
        self.conn_id = self.app.next_conn()
        self.app.stats.add(connections=1)

    def log_message(self, fmt, *args):
        if self.app.verbose:
            sys.stderr.write("es_server: %s %s\n" % (
                self.address_string(), fmt % args))

    def handle_expect_100(self):
        try:
            n = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            n = 0
        if n > self.app.store.max_content_length and \
                not self.path.startswith("/_control"):
            self.app.stats.add(too_large=1)
            self.send_raw(413, b"", close=True)
            return False
        return super().handle_expect_100()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = \
        lambda self: self.dispatch()

    # ---- plumbing ------------------------------------------------------

    def send_raw(self, status, body, ctype="application/json", headers=(),
                 close=False):
        head = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Unknown"))]
        if self.app.flavor == "elasticsearch":
            head.append("X-elastic-product: Elasticsearch")
        if body or status != 413:
            head.append("content-type: " + ctype)
        head.append("content-length: %d" % len(body))
        for k, v in headers:
            head.append("%s: %s" % (k, v))
        if close or self.close_connection:
            head.append("connection: close")
            self.close_connection = True
        data = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1")
        if self.command != "HEAD":
            data += body
        self.wfile.write(data)
        with self.app.stats.lock:
            self.app.stats.responses[status] += 1
        self.status = status

    def read_body(self, limit):
        """The body as sent (bytes); raises EsError 413 past LIMIT."""
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            parts = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise Drop()
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n",
                                                             b""):
                        pass
                    break
                chunk = self.rfile.read(size)
                self.rfile.readline(4)
                total += size
                if total <= limit:
                    parts.append(chunk)
            if total > limit:
                raise EsError(413, b"", close=True)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        if n > limit:
            left = n
            while left > 0:
                got = self.rfile.read(min(left, 1 << 20))
                if not got:
                    break
                left -= len(got)
            raise EsError(413, b"", close=True)
        body = self.rfile.read(n) if n else b""
        if len(body) != n:
            raise Drop()
        return body

    def decode_body(self, raw, limit):
        enc = (self.headers.get("Content-Encoding") or "").strip().lower()
        if not raw or enc in ("", "identity"):
            return raw
        if enc not in ("gzip", "deflate", "x-gzip"):
            raise es_error(400, "illegal_argument_exception",
                           "Unsupported Content-Encoding [%s]" % enc)
        wbits = 16 + zlib.MAX_WBITS if enc != "deflate" else zlib.MAX_WBITS
        d = zlib.decompressobj(wbits)
        try:
            out = d.decompress(raw, limit + 1)
        except zlib.error as e:
            raise es_error(400, "illegal_argument_exception",
                           "failed to decompress the request body: %s" % e)
        if len(out) > limit:
            raise EsError(413, b"", close=True)
        self.app.stats.add(gzip_requests=1)
        return out

    def check_content_type(self):
        ctype = self.headers.get("Content-Type")
        if ctype is None:
            raise EsError(406, {"error": "Content-Type header is missing",
                                "status": 406})
        main = ctype.split(";")[0].strip().lower()
        if main not in ND_TYPES:
            raise EsError(406, {"error": "Content-Type header [%s] is not "
                                         "supported" % ctype, "status": 406})
        self.vendor = main.startswith("application/vnd.")

    def authenticate(self, raw, path):
        """-> (kind, principal); raises EsError 401/403."""
        app = self.app
        if self.server.control or path.startswith("/_control"):
            return "none", None
        if app.sigv4:
            import es_sigv4
            scheme = "https" if self.server.ssl_ctx else "http"
            try:
                akid = es_sigv4.check(self.command, self.path,
                                      self.headers.items(), raw, scheme,
                                      app.sigv4, app.region, app.sigv4_keys)
            except es_sigv4.SigV4Error as e:
                app.stats.add(auth_failures=1)
                raise EsError(403, {"message": e.message},
                              headers=[("x-amzn-ErrorType", e.kind)])
            return "sigv4", akid
        if not (app.basic or app.api_keys or app.bearer):
            return "none", None
        auth = self.headers.get("Authorization")
        req = unquote(urlsplit(self.path).path)

        def refuse(reason, **extra):
            app.stats.add(auth_failures=1)
            body = error_body(401, "security_exception", reason,
                              header={"WWW-Authenticate": WWW_AUTHENTICATE},
                              **extra)
            return EsError(401, body, headers=[("WWW-Authenticate", h)
                                               for h in WWW_AUTHENTICATE])
        if not auth:
            raise refuse("missing authentication credentials for REST "
                         "request [%s]" % req)
        scheme, _, cred = auth.strip().partition(" ")
        scheme = scheme.lower()
        cred = cred.strip()
        if scheme == "basic":
            try:
                user, _, pw = base64.b64decode(cred, validate=True) \
                    .decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise refuse("unable to authenticate with provided "
                             "credentials and anonymous access is not allowed "
                             "for this request")
            if user in app.basic and app.basic[user] == pw:
                return "basic", user
            raise refuse("unable to authenticate user [%s] for REST request "
                         "[%s]" % (user, req))
        if scheme == "apikey":
            try:
                kid, _, key = base64.b64decode(cred, validate=True) \
                    .decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                kid, key = "", None
            if kid in app.api_keys and app.api_keys[kid] == key:
                return "api_key", kid
            raise refuse("unable to authenticate with provided credentials "
                         "and anonymous access is not allowed for this "
                         "request", additional_unsuccessful_credentials=(
                             "API key: unable to find apikey with id %s" % kid
                             if kid not in app.api_keys else
                             "API key: invalid credentials"))
        if scheme == "bearer":
            if cred in app.bearer:
                return "bearer", None
            raise refuse("unable to authenticate with provided credentials "
                         "and anonymous access is not allowed for this "
                         "request", additional_unsuccessful_credentials=(
                             "oauth2 token: token malformed"))
        raise refuse("unable to authenticate with provided credentials and "
                     "anonymous access is not allowed for this request")

    # ---- one request ---------------------------------------------------

    def dispatch(self):
        app = self.app
        st = app.stats
        t0 = time.time()
        self.status = 0
        self.vendor = False
        url = urlsplit(self.path)
        path = url.path or "/"
        query = {k: v[-1] for k, v in
                 parse_qs(url.query, keep_blank_values=True).items()}
        control = path == "/_control" or path.startswith("/_control/")
        segs = [unquote(s) for s in path.strip("/").split("/")] \
            if path.strip("/") else []
        write = not control and self.command not in ("GET", "HEAD") and \
            not (segs and segs[-1] in READ_POSTS) and not self.server.control
        with st.lock:
            st.inflight += 1
            st.inflight_max = max(st.inflight_max, st.inflight)
            st.c["requests" if not control else "control_requests"] += 1
        log = {"time": round(t0 * 1000, 3), "conn": self.conn_id,
               "method": self.command, "path": self.path,
               "headers": {k.lower(): (v if k.lower() != "authorization"
                                       else v.split(" ")[0] + " ...")
                           for k, v in self.headers.items()},
               "fault": None}
        raw = b""
        try:
            limit = 1 << 40 if control else app.store.max_content_length
            raw = self.read_body(limit)
            kind, who = self.authenticate(raw, path)
            log["auth"] = kind
            log["user"] = who
            body = self.decode_body(raw, limit)
            with st.lock:
                if not control:
                    st.c["bytes"] += len(raw)
                    st.c["bytes_decoded"] += len(body)
                    st.max_body = max(st.max_body, len(raw))
                    st.max_body_decoded = max(st.max_body_decoded, len(body))
            log["bytes"] = len(raw)
            log["decoded"] = len(body)
            if body and not control:
                self.check_content_type()
            if write:
                self.before_write(log)
            status, out, extra = self.route(self.command, segs, query, body,
                                            log)
            if write and app.faults.hit("drop_after"):
                log["fault"] = "drop_after"
                raise Drop()
            if isinstance(out, (dict, list)):
                if "filter_path" in query and isinstance(out, dict):
                    out = filter_path(out, query["filter_path"])
                if "pretty" in query:
                    out = json.dumps(out, indent=2).encode() + b"\n"
                else:
                    out = jdump(out)
            ctype = extra.pop("ctype", None) or (
                "application/vnd.elasticsearch+json;compatible-with=%d"
                % app.store.major if self.vendor else "application/json")
            rule = app.hostile.take(segs) if write else None
            if rule:
                app.hostile.send(self, rule, status, out, ctype)
            else:
                self.send_raw(status, out, ctype, extra.get("headers", ()))
        except Drop:
            if log["fault"]:
                st.add(drops=1)
            self.close_connection = True
            self.status = 0
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except EsError as e:
            if e.status == 413:
                st.add(too_large=1)
            body = e.body if isinstance(e.body, bytes) else jdump(e.body)
            self.send_raw(e.status, body, headers=e.headers, close=e.close)
        except (ValueError, KeyError, TypeError) as e:
            self.send_raw(400, jdump(error_body(
                400, "illegal_argument_exception", str(e))))
        except Exception as e:  # a bug here: say so, keep serving
            traceback.print_exc()
            self.send_raw(500, jdump(error_body(500, "exception", repr(e))))
        finally:
            with st.lock:
                st.inflight -= 1
            log["status"] = self.status
            log["duration_ms"] = round((time.time() - t0) * 1000, 3)
            if not control:
                app.requests.append(log)

    def before_write(self, log):
        f = self.app.faults
        if f.latency_ms:
            time.sleep(f.latency_ms / 1000.0)
        if f.hit("request_429"):
            log["fault"] = "request_429"
            raise es_error(429, "es_rejected_execution_exception",
                           REQUEST_429)
        if f.hit("request_503"):
            log["fault"] = "request_503"
            raise es_error(503, "cluster_block_exception",
                           "blocked by: [SERVICE_UNAVAILABLE/2/no master];")
        if f.hit("drop_before"):
            log["fault"] = "drop_before"
            raise Drop()

    # ---- routes --------------------------------------------------------

    def route(self, method, segs, query, body, log):
        """-> (status, dict|bytes, extra)."""
        if segs and segs[0] == "_control":
            return self.control(method, segs[1:], query, body)
        store = self.app.store
        n = len(segs)
        head = segs[0] if segs else ""

        def need(*methods):
            if method not in methods:
                raise EsError(405, {
                    "error": "Incorrect HTTP method for uri [%s] and method "
                             "[%s], allowed: [%s]" % (
                                 self.path, method, ", ".join(methods)),
                    "status": 405})

        if n == 0:
            need("GET", "HEAD")
            return 200, self.root_info(), {}
        if segs[-1] == "_bulk" and n <= 2:
            need("POST", "PUT")
            return self.bulk(segs[0] if n == 2 else None, query, body, log)
        if segs[-1] == "_count" and n <= 2:
            need("GET", "POST")
            with store.lock:
                count = store.count(segs[0] if n == 2 else None)
            return 200, {"count": count, "_shards": {
                "total": 1, "successful": 1, "skipped": 0, "failed": 0}}, {}
        if segs[-1] == "_search" and n <= 2:
            need("GET", "POST")
            return 200, self.search(segs[0] if n == 2 else None, query,
                                    body), {}
        if segs[-1] == "_refresh" and n <= 2:
            need("GET", "POST")
            return 200, {"_shards": {"total": 1, "successful": 1,
                                     "failed": 0}}, {}
        if head == "_cat" and n >= 2 and segs[1] == "indices":
            return self.cat_indices(segs[2] if n > 2 else None, query)
        if head == "_cluster" and n == 2 and segs[1] == "health":
            return 200, {"cluster_name": "cwl-test", "status": "green",
                         "timed_out": False, "number_of_nodes": 1,
                         "number_of_data_nodes": 1,
                         "active_primary_shards": len(store.indices),
                         "active_shards": len(store.indices),
                         "relocating_shards": 0, "initializing_shards": 0,
                         "unassigned_shards": 0}, {}
        if head == "_license" and n == 1:
            return 200, {"license": {"status": "active", "uid": new_uuid(),
                                     "type": "basic", "issue_date":
                                     "2026-01-01T00:00:00.000Z",
                                     "issued_to": "cwl-test",
                                     "issuer": "elasticsearch",
                                     "start_date_in_millis": -1}}, {}
        if head == "_xpack" and n == 1:
            return 200, {"build": {}, "license": {"type": "basic",
                                                  "mode": "basic",
                                                  "status": "active"},
                         "features": {"ilm": {"available": True,
                                              "enabled": True}}}, {}
        if head in ("_index_template", "_component_template", "_template"):
            return self.templates(method, head, segs[1] if n > 1 else None,
                                  query, body)
        if head == "_ilm" and n >= 2 and segs[1] == "policy":
            return self.ilm(method, segs[2] if n > 2 else None, body)
        if head == "_ingest" and n >= 2 and segs[1] == "pipeline":
            return self.pipelines(method, segs[2] if n > 2 else None, body)
        if head == "_data_stream":
            return self.data_streams(method, segs[1] if n > 1 else None)
        if head == "_alias" and n == 2:
            need("GET", "HEAD")
            with store.lock:
                members = store.aliases().get(segs[1])
                if not members:
                    return 404, {"error": "alias [%s] missing" % segs[1],
                                 "status": 404}, {}
                return 200, {m: {"aliases": {segs[1]: spec or {}}}
                             for m, spec in members}, {}
        if n >= 2 and segs[1] in ("_doc", "_create"):
            return self.single_doc(method, segs, query, body)
        if n == 1 and not head.startswith("_"):
            return self.index_api(method, head, body)
        raise EsError(400, {"error": "no handler found for uri [%s] and "
                                     "method [%s]" % (self.path, method),
                            "status": 400})

    def root_info(self):
        store = self.app.store
        if self.app.flavor == "opensearch":
            return {"name": "cwl-test-node", "cluster_name": "cwl-test",
                    "cluster_uuid": self.app.cluster_uuid,
                    "version": {"distribution": "opensearch",
                                "number": store.version,
                                "build_type": "deb",
                                "build_hash": "0" * 40,
                                "build_date": "2026-01-01T00:00:00.000Z",
                                "build_snapshot": False,
                                "lucene_version": "9.10.0",
                                "minimum_wire_compatibility_version": "7.10.0",
                                "minimum_index_compatibility_version":
                                "7.0.0"},
                    "tagline": "The OpenSearch Project: "
                               "https://opensearch.org/"}
        return {"name": "cwl-test-node", "cluster_name": "cwl-test",
                "cluster_uuid": self.app.cluster_uuid,
                "version": {"number": store.version,
                            "build_flavor": "default", "build_type": "deb",
                            "build_hash": "0" * 40,
                            "build_date": "2026-01-01T00:00:00.000Z",
                            "build_snapshot": False,
                            "lucene_version": "9.11.1",
                            "minimum_wire_compatibility_version": "7.17.0",
                            "minimum_index_compatibility_version": "7.0.0"},
                "tagline": "You Know, for Search"}

    def bulk(self, index, query, body, log):
        app = self.app
        t0 = time.time()
        ops = es_bulk.parse(body, index, query.get("pipeline"))
        errors, items = es_bulk.execute(
            app.store, ops, time.time() * 1000.0,
            lambda: app.faults.hit("item_429"))
        st = app.stats
        with st.lock:
            st.c["bulk_requests"] += 1
            st.c["items"] += len(items)
            for it in items:
                (op, r), = it.items()
                st.items_by_status[r["status"]] += 1
                st.items_by_action[op] += 1
        log["items"] = len(items)
        took = int((time.time() - t0) * 1000)
        if "filter_path" in query or "pretty" in query:
            return 200, {"took": took, "errors": errors, "items": items}, {}
        return 200, es_bulk.response_body(took, errors, items), {}

    def search(self, index, query, body):
        store = self.app.store
        size = int(query.get("size", 10))
        frm = int(query.get("from", 0))
        if body:
            try:
                q = json.loads(body)
                size = int(q.get("size", size))
                frm = int(q.get("from", frm))
            except ValueError:
                pass
        hits = []
        with store.lock:
            names = store.expand(index)
            total = sum(len(store.indices[n].docs) for n in names)
            k = 0
            for n in names:
                for doc_id, d in store.indices[n].docs.items():
                    if k >= frm + size:
                        break
                    if k >= frm:
                        hits.append({"_index": n, "_id": doc_id,
                                     "_score": 1.0,
                                     "_source": json.loads(d.raw)})
                    k += 1
        return {"took": 1, "timed_out": False,
                "_shards": {"total": 1, "successful": 1, "skipped": 0,
                            "failed": 0},
                "hits": {"total": {"value": total, "relation": "eq"},
                         "max_score": 1.0 if hits else None, "hits": hits}}

    def cat_indices(self, pattern, query):
        store = self.app.store
        rows = []
        with store.lock:
            names = store.expand(pattern, missing_ok=True) if pattern else \
                sorted(store.indices)
            for n in names:
                idx = store.indices[n]
                size = sum(len(d.raw) for d in idx.docs.values())
                rows.append({"health": "green", "status": "open",
                             "index": n, "uuid": idx.uuid, "pri": "1",
                             "rep": "0", "docs.count": str(len(idx.docs)),
                             "docs.deleted": "0",
                             "store.size": "%db" % size,
                             "pri.store.size": "%db" % size,
                             "dataset.size": "%db" % size})
        if query.get("format") == "json":
            return 200, rows, {}
        cols = list(rows[0]) if rows else ["health", "status", "index"]
        lines = []
        if "v" in query:
            lines.append(cols)
        lines.extend([r[c] for c in cols] for r in rows)
        widths = [max((len(line[i]) for line in lines), default=0)
                  for i in range(len(cols))]
        text = "".join(" ".join(v.ljust(w) for v, w in zip(line, widths))
                       .rstrip() + "\n" for line in lines)
        return 200, text.encode(), {"ctype": "text/plain; charset=UTF-8"}

    def single_doc(self, method, segs, query, body):
        store = self.app.store
        index = segs[0]
        doc_id = segs[2] if len(segs) > 2 else None
        if method in ("GET", "HEAD"):
            with store.lock:
                name, d = store.get_doc(index, doc_id)
                if d is None:
                    return 404, {"_index": name, "_id": doc_id,
                                 "found": False}, {}
                return 200, {"_index": name, "_id": doc_id,
                             "_version": d.version, "_seq_no": d.seq_no,
                             "_primary_term": 1, "found": True,
                             "_source": json.loads(d.raw)}, {}
        if method == "DELETE":
            _, items = es_bulk.execute(
                store, [("delete", {"_id": doc_id}, index, None, None)],
                time.time() * 1000.0, lambda: False)
            (_, item), = items[0].items()
            return item.pop("status"), item, {}
        op = "create" if segs[1] == "_create" or \
            query.get("op_type") == "create" else "index"
        meta = {"_id": doc_id} if doc_id else {}
        source = body.strip()
        if not source:
            raise es_error(400, "parse_exception", "request body is required")
        _, items = es_bulk.execute(
            store, [(op, meta, index, source, query.get("pipeline"))],
            time.time() * 1000.0, lambda: False)
        (_, item), = items[0].items()
        status = item.pop("status")
        if "error" in item:
            err = item["error"]
            raise es_error(status, err.pop("type"), err.pop("reason"), **err)
        return status, item, {}

    def index_api(self, method, name, body):
        store = self.app.store
        with store.lock:
            if method == "PUT":
                spec = json.loads(body) if body.strip() else {}
                idx = store.create_index(resolve_date_math(name), spec)
                return 200, {"acknowledged": True,
                             "shards_acknowledged": True,
                             "index": idx.name}, {}
            if method == "DELETE":
                names = store.expand(name)
                for n in names:
                    store.indices.pop(n, None)
                return 200, {"acknowledged": True}, {}
            if method in ("GET", "HEAD"):
                names = store.expand(name)
                out = {}
                for n in names:
                    idx = store.indices[n]
                    props = {}
                    for field, ftype in sorted(idx.mapping.items()):
                        node = props
                        parts = field.split(".")
                        for p in parts[:-1]:
                            node = node.setdefault(p, {}).setdefault(
                                "properties", {})
                        node.setdefault(parts[-1], {})["type"] = ftype
                    out[n] = {"aliases": idx.aliases,
                              "mappings": {"properties": props},
                              "settings": {"index": {
                                  "uuid": idx.uuid,
                                  "number_of_shards": "1",
                                  "number_of_replicas": "1",
                                  "provided_name": n}}}
                    if idx.data_stream:
                        out[n]["data_stream"] = idx.data_stream
                return 200, out, {}
        raise EsError(405, {"error": "Incorrect HTTP method for uri [%s] and "
                                     "method [%s], allowed: [GET, HEAD, PUT, "
                                     "DELETE]" % (self.path, method),
                            "status": 405})

    def templates(self, method, kind, name, query, body):
        store = self.app.store
        table = {"_index_template": store.index_templates,
                 "_component_template": store.component_templates,
                 "_template": store.legacy_templates}[kind]
        label = {"_index_template": "index template",
                 "_component_template": "component template",
                 "_template": "index_template"}[kind]
        with store.lock:
            if method in ("PUT", "POST"):
                if not name:
                    raise EsError(405, {"error": "Incorrect HTTP method",
                                        "status": 405})
                spec = json.loads(body) if body.strip() else {}
                if not isinstance(spec, dict):
                    raise es_error(400, "parse_exception",
                                   "request body must be an object")
                if query.get("create") == "true" and name in table:
                    raise es_error(400, "illegal_argument_exception",
                                   "%s [%s] already exists" % (label, name))
                if kind != "_component_template":
                    pats = spec.get("index_patterns")
                    if not pats:
                        raise es_error(400,
                                       "action_request_validation_exception",
                                       "Validation Failed: 1: index patterns "
                                       "are missing;")
                if kind == "_component_template" and "template" not in spec:
                    raise es_error(400, "x_content_parse_exception",
                                   "[1:2] Required [template]")
                if kind == "_index_template":
                    self.check_index_template(name, spec)
                table[name] = spec
                return 200, {"acknowledged": True}, {}
            if method == "DELETE":
                if name not in table:
                    raise es_error(404, "resource_not_found_exception",
                                   "%s matching [%s] not found"
                                   % (label, name))
                del table[name]
                return 200, {"acknowledged": True}, {}
            names = [n for n in table
                     if name is None or any(fnmatch.fnmatchcase(n, p)
                                            for p in name.split(","))]
            if name and not names:
                if kind == "_template":
                    return 404, {}, {}
                raise es_error(404, "resource_not_found_exception",
                               "%s matching [%s] not found" % (label, name))
            if kind == "_index_template":
                return 200, {"index_templates": [
                    {"name": n, "index_template": table[n]}
                    for n in names]}, {}
            if kind == "_component_template":
                return 200, {"component_templates": [
                    {"name": n, "component_template": table[n]}
                    for n in names]}, {}
            return 200, {n: table[n] for n in names}, {}

    def check_index_template(self, name, spec):
        store = self.app.store
        missing = [c for c in spec.get("composed_of") or []
                   if c not in store.component_templates]
        if missing:
            raise es_error(400, "invalid_index_template_exception",
                           "index_template [%s] invalid, cause [index "
                           "template [%s] specifies component templates %s "
                           "that do not exist]" % (
                               name, name, "[" + ", ".join(missing) + "]"))
        pats = spec["index_patterns"]
        pats = [pats] if isinstance(pats, str) else pats
        prio = spec.get("priority", 0) or 0
        clash = {}
        for other, t in store.index_templates.items():
            if other == name or (t.get("priority", 0) or 0) != prio:
                continue
            opats = t.get("index_patterns") or []
            opats = [opats] if isinstance(opats, str) else opats
            if any(fnmatch.fnmatchcase(a, b) or fnmatch.fnmatchcase(b, a)
                   or a.rstrip("*").startswith(b.rstrip("*"))
                   or b.rstrip("*").startswith(a.rstrip("*"))
                   for a in pats for b in opats):
                clash[other] = opats
        if clash:
            raise es_error(400, "illegal_argument_exception",
                           "index template [%s] has index patterns %s "
                           "matching patterns from existing templates [%s] "
                           "with patterns (%s) that have the same priority "
                           "[%d], multiple index templates may not match "
                           "during index creation, please use a different "
                           "priority" % (
                               name, "[" + ", ".join(pats) + "]",
                               ", ".join(sorted(clash)),
                               ",".join("%s => [%s]" % (k, ", ".join(v))
                                        for k, v in sorted(clash.items())),
                               prio))

    def ilm(self, method, name, body):
        store = self.app.store
        with store.lock:
            if method == "PUT":
                spec = json.loads(body) if body.strip() else {}
                if not isinstance(spec.get("policy"), dict):
                    raise es_error(400, "x_content_parse_exception",
                                   "[1:2] [put_lifecycle_request] failed to "
                                   "parse field [policy]")
                old = store.ilm.get(name)
                store.ilm[name] = {
                    "version": (old["version"] + 1) if old else 1,
                    "modified_date": iso_now(),
                    "policy": spec["policy"],
                }
                return 200, {"acknowledged": True}, {}
            if method == "DELETE":
                if name not in store.ilm:
                    raise es_error(404, "resource_not_found_exception",
                                   "Lifecycle policy not found: %s" % name)
                del store.ilm[name]
                return 200, {"acknowledged": True}, {}
            names = [n for n in store.ilm
                     if name is None or any(fnmatch.fnmatchcase(n, p)
                                            for p in name.split(","))]
            if name and not names:
                raise es_error(404, "resource_not_found_exception",
                               "Lifecycle policy not found: %s" % name)
            out = {}
            for n in names:
                p = dict(store.ilm[n])
                p["in_use_by"] = {
                    "indices": [], "composable_templates": [
                        t for t, spec in store.index_templates.items()
                        if n in json.dumps(spec)],
                    "data_streams": [
                        d for d, ds in store.data_streams.items()
                        if ds.get("ilm_policy") == n]}
                out[n] = p
            return 200, out, {}

    def pipelines(self, method, name, body):
        store = self.app.store
        with store.lock:
            if method == "PUT":
                store.pipelines[name] = json.loads(body) if body else {}
                return 200, {"acknowledged": True}, {}
            if method == "DELETE":
                if store.pipelines.pop(name, None) is None:
                    raise es_error(404, "resource_not_found_exception",
                                   "pipeline [%s] is missing" % name)
                return 200, {"acknowledged": True}, {}
            out = {n: p for n, p in store.pipelines.items()
                   if name is None or fnmatch.fnmatchcase(n, name)}
            return (200 if out or not name else 404), out, {}

    def data_streams(self, method, name):
        store = self.app.store
        with store.lock:
            if method == "PUT":
                store.create_data_stream(name)
                return 200, {"acknowledged": True}, {}
            if method == "DELETE":
                ds = store.data_streams.pop(name, None)
                if ds is None:
                    raise es_error(404, "index_not_found_exception",
                                   "no such index [%s]" % name,
                                   index_uuid="_na_", index=name)
                for i in ds["indices"]:
                    store.indices.pop(i, None)
                return 200, {"acknowledged": True}, {}
            names = [n for n in store.data_streams
                     if name is None or name == "*" or any(
                         fnmatch.fnmatchcase(n, p) for p in name.split(","))]
            if name and "*" not in name and not names:
                raise es_error(404, "index_not_found_exception",
                               "no such index [%s]" % name,
                               **{"resource.type": "index_or_alias",
                                  "resource.id": name, "index_uuid": "_na_",
                                  "index": name})
            out = []
            for n in names:
                ds = store.data_streams[n]
                out.append({
                    "name": n, "timestamp_field": {"name": "@timestamp"},
                    "indices": [{"index_name": i,
                                 "index_uuid": store.indices[i].uuid}
                                for i in ds["indices"]
                                if i in store.indices],
                    "generation": ds["generation"], "status": "GREEN",
                    "template": ds["template"],
                    "ilm_policy": ds["ilm_policy"], "hidden": False,
                    "system": False, "allow_custom_routing": False,
                    "replicated": False})
            return 200, {"data_streams": out}, {}

    # ---- control -------------------------------------------------------

    def control(self, method, segs, query, body):
        app = self.app
        what = segs[0] if segs else ""
        conf = json.loads(body) if body.strip() else {}
        if what == "docs":
            with app.store.lock:
                data = app.store.dump(query.get("index"))
            return 200, data, {"ctype": "application/x-ndjson"}
        if what == "stats":
            return 200, app.stats_json(), {}
        if what == "requests":
            data = b"".join(jdump(r) + b"\n" for r in list(app.requests))
            return 200, data, {"ctype": "application/x-ndjson"}
        if what == "faults":
            if method in ("POST", "PUT"):
                app.faults.set(conf)
            return 200, app.faults.get(), {}
        if what == "hostile":
            if method in ("POST", "PUT"):
                app.hostile.set(conf)
            return 200, app.hostile.get(), {}
        if what == "config":
            if method in ("POST", "PUT"):
                app.set_config(conf)
            return 200, app.config(), {}
        if what == "reset":
            parts = conf or {"docs": True, "stats": True, "faults": True,
                             "requests": True}
            if parts.get("docs"):
                app.store.reset()
            if parts.get("stats"):
                with app.stats.lock:
                    app.stats.reset()
                with app.faults.lock:
                    app.faults.injected = dict.fromkeys(FAULTS, 0)
            if parts.get("faults"):
                app.faults.set(dict.fromkeys(FAULTS, 0.0))
                app.faults.set({k + "_next": 0 for k in FAULTS})
                app.faults.set({"latency_ms": 0})
                app.hostile.set({})
            if parts.get("requests"):
                app.requests.clear()
            return 200, {"acknowledged": True}, {}
        raise EsError(404, {"error": "no control endpoint [%s]" % what,
                            "status": 404})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, addr, app, ssl_ctx=None, control=False):
        self.app = app
        self.ssl_ctx = ssl_ctx
        self.control = control
        super().__init__(addr, Handler)

    def finish_request(self, request, client_address):
        if self.ssl_ctx is None:
            return super().finish_request(request, client_address)
        request.settimeout(10)
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.app.stats.add(tls_failures=1)
            if self.app.verbose:
                sys.stderr.write("es_server: TLS handshake: %s\n" % e)
            return
        try:
            tls.settimeout(None)
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.app.verbose:
            super().handle_error(request, client_address)


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def tls_context(cert, key, client_ca, max_version=None, ciphers=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    if max_version:
        ctx.maximum_version = getattr(ssl.TLSVersion,
                                      max_version.replace(".", "_"))
    if ciphers:
        ctx.set_ciphers(ciphers)
    if client_ca:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(client_ca)
    return ctx


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--pid-file")
    p.add_argument("--ctl-port-file",
                   help="also serve plain HTTP without auth or faults on "
                        "another port, written to this file")
    p.add_argument("--version", help="version number GET / reports "
                                     "(default 8.15.0, 2.13.0 for opensearch)")
    p.add_argument("--flavor", choices=("elasticsearch", "opensearch"))
    p.add_argument("--max-content-length", default="100mb")
    p.add_argument("--mapping", action="append", default=[],
                   metavar="FIELD=TYPE", help="a field's mapped type, "
                                              "for every index")
    p.add_argument("--dynamic-mapping", action="store_true",
                   help="the first type seen for a field wins")
    p.add_argument("--basic", action="append", default=[], metavar="USER:PASS")
    p.add_argument("--api-key", action="append", default=[], metavar="ID:KEY")
    p.add_argument("--bearer", action="append", default=[], metavar="TOKEN")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--tls-client-ca")
    p.add_argument("--tls-max-version", choices=("TLSv1.2", "TLSv1.3"),
                   help="the highest TLS version spoken")
    p.add_argument("--tls-ciphers", help="the TLS 1.2 ciphers accepted "
                                         "(an OpenSSL list)")
    p.add_argument("--sigv4", choices=("es", "aoss"))
    p.add_argument("--region", default="eu-west-1")
    p.add_argument("--sigv4-key", action="append", default=[],
                   metavar="AKID:SECRET")
    p.add_argument("--fault", action="append", default=[],
                   metavar="NAME=VALUE",
                   help="item_429, request_429, request_503, drop_before, "
                        "drop_after (rates), NAME_next (counts), latency_ms")
    p.add_argument("--latency-ms", type=float, default=0)
    p.add_argument("--hostile", metavar="KIND[:COUNT]",
                   help="spoil the _bulk answers (es_hostile.py)")
    p.add_argument("--seed", type=int)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()

    app = App(args)
    ctx = None
    if args.tls_cert:
        ctx = tls_context(args.tls_cert, args.tls_key or args.tls_cert,
                          args.tls_client_ca, args.tls_max_version,
                          args.tls_ciphers)
    srv = Server((args.host, args.port), app, ctx)
    servers = [srv]
    if args.ctl_port_file:
        servers.append(Server((args.host, 0), app, None, control=True))

    def stop(*_):
        for s in servers:
            threading.Thread(target=s.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.pid_file:
        write_file(args.pid_file, "%d\n" % os.getpid())
    if args.ctl_port_file:
        write_file(args.ctl_port_file, "%d\n" % servers[1].server_address[1])
        threading.Thread(target=servers[1].serve_forever, daemon=True).start()
    if args.port_file:
        write_file(args.port_file, "%d\n" % srv.server_address[1])
    srv.serve_forever(poll_interval=0.2)
    for s in servers:
        s.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
