"""Known keys and SigV4 checking for the local AWS server.

Every signed request is signed again here with botocore's own signer
(SigV4Auth, or S3SigV4Auth for S3) from the secret the server knows, over
exactly the headers the client said it signed, and the two signatures are
compared. A refusal is an AuthError; each service turns it into its own
error code (see AUTH_ERRORS)."""

import calendar
import hashlib
import hmac
import importlib
import threading
import time
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote

from aws_common import ACCOUNT, AwsError, iso8601

DEFAULT_KEY = "AKIACWLTESTKEY0000001"
DEFAULT_SECRET = "cwlTestSecret0000000000000000000000000001"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
UNSIGNED = ("UNSIGNED-PAYLOAD", "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")


class Key:
    __slots__ = ("akid", "secret", "token", "expires", "arn", "user_id", "issued_by")

    def __init__(self, akid, secret, token=None, expires=None, arn=None,
                 user_id=None, issued_by="config"):
        self.akid = akid
        self.secret = secret
        self.token = token or None
        self.expires = expires  # epoch seconds, or None: never
        self.arn = arn or "arn:aws:iam::%s:user/cwl-test" % ACCOUNT
        self.user_id = user_id or "AIDA" + akid[4:20].ljust(16, "X")
        self.issued_by = issued_by

    def public(self):
        d = {"access_key_id": self.akid, "secret_access_key": self.secret,
             "arn": self.arn, "issued_by": self.issued_by}
        if self.token:
            d["session_token"] = self.token
        if self.expires is not None:
            d["expires"] = iso8601(self.expires)
        return d


def parse_expiry(v):
    """An expiry from a keys file: epoch seconds, or ISO 8601."""
    if v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    return float(calendar.timegm(time.strptime(v.replace(".000", "")[:19], "%Y-%m-%dT%H:%M:%S")))


class KeyStore:
    def __init__(self):
        self.lock = threading.Lock()
        self.keys = {}
        self.reset()

    def reset(self):
        with self.lock:
            self.keys = {DEFAULT_KEY: Key(DEFAULT_KEY, DEFAULT_SECRET)}

    def add(self, key):
        with self.lock:
            self.keys[key.akid] = key
        return key

    def add_dict(self, d):
        return self.add(Key(d["access_key_id"], d["secret_access_key"],
                            d.get("session_token"), parse_expiry(d.get("expires")),
                            d.get("arn"), issued_by="config"))

    def get(self, akid):
        with self.lock:
            return self.keys.get(akid)

    def remove(self, akid):
        with self.lock:
            return self.keys.pop(akid, None) is not None

    def listing(self):
        with self.lock:
            return [k.public() for k in self.keys.values()]


class AuthError(Exception):
    """kind: missing, malformed, unknown_key, invalid_token, expired_token,
    signature, skew, hash_mismatch, expired_url."""

    def __init__(self, kind, detail="", **extra):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.extra = extra


SIG_MSG = ("The request signature we calculated does not match the signature "
           "you provided. Check your AWS Secret Access Key and signing method. "
           "Consult the service documentation for details.")
TOKEN_INVALID = "The security token included in the request is invalid."
TOKEN_EXPIRED = "The security token included in the request is expired"


