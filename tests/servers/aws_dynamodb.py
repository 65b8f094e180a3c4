"""DynamoDB (JSON 1.0, X-Amz-Target DynamoDB_20120810.*) for the local AWS
server: tables with a hash key and an optional range key, items with typed
AttributeValues, condition, key-condition, filter, projection and update
expressions, Query and Scan paging."""

import base64
import copy
import re
import threading
import time
import uuid
from decimal import Decimal, InvalidOperation

from aws_common import AwsError

PREFIX = "com.amazonaws.dynamodb.v20120810#"
TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")


def ddb_error(code, message, status=400):
    return AwsError(code, message, status)


def validation(msg):
    return AwsError("ValidationException", msg)


def check_value(v, where="item"):
    if not isinstance(v, dict) or len(v) != 1:
        raise validation("Supplied AttributeValue has more than one datatypes set, must contain exactly one "
                         "of the supported datatypes" if isinstance(v, dict) and len(v) > 1 else
                         "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    (t, x), = v.items()
    if t not in TYPES:
        raise validation("Supplied AttributeValue is empty, must contain exactly one of the supported datatypes")
    if t == "N":
        _num(x)
    elif t in ("NS",):
        for s in x:
            _num(s)
    elif t == "M":
        for vv in x.values():
            check_value(vv, where)
    elif t == "L":
        for vv in x:
            check_value(vv, where)
    elif t in ("SS", "NS", "BS") and not x:
        raise validation("One or more parameter values were invalid: An string set  may not be empty")


def _num(s):
    try:
        d = Decimal(s)
    except (InvalidOperation, TypeError):
        raise validation("A value provided cannot be converted into a number") from None
    if not d.is_finite():
        raise validation("A value provided cannot be converted into a number")
    return d


def _norm_num(s):
    d = _num(s).normalize()
    t = format(d, "f")
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    return t if t != "-0" else "0"


def av_key(v):
    """A hashable, ordered form of a key attribute value."""
    (t, x), = v.items()
    if t == "N":
        return (t, _num(x))
    if t == "B":
        return (t, base64.b64decode(x))
    return (t, x.encode("utf-8", "surrogatepass") if t == "S" else x)


def av_equal(a, b):
    if a is None or b is None:
        return False
    (ta, xa), = a.items()
    (tb, xb), = b.items()
    if ta != tb:
        return False
    if ta == "N":
        return _num(xa) == _num(xb)
    if ta == "NS":
        return {_num(s) for s in xa} == {_num(s) for s in xb}
    if ta in ("SS", "BS"):
        return set(xa) == set(xb)
    if ta == "M":
        return xa.keys() == xb.keys() and all(av_equal(xa[k], xb[k]) for k in xa)
    if ta == "L":
        return len(xa) == len(xb) and all(av_equal(p, q) for p, q in zip(xa, xb))
    return xa == xb


def av_cmp(a, b):
    """-1, 0, 1, or None when a and b do not compare."""
    if a is None or b is None:
        return None
    (ta, _), = a.items()
    (tb, _), = b.items()
    if ta != tb or ta not in ("S", "N", "B"):
        return None
    ka, kb = av_key(a)[1], av_key(b)[1]
    return (ka > kb) - (ka < kb)


# --- expressions -------------------------------------------------------------

_TOK = re.compile(r"\s*(?:(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|(<>|<=|>=|=|<|>|\(|\)|,|\.|\[|\]|\+|-)|([A-Za-z_][A-Za-z0-9_]*)|(\d+))")
KEYWORDS = {"AND", "OR", "NOT", "BETWEEN", "IN", "SET", "REMOVE", "ADD", "DELETE"}


class Expr:
    """Tokens of one expression, with the names and values it may use."""

    def __init__(self, text, names, values, used_names, used_values):
        self.toks = []
        pos = 0
        text = text or ""
        while pos < len(text):
            m = _TOK.match(text, pos)
            if not m or m.end() == pos:
                if not text[pos:].strip():
                    break
                raise validation("Invalid expression: Syntax error; token: \"%s\", near: \"%s\""
                                 % (text[pos:pos + 1], text[max(0, pos - 5):pos + 5]))
            pos = m.end()
            name, value, op, word, num = m.groups()
            if name:
                if name not in (names or {}):
                    raise validation("Invalid expression: An expression attribute name used in the document "
                                     "path is not defined; attribute name: %s" % name)
                used_names.add(name)
                self.toks.append(("name", names[name]))
            elif value:
                if value not in (values or {}):
                    raise validation("Invalid expression: An expression attribute value used in expression "
                                     "is not defined; attribute value: %s" % value)
                used_values.add(value)
                check_value(values[value])
                self.toks.append(("value", values[value]))
            elif op:
                self.toks.append(("op", op))
            elif word:
                if word.upper() in KEYWORDS:
                    self.toks.append(("kw", word.upper()))
                else:
                    self.toks.append(("word", word))
            else:
                self.toks.append(("num", int(num)))
        self.pos = 0

    def peek(self, k=0):
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else (None, None)

    def take(self):
        t = self.peek()
        self.pos += 1
        return t

    def expect(self, kind, val=None):
        t = self.take()
        if t[0] != kind or (val is not None and t[1] != val):
            raise validation("Invalid expression: Syntax error; token: \"%s\"" % (t[1],))
        return t

    def done(self):
        return self.pos >= len(self.toks)


def parse_path(e):
    k, v = e.take()
    if k not in ("name", "word"):
        raise validation("Invalid expression: Syntax error; token: \"%s\"" % (v,))
    path = [v]
    while True:
        if e.peek() == ("op", "."):
            e.take()
            k, v = e.take()
            if k not in ("name", "word"):
                raise validation("Invalid expression: Syntax error; token: \"%s\"" % (v,))
            path.append(v)
        elif e.peek() == ("op", "["):
            e.take()
            _, n = e.expect("num")
            e.expect("op", "]")
            path.append(n)
        else:
            return path


def get_path(item, path):
    cur = {"M": item}
    for p in path:
        if isinstance(p, int):
            if "L" not in cur or p >= len(cur["L"]):
                return None
            cur = cur["L"][p]
        else:
            if "M" not in cur or p not in cur["M"]:
                return None
            cur = cur["M"][p]
    return cur


def parse_operand(e):
    k, v = e.peek()
    if k == "value":
        e.take()
        return lambda item: v
    if k == "word" and v == "size" and e.peek(1) == ("op", "("):
        e.take()
        e.take()
        path = parse_path(e)
        e.expect("op", ")")

        def size(item):
            x = get_path(item, path)
            if x is None:
                return None
            (t, val), = x.items()
            if t in ("S",):
                n = len(val.encode())
            elif t == "B":
                n = len(base64.b64decode(val))
            elif t in ("SS", "NS", "BS", "L", "M"):
                n = len(val)
            else:
                return None
            return {"N": str(n)}
        return size
    path = parse_path(e)
    return lambda item: get_path(item, path)


def parse_condition(e):
    def p_or():
        left = p_and()
        while e.peek() == ("kw", "OR"):
            e.take()
            right = p_and()
            left = (lambda a, b: lambda it: a(it) or b(it))(left, right)
        return left

    def p_and():
        left = p_not()
        while e.peek() == ("kw", "AND"):
            e.take()
            right = p_not()
            left = (lambda a, b: lambda it: a(it) and b(it))(left, right)
        return left

    def p_not():
        if e.peek() == ("kw", "NOT"):
            e.take()
            inner = p_not()
            return lambda it: not inner(it)
        return p_primary()

    def p_primary():
        k, v = e.peek()
        if (k, v) == ("op", "("):
            e.take()
            inner = p_or()
            e.expect("op", ")")
            return inner
        if k == "word" and e.peek(1) == ("op", "(") and v != "size":
            e.take()
            e.take()
            fn = v
            if fn in ("attribute_exists", "attribute_not_exists"):
                path = parse_path(e)
                e.expect("op", ")")
                if fn == "attribute_exists":
                    return lambda it: get_path(it, path) is not None
                return lambda it: get_path(it, path) is None
            if fn == "attribute_type":
                path = parse_path(e)
                e.expect("op", ",")
                want = parse_operand(e)
                e.expect("op", ")")
                return lambda it: (get_path(it, path) is not None
                                   and list(get_path(it, path))[0] == (want(it) or {}).get("S"))
            if fn in ("begins_with", "contains"):
                path = parse_path(e)
                e.expect("op", ",")
                arg = parse_operand(e)
                e.expect("op", ")")
                if fn == "begins_with":
                    def bw(it):
                        x, y = get_path(it, path), arg(it)
                        if not x or not y:
                            return False
                        if "S" in x and "S" in y:
                            return x["S"].startswith(y["S"])
                        if "B" in x and "B" in y:
                            return base64.b64decode(x["B"]).startswith(base64.b64decode(y["B"]))
                        return False
                    return bw

                def ct(it):
                    x, y = get_path(it, path), arg(it)
                    if not x or not y:
                        return False
                    if "S" in x and "S" in y:
                        return y["S"] in x["S"]
                    if "SS" in x and "S" in y:
                        return y["S"] in x["SS"]
                    if "NS" in x and "N" in y:
                        return _num(y["N"]) in {_num(s) for s in x["NS"]}
                    if "L" in x:
                        return any(av_equal(z, y) for z in x["L"])
                    return False
                return ct
            raise validation("Invalid expression: Invalid function name; function: %s" % fn)
        left = parse_operand(e)
        k, v = e.take()
        if k == "op" and v in ("=", "<>", "<", "<=", ">", ">="):
            right = parse_operand(e)
            if v == "=":
                return lambda it: av_equal(left(it), right(it))
            if v == "<>":
                return lambda it: not av_equal(left(it), right(it))
            ok = {"<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (1, 0)}[v]
            return lambda it: av_cmp(left(it), right(it)) in ok
        if (k, v) == ("kw", "BETWEEN"):
            lo = parse_operand(e)
            e.expect("kw", "AND")
            hi = parse_operand(e)
            return lambda it: (av_cmp(left(it), lo(it)) in (0, 1) and av_cmp(left(it), hi(it)) in (-1, 0))
        if (k, v) == ("kw", "IN"):
            e.expect("op", "(")
            opts = [parse_operand(e)]
            while e.peek() == ("op", ","):
                e.take()
                opts.append(parse_operand(e))
            e.expect("op", ")")
            return lambda it: any(av_equal(left(it), o(it)) for o in opts)
        raise validation("Invalid expression: Syntax error; token: \"%s\"" % (v,))

    cond = p_or()
    if not e.done():
        raise validation("Invalid expression: Syntax error; token: \"%s\"" % (e.peek()[1],))
    return cond


class Ctx:
    """One request's ExpressionAttributeNames/Values and which were used."""

    def __init__(self, p):
        self.names = p.get("ExpressionAttributeNames") or {}
        self.values = p.get("ExpressionAttributeValues") or {}
        self.used_names, self.used_values = set(), set()

    def expr(self, text):
        return Expr(text, self.names, self.values, self.used_names, self.used_values)

    def condition(self, text):
        if text is None:
            return None
        if not text.strip():
            raise validation("Invalid ConditionExpression: The expression can not be empty;")
        return parse_condition(self.expr(text))

    def finish(self):
        unused = sorted(set(self.values) - self.used_values)
        if unused:
            raise validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {%s}"
                             % ", ".join(unused))
        unused = sorted(set(self.names) - self.used_names)
        if unused:
            raise validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {%s}"
                             % ", ".join(unused))


