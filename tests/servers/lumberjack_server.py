#!/usr/bin/python3
"""A local Logstash beats input for the tests: the lumberjack protocol.

Implements what logstash-input-beats accepts, over TCP or TLS (optionally
requiring client certificates):

    frame   = version type body           version '2' (or '1' for 'D')
    'W'     window size, uint32 BE: the number of events in the window
    'J'     seq uint32, length uint32, JSON payload
    'D'     seq uint32, pair count uint32, then (key len, key, value len,
            value) pairs, all lengths uint32 (the legacy data frame)
    'C'     length uint32, zlib data holding further frames
    'A'     seq uint32, sent by the server

A window is complete when as many events as its 'W' announced have
arrived (a new 'W' also closes an incomplete one, as Logstash does). The
server then records the events and sends ONE cumulative ACK carrying the
highest sequence number of the window (clients number events 1..N in each
window, so this is N). While a window is being processed (--delay-ms), it
sends an ACK with sequence 0 every --keepalive-ms, as current Logstash
does (ConnectionHandler: ACK 0 on writer idle while a batch is pending;
go-lumber's server does the same); older Logstash re-sent the last ACKed
sequence instead. A client treats ACK 0 as "still working", not as
progress. A window of size 0 gets no ACK. A connection idle longer than
--idle-timeout seconds is closed (Logstash's client_inactivity_timeout).

Faults, per window: drop_unprocessed (close, nothing recorded),
drop_before_ack (record, then close without ACK: the client will resend
and the events arrive twice), partial_ack (record and ACK the first half,
then close). Rates and "the next N windows" counts are set by flags or
through the control HTTP port:

    GET  /_control/events     every event received, NDJSON:
                              {"conn","seq","window","received","frame",
                               "compressed","event"}
    GET  /_control/stats      counters
    GET|POST /_control/faults fault rates and counts, delay, keep-alive
    POST /_control/close      close every client connection now
    POST /_control/reset      forget events and counters
"""

import argparse
import collections
import io
import json
import os
import random
import signal
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

FAULTS = ("drop_unprocessed", "drop_before_ack", "partial_ack")
U32 = struct.Struct(">I")
U32x2 = struct.Struct(">II")
MAX_FRAME = 1 << 30


class ProtocolError(Exception):
    pass


class Close(Exception):
    """End the connection now, on purpose."""


class Faults:
    def __init__(self, seed=None):
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.rate = dict.fromkeys(FAULTS, 0.0)
        self.next = dict.fromkeys(FAULTS, 0)
        self.delay_ms = 0.0
        self.keepalive_ms = 5000.0
        self.partial_fraction = 0.5

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
                elif key in ("delay_ms", "keepalive_ms", "partial_fraction"):
                    setattr(self, key, float(value))
                elif key == "seed":
                    self.rng.seed(int(value))
                else:
                    raise ValueError("unknown fault: %s" % key)

    def get(self):
        with self.lock:
            out = dict(self.rate)
            out.update({k + "_next": v for k, v in self.next.items()})
            out.update(delay_ms=self.delay_ms, keepalive_ms=self.keepalive_ms,
                       partial_fraction=self.partial_fraction)
            return out

    def pick(self):
        """The fault for the next window, or None."""
        with self.lock:
            for key in FAULTS:
                if self.next[key] > 0:
                    self.next[key] -= 1
                    return key
            for key in FAULTS:
                if self.rate[key] and self.rng.random() < self.rate[key]:
                    return key
            return None