def auth_error(service, e):
    """The AwsError that `service` answers for AuthError e."""
    k = e.kind
    if service == "s3":
        if k == "missing":
            return AwsError("AccessDenied", "Access Denied", 403)
        if k == "malformed":
            return AwsError("AuthorizationHeaderMalformed",
                            "The authorization header is malformed; " + e.detail, 400)
        if k in ("unknown_key",):
            return AwsError("InvalidAccessKeyId",
                            "The AWS Access Key Id you provided does not exist in our records.",
                            403, AWSAccessKeyId=e.extra.get("akid", ""))
        if k == "invalid_token":
            return AwsError("InvalidToken", "The provided token is malformed or otherwise invalid.", 400)
        if k == "expired_token":
            return AwsError("ExpiredToken", "The provided token has expired.", 400)
        if k == "skew":
            return AwsError("RequestTimeTooSkewed",
                            "The difference between the request time and the current time is too large.",
                            403, RequestTime=e.extra.get("request_time", ""),
                            ServerTime=iso8601(time.time()), MaxAllowedSkewMilliseconds="900000")
        if k == "hash_mismatch":
            return AwsError("XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what was computed.",
                            400, ClientComputedContentSHA256=e.extra.get("client", ""),
                            S3ComputedContentSHA256=e.extra.get("server", ""))
        if k == "expired_url":
            return AwsError("AccessDenied", "Request has expired", 403)
        return AwsError("SignatureDoesNotMatch",
                        "The request signature we calculated does not match the signature "
                        "you provided. Check your key and signing method.", 403,
                        AWSAccessKeyId=e.extra.get("akid", ""),
                        StringToSign=e.extra.get("string_to_sign", ""),
                        CanonicalRequest=e.extra.get("canonical_request", ""))
    if service == "sts":
        if k == "missing":
            return AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
        if k == "malformed":
            return AwsError("IncompleteSignature", e.detail, 400)
        if k in ("unknown_key", "invalid_token"):
            return AwsError("InvalidClientTokenId", TOKEN_INVALID, 403)
        if k == "expired_token":
            return AwsError("ExpiredToken", TOKEN_EXPIRED, 403)
        if k == "skew":
            return AwsError("SignatureDoesNotMatch", e.detail, 403)
        return AwsError("SignatureDoesNotMatch", SIG_MSG, 403)
    # JSON services (logs, dynamodb): the real services answer 400 to these.
    if k == "missing":
        return AwsError("MissingAuthenticationTokenException", "Missing Authentication Token", 400)
    if k == "malformed":
        return AwsError("IncompleteSignatureException", e.detail, 400)
    if k in ("unknown_key", "invalid_token"):
        return AwsError("UnrecognizedClientException", TOKEN_INVALID, 400)
    if k == "expired_token":
        return AwsError("ExpiredTokenException", TOKEN_EXPIRED, 400)
    if k == "skew":
        return AwsError("InvalidSignatureException", e.detail, 400)
    return AwsError("InvalidSignatureException", SIG_MSG, 400)


def load_botocore():
    """Import botocore's signer (half a second: the server does it in the
    background once it listens)."""
    for name in ("botocore.auth", "botocore.awsrequest", "botocore.credentials"):
        importlib.import_module(name)


def _signer_class(base, names):
    from botocore.awsrequest import HTTPHeaders

    class Verifier(base):
        # Only the headers the client listed in SignedHeaders, as received.
        def headers_to_sign(self, request):
            hm = HTTPHeaders()
            for n in names:
                for v in request.raw_headers.get_all(n) or []:
                    hm[n] = v
            return hm
    return Verifier


def _parse_authorization(value):
    if not value.startswith("AWS4-HMAC-SHA256 "):
        raise AuthError("malformed", "Unsupported authorization type")
    fields = {}
    for part in value[len("AWS4-HMAC-SHA256 "):].split(","):
        k, _, v = part.strip().partition("=")
        fields[k] = v
    for need in ("Credential", "SignedHeaders", "Signature"):
        if not fields.get(need):
            raise AuthError("malformed",
                            "Authorization header requires '%s' parameter. Authorization=%s"
                            % (need, value.split(" Signature=")[0]))
    return fields["Credential"], fields["SignedHeaders"], fields["Signature"]


def credential_scope(value):
    """(akid, date, region, service) of an Authorization header, or None."""
    try:
        cred, _, _ = _parse_authorization(value)
    except AuthError:
        return None
    parts = cred.split("/")
    if len(parts) != 5:
        return None
    return tuple(parts[:4])


def _parse_amz_date(s):
    try:
        return calendar.timegm(time.strptime(s, "%Y%m%dT%H%M%SZ"))
    except (ValueError, TypeError):
        return None


def canonical_path(raw_path):
    """The path encoded once, as AWS canonicalises what it received."""
    return quote(unquote(raw_path), safe="/~")