class Table:
    def __init__(self, p, region, account):
        self.name = p["TableName"]
        self.key_schema = p["KeySchema"]
        self.attr_defs = p["AttributeDefinitions"]
        self.hash = next(k["AttributeName"] for k in self.key_schema if k["KeyType"] == "HASH")
        ranges = [k["AttributeName"] for k in self.key_schema if k["KeyType"] == "RANGE"]
        self.range = ranges[0] if ranges else None
        types = {a["AttributeName"]: a["AttributeType"] for a in self.attr_defs}
        self.types = types
        self.created = time.time()
        self.billing = p.get("BillingMode", "PROVISIONED")
        self.throughput = p.get("ProvisionedThroughput") or {"ReadCapacityUnits": 0, "WriteCapacityUnits": 0}
        self.arn = "arn:aws:dynamodb:%s:%s:table/%s" % (region, account, self.name)
        self.id = str(uuid.uuid4())
        self.items = {}  # (hash key, range key) -> item

    def describe(self):
        d = {"AttributeDefinitions": self.attr_defs, "TableName": self.name, "KeySchema": self.key_schema,
             "TableStatus": "ACTIVE", "CreationDateTime": self.created,
             "ProvisionedThroughput": {"NumberOfDecreasesToday": 0,
                                       "ReadCapacityUnits": self.throughput.get("ReadCapacityUnits", 0),
                                       "WriteCapacityUnits": self.throughput.get("WriteCapacityUnits", 0)},
             "TableSizeBytes": 0, "ItemCount": len(self.items), "TableArn": self.arn, "TableId": self.id}
        if self.billing == "PAY_PER_REQUEST":
            d["BillingModeSummary"] = {"BillingMode": "PAY_PER_REQUEST",
                                       "LastUpdateToPayPerRequestDateTime": self.created}
        return d

    def key_of(self, item, what="item"):
        out = []
        for name in (self.hash, self.range):
            if name is None:
                out.append(None)
                continue
            v = item.get(name)
            if v is None:
                raise validation("One or more parameter values were invalid: Missing the key %s in the %s"
                                 % (name, what) if what == "item" else
                                 "The provided key element does not match the schema")
            check_value(v)
            (t, x), = v.items()
            if t != self.types[name]:
                raise validation("One or more parameter values were invalid: Type mismatch for key %s "
                                 "expected: %s actual: %s" % (name, self.types[name], t))
            if t in ("S", "B") and x == "":
                raise validation("One or more parameter values are not valid. The AttributeValue for a key "
                                 "attribute cannot contain an empty %s value. Key: %s"
                                 % ("string" if t == "S" else "binary", name))
            out.append(av_key(v))
        return tuple(out)

    def key_only(self, item):
        d = {self.hash: item[self.hash]}
        if self.range:
            d[self.range] = item[self.range]
        return d

    def exact_key(self, key):
        if not isinstance(key, dict):
            raise validation("The provided key element does not match the schema")
        want = {self.hash} | ({self.range} if self.range else set())
        if set(key) != want:
            raise validation("The provided key element does not match the schema")
        return self.key_of(key, "key")


