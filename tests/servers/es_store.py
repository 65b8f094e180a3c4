"""The documents, indices and settings of the local Elasticsearch.

Everything here runs under the store's lock; the HTTP layer (es_server.py)
reads requests and writes responses. Errors are raised as EsError carrying
the status and body that Elasticsearch itself would send.
"""

import base64
import datetime
import fnmatch
import ipaddress
import json
import os
import re
import threading
import time

# Shards block of every successful write item, as a one-node cluster
# with one replica configured reports it.
SHARDS = {"total": 2, "successful": 1, "failed": 0}

BULK_META_KEYS = {
    "_index", "_id", "routing", "pipeline", "version", "version_type",
    "if_seq_no", "if_primary_term", "require_alias", "require_data_stream",
    "dynamic_templates", "list_executed_pipelines", "retry_on_conflict",
    "_source", "_type",
}

ITEM_429_REASON = (
    "rejected execution of org.elasticsearch.action.support.replication."
    "TransportWriteAction$1/WrappedActionListener{org.elasticsearch.action."
    "support.replication.ReplicationOperation$$Lambda$4832/0x0000000801a2c6c8"
    "@6f9bb4ab}{org.elasticsearch.action.support.replication."
    "ReplicationOperation$$Lambda$4833/0x0000000801a2c8f0@2b1e8a60} on "
    "EsThreadPoolExecutor[name = cwl-test-node/write, queue capacity = 10000, "
    "org.elasticsearch.common.util.concurrent.EsThreadPoolExecutor@5d7c2b19"
    "[Running, pool size = 2, active threads = 2, queued tasks = 10000, "
    "completed tasks = 918273]]"
)

DATE_RE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$")

NUMERIC = {"long", "integer", "short", "byte", "unsigned_long", "double",
           "float", "half_float", "scaled_float"}
INTEGRAL = {"long", "integer", "short", "byte", "unsigned_long"}
STRINGS = {"keyword", "text", "wildcard", "match_only_text",
           "constant_keyword", "search_as_you_type"}
OBJECTS = {"object", "nested"}


class EsError(Exception):
    """An error response: status, JSON body, extra headers."""

    def __init__(self, status, body, headers=None, close=False):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or []
        self.close = close


def error_body(status, type_, reason, **extra):
    cause = {"type": type_, "reason": reason}
    cause.update(extra)
    body = {"root_cause": [dict(cause)]}
    body.update(cause)
    return {"error": body, "status": status}


def es_error(status, type_, reason, **extra):
    return EsError(status, error_body(status, type_, reason, **extra))


def new_id():
    """A 20-character URL-safe id, the shape of Elasticsearch's own."""
    return base64.urlsafe_b64encode(os.urandom(15)).decode()


def new_uuid():
    return base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("=")[:22]


def iso_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def parse_size(text):
    """'100mb', '1k', '5242880' -> bytes."""
    if isinstance(text, int):
        return text
    m = re.fullmatch(r"\s*(\d+)\s*([kmgt]?)b?\s*", str(text).lower())
    if not m:
        raise ValueError("bad size: %r" % (text,))
    mult = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    return int(m.group(1)) * mult[m.group(2)]


def index_name_problem(name):
    """Why Elasticsearch would refuse NAME as an index name, or None."""
    if not name:
        return "must not be empty"
    if name != name.lower():
        return "must be lowercase"
    bad = '\\/*?"<>| ,#:'
    if any(c in name for c in bad):
        return ("must not contain the following characters "
                "['\\\\', '/', '*', '?', '\"', '<', '>', '|', ' ', ',', '#', ':']")
    if name[0] in "_-+":
        return "must not start with '_', '-', or '+'"
    if name in (".", ".."):
        return "must not be '.' or '..'"
    if len(name.encode()) > 255:
        return "index name is too long, (%d > 255)" % len(name.encode())
    return None