def verify(req, keys, max_skew=900):
    """Check req's SigV4 signature; return the Key that signed it.

    req has method, raw_path, query (list of decoded pairs), headers (an
    http.client.HTTPMessage), body (bytes) and service."""
    authz = req.headers.get("Authorization")
    query = dict(req.query)
    presigned = authz is None and "X-Amz-Signature" in query
    if authz is None and not presigned:
        raise AuthError("missing")
    if presigned:
        if query.get("X-Amz-Algorithm") != "AWS4-HMAC-SHA256":
            raise AuthError("malformed", "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        cred, signed, sig = (query.get("X-Amz-Credential", ""),
                             query.get("X-Amz-SignedHeaders", ""), query["X-Amz-Signature"])
        amz_date = query.get("X-Amz-Date", "")
        token = query.get("X-Amz-Security-Token")
    else:
        cred, signed, sig = _parse_authorization(authz)
        amz_date = req.headers.get("X-Amz-Date")
        if amz_date is None and req.headers.get("Date"):
            try:
                amz_date = parsedate_to_datetime(req.headers["Date"]).strftime("%Y%m%dT%H%M%SZ")
            except (TypeError, ValueError):
                amz_date = ""
        token = req.headers.get("X-Amz-Security-Token")
    parts = cred.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request":
        raise AuthError("malformed", "Credential should be scoped to a valid region. ")
    akid, scope_date, region, service = parts[:4]
    key = keys.get(akid)
    if key is None:
        raise AuthError("unknown_key", akid=akid)
    if key.token is not None and token != key.token:
        raise AuthError("invalid_token" if token else "unknown_key", akid=akid)
    if key.token is None and token:
        raise AuthError("invalid_token", akid=akid)
    now = time.time()
    if key.expires is not None and now >= key.expires:
        raise AuthError("expired_token", akid=akid)
    t = _parse_amz_date(amz_date)
    if t is None:
        raise AuthError("malformed", "Authorization header requires existence of either a "
                        "'X-Amz-Date' or a 'Date' header.")
    if amz_date[:8] != scope_date:
        raise AuthError("malformed", "Date in Credential scope does not match YYYYMMDD from "
                        "ISO-8601 version of date from HTTP: '%s' != '%s', from '%s'."
                        % (scope_date, amz_date[:8], amz_date))
    if presigned:
        try:
            expires = int(query.get("X-Amz-Expires", "0"))
        except ValueError:
            expires = 0
        if now > t + expires:
            raise AuthError("expired_url")
    elif abs(now - t) > max_skew:
        fmt = lambda x: time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(x))  # noqa: E731
        if t < now:
            detail = "Signature expired: %s is now earlier than %s (%s - 15 min.)" % (
                amz_date, fmt(now - max_skew), fmt(now))
        else:
            detail = "Signature not yet current: %s is still later than %s (%s + 15 min.)" % (
                amz_date, fmt(now + max_skew), fmt(now))
        raise AuthError("skew", detail, request_time=amz_date)

    names = [n.strip().lower() for n in signed.split(";") if n.strip()]
    is_s3 = service == "s3"
    content_sha = req.headers.get("x-amz-content-sha256")
    if is_s3 and not presigned:
        if content_sha is None:
            raise AuthError("malformed", "Missing required header for this request: x-amz-content-sha256")
        if content_sha not in UNSIGNED:
            actual = hashlib.sha256(req.body).hexdigest()
            if content_sha != actual:
                raise AuthError("hash_mismatch", client=content_sha, server=actual)

    from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    host = req.headers.get("Host", "localhost")
    path = canonical_path(req.raw_path)
    base = (S3SigV4QueryAuth if presigned else S3SigV4Auth) if is_s3 else SigV4Auth
    signer = _signer_class(base, names)(Credentials(akid, key.secret, key.token), service, region)
    areq = AWSRequest(method=req.method, url="http://%s%s" % (host, path), data=req.body)
    areq.raw_headers = req.headers
    params = [(k, v) for k, v in req.query if not (presigned and k == "X-Amz-Signature")]
    # Canonical query: every pair decoded, then encoded again the one way AWS does.
    areq.params = params or {}
    if is_s3 and not presigned:
        areq.headers["X-Amz-Content-SHA256"] = content_sha
    areq.context["timestamp"] = amz_date
    canonical = signer.canonical_request(areq)
    sts = signer.string_to_sign(areq, canonical)
    expected = signer.signature(sts, areq)
    if not hmac.compare_digest(expected, sig):
        raise AuthError("signature", akid=akid, string_to_sign=sts, canonical_request=canonical)
    return key