def project(item, text, ctx):
    if text is None or item is None:
        return item
    e = ctx.expr(text)
    paths = [parse_path(e)]
    while e.peek() == ("op", ","):
        e.take()
        paths.append(parse_path(e))
    if not e.done():
        raise validation("Invalid ProjectionExpression: Syntax error")
    out = {}
    for path in paths:
        top = path[0]
        if top in item and get_path(item, path) is not None:
            out[top] = item[top]
    return out


class DynamoStore:
    def __init__(self, settings):
        self.settings = settings
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.tables = {}

    def call(self, op, p):
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise AwsError("UnknownOperationException", "", 400)
        if not isinstance(p, dict):
            raise AwsError("SerializationException", "Start of list found where not expected")
        with self.lock:
            return fn(p)

    def _table(self, name, describe=False):
        if not isinstance(name, str) or not name:
            raise validation("1 validation error detected: Value null at 'tableName' failed to satisfy "
                             "constraint: Member must not be null")
        t = self.tables.get(name)
        if t is None:
            raise ddb_error("ResourceNotFoundException", "Requested resource not found: Table: %s not found"
                            % name if describe else "Requested resource not found")
        return t

    def op_CreateTable(self, p):
        name = p.get("TableName")
        if not isinstance(name, str) or not re.match(r"[a-zA-Z0-9_.-]{3,255}\Z", name):
            raise validation("1 validation error detected: Value '%s' at 'tableName' failed to satisfy "
                             "constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+" % name)
        ks, ad = p.get("KeySchema"), p.get("AttributeDefinitions")
        if not ks or not ad:
            raise validation("1 validation error detected: Value null at 'keySchema' failed to satisfy "
                             "constraint: Member must not be null")
        if name in self.tables:
            raise ddb_error("ResourceInUseException", "Table already exists: %s" % name)
        defined = {a["AttributeName"] for a in ad}
        for k in ks:
            if k["AttributeName"] not in defined:
                raise validation("One or more parameter values were invalid: Some index key attributes are not "
                                 "defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]"
                                 % (k["AttributeName"], ", ".join(sorted(defined))))
        if p.get("BillingMode") != "PAY_PER_REQUEST" and not p.get("ProvisionedThroughput"):
            raise validation("One or more parameter values were invalid: ReadCapacityUnits and "
                             "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
        t = Table(p, self.settings.region, self.settings.account)
        self.tables[name] = t
        d = t.describe()
        d["TableStatus"] = "ACTIVE"
        return {"TableDescription": d}

    def op_DescribeTable(self, p):
        return {"Table": self._table(p.get("TableName"), describe=True).describe()}

    def op_DeleteTable(self, p):
        t = self._table(p.get("TableName"), describe=True)
        del self.tables[t.name]
        d = t.describe()
        d["TableStatus"] = "DELETING"
        return {"TableDescription": d}

    def op_ListTables(self, p):
        names = sorted(self.tables)
        start = p.get("ExclusiveStartTableName")
        if start:
            names = [n for n in names if n > start]
        limit = p.get("Limit", 100)
        out = {"TableNames": names[:limit]}
        if len(names) > limit:
            out["LastEvaluatedTableName"] = names[limit - 1]
        return out

    def _fail(self, p, old):
        e = ddb_error("ConditionalCheckFailedException", "The conditional request failed")
        if p.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and old is not None:
            e.extra["Item"] = old
        return e

    def _capacity(self, p, t, units=1.0):
        if p.get("ReturnConsumedCapacity") in ("TOTAL", "INDEXES"):
            return {"ConsumedCapacity": {"TableName": t.name, "CapacityUnits": units}}
        return {}

    def op_PutItem(self, p):
        t = self._table(p.get("TableName"))
        item = p.get("Item")
        if not isinstance(item, dict):
            raise validation("1 validation error detected: Value null at 'item' failed to satisfy "
                             "constraint: Member must not be null")
        for v in item.values():
            check_value(v)
        k = t.key_of(item)
        ctx = Ctx(p)
        cond = ctx.condition(p.get("ConditionExpression"))
        ctx.finish()
        old = t.items.get(k)
        if cond is not None and not cond(old or {}):
            raise self._fail(p, old)
        t.items[k] = copy.deepcopy(item)
        out = self._capacity(p, t)
        rv = p.get("ReturnValues", "NONE")
        if rv not in ("NONE", "ALL_OLD"):
            raise validation("ReturnValues can only be ALL_OLD or NONE")
        if rv == "ALL_OLD" and old is not None:
            out["Attributes"] = old
        return out

    def op_GetItem(self, p):
        t = self._table(p.get("TableName"))
        k = t.exact_key(p.get("Key"))
        ctx = Ctx(p)
        item = t.items.get(k)
        out = self._capacity(p, t, 0.5)
        proj = project(item, p.get("ProjectionExpression"), ctx)
        ctx.finish()
        if item is not None:
            out["Item"] = proj
        return out

    def op_DeleteItem(self, p):
        t = self._table(p.get("TableName"))
        k = t.exact_key(p.get("Key"))
        ctx = Ctx(p)
        cond = ctx.condition(p.get("ConditionExpression"))
        ctx.finish()
        old = t.items.get(k)
        if cond is not None and not cond(old or {}):
            raise self._fail(p, old)
        t.items.pop(k, None)
        out = self._capacity(p, t)
        if p.get("ReturnValues") == "ALL_OLD" and old is not None:
            out["Attributes"] = old
        return out

    def op_UpdateItem(self, p):
        t = self._table(p.get("TableName"))
        key = p.get("Key")
        k = t.exact_key(key)
        ctx = Ctx(p)
        cond = ctx.condition(p.get("ConditionExpression"))
        actions = parse_update(ctx, p.get("UpdateExpression")) if p.get("UpdateExpression") else []
        ctx.finish()
        old = t.items.get(k)
        if cond is not None and not cond(old or {}):
            raise self._fail(p, old)
        new = copy.deepcopy(old) if old is not None else copy.deepcopy(key)
        changed = set()
        for act in actions:
            act(new, old or {}, changed)
        for name in (t.hash, t.range):
            if name and not av_equal(new.get(name), key[name]):
                raise validation("One or more parameter values were invalid: Cannot update attribute %s. "
                                 "This attribute is part of the key" % name)
        t.items[k] = new
        out = self._capacity(p, t)
        rv = p.get("ReturnValues", "NONE")
        if rv == "ALL_NEW":
            out["Attributes"] = new
        elif rv == "ALL_OLD" and old is not None:
            out["Attributes"] = old
        elif rv == "UPDATED_NEW":
            out["Attributes"] = {a: new[a] for a in changed if a in new}
        elif rv == "UPDATED_OLD" and old is not None:
            out["Attributes"] = {a: old[a] for a in changed if a in old}
        return out

    def _page(self, t, items, p, ctx, filt):
        limit = p.get("Limit")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise validation("1 validation error detected: Value '%s' at 'limit' failed to satisfy "
                             "constraint: Member must have value greater than or equal to 1" % limit)
        start = p.get("ExclusiveStartKey")
        if start is not None:
            # Resume after the place the key has, whether or not it still exists.
            sk = t.exact_key(start)
            fwd = p.get("ScanIndexForward", True)
            i = next((n for n, (kk, _) in enumerate(items) if (kk > sk if fwd else kk < sk)), len(items))
            items = items[i:]
        scanned = items[:limit] if limit else items
        more = bool(limit) and len(items) > limit
        out_items = [it for _, it in scanned if filt is None or filt(it)]
        proj = p.get("ProjectionExpression")
        out_items = [project(it, proj, ctx) for it in out_items] if proj else out_items
        ctx.finish()
        out = {"Count": len(out_items), "ScannedCount": len(scanned)}
        if p.get("Select") != "COUNT":
            out["Items"] = out_items
        if more and scanned:
            out["LastEvaluatedKey"] = t.key_only(scanned[-1][1])
        out.update(self._capacity(p, t, 0.5 * max(1, len(scanned))))
        return out

    def op_Query(self, p):
        t = self._table(p.get("TableName"))
        if p.get("IndexName"):
            raise validation("The table does not have the specified index: %s" % p["IndexName"])
        ctx = Ctx(p)
        kce = p.get("KeyConditionExpression")
        if not kce:
            raise validation("Either the KeyConditions or KeyConditionExpression parameter must be specified "
                             "in the request.")
        e = ctx.expr(kce)
        cond = parse_condition(e)
        hash_val = _hash_value(e.toks, t.hash)
        if hash_val is None:
            raise validation("Query condition missed key schema element: %s" % t.hash)
        hk = av_key(hash_val)
        filt = ctx.condition(p.get("FilterExpression"))
        items = sorted(((k, it) for k, it in t.items.items() if k[0] == hk and cond(it)),
                       key=lambda kv: kv[0])
        if p.get("ScanIndexForward", True) is False:
            items.reverse()
        return self._page(t, items, p, ctx, filt)

    def op_Scan(self, p):
        t = self._table(p.get("TableName"))
        ctx = Ctx(p)
        filt = ctx.condition(p.get("FilterExpression"))
        items = sorted(t.items.items(), key=lambda kv: kv[0])
        return self._page(t, items, p, ctx, filt)

    def op_BatchGetItem(self, p):
        out = {}
        for name, spec in (p.get("RequestItems") or {}).items():
            t = self._table(name)
            ctx = Ctx(spec)
            got = []
            for key in spec.get("Keys", []):
                it = t.items.get(t.exact_key(key))
                if it is not None:
                    got.append(project(it, spec.get("ProjectionExpression"), ctx))
            out[name] = got
        return {"Responses": out, "UnprocessedKeys": {}}

    def op_BatchWriteItem(self, p):
        reqs = p.get("RequestItems") or {}
        if sum(len(v) for v in reqs.values()) > 25:
            raise validation("1 validation error detected: Value at 'requestItems' failed to satisfy "
                             "constraint: Member must have length less than or equal to 25")
        for name, ops in reqs.items():
            t = self._table(name)
            for op in ops:
                if "PutRequest" in op:
                    item = op["PutRequest"]["Item"]
                    for v in item.values():
                        check_value(v)
                    t.items[t.key_of(item)] = copy.deepcopy(item)
                elif "DeleteRequest" in op:
                    t.items.pop(t.exact_key(op["DeleteRequest"]["Key"]), None)
        return {"UnprocessedItems": {}}

    def ctl_tables(self, a):
        with self.lock:
            return {"tables": {n: {"items": len(t.items), "hash": t.hash, "range": t.range}
                               for n, t in sorted(self.tables.items())}}


def _hash_value(toks, hash_name):
    """The value the key condition compares the hash key to."""
    for i in range(len(toks) - 2):
        a, op, b = toks[i], toks[i + 1], toks[i + 2]
        if op == ("op", "=") and a[0] in ("name", "word") and a[1] == hash_name and b[0] == "value":
            return b[1]
        if op == ("op", "=") and b[0] in ("name", "word") and b[1] == hash_name and a[0] == "value":
            return a[1]
    return None


def parse_update(ctx, text):
    """Actions of an UpdateExpression: SET, REMOVE, ADD, DELETE clauses."""
    e = ctx.expr(text)
    actions = []

    def set_path(item, path, value):
        cur = item
        for p in path[:-1]:
            nxt = cur.get(p) if isinstance(p, str) else None
            if nxt is None or "M" not in nxt:
                raise validation("The document path provided in the update expression is invalid for update")
            cur = nxt["M"]
        cur[path[-1]] = value

    def value_expr():
        k, v = e.peek()
        if k == "word" and v in ("if_not_exists", "list_append") and e.peek(1) == ("op", "("):
            e.take()
            e.take()
            if v == "if_not_exists":
                path = parse_path(e)
                e.expect("op", ",")
                dflt = value_expr()
                e.expect("op", ")")
                first = lambda old: get_path(old, path) if get_path(old, path) is not None else dflt(old)  # noqa
            else:
                a = value_expr()
                e.expect("op", ",")
                b = value_expr()
                e.expect("op", ")")
                first = lambda old: {"L": (a(old) or {"L": []})["L"] + (b(old) or {"L": []})["L"]}  # noqa
        else:
            operand = parse_operand(e)
            first = operand
        if e.peek() in (("op", "+"), ("op", "-")):
            _, sign = e.take()
            second = value_expr()

            def arith(old, f=first, s=second, sign=sign):
                x, y = f(old), s(old)
                if not x or not y or "N" not in x or "N" not in y:
                    raise validation("An operand in the update expression has an incorrect data type")
                r = _num(x["N"]) + _num(y["N"]) if sign == "+" else _num(x["N"]) - _num(y["N"])
                return {"N": _norm_num(str(r))}
            return arith
        return first

    while not e.done():
        _, clause = e.expect("kw")
        while True:
            path = parse_path(e)
            if clause == "SET":
                e.expect("op", "=")
                val = value_expr()
                actions.append(lambda new, old, ch, p=path, v=val: (set_path(new, p, v(old)), ch.add(p[0])))
            elif clause == "REMOVE":
                def rm(new, old, ch, p=path):
                    if len(p) == 1:
                        new.pop(p[0], None)
                    else:
                        parent = get_path(new, p[:-1])
                        if parent and "M" in parent:
                            parent["M"].pop(p[-1], None)
                        elif parent and "L" in parent and p[-1] < len(parent["L"]):
                            parent["L"].pop(p[-1])
                    ch.add(p[0])
                actions.append(rm)
            elif clause in ("ADD", "DELETE"):
                operand = parse_operand(e)

                def add(new, old, ch, p=path, o=operand, c=clause):
                    cur, v = get_path(new, p), o(old)
                    if c == "ADD" and "N" in v:
                        base = _num(cur["N"]) if cur and "N" in cur else Decimal(0)
                        set_path(new, p, {"N": _norm_num(str(base + _num(v["N"])))})
                    else:
                        (tt, xs), = v.items()
                        have = list(cur[tt]) if cur and tt in cur else []
                        if c == "ADD":
                            res = have + [x for x in xs if x not in have]
                        else:
                            res = [x for x in have if x not in xs]
                        if res:
                            set_path(new, p, {tt: res})
                        elif len(p) == 1:
                            new.pop(p[0], None)
                    ch.add(p[0])
                actions.append(add)
            else:
                raise validation("Invalid UpdateExpression: Syntax error; token: \"%s\"" % clause)
            if e.peek() == ("op", ","):
                e.take()
                continue
            break
    return actions
