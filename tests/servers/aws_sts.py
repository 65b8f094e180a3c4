"""STS (query protocol, XML), EC2 instance metadata (IMDSv1/v2) and the ECS
container credentials endpoint for the local AWS server. Every credential
they issue becomes a known key, with its session token and expiry."""

import json
import re
import secrets
import threading
import time

from aws_auth import DEFAULT_KEY, Key
from aws_common import (AwsError, Response, iso8601, random_id, random_secret,
                        random_session_token, request_id, xml_escape)

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
SESSION_RX = re.compile(r"[\w+=,.@-]{2,64}\Z")


def sts_error(e):
    rid = request_id()
    kind = "Receiver" if e.status >= 500 else "Sender"
    body = ('<ErrorResponse xmlns="%s">\n  <Error>\n    <Type>%s</Type>\n    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n  </Error>\n  <RequestId>%s</RequestId>\n</ErrorResponse>\n'
            % (STS_NS, kind, e.code, xml_escape(e.message), rid))
    return Response(e.status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body.encode())


def _validation(value, member, rule):
    return AwsError("ValidationError", "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                    "constraint: %s" % (value, member, rule))


class Role:
    def __init__(self, d):
        self.arn = d["arn"]
        allow = d.get("allow", [DEFAULT_KEY])
        self.allow = [allow] if isinstance(allow, str) else list(allow)
        self.external_id = d.get("external_id")
        self.mfa_serial = d.get("mfa_serial")
        self.mfa_code = d.get("mfa_code")
        self.web_identity = d.get("web_identity", True)
        self.web_identity_token = d.get("web_identity_token")
        self.max_duration = int(d.get("max_duration", 3600))

    @property
    def name(self):
        return self.arn.rsplit("/", 1)[-1]

    def public(self):
        return {"arn": self.arn, "allow": self.allow, "external_id": self.external_id,
                "mfa_serial": self.mfa_serial, "web_identity": self.web_identity,
                "web_identity_token": self.web_identity_token, "max_duration": self.max_duration}


class StsStore:
    def __init__(self, settings, keys, stats):
        self.settings = settings
        self.keys = keys
        self.stats = stats
        self.lock = threading.RLock()
        self.reset()

    def default_roles(self):
        acct = self.settings.account
        return [Role({"arn": "arn:aws:iam::%s:role/cwl-reader" % acct, "allow": [DEFAULT_KEY]})]

    def reset(self):
        with self.lock:
            self.roles = {r.arn: r for r in self.default_roles()}
            self.imds_tokens = {}
            self.cached = {}  # "imds" / "ecs" -> Key
            self.ecs_answered = 0  # answers given with the required token

    # --- issuing ------------------------------------------------------------

    def issue(self, role_arn, session, duration, issued_by):
        ttl = self.settings.credential_ttl
        life = float(ttl) if ttl is not None else float(duration)
        role_name = role_arn.rsplit("/", 1)[-1]
        akid = random_id("ASIA", 16)
        key = Key(akid, random_secret(), random_session_token(), time.time() + life,
                  arn="arn:aws:sts::%s:assumed-role/%s/%s" % (self.settings.account, role_name, session),
                  user_id="%s:%s" % (random_id("AROA", 17), session), issued_by=issued_by)
        return self.keys.add(key)

    def _cached(self, which, role_arn, session, duration):
        """The current credentials of IMDS or ECS, renewed before they expire."""
        with self.lock:
            k = self.cached.get(which)
            life = self.settings.credential_ttl if self.settings.credential_ttl is not None else duration
            if k is None or k.expires - time.time() < min(300.0, float(life) / 2) or not self.keys.get(k.akid):
                k = self.issue(role_arn, session, duration, which)
                self.cached[which] = k
            return k

    # --- STS ----------------------------------------------------------------

    def call(self, action, params, caller):
        fn = getattr(self, "op_" + action, None)
        if fn is None:
            raise AwsError("InvalidAction", "Could not find operation %s for version 2011-06-15" % action)
        with self.lock:
            return fn(params, caller)

    def _role_for(self, params, caller_arn, action):
        arn = params.get("RoleArn")
        if arn is None:
            raise _validation("null", "roleArn", "Member must not be null")
        if len(arn) < 20:
            raise _validation(arn, "roleArn", "Member must have length greater than or equal to 20")
        session = params.get("RoleSessionName")
        if session is None:
            raise _validation("null", "roleSessionName", "Member must not be null")
        if not SESSION_RX.match(session):
            raise _validation(session, "roleSessionName", "Member must satisfy regular expression pattern: "
                              "[\\w+=,.@-]*" if len(session) >= 2 else
                              "Member must have length greater than or equal to 2")
        dur = params.get("DurationSeconds", "3600")
        try:
            dur = int(dur)
        except ValueError:
            raise _validation(dur, "durationSeconds", "Member must be a number") from None
        if dur < 900:
            raise _validation(dur, "durationSeconds", "Member must have value greater than or equal to 900")
        if dur > 43200:
            raise _validation(dur, "durationSeconds", "Member must have value less than or equal to 43200")
        role = self.roles.get(arn)
        denied = AwsError("AccessDenied", "User: %s is not authorized to perform: sts:%s on resource: %s"
                          % (caller_arn, action, arn), 403)
        if action == "AssumeRoleWithWebIdentity":
            if role is None or not role.web_identity:
                raise AwsError("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
        elif role is None:
            raise denied
        if role.max_duration < dur:
            raise AwsError("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration "
                           "set for this role.")
        return role, session, dur, denied

    def op_AssumeRole(self, params, caller):
        role, session, dur, denied = self._role_for(params, caller.arn, "AssumeRole")
        if "*" not in role.allow and caller.akid not in role.allow and caller.arn not in role.allow \
                and not any(caller.arn.startswith(a.replace(":role/", ":assumed-role/") + "/")
                            for a in role.allow if ":role/" in a):
            raise denied
        if role.external_id is not None and params.get("ExternalId") != role.external_id:
            raise denied
        if role.mfa_serial is not None:
            if params.get("SerialNumber") != role.mfa_serial or params.get("TokenCode") != role.mfa_code:
                raise denied
        key = self.issue(role.arn, session, dur, "sts")
        return self._creds_xml("AssumeRole", key, "")

    def op_AssumeRoleWithWebIdentity(self, params, caller):
        role, session, dur, _ = self._role_for(params, "", "AssumeRoleWithWebIdentity")
        tok = params.get("WebIdentityToken")
        if tok is None:
            raise _validation("null", "webIdentityToken", "Member must not be null")
        want = role.web_identity_token or self.settings.web_identity_token
        if tok != want:
            raise AwsError("InvalidIdentityToken", "The web identity token that was passed could not be "
                           "validated by AWS. Get a new identity token from the identity provider and then "
                           "retry the request.", 400)
        key = self.issue(role.arn, session, dur, "sts-web-identity")
        extra = ("<SubjectFromWebIdentityToken>system:serviceaccount:default:cwl</SubjectFromWebIdentityToken>"
                 "<Audience>sts.amazonaws.com</Audience>"
                 "<Provider>arn:aws:iam::%s:oidc-provider/oidc.cwl.test</Provider>" % self.settings.account)
        return self._creds_xml("AssumeRoleWithWebIdentity", key, extra)

    def op_GetCallerIdentity(self, params, caller):
        body = ("<GetCallerIdentityResponse xmlns=\"%s\">\n  <GetCallerIdentityResult>\n"
                "    <Arn>%s</Arn>\n    <UserId>%s</UserId>\n    <Account>%s</Account>\n"
                "  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n"
                "  </ResponseMetadata>\n</GetCallerIdentityResponse>\n"
                % (STS_NS, xml_escape(caller.arn), xml_escape(caller.user_id), self.settings.account, request_id()))
        return body

    def _creds_xml(self, action, key, extra):
        return ("<%sResponse xmlns=\"%s\">\n  <%sResult>\n%s"
                "    <AssumedRoleUser>\n      <AssumedRoleId>%s</AssumedRoleId>\n      <Arn>%s</Arn>\n"
                "    </AssumedRoleUser>\n    <Credentials>\n      <AccessKeyId>%s</AccessKeyId>\n"
                "      <SecretAccessKey>%s</SecretAccessKey>\n      <SessionToken>%s</SessionToken>\n"
                "      <Expiration>%s</Expiration>\n    </Credentials>\n  </%sResult>\n"
                "  <ResponseMetadata>\n    <RequestId>%s</RequestId>\n  </ResponseMetadata>\n</%sResponse>\n"
                % (action, STS_NS, action, extra, xml_escape(key.user_id), xml_escape(key.arn), key.akid,
                   xml_escape(key.secret), xml_escape(key.token), iso8601(key.expires), action,
                   request_id(), action))

    def ctl_roles(self, a):
        with self.lock:
            if a.get("replace"):
                self.roles = {}
            for d in a.get("roles", []) or ([a] if a.get("arn") else []):
                r = Role(d)
                self.roles[r.arn] = r
            for arn in a.get("delete", []):
                self.roles.pop(arn, None)
            return {"roles": [r.public() for r in self.roles.values()]}

    # --- EC2 instance metadata ----------------------------------------------

    def imds(self, method, path, headers):
        s = self.settings
        text = lambda status, body, hs=(): Response(status, [("Content-Type", "text/plain")] + list(hs),  # noqa
                                                   body.encode())
        if method == "PUT":
            if path != "/latest/api/token":
                return text(404, "Not Found")
            self.stats.add("imds", "token_puts")
            if headers.get("X-Forwarded-For"):
                return text(403, "Forbidden")
            ttl = headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            try:
                ttl = int(ttl)
            except (TypeError, ValueError):
                ttl = 0
            if not 1 <= ttl <= 21600:
                return text(400, "Bad Request")
            self.stats.add("imds_token_ttl_asked", str(ttl))
            if s.imds_token_ttl:  # a shorter life than asked, said in the answer
                ttl = min(ttl, int(s.imds_token_ttl))
            tok = "AQAEA" + secrets.token_urlsafe(40)
            with self.lock:
                self.imds_tokens[tok] = time.time() + ttl
            return text(200, tok, [("X-aws-ec2-metadata-token-ttl-seconds", str(ttl))])
        if method != "GET":
            return text(405, "Method Not Allowed")
        tok = headers.get("X-aws-ec2-metadata-token")
        if tok is not None:
            with self.lock:
                exp = self.imds_tokens.get(tok)
            if exp is None or time.time() >= exp:
                self.stats.add("imds", "unauthorized")
                return text(401, "Unauthorized")
        elif not s.imds_v1:
            self.stats.add("imds", "unauthorized")
            return text(401, "Unauthorized")
        self.stats.add("imds", "gets_v2" if tok else "gets_v1")
        role = s.imds_role
        iid = "i-0cwl0test0000001"
        base = "/latest/meta-data/"
        doc = {"accountId": s.account, "architecture": "x86_64", "availabilityZone": s.region + "a",
               "imageId": "ami-0cwltest00000001", "instanceId": iid, "instanceType": "t3.micro",
               "pendingTime": "2026-11-23T00:00:00Z", "privateIp": "10.0.0.10", "region": s.region,
               "version": "2017-09-30"}
        if path in ("/latest/meta-data", base):
            return text(200, "ami-id\nhostname\niam/\ninstance-id\ninstance-type\nplacement/\n")
        if path == base + "iam/security-credentials/" or path == base + "iam/security-credentials":
            return text(200, role)
        if path.startswith(base + "iam/security-credentials/"):
            name = path[len(base + "iam/security-credentials/"):].rstrip("/")
            if name != role:
                return text(404, "Not Found")
            self.stats.add("imds", "credential_gets")
            k = self._cached("imds", "arn:aws:iam::%s:role/%s" % (s.account, role), iid, 6 * 3600)
            body = json.dumps({"Code": "Success", "LastUpdated": iso8601(time.time()), "Type": "AWS-HMAC",
                               "AccessKeyId": k.akid, "SecretAccessKey": k.secret, "Token": k.token,
                               "Expiration": iso8601(k.expires)}, indent=2)
            return text(200, body)
        if path == base + "iam/info":
            return text(200, json.dumps({"Code": "Success", "LastUpdated": iso8601(time.time()),
                                         "InstanceProfileArn": "arn:aws:iam::%s:instance-profile/%s"
                                         % (s.account, role), "InstanceProfileId": "AIPACWLTEST0000001"}))
        simple = {"placement/region": s.region, "placement/availability-zone": s.region + "a",
                  "instance-id": iid, "instance-type": "t3.micro", "ami-id": doc["imageId"],
                  "hostname": "ip-10-0-0-10.ec2.internal"}
        rest = path[len(base):] if path.startswith(base) else None
        if rest in simple:
            return text(200, simple[rest])
        if path.rstrip("/") == "/latest/dynamic/instance-identity/document":
            return text(200, json.dumps(doc, indent=2))
        return text(404, "Not Found")

    # --- ECS container credentials ------------------------------------------

    def ecs(self, method, path, headers):
        s = self.settings
        self.stats.add("ecs", "requests")

        def err(status, code, msg):
            return Response(status, [("Content-Type", "application/json")],
                            json.dumps({"code": code, "message": msg}).encode())
        if method != "GET":
            return err(405, "MethodNotAllowed", "Method not allowed")
        want = s.ecs_auth_token
        if want:
            got = headers.get("Authorization")
            if got is None:
                self.stats.add("ecs", "unauthorized")
                return err(401, "NoAuthorization", "Authorization header is required")
            # a token good for so many answers stands for one the
            # container agent has since rotated
            with self.lock:
                spent = s.ecs_auth_token_uses and self.ecs_answered >= s.ecs_auth_token_uses
                if got == want and not spent:
                    self.ecs_answered += 1
            if got != want or spent:
                self.stats.add("ecs", "forbidden")
                return err(403, "InvalidAuthorization", "Authorization header is invalid")
        k = self._cached("ecs", s.ecs_role_arn, "ecs-task", 6 * 3600)
        return Response(200, [("Content-Type", "application/json")], json.dumps(
            {"AccessKeyId": k.akid, "SecretAccessKey": k.secret, "Token": k.token,
             "Expiration": iso8601(k.expires), "RoleArn": s.ecs_role_arn}).encode())
