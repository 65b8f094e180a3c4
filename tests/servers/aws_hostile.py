"""Hostile answers for the local AWS server: what a broken proxy, a bad
network or a buggy service could send, to show that the programs give a
clear error or a retry, never a hang past their timeouts, never an
unbounded allocation. Shared by es_hostile.py.

    aws_server.py --hostile KIND[:OPS[:COUNT]]     at start
    awsctl hostile --kind KIND [--ops A,B] [--count N] [--bytes N] [--chunked false]
    awsctl hostile --clear true

A rule applies to the operations in OPS (GetLogEvents, DescribeLogStreams,
GetObject, Scan, ...; default: every signed request) and to the next
COUNT of them (default: all). Answers of imds and ecs are never touched.
The kinds:

    truncated     the real answer, its Content-Length promising the whole
                  body, cut in the middle by closing the connection
    cut-json      the first half of the real JSON body (cut inside a line),
                  as a complete answer
    not-json      200 with an HTML page, as a captive portal sends
    not-object    200 with JSON that is not an object: ["x"]
    types         the answer's main list of the wrong type: "events": "x",
                  "logStreams": {}, "logGroups": "x", "Items": "x",
                  "Item": "x"
    token-type    every token a number: "nextForwardToken": 5,
                  "nextBackwardToken": 5, "nextToken": 5; for Scan and
                  Query, "LastEvaluatedKey": 5
    event-types   the members of each element of the wrong type: an
                  event's "timestamp": "soon", "message": 5; a stream's
                  "logStreamName": 5, a group's "logGroupName": 7
    endless       no element and a new token, every time: "events": []
                  with "nextForwardToken": "f/endless/N" (GetLogEvents),
                  "nextToken": "endless/N" (the others)
    same-token    the real page, its nextToken the token that was sent
    huge          200 with a body of BYTES bytes (default 50 MiB) of valid
                  JSON (or, for GetObject, valid checkpoint lines),
                  chunked unless chunked is false (then with a length)
    gzip-bomb     200, Content-Encoding: gzip, BYTES (default 300 MiB)
                  of JSON once decoded, about 300 KiB on the wire
    stall         the status line, the headers and 1 byte of the body,
                  then nothing until the client goes (at most 10 minutes)
    trickle       the real answer at one byte every half second
    headers-flood 200 and header lines without end (until 1 GiB)
    bad-status    "HTTP/1.1 2x0 OK": not HTTP
    redirect      301 to http://127.0.0.1:9/, as a captive portal answers
"""

import gzip
import io
import json
import select
import socket
import threading
import time

from aws_common import Response

KINDS = ("truncated", "cut-json", "not-json", "not-object", "types", "token-type", "event-types", "endless",
         "same-token", "huge", "gzip-bomb", "stall", "trickle", "headers-flood", "bad-status",
         "redirect")

# The main list of each answer, for "types" and "huge".
LISTS = {"GetLogEvents": "events", "FilterLogEvents": "events", "DescribeLogStreams": "logStreams",
         "DescribeLogGroups": "logGroups", "Scan": "Items", "Query": "Items", "GetItem": "Item",
         "ListTables": "TableNames"}
WRONG = {"events": "x", "logStreams": {}, "logGroups": "x", "Items": "x", "Item": "x",
         "TableNames": 3}

MIB = 1 << 20
_bomb_lock = threading.Lock()
_bombs = {}


class Raw:
    """An answer written straight to the connection, which is then closed."""

    status = "hostile"  # for the server's request log

    def __init__(self, write):
        self.write = write

    def send(self, handler):
        handler.close_connection = True
        try:
            self.write(handler)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        try:
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def head(status, reason, headers, length=None, chunked=False):
    lines = ["HTTP/1.1 %d %s" % (status, reason)]
    for k, v in headers:
        if k.lower() not in ("content-length", "transfer-encoding", "connection"):
            lines.append("%s: %s" % (k, v))
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    elif length is not None:
        lines.append("Content-Length: %d" % length)
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")


def client_gone(conn, seconds):
    """Waits up to seconds; True once the client has closed or reset."""
    try:
        r, _, _ = select.select([conn], [], [], seconds)
        if r:
            return conn.recv(4096) == b""
    except (OSError, ValueError):
        return True
    return False


def stall(conn, limit=600):
    end = time.time() + limit
    while time.time() < end:
        if client_gone(conn, 1.0):
            return


