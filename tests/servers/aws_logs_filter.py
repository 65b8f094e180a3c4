"""CloudWatch Logs filter patterns, the useful subset:

    ERROR Exception        every term appears (case-sensitive substrings)
    "an exact phrase"      quoted phrases
    ERROR -Exiting         a leading '-' excludes a term
    ?ERROR ?WARN           a leading '?': any one of these
    %regex%                a regular expression
    { $.level = "ERROR" }  JSON: = != < <= > >=, "str*" wildcards,
                           IS TRUE|FALSE|NULL, NOT EXISTS, && || ( )
    [ip, user, ..., status = 404, bytes > 1000]   space-delimited fields

compile_pattern(text) returns a predicate over a message, or None when
every event matches; it raises ValueError on a pattern it cannot read.
"""

import fnmatch
import json
import re


def compile_pattern(text):
    if text is None:
        return None
    t = text.strip()
    if not t:
        return None
    if t.startswith("{"):
        if not t.endswith("}"):
            raise ValueError("Invalid filter pattern")
        return _json_pattern(t[1:-1])
    if t.startswith("["):
        if not t.endswith("]"):
            raise ValueError("Invalid filter pattern")
        return _delimited_pattern(t[1:-1])
    if len(t) > 1 and t.startswith("%") and t.endswith("%"):
        try:
            rx = re.compile(t[1:-1])
        except re.error:
            raise ValueError("Invalid filter pattern") from None
        return lambda m: rx.search(m) is not None
    return _terms_pattern(t)


# --- terms -------------------------------------------------------------------

def _split_terms(t):
    out, i, n = [], 0, len(t)
    while i < n:
        if t[i].isspace():
            i += 1
            continue
        mark = ""
        if t[i] in "-?" and i + 1 < n and not t[i + 1].isspace():
            mark, i = t[i], i + 1
        if t[i] == '"':
            j, buf = i + 1, []
            while j < n and t[j] != '"':
                if t[j] == "\\" and j + 1 < n:
                    j += 1
                buf.append(t[j])
                j += 1
            if j >= n:
                raise ValueError("Invalid filter pattern: unterminated quote")
            out.append((mark, "".join(buf)))
            i = j + 1
        else:
            j = i
            while j < n and not t[j].isspace():
                j += 1
            out.append((mark, t[i:j]))
            i = j
    return out


def _terms_pattern(t):
    terms = _split_terms(t)
    need = [w for m, w in terms if m == "" and w]
    anyof = [w for m, w in terms if m == "?" and w]
    exclude = [w for m, w in terms if m == "-" and w]

    def match(msg):
        for w in need:
            if w not in msg:
                return False
        if anyof and not any(w in msg for w in anyof):
            return False
        for w in exclude:
            if w in msg:
                return False
        return True
    return match


# --- values shared by JSON and space-delimited patterns ------------------------

def _num(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float)):
        return v
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def _compare(actual, op, want, quoted):
    """actual: a value from the event; want: the pattern's literal (str)."""
    wnum = None if quoted else _num(want)
    if op in ("<", "<=", ">", ">="):
        a = _num(actual)
        if a is None or wnum is None:
            return False
        return {"<": a < wnum, "<=": a <= wnum, ">": a > wnum, ">=": a >= wnum}[op]
    if wnum is not None and _num(actual) is not None:
        eq = _num(actual) == wnum
    elif isinstance(actual, str):
        eq = fnmatch.fnmatchcase(actual, want) if "*" in want else actual == want
    elif isinstance(actual, bool):
        eq = str(actual).lower() == want
    else:
        eq = False
    return eq if op == "=" else not eq


# --- JSON patterns -----------------------------------------------------------

_JTOK = re.compile(r'\s*(?:(\$[^\s=!<>&|()]*)|("(?:[^"\\]|\\.)*")|(&&|\|\||!=|<=|>=|=|<|>|\(|\))|([^\s=!<>&|()"]+))')


def _json_tokens(s):
    pos, out = 0, []
    while pos < len(s):
        m = _JTOK.match(s, pos)
        if not m or m.end() == pos:
            if s[pos:].strip() == "":
                break
            raise ValueError("Invalid filter pattern")
        pos = m.end()
        sel, qs, op, word = m.groups()
        if sel:
            out.append(("sel", sel))
        elif qs:
            out.append(("str", json.loads(qs)))
        elif op:
            out.append(("op", op))
        elif word:
            out.append(("word", word))
    return out