def resolve_date_math(name):
    """'<logs-{now/d}-000001>' -> 'logs-2026.11.23-000001'."""
    if not (name.startswith("<") and name.endswith(">")):
        return name
    now = datetime.datetime.now(datetime.timezone.utc)

    def sub(m):
        expr = m.group(1)
        fmt = m.group(2)
        if fmt:
            f = (fmt.replace("yyyy", "%Y").replace("MM", "%m")
                 .replace("dd", "%d").replace("HH", "%H"))
            return now.strftime(f)
        if expr.endswith("/M"):
            return now.strftime("%Y.%m")
        return now.strftime("%Y.%m.%d")
    return re.sub(r"\{(now(?:/[dMyHh])?)(?:\{([^}]*)\})?\}", sub, name[1:-1])


def flatten_properties(props, prefix=""):
    """Mapping 'properties' -> {"a.b.c": "long", "a.b": "object"}."""
    out = {}
    for name, spec in (props or {}).items():
        path = prefix + name
        if not isinstance(spec, dict):
            continue
        if "properties" in spec:
            out[path] = spec.get("type", "object")
            out.update(flatten_properties(spec["properties"], path + "."))
        elif "type" in spec:
            out[path] = spec["type"]
    return out


def with_parents(mapping):
    """Add the object fields that dotted field names imply."""
    out = dict(mapping)
    for field in mapping:
        parts = field.split(".")
        for k in range(1, len(parts)):
            out.setdefault(".".join(parts[:k]), "object")
    return out