class State:
    """Events and counters, shared by every connection."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.faults = Faults(args.seed)
        for f in args.fault:
            key, _, value = f.partition("=")
            self.faults.set({key: value})
        self.faults.set({"delay_ms": args.delay_ms,
                         "keepalive_ms": args.keepalive_ms})
        self.idle_timeout = args.idle_timeout
        self.verbose = args.verbose
        self.conns = {}
        self.conn_seq = 0
        self.reset()

    def reset(self):
        with self.lock:
            self.events = []
            self.ids = set()
            self.window_seq = 0
            self.c = collections.Counter()
            self.drops = dict.fromkeys(FAULTS, 0)

    def add(self, **kw):
        with self.lock:
            self.c.update(kw)

    def open_conn(self, sock):
        with self.lock:
            self.conn_seq += 1
            self.conns[self.conn_seq] = sock
            self.c["connections"] += 1
            return self.conn_seq

    def close_conn(self, cid):
        with self.lock:
            self.conns.pop(cid, None)

    def record(self, cid, window, events):
        now = time.time() * 1000.0
        with self.lock:
            for seq, event, frame, compressed in events:
                meta = event.get("@metadata") if isinstance(event, dict) \
                    else None
                doc_id = meta.get("_id") if isinstance(meta, dict) else None
                if doc_id is not None:
                    if doc_id in self.ids:
                        self.c["duplicates"] += 1
                    else:
                        self.ids.add(doc_id)
                self.events.append({
                    "conn": cid, "seq": seq, "window": window,
                    "received": round(now, 3), "frame": frame,
                    "compressed": compressed, "event": event})
            self.c["events"] += len(events)

    def stats(self):
        with self.lock:
            out = dict(self.c)
            for k in ("connections", "windows", "events", "duplicates",
                      "acks", "keepalives", "protocol_errors",
                      "tls_failures", "idle_closes", "bytes",
                      "compressed_frames", "json_frames", "data_frames"):
                out.setdefault(k, 0)
            out["connections_open"] = len(self.conns)
            out["drops"] = dict(self.drops)
            out["drops_total"] = sum(self.drops.values())
            return out


class CountingReader(io.RawIOBase):
    """Socket reads, counted into the stats."""

    def __init__(self, sock, state):
        self.sock = sock
        self.state = state

    def readable(self):
        return True

    def readinto(self, b):
        n = self.sock.recv_into(b)
        if n:
            with self.state.lock:
                self.state.c["bytes"] += n
        return n


def read_exact(src, n):
    data = src.read(n)
    if data is None or len(data) < n:
        raise EOFError("connection closed inside a frame")
    return data


class Connection(socketserver.BaseRequestHandler):
    """One client: read frames, process windows, send ACKs."""

    def setup(self):
        srv = self.server
        self.state = srv.state
        self.sock = self.request
        self.cid = self.state.open_conn(self.sock)
        self.window = None
        self.version = b"2"
        self.pending = []
        self.wlock = threading.Lock()

    def log(self, msg):
        if self.state.verbose:
            sys.stderr.write("lumberjack_server: conn %d: %s\n"
                             % (self.cid, msg))

    def handle(self):
        st = self.state
        self.sock.settimeout(st.idle_timeout or None)
        src = io.BufferedReader(CountingReader(self.sock, st), 1 << 16)
        try:
            self.frames(src, False)
            if self.pending:
                self.log("closed with %d events of an incomplete window"
                         % len(self.pending))
        except socket.timeout:
            st.add(idle_closes=1)
            self.log("idle, closing")
        except Close:
            pass
        except EOFError as e:
            st.add(truncated=1)
            self.log("closing: %s" % e)
        except (ProtocolError, ValueError, zlib.error) as e:
            st.add(protocol_errors=1)
            self.log("closing: %s" % e)
        except OSError as e:
            self.log("socket: %s" % e)

    def finish(self):
        self.state.close_conn(self.cid)
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- frames --------------------------------------------------------

    def frames(self, src, compressed):
        st = self.state
        while True:
            hdr = src.read(2)
            if not hdr:
                return
            if len(hdr) < 2:
                raise EOFError("connection closed inside a frame header")
            ver, typ = hdr[0:1], hdr[1:2]
            if ver not in (b"1", b"2"):
                raise ProtocolError("unknown protocol version %r" % ver)
            self.version = ver
            if typ == b"W":
                (size,) = U32.unpack(read_exact(src, 4))
                self.on_window(size)
            elif typ == b"J":
                seq, length = U32x2.unpack(read_exact(src, 8))
                if length > MAX_FRAME:
                    raise ProtocolError("JSON frame of %d bytes" % length)
                payload = read_exact(src, length)
                st.add(json_frames=1)
                self.on_event(seq, json.loads(payload), "J", compressed)
            elif typ == b"D":
                seq, pairs = U32x2.unpack(read_exact(src, 8))
                event = {}
                for _ in range(pairs):
                    (kl,) = U32.unpack(read_exact(src, 4))
                    key = read_exact(src, kl).decode("utf-8")
                    (vl,) = U32.unpack(read_exact(src, 4))
                    event[key] = read_exact(src, vl).decode("utf-8")
                st.add(data_frames=1)
                self.on_event(seq, event, "D", compressed)
            elif typ == b"C":
                (length,) = U32.unpack(read_exact(src, 4))
                if length > MAX_FRAME:
                    raise ProtocolError("compressed frame of %d bytes" % length)
                data = zlib.decompress(read_exact(src, length))
                st.add(compressed_frames=1)
                self.frames(io.BytesIO(data), True)
            else:
                raise ProtocolError("unknown frame type %r" % typ)

    def on_window(self, size):
        if self.pending:
            # Logstash hands an incomplete window on when a new one starts.
            self.process()
        self.window = size
        self.pending = []

    def on_event(self, seq, event, frame, compressed):
        self.pending.append((seq, event, frame, compressed))
        if self.window is not None and len(self.pending) >= self.window:
            self.process()

    # ---- windows -------------------------------------------------------

    def send_ack(self, seq, version=None):
        with self.wlock:
            self.sock.sendall((version or self.version) + b"A" + U32.pack(seq))

    def process(self):
        st = self.state
        events = self.pending
        self.pending = []
        self.window = None
        with st.lock:
            st.window_seq += 1
            number = st.window_seq
            st.c["windows"] += 1
        fault = st.faults.pick()
        if fault == "drop_unprocessed":
            self.dropped(fault, number)
        delay = st.faults.delay_ms / 1000.0
        if delay > 0:
            self.slow(delay)
        if fault == "partial_ack":
            k = int(len(events) * st.faults.partial_fraction)
            k = min(max(k, 1), len(events) - 1) if len(events) > 1 else 0
            st.record(self.cid, number, events[:k])
            if k:
                self.send_ack(events[k - 1][0])
                st.add(acks=1, partial_acks=1)
            self.dropped(fault, number)
        st.record(self.cid, number, events)
        if fault == "drop_before_ack":
            self.dropped(fault, number)
        self.send_ack(max(e[0] for e in events))
        st.add(acks=1)

    def dropped(self, fault, number):
        with self.state.lock:
            self.state.drops[fault] += 1
        self.log("window %d: %s" % (number, fault))
        raise Close()

    def slow(self, delay):
        """Take DELAY seconds over a window, with keep-alive ACKs."""
        st = self.state
        end = time.monotonic() + delay
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            every = max(st.faults.keepalive_ms / 1000.0, 0.001)
            time.sleep(min(every, left))
            if time.monotonic() < end:
                self.send_ack(0, b"2")
                st.add(keepalives=1)


class LumberjackServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    request_queue_size = 128

    def __init__(self, addr, state, ssl_ctx):
        self.state = state
        self.ssl_ctx = ssl_ctx
        super().__init__(addr, Connection)

    def finish_request(self, request, client_address):
        if self.ssl_ctx is None:
            return super().finish_request(request, client_address)
        request.settimeout(10)
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.state.add(tls_failures=1)
            if self.state.verbose:
                sys.stderr.write("lumberjack_server: TLS handshake: %s\n" % e)
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        if self.state.verbose:
            super().handle_error(request, client_address)


class ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        if self.server.state.verbose:
            sys.stderr.write("lumberjack_server: control: %s\n" % (fmt % args))

    def reply(self, status, body, ctype="application/json"):
        if not isinstance(body, bytes):
            body = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_GET(self):
        self.route()

    do_POST = do_PUT = do_HEAD = do_GET

    def route(self):
        st = self.server.state
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        path = self.path.split("?")[0].rstrip("/")
        try:
            conf = json.loads(body) if body.strip() else {}
            if path == "/_control/events":
                with st.lock:
                    data = "".join(json.dumps(e, separators=(",", ":")) + "\n"
                                   for e in st.events).encode()
                return self.reply(200, data, "application/x-ndjson")
            if path == "/_control/stats":
                return self.reply(200, st.stats())
            if path == "/_control/faults":
                if self.command in ("POST", "PUT"):
                    st.faults.set(conf)
                return self.reply(200, st.faults.get())
            if path == "/_control/close":
                with st.lock:
                    socks = list(st.conns.values())
                for s in socks:
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return self.reply(200, {"closed": len(socks)})
            if path == "/_control/reset":
                st.reset()
                if conf.get("faults", True):
                    st.faults.set(dict.fromkeys(FAULTS, 0.0))
                    st.faults.set({k + "_next": 0 for k in FAULTS})
                    st.faults.set({"delay_ms": 0})
                return self.reply(200, {"acknowledged": True})
            return self.reply(404, {"error": "no control endpoint [%s]"
                                    % path})
        except (ValueError, TypeError) as e:
            return self.reply(400, {"error": str(e)})


class ControlServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, addr, state):
        self.state = state
        super().__init__(addr, ControlHandler)


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    p.add_argument("--ctl-port-file",
                   help="file for the port of the control HTTP server")
    p.add_argument("--pid-file")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    p.add_argument("--tls-client-ca")
    p.add_argument("--delay-ms", type=float, default=0,
                   help="processing time of each window")
    p.add_argument("--keepalive-ms", type=float, default=5000,
                   help="interval of ACK 0 while a window is processed")
    p.add_argument("--idle-timeout", type=float, default=60,
                   help="close a connection idle this long (s; 0: never)")
    p.add_argument("--fault", action="append", default=[],
                   metavar="NAME=VALUE",
                   help="drop_unprocessed, drop_before_ack, partial_ack "
                        "(rates), NAME_next (counts of windows), "
                        "partial_fraction")
    p.add_argument("--seed", type=int)
    p.add_argument("--verbose", action="store_true")
    args = p.parse_args()

    state = State(args)
    ctx = None
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key or args.tls_cert)
        if args.tls_client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.tls_client_ca)
    srv = LumberjackServer((args.host, args.port), state, ctx)
    ctl = ControlServer((args.host, 0), state)

    def stop(*_):
        for s in (srv, ctl):
            threading.Thread(target=s.shutdown, daemon=True).start()
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.pid_file:
        write_file(args.pid_file, "%d\n" % os.getpid())
    if args.ctl_port_file:
        write_file(args.ctl_port_file, "%d\n" % ctl.server_address[1])
    threading.Thread(target=ctl.serve_forever, daemon=True).start()
    if args.port_file:
        write_file(args.port_file, "%d\n" % srv.server_address[1])
    srv.serve_forever(poll_interval=0.2)
    srv.server_close()
    ctl.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
