"""Hostile answers to _bulk for the local Elasticsearch (es_server.py):
what a broken proxy or a buggy cluster could send, to show that cwl-ship
retries or fails clearly, never acknowledges what was not accepted, never
hangs past its timeout and never holds an unbounded answer.

    es_server.py --hostile KIND[:COUNT]
    POST /_control/hostile {"kind": KIND, "count": N, "bytes": N}
    POST /_control/hostile {"clear": true}

The request is carried out first (the documents are indexed); then the
answer is spoiled. COUNT is how many _bulk answers to spoil (default: all).

    truncated     the answer's Content-Length promises the whole body; the
                  connection closes in its middle
    cut-json      the first half of the body, as a complete answer
    not-json      200 with an HTML page
    items-type    "errors": true, "items": "x"
    status-type   "errors": true, each item's "status" a string ("201")
    items-short   the last item left out; "errors" as it was
    items-long    the last item twice; "errors" as it was
    huge          200 with BYTES (default 50 MiB) of valid JSON: "errors":
                  true and a list of items far longer than the request
    gzip-bomb     Content-Encoding: gzip, BYTES (300 MiB) once decoded
    stall         the headers and 1 byte of the body, then nothing until
                  the client goes (at most 10 minutes)
    trickle       the answer at one byte every half second
    headers-flood 200 and header lines without end
    bad-status    "HTTP/1.1 2x0 OK": not HTTP
"""

import json
import threading

from aws_hostile import bomb, client_gone, head, stall

KINDS = ("truncated", "cut-json", "not-json", "items-type", "status-type", "items-short",
         "items-long", "huge", "gzip-bomb", "stall", "trickle", "headers-flood", "bad-status")
MIB = 1 << 20


class EsHostile:
    def __init__(self, spec=None):
        self.lock = threading.Lock()
        self.rule = None
        self.hits = 0
        if spec:
            kind, _, count = spec.partition(":")
            self.set({"kind": kind, "count": count or None})

    def set(self, a):
        with self.lock:
            if a.get("clear") or not a.get("kind"):
                self.rule = None
            else:
                if a["kind"] not in KINDS:
                    raise ValueError("unknown hostile kind: %s (one of %s)" % (a["kind"], ", ".join(KINDS)))
                count = a.get("count")
                self.rule = {"kind": a["kind"], "count": int(count) if count not in (None, "", 0) else None,
                             "bytes": int(a["bytes"]) if a.get("bytes") else None}
            self.hits = 0
            return self.get()

    def get(self):
        return {"rule": self.rule, "hits": self.hits}

    def take(self, segs):
        """The kind to apply to this answer, or None."""
        if not segs or segs[-1] != "_bulk":
            return None
        with self.lock:
            r = self.rule
            if r is None:
                return None
            if r["count"] is not None:
                if r["count"] <= 0:
                    return None
                r["count"] -= 1
            self.hits += 1
            return r

    def send(self, h, rule, status, body, ctype):
        """Writes the spoiled answer on handler h (es_server's Handler)."""
        k = rule["kind"]
        base = [("Content-Type", ctype)]
        if h.app.flavor == "elasticsearch":
            base.append(("X-elastic-product", "Elasticsearch"))
        if k in ("cut-json", "not-json", "items-type", "status-type", "items-short", "items-long",
                 "gzip-bomb"):
            extra = ()
            if k == "cut-json":
                body = body[:len(body) // 2]
            elif k == "not-json":
                body, ctype = b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
            elif k == "gzip-bomb":
                body = bomb(rule["bytes"] or 300 * MIB)
                extra = (("Content-Encoding", "gzip"),)
            else:
                obj = json.loads(body)
                items = obj.get("items") or []
                if k == "items-type":
                    obj["errors"], obj["items"] = True, "x"
                elif k == "status-type":
                    obj["errors"] = True
                    for it in items:
                        for v in it.values():
                            v["status"] = str(v.get("status"))
                elif k == "items-short" and items:
                    items.pop()
                elif k == "items-long" and items:
                    items.append(items[-1])
                body = json.dumps(obj, separators=(",", ":")).encode()
            return h.send_raw(status, body, ctype, extra)
        h.close_connection = True
        w = h.wfile
        try:
            if k == "truncated":
                w.write(head(status, "OK", base, len(body)) + body[:len(body) // 2])
            elif k == "stall":
                w.write(head(status, "OK", base, max(len(body), 2)) + body[:1])
                w.flush()
                stall(h.connection)
            elif k == "trickle":
                w.write(head(status, "OK", base, len(body)))
                for i in range(len(body)):
                    w.write(body[i:i + 1])
                    w.flush()
                    if client_gone(h.connection, 0.5):
                        break
            elif k == "headers-flood":
                w.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
                pad = b"x" * 1000
                for i in range(1 << 20):
                    w.write(b"X-Pad-%d: %s\r\n" % (i, pad))
            elif k == "bad-status":
                w.write(b"HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}")
            elif k == "huge":
                total = rule["bytes"] or 50 * MIB
                item = b'{"index":{"_index":"x","_id":"' + b"i" * 64 + b'","status":201}}'
                per = MIB // (len(item) + 1)
                block = b",".join([item] * per)
                w.write(head(200, "OK", base, chunked=True))
                first = b'{"took":1,"errors":true,"items":[' + block
                w.write(b"%x\r\n%s\r\n" % (len(first), first))
                sent = len(first)
                while sent < total:
                    c = b"," + block
                    w.write(b"%x\r\n%s\r\n" % (len(c), c))
                    sent += len(c)
                w.write(b"2\r\n]}\r\n0\r\n\r\n")
            w.flush()
        except (BrokenPipeError, ConnectionResetError, OSError):
            pass
        h.status = 0