def huge_chunks(op, total):
    """Valid JSON (or NDJSON for GetObject) of about total bytes, in 1 MiB pieces."""
    if op == "GetObject":
        line = (b'{"group":"/hostile","stream":"s%09d","token":"f/' + b"0" * 120 +
                b'","skip":1,"ts":1700000000000,"n":1}\n')
        n = 0
        buf = io.BytesIO()
        sent = 0
        while sent < total:
            buf.write(line % n)
            n += 1
            if buf.tell() >= MIB:
                piece = buf.getvalue()
                sent += len(piece)
                yield piece
                buf = io.BytesIO()
        if buf.tell():
            yield buf.getvalue()
        return
    key = LISTS.get(op, "events")
    if key == "events":
        item = b'{"timestamp":1700000000000,"message":"' + b"h" * 200 + b'","ingestionTime":1700000000001}'
    elif key == "logStreams":
        item = b'{"logStreamName":"' + b"s" * 200 + b'","creationTime":1700000000000}'
    elif key == "logGroups":
        item = b'{"logGroupName":"' + b"g" * 200 + b'","creationTime":1700000000000}'
    else:
        item = b'{"source":{"S":"' + b"x" * 200 + b'"}}'
    opening = b'{"%s":[' % key.encode()
    closing = b'],"nextForwardToken":"f/huge","nextBackwardToken":"b/huge"}'
    per = MIB // (len(item) + 1)
    block = b",".join([item] * per)
    yield opening + block
    sent = len(opening) + len(block)
    while sent + len(block) + len(closing) < total:
        yield b"," + block
        sent += len(block) + 1
    yield closing


def bomb(total):
    """A gzip body that decodes to total bytes of JSON: an object with one
    long string of spaces. Cached: it takes a second to make."""
    with _bomb_lock:
        if total not in _bombs:
            out = io.BytesIO()
            with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9) as z:
                z.write(b'{"events":[],"pad":"')
                block = b" " * MIB
                left = total - 32
                while left > 0:
                    z.write(block[:min(left, MIB)])
                    left -= MIB
                z.write(b'"}')
            _bombs[total] = out.getvalue()
        return _bombs[total]


def half(body):
    """Where to cut a body in two: its middle, moved off a line's end, so
    that NDJSON cut there is not a shorter valid file."""
    cut = len(body) // 2
    if cut >= 2 and body[cut - 1:cut] == b"\n":
        cut -= 2
    return cut


def retype_elements(obj, key):
    v = obj.get(key)
    if not isinstance(v, list):
        return
    for el in v:
        if not isinstance(el, dict):
            continue
        if key == "events":
            el["timestamp"] = "soon"
            el["message"] = 5
        elif key == "logStreams":
            el["logStreamName"] = 5
        elif key == "logGroups":
            el["logGroupName"] = 7
        elif key == "Items":
            for a in el:
                el[a] = "x"


class Rule:
    def __init__(self, kind, ops=None, count=None, nbytes=None, chunked=True):
        if kind not in KINDS:
            raise ValueError("unknown hostile kind: %s (one of %s)" % (kind, ", ".join(KINDS)))
        self.kind = kind
        if isinstance(ops, str):
            ops = [o for o in ops.split(",") if o]
        self.ops = set(ops) if ops else None
        self.count = None if count in (None, "", 0) else int(count)
        self.nbytes = int(nbytes) if nbytes else None
        self.chunked = chunked not in (False, "false", "0", 0)
        self.hits = 0

    @classmethod
    def parse(cls, spec):
        """KIND[:OPS[:COUNT]], as --hostile takes it."""
        parts = spec.split(":")
        return cls(parts[0], parts[1] if len(parts) > 1 else None,
                   parts[2] if len(parts) > 2 else None)

    def public(self):
        return {"kind": self.kind, "ops": sorted(self.ops) if self.ops else None, "count": self.count,
                "bytes": self.nbytes, "chunked": self.chunked, "hits": self.hits}


