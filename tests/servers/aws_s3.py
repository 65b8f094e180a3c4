"""S3 (REST, XML) for the local AWS server: buckets, objects with ETags,
conditional writes and reads, ListObjectsV2 paging."""

import base64
import hashlib
import re
import threading
import time
from bisect import bisect_left, bisect_right
from email.utils import parsedate_to_datetime
from urllib.parse import quote
from xml.sax.saxutils import unescape

from aws_common import AwsError, Response, decode_token, encode_token, http_date, iso8601_ms, request_id, xml_escape

XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/"
BUCKET_RX = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\Z")
OWNER = ("75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a", "cwl-test")


class Obj:
    __slots__ = ("data", "etag", "mtime", "ctype", "meta")

    def __init__(self, data, ctype, meta):
        self.data = data
        self.etag = '"%s"' % hashlib.md5(data).hexdigest()
        self.mtime = time.time()
        self.ctype = ctype or "binary/octet-stream"
        self.meta = meta


class Bucket:
    __slots__ = ("name", "created", "region", "objects", "_keys")

    def __init__(self, name, region):
        self.name = name
        self.created = time.time()
        self.region = region
        self.objects = {}
        self._keys = None

    def keys(self):
        if self._keys is None:
            self._keys = sorted(self.objects)
        return self._keys

    def put(self, key, obj):
        if key not in self.objects:
            self._keys = None
        self.objects[key] = obj

    def delete(self, key):
        if self.objects.pop(key, None) is not None:
            self._keys = None


def s3_error(e, resource=""):
    rid = request_id()
    extra = "".join("<%s>%s</%s>" % (k, xml_escape(v), k) for k, v in e.extra.items())
    body = ('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>%s</Code><Message>%s</Message>%s'
            '<RequestId>%s</RequestId><HostId>%s</HostId></Error>'
            % (e.code, xml_escape(e.message), extra, rid,
               base64.b64encode(hashlib.sha256(rid.encode()).digest()).decode()))
    return Response(e.status, [("Content-Type", "application/xml"), ("x-amz-request-id", rid)],
                    body.encode())


def _xml(body, status=200, headers=()):
    return Response(status, [("Content-Type", "application/xml"), ("x-amz-request-id", request_id())]
                    + list(headers), ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode())


def no_bucket(name):
    return AwsError("NoSuchBucket", "The specified bucket does not exist", 404, BucketName=name)


def no_key(key):
    return AwsError("NoSuchKey", "The specified key does not exist.", 404, Key=key)


def precondition(cond):
    return AwsError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                    412, Condition=cond)


def _etags(v):
    return [t.strip() for t in v.split(",")] if v else []


def _etag_match(header, etag):
    return any(t == "*" or t.strip('"') == etag.strip('"') for t in _etags(header))