_SEL_PART = re.compile(r"\.([^.\[]+)|\[(\d+|\*)\]")


def _select(doc, sel):
    cur = [doc]
    rest = sel[1:]
    for m in _SEL_PART.finditer(rest):
        nxt = []
        for c in cur:
            if m.group(1) is not None:
                if m.group(1) == "*":
                    if isinstance(c, dict):
                        nxt.extend(c.values())
                elif isinstance(c, dict) and m.group(1) in c:
                    nxt.append(c[m.group(1)])
            else:
                if not isinstance(c, list):
                    continue
                if m.group(2) == "*":
                    nxt.extend(c)
                elif int(m.group(2)) < len(c):
                    nxt.append(c[int(m.group(2))])
        cur = nxt
    return cur


def _json_pattern(body):
    toks = _json_tokens(body)
    pos = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else (None, None)

    def take():
        t = peek()
        pos[0] += 1
        return t

    def p_or():
        left = p_and()
        while peek() == ("op", "||"):
            take()
            right = p_and()
            left = (lambda a, b: lambda d: a(d) or b(d))(left, right)
        return left

    def p_and():
        left = p_unary()
        while peek() == ("op", "&&"):
            take()
            right = p_unary()
            left = (lambda a, b: lambda d: a(d) and b(d))(left, right)
        return left

    def p_unary():
        kind, val = take()
        if (kind, val) == ("op", "("):
            inner = p_or()
            if take() != ("op", ")"):
                raise ValueError("Invalid filter pattern: missing )")
            return inner
        if kind != "sel":
            raise ValueError("Invalid filter pattern: expected a $. selector")
        sel = val
        k2, v2 = take()
        if k2 == "word" and v2.upper() == "IS":
            _, what = take()
            what = (what or "").upper()
            lit = {"TRUE": True, "FALSE": False, "NULL": None}
            if what not in lit:
                raise ValueError("Invalid filter pattern")
            want = lit[what]
            return lambda d: any(v is want for v in _select(d, sel))
        if k2 == "word" and v2.upper() == "NOT":
            _, what = take()
            if (what or "").upper() != "EXISTS":
                raise ValueError("Invalid filter pattern")
            return lambda d: not _select(d, sel)
        if k2 == "word" and v2.upper() == "EXISTS":
            return lambda d: bool(_select(d, sel))
        if k2 != "op" or v2 not in ("=", "!=", "<", "<=", ">", ">="):
            raise ValueError("Invalid filter pattern: expected an operator")
        k3, v3 = take()
        if k3 not in ("str", "word"):
            raise ValueError("Invalid filter pattern: expected a value")
        op, want, quoted = v2, v3, k3 == "str"
        return lambda d: any(_compare(v, op, want, quoted) for v in _select(d, sel))

    pred = p_or()
    if pos[0] != len(toks):
        raise ValueError("Invalid filter pattern")

    def match(msg):
        s = msg.lstrip()
        if not s.startswith("{"):
            return False
        try:
            doc = json.loads(s)
        except ValueError:
            return False
        return bool(pred(doc))
    return match


# --- space-delimited patterns ------------------------------------------------

_FIELD_RX = re.compile(r'"[^"]*"|\[[^\]]*\]|\S+')


def _delimited_pattern(body):
    specs = []
    for raw in [f.strip() for f in body.split(",")] if body.strip() else []:
        if raw == "...":
            specs.append(None)
            continue
        m = re.match(r'^([A-Za-z_][\w.-]*)\s*(?:(!=|<=|>=|=|<|>)\s*(.+))?$', raw)
        if not m:
            raise ValueError("Invalid filter pattern")
        name, op, val = m.groups()
        quoted = False
        if val is not None and len(val) >= 2 and val[0] == '"' and val[-1] == '"':
            val, quoted = val[1:-1], True
        specs.append((name, op, val, quoted))

    def fit(fields, i, j):
        if j == len(specs):
            return i == len(fields)
        s = specs[j]
        if s is None:
            return any(fit(fields, k, j + 1) for k in range(i, len(fields) + 1))
        if i >= len(fields):
            return False
        _, op, val, quoted = s
        if op is not None and not _compare(fields[i], op, val, quoted):
            return False
        return fit(fields, i + 1, j + 1)

    def match(msg):
        fields = [f[1:-1] if f[:1] in '"[' else f for f in _FIELD_RX.findall(msg)]
        return fit(fields, 0, 0)
    return match
