#!/usr/bin/python3
"""A small HTTP/1.1 server for testing the HTTP client of lib/http.c.

Usage: http_echo.py --port-file FILE [--tls CERT KEY] [--client-ca CA]

Listens on 127.0.0.1, on a port the kernel picks, which it writes to
FILE. Connections are kept alive and numbered from 1 in the order they
are accepted. Every response carries "X-Conn: N".

  /echo                  JSON: method, target, headers, body length and
                         sha256, connection number
  /conn                  "conn N" (the connection number)
  /status/N              status N, body "status N"
  /delay?ms=N            answers after N milliseconds
  /big?bytes=N[&chunked=1]
                         N bytes of the pattern big_pattern() below
  /chunked               a chunked body in several chunks
  /gzip                  a gzip-encoded body, if the client accepts gzip
  /redirect              302 to /echo
  /early                 a 103 Early Hints response, then 200
  /reset                 headers and part of the body, then a TCP reset
  /truncate              headers and part of the body, then a clean close
  /stall?ms=N            headers and part of the body, then N ms of nothing
  /_stats                JSON: connections, requests, max_concurrent,
                         proxied (absolute-URI requests seen), not counted

A request whose target is an absolute URI ("GET http://host/path") is a
proxy request: it is recorded and forwarded to its origin, and the origin's
answer is passed back.
"""
import argparse
import gzip
import hashlib
import http.client
import http.server
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

LOCK = threading.Lock()
STATS = {"connections": 0, "requests": 0, "in_flight": 0,
         "max_concurrent": 0, "proxied": []}
NEXT_CONN = [0]


def big_pattern(n):
    """n bytes: the decimal offsets of each 16-byte block, padded."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += b"%015d\n" % i
        i += 16
    return bytes(out[:n])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "http_echo/1"

    def setup(self):
        super().setup()
        # headers and body are written apart: do not let Nagle hold the body
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            NEXT_CONN[0] += 1
            self.conn_no = NEXT_CONN[0]
        self.counted = False

    def log_message(self, fmt, *args):
        sys.stderr.write("http_echo: conn %d: %s\n" % (self.conn_no, fmt % args))

    def send_answer(self, status, body, ctype="text/plain", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Conn", str(self.conn_no))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0], 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_any(self):
        body = self.read_body()
        if self.path.startswith("http://") or self.path.startswith("https://"):
            return self.proxy(body)
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/_stats":
            with LOCK:
                s = json.dumps({k: v for k, v in STATS.items() if k != "in_flight"})
            return self.send_answer(200, s.encode() + b"\n", "application/json")
        with LOCK:
            if not self.counted:
                self.counted = True
                STATS["connections"] += 1
            STATS["requests"] += 1
            STATS["in_flight"] += 1
            STATS["max_concurrent"] = max(STATS["max_concurrent"],
                                          STATS["in_flight"])
        try:
            self.route(url.path, q, body)
        finally:
            with LOCK:
                STATS["in_flight"] -= 1

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_any

    def route(self, path, q, body):
        if path == "/echo":
            out = {"method": self.command, "target": self.path,
                   "headers": [[k, v] for k, v in self.headers.items()],
                   "body_bytes": len(body),
                   "body_sha256": hashlib.sha256(body).hexdigest(),
                   "body": body.decode("utf-8", "replace") if len(body) < 4096 else None,
                   "conn": self.conn_no}
            return self.send_answer(200, json.dumps(out).encode() + b"\n",
                                    "application/json")
        if path == "/conn":
            return self.send_answer(200, b"conn %d\n" % self.conn_no)
        if path.startswith("/status/"):
            n = int(path[len("/status/"):])
            return self.send_answer(n, b"status %d\n" % n)
        if path == "/delay":
            time.sleep(int(q.get("ms", "0")) / 1000.0)
            return self.send_answer(200, b"delayed %s\n" % q.get("ms", "0").encode())
        if path == "/big":
            data = big_pattern(int(q["bytes"]))
            if q.get("chunked"):
                return self.send_chunked([data[i:i + 65536]
                                          for i in range(0, len(data), 65536)])
            return self.send_answer(200, data, "application/octet-stream")
        if path == "/chunked":
            return self.send_chunked([b"first chunk\n", b"second\n",
                                      b"x" * 10000 + b"\n", b"last\n"])
        if path == "/gzip":
            plain = b"".join(b"line %d of a compressed body\n" % i
                             for i in range(1000))
            if "gzip" in self.headers.get("Accept-Encoding", ""):
                return self.send_answer(200, gzip.compress(plain), extra=[
                    ("Content-Encoding", "gzip")])
            return self.send_answer(406, b"gzip not accepted\n")
        if path == "/redirect":
            return self.send_answer(302, b"moved\n", extra=[("Location", "/echo")])
        if path == "/early":
            self.wfile.write(b"HTTP/1.1 103 Early Hints\r\n"
                             b"Link: </style.css>; rel=preload\r\n\r\n")
            return self.send_answer(200, b"final\n", extra=[("X-Final", "yes")])
        if path in ("/reset", "/truncate", "/stall"):
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.send_header("X-Conn", str(self.conn_no))
            self.end_headers()
            self.wfile.write(b"p" * 1000)
            self.wfile.flush()
            if path == "/stall":
                time.sleep(int(q.get("ms", "5000")) / 1000.0)
                self.close_connection = True
                return
            time.sleep(0.1)
            if path == "/reset":
                # a zero linger time makes close() send RST, not FIN
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
                os.close(self.connection.detach())
            self.close_connection = True
            return
        self.send_answer(404, b"no such path\n")

    def send_chunked(self, chunks):
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("X-Conn", str(self.conn_no))
        self.end_headers()
        for c in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(c), c))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")

    def proxy(self, body):
        with LOCK:
            if not self.counted:
                self.counted = True
                STATS["connections"] += 1
            STATS["requests"] += 1
            STATS["proxied"].append("%s %s" % (self.command, self.path))
        url = urllib.parse.urlsplit(self.path)
        if url.scheme != "http":
            return self.send_answer(501, b"only http is forwarded\n")
        target = url.path + ("?" + url.query if url.query else "")
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("proxy-connection", "connection",
                                        "keep-alive", "proxy-authorization")}
        try:
            c = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=30)
            c.request(self.command, target or "/", body=body or None,
                      headers=headers)
            r = c.getresponse()
            data = r.read()
            c.close()
        except OSError as e:
            return self.send_answer(502, b"proxy: %s\n" % str(e).encode())
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "keep-alive", "transfer-encoding",
                                 "content-length", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Via", "1.1 http_echo")
        self.end_headers()
        self.wfile.write(data)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    ap.add_argument("--client-ca")
    a = ap.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    if a.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls[0], a.tls[1])
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