class S3Store:
    def __init__(self, settings):
        self.settings = settings
        self.lock = threading.RLock()
        self.reset()

    def reset(self):
        with self.lock:
            self.buckets = {}

    def create_bucket(self, name, region=None):
        if not BUCKET_RX.match(name or "") or ".." in name:
            raise AwsError("InvalidBucketName", "The specified bucket is not valid.", 400, BucketName=name)
        with self.lock:
            if name in self.buckets:
                return False
            self.buckets[name] = Bucket(name, region or self.settings.region)
            return True

    @staticmethod
    def operation(method, bucket, key, query):
        q = dict(query)
        if not bucket:
            return "ListBuckets" if method == "GET" else "Unknown"
        if key is None:
            if method == "GET":
                if "location" in q:
                    return "GetBucketLocation"
                return "ListObjectsV2" if q.get("list-type") == "2" else "ListObjects"
            if method == "POST" and "delete" in q:
                return "DeleteObjects"
            return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, "Unknown")
        return {"GET": "GetObject", "PUT": "PutObject", "HEAD": "HeadObject",
                "DELETE": "DeleteObject"}.get(method, "Unknown")

    def call(self, op, req, bucket, key):
        fn = getattr(self, "op_" + op, None)
        if fn is None:
            raise AwsError("NotImplemented", "A header you provided implies functionality that is not implemented",
                           501)
        with self.lock:
            return fn(req, bucket, key)

    def _bucket(self, name):
        b = self.buckets.get(name)
        if b is None:
            raise no_bucket(name)
        return b

    def op_ListBuckets(self, req, bucket, key):
        items = "".join("<Bucket><Name>%s</Name><CreationDate>%s</CreationDate></Bucket>"
                        % (xml_escape(b.name), iso8601_ms(b.created)) for _, b in sorted(self.buckets.items()))
        return _xml('<ListAllMyBucketsResult xmlns="%s"><Owner><ID>%s</ID><DisplayName>%s</DisplayName></Owner>'
                    "<Buckets>%s</Buckets></ListAllMyBucketsResult>" % (XMLNS, OWNER[0], OWNER[1], items))

    def op_CreateBucket(self, req, bucket, key):
        region = None
        m = re.search(rb"<LocationConstraint>([^<]*)</LocationConstraint>", req.body or b"")
        if m:
            region = m.group(1).decode()
        if not self.create_bucket(bucket, region):
            raise AwsError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket "
                           "succeeded and you already own it.", 409, BucketName=bucket)
        return Response(200, [("Location", "/" + bucket), ("x-amz-request-id", request_id()),
                              ("Content-Length", "0")])

    def op_HeadBucket(self, req, bucket, key):
        b = self._bucket(bucket)
        return Response(200, [("x-amz-bucket-region", b.region), ("x-amz-request-id", request_id())])

    def op_GetBucketLocation(self, req, bucket, key):
        b = self._bucket(bucket)
        loc = "" if b.region == "us-east-1" else b.region
        return _xml('<LocationConstraint xmlns="%s">%s</LocationConstraint>' % (XMLNS, loc))

    def op_DeleteBucket(self, req, bucket, key):
        b = self._bucket(bucket)
        if b.objects:
            raise AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409, BucketName=bucket)
        del self.buckets[bucket]
        return Response(204, [("x-amz-request-id", request_id())])

    def op_PutObject(self, req, bucket, key):
        b = self.buckets.get(bucket)
        if b is None:
            if not self.settings.s3_auto_create:
                raise no_bucket(bucket)
            self.create_bucket(bucket)
            b = self.buckets[bucket]
        if len(key.encode()) > 1024:
            raise AwsError("KeyTooLongError", "Your key is too long", 400)
        h = req.headers
        md5 = h.get("Content-MD5")
        if md5 is not None:
            try:
                want = base64.b64decode(md5, validate=True)
            except ValueError:
                want = b""
            if len(want) != 16:
                raise AwsError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400, **{"Content-MD5": md5})
            if hashlib.md5(req.body).digest() != want:
                raise AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.", 400)
        cur = b.objects.get(key)
        inm, im = h.get("If-None-Match"), h.get("If-Match")
        if inm is not None:
            if inm.strip() != "*":
                raise AwsError("NotImplemented", "A header you provided implies functionality that is "
                               "not implemented", 501, Header="If-None-Match")
            if cur is not None:
                raise precondition("If-None-Match")
        if im is not None:
            if cur is None:
                raise no_key(key)
            if not _etag_match(im, cur.etag):
                raise precondition("If-Match")
        meta = [(k, v) for k, v in h.items() if k.lower().startswith("x-amz-meta-")]
        obj = Obj(req.body, h.get("Content-Type"), meta)
        b.put(key, obj)
        return Response(200, [("ETag", obj.etag), ("x-amz-request-id", request_id()),
                              ("x-amz-server-side-encryption", "AES256")])

    def _read_checks(self, req, obj, key):
        h = req.headers
        im, inm = h.get("If-Match"), h.get("If-None-Match")
        ims, ius = h.get("If-Modified-Since"), h.get("If-Unmodified-Since")
        if im is not None and not _etag_match(im, obj.etag):
            raise precondition("If-Match")
        if ius is not None and im is None:
            t = _parse_http_date(ius)
            if t is not None and int(obj.mtime) > t:
                raise precondition("If-Unmodified-Since")
        if inm is not None and _etag_match(inm, obj.etag):
            return self._not_modified(obj)
        if ims is not None and inm is None:
            t = _parse_http_date(ims)
            if t is not None and int(obj.mtime) <= t:
                return self._not_modified(obj)
        return None

    @staticmethod
    def _not_modified(obj):
        return Response(304, [("ETag", obj.etag), ("Last-Modified", http_date(obj.mtime)),
                              ("x-amz-request-id", request_id())])

    def _object(self, bucket, key):
        b = self._bucket(bucket)
        obj = b.objects.get(key)
        if obj is None:
            raise no_key(key)
        return obj

    def _object_headers(self, obj):
        hs = [("ETag", obj.etag), ("Last-Modified", http_date(obj.mtime)), ("Content-Type", obj.ctype),
              ("Accept-Ranges", "bytes"), ("x-amz-request-id", request_id()),
              ("x-amz-server-side-encryption", "AES256")]
        return hs + obj.meta

    def op_GetObject(self, req, bucket, key):
        obj = self._object(bucket, key)
        r = self._read_checks(req, obj, key)
        if r is not None:
            return r
        data, status, hs = obj.data, 200, self._object_headers(obj)
        rng = req.headers.get("Range")
        m = re.match(r"bytes=(\d*)-(\d*)\Z", rng.strip()) if rng else None
        if m and (m.group(1) or m.group(2)):
            n = len(data)
            if m.group(1):
                a = int(m.group(1))
                z = min(int(m.group(2)), n - 1) if m.group(2) else n - 1
            else:
                a, z = max(0, n - int(m.group(2))), n - 1
            if a >= n or a > z:
                raise AwsError("InvalidRange", "The requested range is not satisfiable", 416,
                               RangeRequested=rng, ActualObjectSize=str(n))
            data, status = data[a:z + 1], 206
            hs.append(("Content-Range", "bytes %d-%d/%d" % (a, z, n)))
        return Response(status, hs, data)

    def op_HeadObject(self, req, bucket, key):
        obj = self._object(bucket, key)
        r = self._read_checks(req, obj, key)
        if r is not None:
            return r
        return Response(200, self._object_headers(obj) + [("Content-Length", str(len(obj.data)))])

    def op_DeleteObject(self, req, bucket, key):
        b = self._bucket(bucket)
        im = req.headers.get("If-Match")
        if im is not None:
            cur = b.objects.get(key)
            if cur is None:
                raise no_key(key)
            if not _etag_match(im, cur.etag):
                raise precondition("If-Match")
        b.delete(key)
        return Response(204, [("x-amz-request-id", request_id())])

    def op_DeleteObjects(self, req, bucket, key):
        b = self._bucket(bucket)
        keys = [_xml_unescape(k) for k in re.findall(rb"<Key>([^<]*)</Key>", req.body or b"")]
        quiet = b"<Quiet>true</Quiet>" in (req.body or b"")
        for k in keys:
            b.delete(k)
        items = "" if quiet else "".join("<Deleted><Key>%s</Key></Deleted>" % xml_escape(k) for k in keys)
        return _xml('<DeleteResult xmlns="%s">%s</DeleteResult>' % (XMLNS, items))

    def _listing(self, b, prefix, delim, after, max_keys):
        """(entries, truncated): entries are ("key", k) or ("prefix", p)."""
        keys = b.keys()
        i = bisect_left(keys, prefix) if prefix else 0
        if after:
            i = max(i, bisect_right(keys, after))
        out, truncated = [], False
        while i < len(keys):
            k = keys[i]
            if prefix and not k.startswith(prefix):
                break
            if delim:
                j = k.find(delim, len(prefix))
                if j >= 0:
                    cp = k[:j + len(delim)]
                    if after and (cp == after or after.startswith(cp)):
                        i = bisect_left(keys, cp + "\U0010ffff")
                        continue
                    if len(out) == max_keys:
                        truncated = True
                        break
                    out.append(("prefix", cp))
                    i = bisect_left(keys, cp + "\U0010ffff")
                    continue
            if len(out) == max_keys:
                truncated = True
                break
            out.append(("key", k))
            i += 1
        return out, truncated

    @staticmethod
    def _max_keys(q):
        try:
            return max(0, min(1000, int(q.get("max-keys", 1000))))
        except ValueError:
            raise AwsError("InvalidArgument", "Provided max-keys not an integer or within integer range",
                           400, ArgumentName="max-keys", ArgumentValue=q.get("max-keys")) from None

    def _contents(self, b, entries, enc, owner=False):
        parts = []
        for kind, v in entries:
            if kind == "key":
                o = b.objects[v]
                own = ("<Owner><ID>%s</ID><DisplayName>%s</DisplayName></Owner>" % OWNER) if owner else ""
                parts.append("<Contents><Key>%s</Key><LastModified>%s</LastModified><ETag>%s</ETag>"
                             "<Size>%d</Size>%s<StorageClass>STANDARD</StorageClass></Contents>"
                             % (enc(v), iso8601_ms(o.mtime), xml_escape(o.etag), len(o.data), own))
        for kind, v in entries:
            if kind == "prefix":
                parts.append("<CommonPrefixes><Prefix>%s</Prefix></CommonPrefixes>" % enc(v))
        return "".join(parts)

    @staticmethod
    def _encoder(q):
        if q.get("encoding-type") == "url":
            return lambda s: xml_escape(quote(s, safe="/"))
        return xml_escape

    def op_ListObjectsV2(self, req, bucket, key):
        b = self._bucket(bucket)
        q = dict(req.query)
        prefix, delim = q.get("prefix", ""), q.get("delimiter", "")
        max_keys = self._max_keys(q)
        after = q.get("start-after", "")
        ctok = q.get("continuation-token")
        if ctok is not None:
            d = decode_token(ctok)
            if not isinstance(d, dict) or d.get("b") != bucket:
                raise AwsError("InvalidArgument", "The continuation token provided is incorrect", 400,
                               ArgumentName="continuation-token")
            after = max(after, d["a"])
        entries, truncated = self._listing(b, prefix, delim, after, max_keys)
        enc = self._encoder(q)
        x = ['<ListBucketResult xmlns="%s"><Name>%s</Name><Prefix>%s</Prefix>' % (XMLNS, xml_escape(bucket), enc(prefix))]
        if "start-after" in q:
            x.append("<StartAfter>%s</StartAfter>" % enc(q["start-after"]))
        if ctok is not None:
            x.append("<ContinuationToken>%s</ContinuationToken>" % xml_escape(ctok))
        if truncated and entries:
            x.append("<NextContinuationToken>%s</NextContinuationToken>"
                     % encode_token({"b": bucket, "a": entries[-1][1]}))
        x.append("<KeyCount>%d</KeyCount><MaxKeys>%d</MaxKeys>" % (len(entries), max_keys))
        if delim:
            x.append("<Delimiter>%s</Delimiter>" % enc(delim))
        if q.get("encoding-type") == "url":
            x.append("<EncodingType>url</EncodingType>")
        x.append("<IsTruncated>%s</IsTruncated>" % ("true" if truncated else "false"))
        x.append(self._contents(b, entries, enc, q.get("fetch-owner") == "true"))
        x.append("</ListBucketResult>")
        return _xml("".join(x))

    def op_ListObjects(self, req, bucket, key):
        b = self._bucket(bucket)
        q = dict(req.query)
        prefix, delim, marker = q.get("prefix", ""), q.get("delimiter", ""), q.get("marker", "")
        max_keys = self._max_keys(q)
        entries, truncated = self._listing(b, prefix, delim, marker, max_keys)
        enc = self._encoder(q)
        x = ['<ListBucketResult xmlns="%s"><Name>%s</Name><Prefix>%s</Prefix><Marker>%s</Marker>'
             % (XMLNS, xml_escape(bucket), enc(prefix), enc(marker))]
        if truncated and delim and entries:
            x.append("<NextMarker>%s</NextMarker>" % enc(entries[-1][1]))
        x.append("<MaxKeys>%d</MaxKeys>" % max_keys)
        if delim:
            x.append("<Delimiter>%s</Delimiter>" % enc(delim))
        if q.get("encoding-type") == "url":
            x.append("<EncodingType>url</EncodingType>")
        x.append("<IsTruncated>%s</IsTruncated>" % ("true" if truncated else "false"))
        x.append(self._contents(b, entries, enc, True))
        x.append("</ListBucketResult>")
        return _xml("".join(x))

    def ctl_buckets(self, a):
        for name in a.get("create", []) or ([a["bucket"]] if a.get("bucket") else []):
            self.create_bucket(name, a.get("region"))
        with self.lock:
            for name in a.get("delete", []):
                self.buckets.pop(name, None)
            return {"buckets": {n: {"objects": len(b.objects), "region": b.region,
                                    "keys": b.keys()[:1000] if a.get("keys") else None}
                                for n, b in sorted(self.buckets.items())}}


def _parse_http_date(v):
    try:
        return int(parsedate_to_datetime(v).timestamp())
    except (TypeError, ValueError):
        return None


def _xml_unescape(b):
    return unescape(b.decode("utf-8"), {"&quot;": '"', "&apos;": "'"})
