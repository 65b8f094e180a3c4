"""SigV4 checking for the Amazon OpenSearch Service mode of the local
Elasticsearch: the signature is recomputed with botocore's own signer
(botocore.auth.SigV4Auth) over exactly the headers the client signed."""

import calendar
import hashlib
import re
import time
from urllib.parse import unquote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*"
    r"SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$")

MISMATCH = (
    "The request signature we calculated does not match the signature you "
    "provided. Check your AWS Secret Access Key and signing method. Consult "
    "the service documentation for details.")

UNSIGNED = "UNSIGNED-PAYLOAD"
MAX_SKEW = 15 * 60


class SigV4Error(Exception):
    """403 with an OpenSearch Service body and x-amzn-ErrorType."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind
        self.message = message


class _ExactSigner(SigV4Auth):
    """botocore's signer, told which headers the client signed."""

    def __init__(self, credentials, service, region, signed):
        super().__init__(credentials, service, region)
        self._signed = signed

    def headers_to_sign(self, request):
        out = HTTPHeaders()
        for name in self._signed:
            values = request.headers.get_all(name) \
                if hasattr(request.headers, "get_all") else None
            if not values:
                value = request.headers.get(name)
                values = [] if value is None else [value]
            for v in values:
                out[name] = v
        return out


def check(method, raw_path, headers, body, scheme, service, region, keys):
    """Raise SigV4Error unless the request is signed right.

    headers: list of (name, value) as received; body: the bytes received;
    keys: {access_key: secret}. Returns the access key."""
    auth = None
    for name, value in headers:
        if name.lower() == "authorization":
            auth = value
    if not auth:
        raise SigV4Error("AccessDeniedException",
                         "User: anonymous is not authorized to perform: "
                         "es:ESHttp%s" % method.capitalize())
    m = AUTH_RE.match(auth.strip())
    if not m:
        raise SigV4Error("IncompleteSignatureException",
                         "Authorization header requires 'Credential', "
                         "'Signature' and 'SignedHeaders' parameters.")
    credential, signed_headers, signature = m.groups()
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise SigV4Error("IncompleteSignatureException",
                         "Credential should have exactly 5 slash-separated "
                         "components.")
    akid, day, c_region, c_service = parts[:4]
    if akid not in keys:
        raise SigV4Error("UnrecognizedClientException",
                         "The security token included in the request is "
                         "invalid.")
    if c_service != service:
        raise SigV4Error("InvalidSignatureException",
                         "Credential should be scoped to correct service: "
                         "'%s'. " % service)
    if c_region != region:
        raise SigV4Error("InvalidSignatureException",
                         "Credential should be scoped to a valid region. ")
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), []).append(value)
    amz_date = (hmap.get("x-amz-date") or [None])[0]
    if not amz_date or not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
        raise SigV4Error("IncompleteSignatureException",
                         "Authorization header requires existence of either a "
                         "'X-Amz-Date' or a 'Date' header.")
    if amz_date[:8] != day:
        raise SigV4Error("InvalidSignatureException",
                         "Date in Credential scope does not match YYYYMMDD "
                         "from ISO-8601 version of date from HTTP: '%s' != "
                         "'%s', from '%s'." % (day, amz_date[:8], amz_date))
    signed_time = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    if abs(time.time() - signed_time) > MAX_SKEW:
        raise SigV4Error("InvalidSignatureException",
                         "Signature expired: %s is now earlier than %s "
                         "(current time - 15 min.)" % (
                             amz_date, time.strftime(
                                 "%Y%m%dT%H%M%SZ",
                                 time.gmtime(time.time() - MAX_SKEW))))
    content_sha = (hmap.get("x-amz-content-sha256") or [None])[0]
    if content_sha is None and service == "aoss":
        raise SigV4Error("InvalidSignatureException",
                         "Missing required header 'x-amz-content-sha256'.")
    if content_sha is not None and content_sha != UNSIGNED and \
            content_sha != hashlib.sha256(body).hexdigest():
        raise SigV4Error("InvalidSignatureException",
                         "The provided 'x-amz-content-sha256' header does not "
                         "match what was computed.")
    signed = signed_headers.split(";")
    if "host" not in signed:
        raise SigV4Error("InvalidSignatureException",
                         "'Host' or ':authority' must be a 'SignedHeader' in "
                         "the AWS Authorization.")
    req_headers = HTTPHeaders()
    for name in signed:
        for value in hmap.get(name, []):
            req_headers[name] = value
    if content_sha is not None and "x-amz-content-sha256" not in signed:
        req_headers["X-Amz-Content-SHA256"] = content_sha
    host = (hmap.get("host") or ["localhost"])[0]
    path, _, query = raw_path.partition("?")
    request = AWSRequest(method=method, url="%s://%s%s" % (
        scheme, host, path), data=body)
    # As AWS does: the query's names and values are decoded, then encoded
    # again the SigV4 way, whatever encoding the client sent them in.
    request.params = [(unquote(k), unquote(v)) for k, _, v in
                      (pair.partition("=") for pair in query.split("&")
                       if pair)]
    request.headers = req_headers
    request.context["timestamp"] = amz_date
    signer = _ExactSigner(Credentials(akid, keys[akid]), service, region,
                          signed)
    canonical = signer.canonical_request(request)
    sts = signer.string_to_sign(request, canonical)
    expected = signer.signature(sts, request)
    if expected != signature:
        raise SigV4Error("InvalidSignatureException",
                         MISMATCH + "\n\nThe Canonical String for this "
                         "request should have been\n'%s'\n\nThe String-to-Sign "
                         "should have been\n'%s'\n" % (canonical, sts))
    return akid
