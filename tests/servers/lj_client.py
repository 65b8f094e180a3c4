#!/usr/bin/python3
"""A small lumberjack v2 client for the tests.

    lj_client.py HOST:PORT [options]

Sends events in windows ('W' then one 'J' frame per event, numbered 1..N
in each window, or the same inside one zlib 'C' frame with --compress, or
legacy 'D' frames with --legacy) and prints every ACK frame it reads as
"ack SEQ" (keep-alives are "ack 0"). After each window it reads ACKs until
one carries the window's last sequence number, then prints "acked K".
Events are read as NDJSON from stdin with --stdin, otherwise made up:
{"message":"event I","@metadata":{"_id":"id-I"}}.

Exit status: 0 when every window was acknowledged, 3 when the server
closed the connection first, 1 on a time-out or another error.
"""

import argparse
import json
import socket
import ssl
import struct
import sys
import zlib

U32 = struct.Struct(">I")


def frames(events, first, legacy):
    out = []
    for i, ev in enumerate(events):
        seq = first + i
        if legacy:
            pairs = [(str(k), v if isinstance(v, str) else json.dumps(v))
                     for k, v in ev.items()]
            body = b"".join(U32.pack(len(k.encode())) + k.encode() +
                            U32.pack(len(v.encode())) + v.encode()
                            for k, v in pairs)
            out.append(b"1D" + U32.pack(seq) + U32.pack(len(pairs)) + body)
        else:
            payload = json.dumps(ev, separators=(",", ":")).encode()
            out.append(b"2J" + U32.pack(seq) + U32.pack(len(payload)) +
                       payload)
    return b"".join(out)


def window_bytes(events, first, compress, legacy):
    data = frames(events, first, legacy)
    version = b"1" if legacy else b"2"
    head = version + b"W" + U32.pack(len(events))
    if compress:
        z = zlib.compress(data, 3)
        return head + version + b"C" + U32.pack(len(z)) + z
    return head + data


class Closed(Exception):
    pass


def read_ack(sock):
    buf = b""
    while len(buf) < 6:
        got = sock.recv(6 - len(buf))
        if not got:
            raise Closed()
        buf += got
    if buf[1:2] != b"A":
        raise ValueError("not an ACK frame: %r" % buf)
    return U32.unpack(buf[2:])[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("address", help="HOST:PORT")
    p.add_argument("--count", type=int, default=10)
    p.add_argument("--window", type=int, default=0,
                   help="events per window (default: all in one)")
    p.add_argument("--first-seq", type=int, default=1)
    p.add_argument("--compress", action="store_true")
    p.add_argument("--legacy", action="store_true")
    p.add_argument("--pipelined", action="store_true",
                   help="send every window before reading any ACK")
    p.add_argument("--stdin", action="store_true")
    p.add_argument("--id-prefix", default="id-")
    p.add_argument("--tls-ca")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--server-name")
    p.add_argument("--timeout", type=float, default=10)
    a = p.parse_args()

    if a.stdin:
        events = [json.loads(line) for line in sys.stdin if line.strip()]
    else:
        events = [{"message": "event %d" % i,
                   "@metadata": {"_id": "%s%d" % (a.id_prefix, i)}}
                  for i in range(a.count)]
    size = a.window or len(events) or 1
    windows = [events[i:i + size] for i in range(0, len(events), size)]

    host, _, port = a.address.rpartition(":")
    sock = socket.create_connection((host, int(port)), timeout=a.timeout)
    if a.tls_ca:
        ctx = ssl.create_default_context(cafile=a.tls_ca)
        if a.cert:
            ctx.load_cert_chain(a.cert, a.key)
        sock = ctx.wrap_socket(sock, server_hostname=a.server_name or host)
    try:
        def await_window(w):
            last = a.first_seq + len(w) - 1
            while True:
                seq = read_ack(sock)
                print("ack %d" % seq, flush=True)
                if seq == last:
                    print("acked %d" % len(w), flush=True)
                    return
        if a.pipelined:
            sock.sendall(b"".join(window_bytes(w, a.first_seq, a.compress,
                                               a.legacy) for w in windows))
            for w in windows:
                await_window(w)
        else:
            for w in windows:
                sock.sendall(window_bytes(w, a.first_seq, a.compress,
                                          a.legacy))
                await_window(w)
    except Closed:
        print("closed", flush=True)
        return 3
    except socket.timeout:
        print("timeout", flush=True)
        return 1
    except (ConnectionResetError, BrokenPipeError):
        print("closed", flush=True)
        return 3
    finally:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
