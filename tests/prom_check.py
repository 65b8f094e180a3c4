#!/usr/bin/python3
"""prom_check.py: checks a file in the Prometheus text exposition format
(version 0.0.4), as node_exporter's textfile collector reads it, and
prints values from it.

    prom_check.py FILE [--namespace PREFIX]         check; exit 0, or 1 and the faults
    prom_check.py FILE --get NAME [LABEL=VALUE...]  the value of the one sample
                                                    with those labels (and maybe others)
    prom_check.py FILE --samples                    every sample as JSON lines:
                                                    {"name","labels","value"}

What is checked, after the format's own description
(https://prometheus.io/docs/instrumenting/exposition_formats/):
- every line is a comment, a HELP or TYPE line, or a sample
  `name{label="value",...} value`, with no timestamp (the textfile
  collector refuses them);
- names match [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*
  and do not start with __; label values escape only backslash, double
  quote and line feed (\\\\, \\", \\n), with nothing else after a backslash;
- a family has at most one HELP and one TYPE line, both before its
  samples, and its samples are together; the type is one of counter,
  gauge, histogram, summary, untyped;
- no two samples have the same name and labels; no sample repeats a label;
- values are floats (or NaN, +Inf, -Inf); a counter is named *_total and
  is not negative;
- with --namespace, every name starts with it;
- the file ends with a line feed.
Exits 2 on a usage error.
"""

import json
import re
import sys

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
TYPES = ("counter", "gauge", "histogram", "summary", "untyped")
FLOAT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\Z|[-+]?Inf\Z|NaN\Z")


class Fault(Exception):
    pass


def parse_labels(s, i):
    """Reads {a="b",...} from s[i] == "{". Returns (labels, index after)."""
    labels = []
    i += 1
    while True:
        if i < len(s) and s[i] == "}":
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise Fault("bad label name at column %d" % (i + 1))
        name = m.group(0)
        if name.startswith("__"):
            raise Fault("label name %s is reserved" % name)
        i = m.end()
        if s[i:i + 2] != '="':
            raise Fault("expected =\" after label %s" % name)
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise Fault("label %s: value not closed" % name)
            c = s[i]
            if c == "\\":
                nxt = s[i + 1:i + 2]
                if nxt not in ("\\", '"', "n"):
                    raise Fault("label %s: bad escape \\%s" % (name, nxt))
                val.append({"\\": "\\", '"': '"', "n": "\n"}[nxt])
                i += 2
            elif c == '"':
                i += 1
                break
            else:
                val.append(c)
                i += 1
        if any(k == name for k, _ in labels):
            raise Fault("label %s given twice" % name)
        labels.append((name, "".join(val)))
        if i < len(s) and s[i] == ",":
            i += 1
        elif i < len(s) and s[i] == "}":
            continue
        else:
            raise Fault("expected , or } after label %s" % name)


def parse(text, namespace=None):
    """Returns the samples [(name, labels dict, value)], or raises Fault
    with every fault found."""
    faults, samples = [], []
    help_of, type_of = {}, {}
    seen_series, done_families, sampled = set(), set(), set()
    current = None
    if text and not text.endswith("\n"):
        faults.append("the file does not end with a line feed")
    for n, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        try:
            if line.strip() == "":
                continue
            if line.startswith("#"):
                parts = line.split(None, 3)
                if len(parts) >= 3 and parts[1] in ("HELP", "TYPE"):
                    kind, name = parts[1], parts[2]
                    if not NAME.fullmatch(name):
                        raise Fault("bad metric name %r" % name)
                    if name in sampled:
                        raise Fault("%s %s after its samples" % (kind, name))
                    table = help_of if kind == "HELP" else type_of
                    if name in table:
                        raise Fault("a second %s line for %s" % (kind, name))
                    rest = parts[3] if len(parts) > 3 else ""
                    if kind == "TYPE" and rest not in TYPES:
                        raise Fault("TYPE %s: unknown type %r" % (name, rest))
                    if kind == "HELP" and re.search(r"\\[^\\n]", rest):
                        raise Fault("HELP %s: bad escape" % name)
                    table[name] = rest
                    if current is not None and current != name:
                        done_families.add(current)
                    current = name
                continue
            m = NAME.match(line)
            if not m:
                raise Fault("bad metric name")
            name = m.group(0)
            i = m.end()
            labels = []
            if i < len(line) and line[i] == "{":
                labels, i = parse_labels(line, i)
            rest = line[i:]
            if not rest.startswith(" "):
                raise Fault("expected a space before the value")
            fields = rest.split()
            if len(fields) != 1:
                raise Fault("expected one value and no timestamp, got %r" % rest.strip())
            if not FLOAT.match(fields[0]):
                raise Fault("bad value %r" % fields[0])
            value = float(fields[0])
            family = name
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and name[:-len(suffix)] in type_of and \
                        type_of[name[:-len(suffix)]] in ("histogram", "summary"):
                    family = name[:-len(suffix)]
            if family in done_families:
                raise Fault("%s: its samples are not together" % family)
            if current is not None and current != family:
                done_families.add(current)
            current = family
            sampled.add(family)
            if namespace and not name.startswith(namespace):
                raise Fault("%s: not in the %s namespace" % (name, namespace))
            if type_of.get(family) == "counter":
                if not name.endswith("_total"):
                    raise Fault("counter %s: the name does not end in _total" % name)
                if value < 0:
                    raise Fault("counter %s: negative" % name)
            key = (name, tuple(sorted(labels)))
            if key in seen_series:
                raise Fault("%s%s: a second sample of the same series" % (name, dict(labels)))
            seen_series.add(key)
            samples.append((name, dict(labels), value))
        except Fault as e:
            faults.append("line %d: %s: %s" % (n, e, line))
    if faults:
        raise Fault("\n".join(faults))
    return samples


def main(argv):
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__)
        return 2
    path, args = argv[0], argv[1:]
    namespace = None
    if args[:1] == ["--namespace"] and len(args) >= 2:
        namespace, args = args[1], args[2:]
    try:
        with open(path, encoding="utf-8", newline="") as f:
            text = f.read()
        samples = parse(text, namespace)
    except (OSError, UnicodeDecodeError) as e:
        print("prom_check.py: error: %s: %s" % (path, e), file=sys.stderr)
        return 1
    except Fault as e:
        print("prom_check.py: error: %s:\n%s" % (path, e), file=sys.stderr)
        return 1
    if args[:1] == ["--samples"]:
        for name, labels, value in samples:
            print(json.dumps({"name": name, "labels": labels, "value": value}, sort_keys=True))
        return 0
    if args[:1] == ["--get"] and len(args) >= 2:
        want = dict(a.split("=", 1) for a in args[2:])
        found = [v for n, l, v in samples if n == args[1] and
                 all(l.get(k) == w for k, w in want.items())]
        if len(found) != 1:
            print("prom_check.py: %d samples of %s %s" % (len(found), args[1], want), file=sys.stderr)
            return 1
        v = found[0]
        print(int(v) if v == int(v) else repr(v))
        return 0
    if args:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