class Hostile:
    """The rules in force, and what each makes of an answer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []
        self.base = []
        self.tokens = 0

    def keep_as_base(self):
        self.base = [r.public() for r in self.rules]

    def reset(self):
        with self.lock:
            self.rules = [Rule(d["kind"], d["ops"], d["count"], d["bytes"], d["chunked"]) for d in self.base]

    def set(self, a):
        """The control command: kind, ops, count, bytes, chunked; clear;
        add (keep the rules in force)."""
        with self.lock:
            if a.get("clear") or not a.get("kind"):
                self.rules = []
            elif a.get("kind"):
                r = Rule(a["kind"], a.get("ops"), a.get("count"), a.get("bytes"), a.get("chunked", True))
                self.rules = (self.rules if a.get("add") else []) + [r]
            return self.snapshot()

    def snapshot(self):
        return {"rules": [r.public() for r in self.rules]}

    def pick(self, op):
        with self.lock:
            for r in self.rules:
                if r.ops is not None and op not in r.ops:
                    continue
                if r.count is not None:
                    if r.count <= 0:
                        continue
                    r.count -= 1
                r.hits += 1
                return r
        return None

    def next_token(self, prefix):
        with self.lock:
            self.tokens += 1
            return "%sendless/%d" % (prefix, self.tokens)

    # --- the answers ---------------------------------------------------------

    def answer(self, req, real, make_response):
        """The answer to req: real() unless a rule applies. make_response(req,
        obj_or_bytes, status) builds a Response in the service's protocol."""
        if req.service in ("imds", "ecs"):
            return real()
        rule = self.pick(req.op)
        if rule is None:
            return real()
        return self.apply(rule, req.op, real, lambda body: make_response(req, body),
                          req_token=self._sent_token(req))

    @staticmethod
    def _sent_token(req):
        try:
            return json.loads(req.body or b"{}").get("nextToken")
        except (ValueError, AttributeError):
            return None

    def apply(self, rule, op, real, json_response, req_token=None):
        k = rule.kind
        if k == "not-json":
            return Response(200, [("Content-Type", "text/html")],
                            b"<html><head><title>Sign in</title></head><body>Wi-Fi login</body></html>")
        if k == "not-object":
            return json_response(["x"])
        if k == "redirect":
            return Response(301, [("Location", "http://127.0.0.1:9/"), ("Content-Type", "text/html")],
                            b"<html><body>Moved</body></html>")
        if k == "bad-status":
            return Raw(lambda h: h.wfile.write(b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}"))
        if k == "headers-flood":
            def flood(h):
                h.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                pad = b"x" * 1000
                for i in range(1 << 20):
                    h.wfile.write(b"X-Pad-%d: %s\r\n" % (i, pad))
            return Raw(flood)
        if k == "endless":
            if op == "GetLogEvents":
                return json_response({"events": [], "nextForwardToken": self.next_token("f/"),
                                      "nextBackwardToken": self.next_token("b/")})
            key = LISTS.get(op, "events")
            body = {key: []}
            if op == "FilterLogEvents":
                body["searchedLogStreams"] = []
            body["nextToken"] = self.next_token("")
            return json_response(body)
        if k == "huge":
            total = rule.nbytes or 50 * MIB
            ctype = "application/octet-stream" if op == "GetObject" else "application/x-amz-json-1.1"

            def big(h):
                if rule.chunked:
                    h.wfile.write(head(200, "OK", [("Content-Type", ctype)], chunked=True))
                    for c in huge_chunks(op, total):
                        h.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
                    h.wfile.write(b"0\r\n\r\n")
                else:
                    data = b"".join(huge_chunks(op, total))
                    h.wfile.write(head(200, "OK", [("Content-Type", ctype)], len(data)))
                    h.wfile.write(data)
            return Raw(big)
        if k == "gzip-bomb":
            data = bomb(rule.nbytes or 300 * MIB)
            return Response(200, [("Content-Type", "application/x-amz-json-1.1"),
                                  ("Content-Encoding", "gzip")], data)
        resp = real()
        if isinstance(resp, Raw) or not hasattr(resp, "status"):
            return resp
        body = resp.body if resp.chunks is None else b"".join(resp.chunks)
        if k == "truncated":
            return Raw(lambda h: h.wfile.write(head(resp.status, "OK", resp.headers, len(body)) +
                                               body[:len(body) // 2]))
        if k == "stall":
            def stuck(h):
                h.wfile.write(head(resp.status, "OK", resp.headers, max(len(body), 2)) + body[:1])
                h.wfile.flush()
                stall(h.connection)
            return Raw(stuck)
        if k == "trickle":
            def slow(h):
                h.wfile.write(head(resp.status, "OK", resp.headers, len(body)))
                h.wfile.flush()
                for i in range(len(body)):
                    h.wfile.write(body[i:i + 1])
                    h.wfile.flush()
                    if client_gone(h.connection, 0.5):
                        return
            return Raw(slow)
        if k == "cut-json":
            return Response(resp.status, [(n, v) for n, v in resp.headers if n.lower() != "x-amz-crc32"],
                            body[:half(body)])
        if resp.status != 200:
            return resp
        try:
            obj = json.loads(body)
        except ValueError:
            return resp
        if not isinstance(obj, dict):
            return resp
        if k == "types":
            key = LISTS.get(op)
            if key is None:
                return resp
            obj[key] = WRONG[key]
        elif k == "token-type":
            for t in ("nextForwardToken", "nextBackwardToken", "nextToken"):
                if t in obj:
                    obj[t] = 5
            if op in ("Scan", "Query"):
                obj["LastEvaluatedKey"] = 5
        elif k == "event-types":
            key = LISTS.get(op)
            if key:
                retype_elements(obj, key)
        elif k == "same-token":
            if req_token:
                obj["nextToken"] = req_token
        return json_response(obj)


def serve_tls(httpd, cert, key):
    """Makes httpd (a socketserver) speak TLS with cert and key, the
    handshake in each connection's own thread, as es_server.py does."""
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key or cert)
    plain = httpd.finish_request

    def finish_request(request, client_address):
        request.settimeout(10)
        try:
            tls = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        tls.settimeout(None)
        try:
            plain(tls, client_address)
        finally:
            try:
                tls.close()
            except OSError:
                pass
    httpd.finish_request = finish_request
    return ctx


__all__ = ["Hostile", "Raw", "Rule", "KINDS", "serve_tls", "head", "stall", "client_gone", "bomb",
           "huge_chunks"]
