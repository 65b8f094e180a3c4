"""The _bulk API of the local Elasticsearch: parsing the NDJSON body and
applying its items to the store, with Elasticsearch's own answers."""

import json
from json.encoder import encode_basestring_ascii as jstr

from es_store import (BULK_META_KEYS, ITEM_429_REASON, SHARDS, EsError,
                      es_error, new_id, resolve_date_math)

ACTIONS = ("index", "create", "delete", "update")

_scan = json.JSONDecoder().scan_once


def loads(text):
    """json.loads for one stripped line, without the wrapper's cost."""
    try:
        obj, end = _scan(text, 0)
    except StopIteration:
        return json.loads(text)  # raises with Python's message
    if end != len(text):
        return json.loads(text)
    return obj


def _lines(body):
    """Body -> list of str lines; a line that is not UTF-8 becomes bytes."""
    try:
        return body.decode("utf-8").split("\n")
    except UnicodeDecodeError:
        out = []
        for line in body.split(b"\n"):
            try:
                out.append(line.decode("utf-8"))
            except UnicodeDecodeError:
                out.append(line)
        return out


def _token(value):
    if isinstance(value, str):
        return "VALUE_STRING"
    if isinstance(value, bool):
        return "VALUE_BOOLEAN"
    if isinstance(value, (int, float)):
        return "VALUE_NUMBER"
    if isinstance(value, list):
        return "START_ARRAY"
    if value is None:
        return "VALUE_NULL"
    return "START_OBJECT"


def parse(body, default_index, default_pipeline):
    """NDJSON body -> list of (op, meta, index, source bytes|None, pipeline).
    Raises EsError (the whole request fails) as Elasticsearch does."""
    if not body:
        raise es_error(400, "parse_exception", "request body is required")
    if not body.endswith(b"\n"):
        raise es_error(400, "illegal_argument_exception",
                       "The bulk request must be terminated by a newline [\\n]")
    lines = _lines(body)
    n = len(lines) - 1
    ops = []
    i = 0
    while i < n:
        line = lines[i].strip()
        i += 1
        if not line:
            continue
        try:
            if isinstance(line, bytes):
                line.decode("utf-8")
            action = loads(line)
        except UnicodeDecodeError as e:
            raise es_error(400, "x_content_parse_exception",
                           "[%d:%d] Invalid UTF-8 start byte 0x%02x"
                           % (i, e.start + 1, line[e.start]))
        except ValueError as e:
            raise es_error(400, "x_content_parse_exception",
                           "[%d:%d] %s" % (i, e.colno, e.msg))
        if not isinstance(action, dict):
            raise es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [%d], expected "
                           "START_OBJECT or END_OBJECT but found [%s]"
                           % (i, _token(action)))
        if len(action) != 1:
            raise es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [%d], expected "
                           "END_OBJECT but found [FIELD_NAME]" % i)
        (op, meta), = action.items()
        if op not in ACTIONS:
            raise es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [%d], expected "
                           "field [create], [delete], [index] or [update] but "
                           "found [%s]" % (i, op))
        if not isinstance(meta, dict):
            raise es_error(400, "illegal_argument_exception",
                           "Malformed action/metadata line [%d], expected "
                           "START_OBJECT but found [%s]" % (i, _token(meta)))
        for key, value in meta.items():
            if key not in BULK_META_KEYS:
                raise es_error(400, "illegal_argument_exception",
                               "Action/metadata line [%d] contains an unknown "
                               "parameter [%s]" % (i, key))
            if isinstance(value, (dict, list)) and key != "dynamic_templates" \
                    and key != "_source":
                raise es_error(400, "illegal_argument_exception",
                               "Malformed action/metadata line [%d], expected "
                               "a simple value for field [%s] but found [%s]"
                               % (i, key, _token(value)))
        source = None
        if op != "delete":
            if i >= n:
                # Elasticsearch drops an action whose source never came.
                break
            source = lines[i].strip()
            i += 1
        index = meta.get("_index") or default_index
        pipeline = meta.get("pipeline") or default_pipeline
        ops.append((op, meta, index, source, pipeline))
    problems = []
    for op, meta, index, source, pipeline in ops:
        if not index:
            problems.append("index is missing")
        doc_id = meta.get("_id")
        if op in ("update", "delete") and doc_id in (None, ""):
            problems.append("id is missing")
        if doc_id is not None and len(str(doc_id).encode()) > 512:
            problems.append("id [%s] is too long, must be no longer than 512 "
                            "bytes but was: %d"
                            % (doc_id, len(str(doc_id).encode())))
    if not ops:
        problems.append("no requests added")
    if problems:
        raise es_error(400, "action_request_validation_exception",
                       "Validation Failed: " + "".join(
                           "%d: %s;" % (k + 1, p)
                           for k, p in enumerate(problems)))
    return ops


def _error_item(index, doc_id, err):
    body = {k: v for k, v in err.body["error"].items() if k != "root_cause"}
    item = {"_index": index, "_id": doc_id, "status": err.status,
            "error": body}
    return item


def _parse_source(store, source, doc_id):
    try:
        if isinstance(source, bytes):
            source.decode("utf-8")
        src = loads(source)
    except UnicodeDecodeError as e:
        raise EsError(400, {"error": {
            "type": store.parse_error_type,
            "reason": "[1:%d] failed to parse: Invalid UTF-8 start byte 0x%02x"
                      % (e.start + 1, source[e.start])}})
    except ValueError as e:
        raise EsError(400, {"error": {
            "type": store.parse_error_type,
            "reason": "[1:%d] failed to parse: %s" % (e.colno, e.msg),
            "caused_by": {"type": "x_content_parse_exception",
                          "reason": "[1:%d] %s" % (e.colno, e.msg)}}})
    if not isinstance(src, dict):
        raise EsError(400, {"error": {
            "type": store.parse_error_type,
            "reason": "failed to parse, document is empty"
            if src is None else
            "[1:1] failed to parse: Malformed content, found extra data "
            "after parsing: %s" % _token(src)}})
    return src