def java_preview(value):
    """How Elasticsearch quotes a field's value in a parse error."""
    if isinstance(value, dict):
        return "{" + ", ".join("%s=%s" % (k, java_preview(v))
                               for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(java_preview(v) for v in value) + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def json_type(value):
    """The type dynamic mapping gives to a first value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "float"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, str) and DATE_RE.match(value):
        return "date"
    return "text"


def value_fits(ftype, value):
    """Whether VALUE can be indexed into a field of type FTYPE."""
    if ftype in NUMERIC:
        if isinstance(value, bool) or isinstance(value, dict):
            return False
        if isinstance(value, (int, float)):
            return True
        try:
            float(value)
            return True
        except (TypeError, ValueError):
            return False
    if ftype in STRINGS:
        return not isinstance(value, dict)
    if ftype == "boolean":
        return value in (True, False, "true", "false", "")
    if ftype in ("date", "date_nanos"):
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)):
            return True
        return isinstance(value, str) and bool(DATE_RE.match(value))
    if ftype == "ip":
        try:
            ipaddress.ip_address(value)
            return True
        except (TypeError, ValueError):
            return False
    return True


def pattern_match(patterns, name):
    return any(fnmatch.fnmatchcase(name, p) for p in patterns)


class Doc:
    __slots__ = ("raw", "version", "seq_no", "received", "pipeline")

    def __init__(self, raw, version, seq_no, received, pipeline):
        self.raw = raw
        self.version = version
        self.seq_no = seq_no
        self.received = received
        self.pipeline = pipeline


class Index:
    def __init__(self, name, mapping=None, dynamic=True, aliases=None,
                 settings=None, data_stream=None):
        self.name = name
        self.uuid = new_uuid()
        self.created = time.time()
        self.docs = {}
        self.seq_no = -1
        self.mapping = dict(mapping or {})
        self.dynamic = dynamic
        self.aliases = aliases or {}
        self.settings = settings or {}
        self.data_stream = data_stream


class Store:
    """All the state of the server, behind one lock."""

    def __init__(self, version, mappings=None, dynamic_mapping=False,
                 max_content_length=100 << 20):
        self.lock = threading.RLock()
        self.version = version
        self.major = int(version.split(".")[0])
        self.mappings = dict(mappings or {})
        self.dynamic_mapping = dynamic_mapping
        self.max_content_length = max_content_length
        self.reset()

    def reset(self):
        with self.lock:
            self.indices = {}
            self.data_streams = {}
            self.index_templates = {}
            self.component_templates = {}
            self.legacy_templates = {}
            self.ilm = {}
            self.pipelines = {}
            self.duplicates = 0

    @property
    def parse_error_type(self):
        # Elasticsearch 8 renamed mapper_parsing_exception for documents.
        if self.major >= 8:
            return "document_parsing_exception"
        return "mapper_parsing_exception"

    # ---- names -------------------------------------------------------

    def aliases(self):
        out = {}
        for idx in self.indices.values():
            for alias, spec in idx.aliases.items():
                out.setdefault(alias, []).append((idx.name, spec))
        return out

    def expand(self, expr, missing_ok=False):
        """Index expression (comma list, wildcards, aliases, data streams)
        -> list of concrete index names."""
        if expr in (None, "", "_all", "*"):
            return [n for n in self.indices if not n.startswith(".")] + \
                [i for ds in self.data_streams.values() for i in ds["indices"]]
        out = []
        aliases = self.aliases()
        for part in expr.split(","):
            part = resolve_date_math(part)
            if "*" in part or "?" in part:
                for n in self.indices:
                    if (not n.startswith(".") or part.startswith(".")) and \
                            fnmatch.fnmatchcase(n, part):
                        out.append(n)
                for ds in self.data_streams.values():
                    if fnmatch.fnmatchcase(ds["name"], part):
                        out.extend(ds["indices"])
                for alias, members in aliases.items():
                    if fnmatch.fnmatchcase(alias, part):
                        out.extend(m for m, _ in members)
            elif part in self.indices:
                out.append(part)
            elif part in self.data_streams:
                out.extend(self.data_streams[part]["indices"])
            elif part in aliases:
                out.extend(m for m, _ in aliases[part])
            elif not missing_ok:
                raise es_error(404, "index_not_found_exception",
                               "no such index [%s]" % part,
                               **{"resource.type": "index_or_alias",
                                  "resource.id": part,
                                  "index_uuid": "_na_", "index": part})
        seen = set()
        return [n for n in out if not (n in seen or seen.add(n))]

    def matching_template(self, name):
        best = None
        for tname, t in self.index_templates.items():
            pats = t.get("index_patterns") or []
            if isinstance(pats, str):
                pats = [pats]
            if pattern_match(pats, name):
                prio = t.get("priority", 0) or 0
                if best is None or prio > best[0]:
                    best = (prio, tname, t)
        return best

    def template_settings(self, name):
        """Mappings, aliases and settings a new index NAME gets."""
        props = {}
        aliases = {}
        settings = {}
        dynamic = True
        for lt in sorted(self.legacy_templates.values(),
                         key=lambda t: t.get("order", 0)):
            pats = lt.get("index_patterns") or []
            if isinstance(pats, str):
                pats = [pats]
            if pattern_match(pats, name):
                m = lt.get("mappings") or {}
                props.update(flatten_properties(m.get("properties")))
                aliases.update(lt.get("aliases") or {})
                settings.update(lt.get("settings") or {})
        best = self.matching_template(name)
        if best:
            t = best[2]
            parts = [self.component_templates.get(c, {}).get("template", {})
                     for c in t.get("composed_of") or []]
            parts.append(t.get("template") or {})
            for part in parts:
                m = part.get("mappings") or {}
                props.update(flatten_properties(m.get("properties")))
                if "dynamic" in m:
                    dynamic = m["dynamic"]
                aliases.update(part.get("aliases") or {})
                settings.update(part.get("settings") or {})
        mapping = dict(self.mappings)
        mapping.update(props)
        return with_parents(mapping), dynamic, aliases, settings

    def create_index(self, name, body=None, template_for=None):
        problem = index_name_problem(name)
        if problem:
            raise es_error(400, "invalid_index_name_exception",
                           "Invalid index name [%s], %s" % (name, problem),
                           index_uuid="_na_", index=name)
        if name in self.indices or name in self.data_streams:
            raise es_error(400, "resource_already_exists_exception",
                           "index [%s/%s] already exists" % (
                               name, self.indices[name].uuid
                               if name in self.indices else "_na_"),
                           index_uuid="_na_", index=name)
        mapping, dynamic, aliases, settings = self.template_settings(
            template_for or name)
        body = body or {}
        m = body.get("mappings") or {}
        mapping.update(flatten_properties(m.get("properties")))
        mapping = with_parents(mapping)
        if "dynamic" in m:
            dynamic = m["dynamic"]
        aliases.update(body.get("aliases") or {})
        settings.update(body.get("settings") or {})
        idx = Index(name, mapping, dynamic, aliases, settings)
        self.indices[name] = idx
        return idx

    def create_data_stream(self, name):
        problem = index_name_problem(name)
        if problem:
            raise es_error(400, "invalid_index_name_exception",
                           "Invalid index name [%s], %s" % (name, problem),
                           index_uuid="_na_", index=name)
        if name in self.data_streams:
            raise es_error(400, "resource_already_exists_exception",
                           "data_stream [%s] already exists" % name)
        best = self.matching_template(name)
        if best is None:
            raise es_error(400, "illegal_argument_exception",
                           "no matching index template found for data stream [%s]"
                           % name)
        if "data_stream" not in best[2]:
            raise es_error(400, "illegal_argument_exception",
                           "matching index template [%s] for data stream [%s] "
                           "has no data stream template" % (best[1], name))
        day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y.%m.%d")
        backing = ".ds-%s-%s-000001" % (name, day)
        idx = self.create_index(backing, template_for=name)
        idx.data_stream = name
        settings = idx.settings
        policy = None
        if isinstance(settings.get("index"), dict):
            policy = (settings["index"].get("lifecycle") or {}).get("name")
        policy = policy or settings.get("index.lifecycle.name")
        self.data_streams[name] = {
            "name": name, "indices": [backing], "generation": 1,
            "template": best[1], "ilm_policy": policy,
            "created": time.time(),
        }
        return self.data_streams[name]

    def write_target(self, name, op):
        """The concrete index a bulk item named NAME goes to, created if
        needed. Raises EsError for an item-level refusal."""
        ds = self.data_streams.get(name)
        if ds is None and name not in self.indices:
            aliases = self.aliases()
            if name in aliases:
                members = aliases[name]
                writers = [m for m, spec in members
                           if (spec or {}).get("is_write_index")]
                if len(members) == 1:
                    return self.indices[members[0][0]]
                if writers:
                    return self.indices[writers[0]]
                raise es_error(
                    400, "illegal_argument_exception",
                    "no write index is defined for alias [%s]. The write index "
                    "may be explicitly disabled using is_write_index=false or "
                    "the alias points to multiple indices without one being "
                    "designated as a write index" % name)
            best = self.matching_template(name)
            if best and "data_stream" in best[2]:
                if op != "create":
                    raise es_error(400, "illegal_argument_exception",
                                   "only write ops with an op_type of create "
                                   "are allowed in data streams")
                ds = self.create_data_stream(name)
            else:
                return self.create_index(name)
        if ds is not None:
            if op not in ("create",):
                raise es_error(400, "illegal_argument_exception",
                               "only write ops with an op_type of create are "
                               "allowed in data streams")
            return self.indices[ds["indices"][-1]]
        return self.indices[name]

    # ---- mapping -------------------------------------------------------

    def check_mapping(self, idx, doc_id, source):
        """Raise the parse error Elasticsearch gives when SOURCE clashes
        with the mapping of IDX; learn new fields when dynamic."""
        if not idx.mapping and not self.dynamic_mapping and \
                idx.dynamic != "strict":
            return
        learned = {}
        self._check_obj(idx, doc_id, source, "", learned)
        if self.dynamic_mapping and idx.dynamic not in (False, "false"):
            idx.mapping.update(learned)

    def _parse_error(self, reason):
        return es_error(400, self.parse_error_type, reason)

    def _check_value(self, idx, doc_id, path, value, learned):
        if value is None:
            return
        if isinstance(value, list):
            for v in value:
                self._check_value(idx, doc_id, path, v, learned)
            return
        ftype = idx.mapping.get(path) or learned.get(path)
        if ftype is None:
            if idx.dynamic == "strict":
                parent, _, leaf = path.rpartition(".")
                raise es_error(
                    400, "strict_dynamic_mapping_exception",
                    "[%s] mapping set to strict, dynamic introduction of [%s] "
                    "within [%s] is not allowed" % (
                        parent or "_doc", leaf, parent or "_doc"))
            if self.dynamic_mapping:
                learned[path] = json_type(value)
            if isinstance(value, dict):
                self._check_obj(idx, doc_id, value, path + ".", learned)
            return
        if isinstance(value, dict):
            if ftype in OBJECTS:
                self._check_obj(idx, doc_id, value, path + ".", learned)
                return
            if ftype == "flattened":
                return
            raise self._parse_error(
                "failed to parse field [%s] of type [%s] in document with id "
                "'%s'. Preview of field's value: '%s'"
                % (path, ftype, doc_id, java_preview(value)))
        if ftype in OBJECTS:
            leaf = path.rpartition(".")[2]
            raise self._parse_error(
                "object mapping for [%s] tried to parse field [%s] as object, "
                "but found a concrete value" % (path, leaf))
        if not value_fits(ftype, value):
            raise self._parse_error(
                "failed to parse field [%s] of type [%s] in document with id "
                "'%s'. Preview of field's value: '%s'"
                % (path, ftype, doc_id, java_preview(value)))

    def _check_obj(self, idx, doc_id, obj, prefix, learned):
        for key, value in obj.items():
            self._check_value(idx, doc_id, prefix + key, value, learned)

    # ---- documents -----------------------------------------------------

    def put_doc(self, idx, doc_id, raw, received, pipeline, op):
        """Store one document; returns (status, result, doc) or raises."""
        old = idx.docs.get(doc_id)
        if old is not None and op == "create":
            raise es_error(
                409, "version_conflict_engine_exception",
                "[%s]: version conflict, document already exists "
                "(current version [%d])" % (doc_id, old.version),
                index_uuid=idx.uuid, shard="0", index=idx.name)
        idx.seq_no += 1
        if old is None:
            doc = Doc(raw, 1, idx.seq_no, received, pipeline)
            idx.docs[doc_id] = doc
            return 201, "created", doc
        self.duplicates += 1
        old.raw = raw
        old.version += 1
        old.seq_no = idx.seq_no
        old.received = received
        old.pipeline = pipeline
        return 200, "updated", old

    def count(self, expr):
        return sum(len(self.indices[n].docs) for n in self.expand(expr))

    def get_doc(self, index, doc_id):
        names = self.expand(index)
        for n in names:
            d = self.indices[n].docs.get(doc_id)
            if d is not None:
                return n, d
        return (names[0] if names else index), None

    def dump(self, expr=None):
        """Every document as NDJSON lines (bytes)."""
        out = []
        names = self.expand(expr, missing_ok=True) if expr else \
            list(self.indices)
        for n in names:
            idx = self.indices[n]
            jn = json.dumps(n)
            for doc_id, d in idx.docs.items():
                out.append(b'{"_index":%s,"_id":%s,"_version":%d,"_source":%s,'
                           b'"_received":%.3f,"_pipeline":%s}\n' % (
                               jn.encode(), json.dumps(doc_id).encode(),
                               d.version, d.raw.encode(), d.received,
                               json.dumps(d.pipeline).encode()))
        return b"".join(out)
