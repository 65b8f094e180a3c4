#!/usr/bin/python3
"""aws_request.py: send one SigV4-signed request (botocore's signer) to the
local AWS server and print the answer, for tests that need what the AWS
CLI cannot send: a chosen X-Amz-Date, extra headers, a raw body.

    aws_request.py [options] METHOD PATH [BODY]

Options: --service logs|kinesis|s3|dynamodb|sts (default: from --target, else
s3), --target Logs_20140328.Op or Kinesis_20131202.Op (sets X-Amz-Target
and the JSON content type), --date YYYYMMDDTHHMMSSZ, --key AKID, --secret S, --token T, --region R,
-H 'Name: value' (repeatable), --unsigned-payload, --content-sha256 HEX
(sign with this payload hash), --unsigned (no signature at all),
--data-file F, -i (print the status line and headers). The endpoint, keys
and region come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION. Prints the body
(after the headers with -i); exits 0 on 2xx and 3xx, 1 otherwise.
"""

import argparse
import datetime
import http.client
import os
import sys
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def sign(req, service, region, key, secret, token=None, date=None, payload_hash=None):
    """Sign req as botocore does, at date (YYYYMMDDTHHMMSSZ) if given, with
    payload_hash in place of the body's hash if given."""
    base = S3SigV4Auth if service == "s3" else SigV4Auth

    class Signer(base):
        def payload(self, request):
            return payload_hash or super().payload(request)

        def add_auth(self, request):
            stamp = date or datetime.datetime.utcnow().strftime("%Y%m%dT%H%M%SZ")
            request.context["timestamp"] = stamp
            self._modify_request_before_signing(request)
            canonical = self.canonical_request(request)
            self._inject_signature_to_request(
                request, self.signature(self.string_to_sign(request, canonical), request))
    Signer(Credentials(key, secret, token), service, region).add_auth(req)


def main():
    ap = argparse.ArgumentParser(add_help=True)
    ap.add_argument("method")
    ap.add_argument("path")
    ap.add_argument("body", nargs="?", default="")
    ap.add_argument("--service")
    ap.add_argument("--target")
    ap.add_argument("--date")
    ap.add_argument("--key", default=os.environ.get("AWS_ACCESS_KEY_ID"))
    ap.add_argument("--secret", default=os.environ.get("AWS_SECRET_ACCESS_KEY"))
    ap.add_argument("--token", default=os.environ.get("AWS_SESSION_TOKEN"))
    ap.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    ap.add_argument("-H", dest="headers", action="append", default=[])
    ap.add_argument("--unsigned-payload", action="store_true")
    ap.add_argument("--content-sha256", help="sign with this payload hash instead of the body's")
    ap.add_argument("--unsigned", action="store_true")
    ap.add_argument("--data-file")
    ap.add_argument("-i", dest="include", action="store_true")
    a = ap.parse_args()
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if not endpoint:
        sys.exit("aws_request.py: error: AWS_ENDPOINT_URL is not set")
    body = open(a.data_file, "rb").read() if a.data_file else a.body.encode()
    service = a.service or ("logs" if a.target and a.target.startswith("Logs_") else
                            "kinesis" if a.target and a.target.startswith("Kinesis_") else
                            "dynamodb" if a.target and a.target.startswith("DynamoDB_") else "s3")
    url = endpoint.rstrip("/") + a.path
    req = AWSRequest(method=a.method, url=url, data=body)
    for h in a.headers:
        k, _, v = h.partition(":")
        req.headers[k.strip()] = v.strip()
    if a.target:
        req.headers["X-Amz-Target"] = a.target
        req.headers["Content-Type"] = ("application/x-amz-json-1.0" if service == "dynamodb"
                                       else "application/x-amz-json-1.1")
    if not a.unsigned:
        sign(req, service, a.region, a.key, a.secret, a.token, a.date,
             "UNSIGNED-PAYLOAD" if a.unsigned_payload else a.content_sha256)
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    path = u.path + ("?" + u.query if u.query else "")
    conn.request(a.method, path, body=body or None, headers=dict(req.headers.items()))
    resp = conn.getresponse()
    data = resp.read()
    out = sys.stdout.buffer
    if a.include:
        out.write(("HTTP/1.1 %d %s\n" % (resp.status, resp.reason)).encode())
        for k, v in resp.getheaders():
            out.write(("%s: %s\n" % (k, v)).encode())
        out.write(b"\n")
    out.write(data)
    if data and not data.endswith(b"\n"):
        out.write(b"\n")
    return 0 if resp.status < 400 else 1


if __name__ == "__main__":
    sys.exit(main())
