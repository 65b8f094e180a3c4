"""Fault injection for the local AWS server: throttling, 500 and 503
answers, dropped connections, added latency and per-operation rate limits
(token buckets, like the real quotas). Never applied to /_control/."""

import random
import threading
import time

RATES = ("throttle", "error500", "error503", "drop")


class Faults:
    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self):
        with self.lock:
            self.cfg = {"throttle": 0.0, "error500": 0.0, "error503": 0.0, "drop": 0.0,
                        "throttle_count": 0, "error500_count": 0, "error503_count": 0, "drop_count": 0,
                        "latency_ms": 0, "latency_max_ms": 0, "ops": None, "tps": {}, "seed": None}
            self.rng = random.Random()
            self.buckets = {}

    def set(self, d):
        """Merge d into the configuration; {"clear": true} first resets it."""
        if d.get("clear"):
            self.clear()
        with self.lock:
            for k, v in d.items():
                if k == "clear":
                    continue
                if k not in self.cfg:
                    raise ValueError("unknown fault: %s" % k)
                if k in RATES:
                    v = float(v)
                    if not 0.0 <= v <= 1.0:
                        raise ValueError("%s must be a rate between 0 and 1" % k)
                elif k.endswith("_count") or k.startswith("latency"):
                    v = int(v)
                elif k == "ops":
                    v = [o for o in v.split(",") if o] if isinstance(v, str) else (list(v) if v else None)
                elif k == "tps":
                    v = {op: float(r) for op, r in v.items()}
                    self.buckets = {}
                elif k == "seed" and v is not None:
                    self.rng = random.Random(v)
                self.cfg[k] = v
            return self.snapshot_locked()

    def snapshot_locked(self):
        c = dict(self.cfg)
        c["tps"] = dict(c["tps"])
        return c

    def snapshot(self):
        with self.lock:
            return self.snapshot_locked()

    def decide(self, op, listed_only=False):
        """(delay in seconds, fault or None) for one request of op.

        The fault is "drop", "throttle", "500", "503" or "tps". Services
        outside the AWS APIs (IMDS, ECS) take faults only when listed in ops."""
        with self.lock:
            c = self.cfg
            ops = c["ops"]
            applies = (op in ops) if ops else not listed_only
            delay = 0.0
            fault = None
            if applies:
                lo, hi = c["latency_ms"], c["latency_max_ms"]
                if hi > lo:
                    delay = self.rng.uniform(lo, hi) / 1000.0
                elif lo:
                    delay = lo / 1000.0
                for name, kind in (("drop", "drop"), ("error500", "500"), ("error503", "503"),
                                   ("throttle", "throttle")):
                    if c[name + "_count"] > 0:
                        c[name + "_count"] -= 1
                        fault = kind
                        break
                if fault is None:
                    for name, kind in (("drop", "drop"), ("error500", "500"), ("error503", "503"),
                                       ("throttle", "throttle")):
                        if c[name] and self.rng.random() < c[name]:
                            fault = kind
                            break
            rate = c["tps"].get(op)
            if fault is None and rate is not None:
                now = time.monotonic()
                cap = max(1.0, rate)
                tokens, last = self.buckets.get(op, (cap, now))
                tokens = min(cap, tokens + (now - last) * rate)
                if tokens >= 1.0:
                    self.buckets[op] = (tokens - 1.0, now)
                else:
                    self.buckets[op] = (tokens, now)
                    fault = "tps"
            return delay, fault