def _merge(base, patch):
    out = dict(base)
    for k, v in patch.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _write(store, op, meta, index, source, pipeline, received):
    doc_id = meta.get("_id")
    doc_id = new_id() if doc_id in (None, "") else str(doc_id)
    name = resolve_date_math(index)
    try:
        idx = store.write_target(name, op)
        src = _parse_source(store, source, doc_id)
        if idx.data_stream and "@timestamp" not in src:
            raise EsError(400, {"error": {
                "type": store.parse_error_type,
                "reason": "data stream timestamp field [@timestamp] is "
                          "missing"}})
        store.check_mapping(idx, doc_id, src)
        status, result, doc = store.put_doc(idx, doc_id, source, received,
                                            pipeline, op)
    except EsError as e:
        return _error_item(name, doc_id, e)
    return {"_index": idx.name, "_id": doc_id, "_version": doc.version,
            "result": result, "_shards": SHARDS, "_seq_no": doc.seq_no,
            "_primary_term": 1, "status": status}


def _update(store, meta, index, source, pipeline, received):
    doc_id = str(meta["_id"])
    name = resolve_date_math(index)
    try:
        idx = store.write_target(name, "index")
        body = _parse_source(store, source, doc_id)
        old = idx.docs.get(doc_id)
        if old is None:
            if body.get("doc_as_upsert") and isinstance(body.get("doc"), dict):
                new = body["doc"]
            elif isinstance(body.get("upsert"), dict):
                new = body["upsert"]
            else:
                raise es_error(404, "document_missing_exception",
                               "[%s]: document missing" % doc_id,
                               index_uuid=idx.uuid, shard="0", index=idx.name)
        else:
            current = json.loads(old.raw)
            new = _merge(current, body.get("doc") or {})
            if new == current:
                return {"_index": idx.name, "_id": doc_id,
                        "_version": old.version, "result": "noop",
                        "_shards": {"total": 0, "successful": 0, "failed": 0},
                        "_seq_no": old.seq_no, "_primary_term": 1,
                        "status": 200}
        store.check_mapping(idx, doc_id, new)
        raw = json.dumps(new, separators=(",", ":"))
        dups = store.duplicates
        status, result, doc = store.put_doc(idx, doc_id, raw, received,
                                            pipeline, "index")
        store.duplicates = dups
    except EsError as e:
        return _error_item(name, doc_id, e)
    return {"_index": idx.name, "_id": doc_id, "_version": doc.version,
            "result": result, "_shards": SHARDS, "_seq_no": doc.seq_no,
            "_primary_term": 1, "status": status}


def _delete(store, meta, index):
    doc_id = str(meta["_id"])
    name = resolve_date_math(index)
    idx = store.indices.get(name)
    if idx is None:
        try:
            names = store.expand(name)
        except EsError:
            names = []
        idx = store.indices.get(names[0]) if len(names) == 1 else None
    if idx is None:
        return {"_index": name, "_id": doc_id, "_version": 1,
                "result": "not_found", "_shards": SHARDS, "_seq_no": 0,
                "_primary_term": 1, "status": 404}
    idx.seq_no += 1
    old = idx.docs.pop(doc_id, None)
    if old is None:
        return {"_index": idx.name, "_id": doc_id, "_version": 1,
                "result": "not_found", "_shards": SHARDS,
                "_seq_no": idx.seq_no, "_primary_term": 1, "status": 404}
    return {"_index": idx.name, "_id": doc_id, "_version": old.version + 1,
            "result": "deleted", "_shards": SHARDS, "_seq_no": idx.seq_no,
            "_primary_term": 1, "status": 200}


def execute(store, ops, received, reject_item):
    """Apply OPS; returns (errors, items). reject_item() says whether the
    next item meets an injected 429."""
    items = []
    errors = False
    with store.lock:
        for op, meta, index, source, pipeline in ops:
            if reject_item():
                doc_id = meta.get("_id")
                item = {"_index": resolve_date_math(index),
                        "_id": new_id() if doc_id in (None, "") else str(doc_id),
                        "status": 429,
                        "error": {"type": "es_rejected_execution_exception",
                                  "reason": ITEM_429_REASON}}
            elif op in ("index", "create"):
                item = _write(store, op, meta, index, source, pipeline,
                              received)
            elif op == "update":
                item = _update(store, meta, index, source, pipeline, received)
            else:
                item = _delete(store, meta, index)
            if item["status"] >= 300 and "error" in item:
                errors = True
            items.append({op: item})
    return errors, items


_OK = ('{"%s":{"_index":%s,"_id":%s,"_version":%d,"result":"%s","_shards":'
       '{"total":2,"successful":1,"failed":0},"_seq_no":%d,'
       '"_primary_term":1,"status":%d}}')


def response_body(took, errors, items):
    """The bulk response, serialised fast for the common items."""
    parts = []
    for it in items:
        (op, r), = it.items()
        if len(r) == 8 and r["_shards"] is SHARDS:
            parts.append(_OK % (op, jstr(r["_index"]), jstr(r["_id"]),
                                r["_version"], r["result"], r["_seq_no"],
                                r["status"]))
        else:
            parts.append(json.dumps(it, separators=(",", ":")))
    return ('{"took":%d,"errors":%s,"items":[%s]}' % (
        took, "true" if errors else "false", ",".join(parts))).encode()
