#!/usr/bin/env bats
# docs/iam-policy.json and docs/iam.md against the AWS calls the programs
# make, two ways: statically, from the operations named in cmd/ and lib/
# (the X-Amz-Target operations of CloudWatch Logs and DynamoDB, the
# methods of aws_s3, the STS actions), and dynamically, from the requests
# the local AWS server served while every program ran. Every call must be
# allowed by a statement, and every action granted must be one a program
# calls.

load helpers

POLICY=$REPO/docs/iam-policy.json
IAM_MD=$REPO/docs/iam.md
BOTO=/usr/lib/python3/dist-packages/botocore/data

# The values the placeholders of the policy take in these tests.
SUBST='{"REGION":"us-east-1","ACCOUNT_ID":"123456789012","LOG_GROUP_PREFIX":"/iam/","STREAM_NAME":"cwl-iam","REGISTRY_BUCKET":"cwl-iam","REGISTRY_PREFIX":"cwl/","REGISTRY_TABLE":"cwl-iam-ckpt","ROLE_NAME":"cwl-reader"}'

# iamtool MODE ARGS...: the policy evaluator and the source scanner.
#   actions POLICY.json            the actions its Allow statements grant
#   md-actions FILE.md             the same for every ```json block of FILE
#   static REPO                    the IAM actions the sources call, sorted
#   requests LOG                   the requests of the AWS server's --log,
#                                  as checks (JSON lines) for `check`
#   check POLICY SUBST CHECKS      "ok ..." or "DENIED ..." per check;
#                                  exit 1 if one is denied
iamtool() {
	"$PY" -c "$IAMTOOL" "$@"
}

IAMTOOL=$(cat <<'EOF'
import glob, json, os, re, sys
from urllib.parse import parse_qs, unquote, urlsplit

def die(msg):
    sys.stderr.write("iamtool: error: %s\n" % msg)
    sys.exit(2)

def as_list(v):
    return v if isinstance(v, list) else [v]

def statements(doc):
    """The statements of an IAM policy; none for other JSON."""
    if not isinstance(doc, dict):
        return []
    return [s for s in as_list(doc.get("Statement", []))]

def wild(pat, s, ci=False):
    """IAM wildcards: * any run of characters, ? one."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pat)
    return re.fullmatch(rx, s, re.I if ci else 0) is not None

def cond_ok(cond, ctx):
    for op, kv in cond.items():
        base, ifexists = (op[:-8], True) if op.endswith("IfExists") else (op, False)
        if base not in ("StringLike", "StringEquals"):
            die("condition operator %s is not known to this check" % op)
        for key, vals in kv.items():
            v = ctx.get(key)
            if v is None:
                if not ifexists:
                    return False
                continue
            if base == "StringLike" and not any(wild(p, v) for p in as_list(vals)):
                return False
            if base == "StringEquals" and v not in as_list(vals):
                return False
    return True

def allowed(stmts, action, resource, ctx, conditions=True):
    allow = False
    for st in stmts:
        if not any(wild(a, action, ci=True) for a in as_list(st.get("Action", []))):
            continue
        if resource is not None and not any(wild(r, resource) for r in as_list(st.get("Resource", []))):
            continue
        if conditions and not cond_ok(st.get("Condition", {}), ctx):
            continue
        if st.get("Effect") == "Deny":
            return False
        if st.get("Effect") == "Allow":
            allow = True
    return allow

def subst(obj, vals):
    if isinstance(obj, str):
        for k, v in vals.items():
            obj = obj.replace(k, v)
        return obj
    if isinstance(obj, list):
        return [subst(x, vals) for x in obj]
    if isinstance(obj, dict):
        return {subst(k, vals): subst(v, vals) for k, v in obj.items()}
    return obj

def md_blocks(path):
    text = open(path).read()
    blocks = re.findall(r"^```json\n(.*?)^```", text, re.S | re.M)
    if not blocks:
        die("%s: no ```json block" % path)
    out = []
    for i, b in enumerate(blocks):
        try:
            out.append(json.loads(b))
        except ValueError as e:
            die("%s: json block %d: %s" % (path, i + 1, e))
    return out

def allow_actions(docs):
    acts = set()
    for d in docs:
        for st in statements(d):
            if st.get("Effect") == "Allow":
                acts.update(as_list(st.get("Action", [])))
    return acts

def model_ops(service, version):
    path = os.path.join(BOTO, service, version, "service-2.json")
    return set(json.load(open(path))["operations"])

def strip_comments(src):
    return re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), src, flags=re.S)

def static(repo):
    """The IAM actions named in cmd/ and lib/."""
    files = sorted(glob.glob(os.path.join(repo, "cmd", "*", "*.c")) + glob.glob(os.path.join(repo, "lib", "*.c")))
    protocols = {"Logs_20140328": ("logs", model_ops("logs", "2014-03-28")),
                 "DynamoDB_20120810": ("dynamodb", model_ops("dynamodb", "2012-08-10")),
                 "Kinesis_20131202": ("kinesis", model_ops("kinesis", "2013-12-02"))}
    sts_ops = model_ops("sts", "2011-06-15")
    found, unknown = set(), []
    for f in files:
        src = strip_comments(open(f, errors="replace").read())
        rel = os.path.relpath(f, repo)
        literals = set(re.findall(r'"([A-Za-z]+)"', src))
        for prefix, (svc, ops) in protocols.items():
            # full targets, and the operation names of a file that builds
            # targets from this prefix ("Logs_20140328.%s")
            for op in re.findall(re.escape(prefix) + r"\.([A-Za-z]+)", src):
                if op not in ops:
                    unknown.append("%s: %s.%s is no operation of %s" % (rel, prefix, op, svc))
                found.add("%s:%s" % (svc, op))
            if prefix + ".%s" in src:
                found.update("%s:%s" % (svc, op) for op in literals & ops)
        # STS: the query protocol's Action=, with the names given to it
        if "Action=%s" in src or re.search(r"Action=[A-Za-z]", src):
            found.update("sts:%s" % op for op in literals & sts_ops)
        # S3: aws_s3(a, METHOD, bucket, key, query, ...)
        for m in re.finditer(r"\baws_s3\s*\(([^;]*?)\)\s*[=!<>)]", src, re.S):
            args = [a.strip() for a in m.group(1).split(",")]
            if len(args) < 5 or not re.fullmatch(r'"[A-Z]+"', args[1]):
                if m.group(0).lstrip().startswith("aws_s3(struct") or "struct aws *" in m.group(1):
                    continue
                unknown.append("%s: an aws_s3 call this check cannot read: %s" % (rel, m.group(0)[:80]))
                continue
            method, key = args[1].strip('"'), args[3]
            if key == "NULL":
                act = {"GET": "s3:ListBucket", "HEAD": "s3:ListBucket"}.get(method)
            else:
                act = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject",
                       "DELETE": "s3:DeleteObject"}.get(method)
            if act is None:
                unknown.append("%s: aws_s3 %s on a %s: no IAM action known" % (rel, method, "bucket" if key == "NULL" else "key"))
            else:
                found.add(act)
        # the JSON protocols of services other than these
        for svc in re.findall(r'\baws_json_(?:call|request)\s*\([^,]+,\s*"([a-z0-9-]+)"', src):
            if svc not in ("logs", "dynamodb", "kinesis"):
                unknown.append("%s: JSON calls to service %s, which this check does not know" % (rel, svc))
    for u in unknown:
        print("UNKNOWN " + u)
    for a in sorted(found):
        print(a)

def requests(log):
    """The checks of the requests in the server's log (method path service op status)."""
    for line in open(log):
        parts = line.split()
        if len(parts) != 6 or parts[3] == "None":
            continue
        _, method, path, svc, op, status = parts
        what = "%s %s %s (%s %s)" % (method, path, status, svc, op)
        if svc in ("logs", "dynamodb", "kinesis"):
            print(json.dumps({"action": "%s:%s" % (svc, op), "resource": None, "what": what}))
            continue
        if svc == "sts":
            # granted by a trust policy, whose conditions are on the
            # identity provider's token: the action is what is checked
            print(json.dumps({"action": "sts:%s" % op, "resource": None, "conditions": False,
                              "what": what}))
            continue
        if svc != "s3":
            print(json.dumps({"action": "unknown:%s" % op, "resource": None, "what": what}))
            continue
        u = urlsplit(path)
        bucket, _, key = unquote(u.path).lstrip("/").partition("/")
        q = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        if key:
            act = {"GET": "s3:GetObject", "HEAD": "s3:GetObject", "PUT": "s3:PutObject",
                   "DELETE": "s3:DeleteObject"}.get(method, "s3:unknown-%s-object" % method)
            print(json.dumps({"action": act, "resource": "arn:aws:s3:::%s/%s" % (bucket, key), "what": what}))
            if act == "s3:GetObject" and status == "404":
                # S3 answers 404 rather than 403 only when the caller may
                # list the key: s3:ListBucket with s3:prefix = the key
                print(json.dumps({"action": "s3:ListBucket", "resource": "arn:aws:s3:::%s" % bucket,
                                  "context": {"s3:prefix": key}, "what": what + " (404 needs ListBucket)"}))
        elif method == "GET" and q.get("list-type") == "2":
            ctx = {"s3:prefix": q["prefix"]} if "prefix" in q else {}
            print(json.dumps({"action": "s3:ListBucket", "resource": "arn:aws:s3:::%s" % bucket,
                              "context": ctx, "what": what}))
        elif method == "HEAD":
            print(json.dumps({"action": "s3:ListBucket", "resource": "arn:aws:s3:::%s" % bucket, "what": what}))
        else:
            print(json.dumps({"action": "s3:unknown-%s-bucket" % method, "resource": None, "what": what}))

def check(policy, vals, checks):
    docs = [json.load(open(p)) for p in policy.split(",") if p.endswith(".json")]
    docs += [b for p in policy.split(",") if p.endswith(".md") for b in md_blocks(p)]
    stmts = [st for d in docs for st in statements(subst(d, json.loads(vals)))]
    bad = 0
    for line in open(checks):
        c = json.loads(line)
        if allowed(stmts, c["action"], c.get("resource"), c.get("context", {}), c.get("conditions", True)):
            print("ok %s %s" % (c["action"], c["what"]))
        else:
            bad += 1
            print("DENIED %s on %s %s: %s" % (c["action"], c.get("resource") or "-",
                                             json.dumps(c.get("context", {})), c["what"]))
    sys.exit(1 if bad else 0)

BOTO = os.environ.get("BOTO", "/usr/lib/python3/dist-packages/botocore/data")
mode, args = sys.argv[1], sys.argv[2:]
if mode == "actions":
    print("\n".join(sorted(allow_actions([json.load(open(args[0]))]))))
elif mode == "md-actions":
    print("\n".join(sorted(allow_actions(md_blocks(args[0])))))
elif mode == "static":
    static(args[0])
elif mode == "requests":
    requests(args[0])
elif mode == "check":
    check(*args)
else:
    die("unknown mode %s" % mode)
EOF
)
export BOTO

# served_all CHECKS: the checks cover every request the server counted
# since its counters were reset (the log and the counters agree).
served_all() {
	local n
	n=$(awsctl stats --get requests | "$PY" -c 'import json,sys; print(sum(json.load(sys.stdin).values()))')
	[ "$n" -gt 0 ]
	[ "$(grep -vc '404 needs ListBucket' "$1")" -eq "$n" ] || {
		echo "the log has $(grep -vc '404 needs ListBucket' "$1") requests, the server counted $n"; false; }
}

# seen_all CHECKS ACTION...: every ACTION was called, so that the run
# exercised what it is meant to.
seen_all() {
	local f=$1 a
	shift
	for a in "$@"; do
		grep -q "\"action\": \"$a\"" "$f" || { echo "no call needing $a was made"; false; }
	done
}

# The STS actions, which docs/iam.md grants where they belong: the
# trust policy of the role, and the policy of the identity that assumes it.
sts_only() { grep '^sts:' || true; }
no_sts() { grep -v '^sts:' || true; }

@test "the policy and the JSON of iam.md parse, with placeholders the docs explain" {
	run "$PY" -m json.tool "$POLICY"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run iamtool md-actions "$IAM_MD"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# every placeholder of the policy is explained in iam.md
	for p in $(grep -o '[A-Z][A-Z_]*[A-Z]' "$POLICY" | sort -u); do
		grep -q "\`$p\`" "$IAM_MD" || { echo "placeholder $p is not explained in docs/iam.md"; false; }
	done
	# one statement per subject, each with a Sid that iam.md explains
	for sid in $("$PY" -c 'import json,sys; [print(s["Sid"]) for s in json.load(open(sys.argv[1]))["Statement"]]' "$POLICY"); do
		grep -q "\`$sid\`" "$IAM_MD" || { echo "statement $sid is not explained in docs/iam.md"; false; }
	done
}

@test "statically: every AWS action named in cmd/ and lib/ is granted, and nothing else" {
	run iamtool static "$REPO"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	static=$output
	! grep -q '^UNKNOWN' <<<"$static" || { grep '^UNKNOWN' <<<"$static"; false; }
	# what the scan must find, or it is not reading the sources right
	for a in logs:DescribeLogGroups logs:DescribeLogStreams logs:GetLogEvents \
		logs:FilterLogEvents s3:GetObject s3:PutObject s3:DeleteObject s3:ListBucket \
		dynamodb:GetItem dynamodb:PutItem dynamodb:Scan sts:AssumeRole \
		sts:AssumeRoleWithWebIdentity kinesis:ListShards kinesis:GetShardIterator \
		kinesis:GetRecords; do
		grep -qx "$a" <<<"$static" || { echo "the scan did not find $a"; false; }
	done
	granted=$(iamtool actions "$POLICY")
	diff -u <(no_sts <<<"$static") <(echo "$granted") || {
		echo "- called but not granted, + granted but never called"; false; }
	# the STS actions are in iam.md's trust and identity policies
	documented=$(iamtool md-actions "$IAM_MD")
	for a in $(sts_only <<<"$static"); do
		grep -qx "$a" <<<"$documented" || { echo "$a is called but not in docs/iam.md"; false; }
	done
}

@test "dynamically: cwl-list, cwl-tail in both modes and the credential chain's STS calls" {
	aws_server_start --log "$BATS_TEST_TMPDIR/requests.log"
	aws_seed /iam/web 3 40 >/dev/null
	aws_seed /iam/api 1 10 >/dev/null
	awsctl stats --reset true >/dev/null
	: >"$BATS_TEST_TMPDIR/requests.log"

	cwl-list groups /iam/ >/dev/null
	cwl-list groups >/dev/null
	cwl-list streams /iam/web '/iam/a*' >/dev/null
	cwl-tail /iam/web >/dev/null
	cwl-tail /iam/web:stream-0001 --since 1d --end now >/dev/null
	cwl-tail --mode filter /iam/web >/dev/null
	cwl-tail --filter '"event"' /iam/api >/dev/null
	cwl-list streams /iam/api | cwl-tail >/dev/null
	cwl-list -E cloudwatchlogsbeat.role_arn=arn:aws:iam::123456789012:role/cwl-reader groups /iam/ >/dev/null
	echo cwl-test-web-identity-token >"$BATS_TEST_TMPDIR/token"
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
		AWS_WEB_IDENTITY_TOKEN_FILE="$BATS_TEST_TMPDIR/token" \
		AWS_ROLE_ARN=arn:aws:iam::123456789012:role/cwl-reader \
		cwl-tail /iam/api >/dev/null

	iamtool requests "$BATS_TEST_TMPDIR/requests.log" >checks
	served_all checks
	# the calls to the services against the policy, the STS calls against
	# the trust and identity policies of iam.md
	grep -v '"sts:' checks >service-checks
	grep '"sts:' checks >sts-checks
	run iamtool check "$POLICY" "$SUBST" service-checks
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	run iamtool check "$IAM_MD" "$SUBST" sts-checks
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	seen_all checks logs:DescribeLogGroups logs:DescribeLogStreams \
		logs:FilterLogEvents logs:GetLogEvents sts:AssumeRole sts:AssumeRoleWithWebIdentity
}

@test "dynamically: cwl-kinesis reading a subscription's stream, once, with leases, following, and its setup" {
	aws_server_start --log "$BATS_TEST_TMPDIR/requests.log" --bucket cwl-iam
	"$PY" "$REPO/tests/servers/kinesis_feed.py" subscribe cwl-iam 2 /iam/web /iam/api >/dev/null
	"$PY" "$REPO/tests/servers/kinesis_feed.py" put /iam/web s 20 >/dev/null
	awsctl stats --reset true >/dev/null
	: >"$BATS_TEST_TMPDIR/requests.log"

	cwl-kinesis cwl-iam >/dev/null
	cwl-kinesis --since 1h arn:aws:kinesis:us-east-1:123456789012:stream/cwl-iam >/dev/null
	cwl-kinesis --lease s3://cwl-iam/cwl/ cwl-iam | cwl-registry put s3://cwl-iam/cwl/
	cwl-kinesis -E 'cloudwatchlogsbeat.kinesis.groups=[/iam/web, "/iam/a*"]' \
		-E cloudwatchlogsbeat.kinesis.subscription.role_arn=arn:aws:iam::123456789012:role/r \
		setup cwl-iam >/dev/null
	cwl-kinesis -f --poll 100ms cwl-iam >follow.ndjson &
	pid=$!
	for _ in $(seq 300); do [ "$(grep -c message follow.ndjson)" -ge 20 ] && break; sleep 0.1; done
	kill -TERM "$pid"
	wait "$pid"

	iamtool requests "$BATS_TEST_TMPDIR/requests.log" >checks
	served_all checks
	run iamtool check "$POLICY" "$SUBST" checks
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	seen_all checks kinesis:ListShards kinesis:GetShardIterator kinesis:GetRecords \
		s3:GetObject s3:PutObject logs:PutSubscriptionFilter logs:DescribeLogGroups \
		kinesis:DescribeStreamSummary
}

@test "dynamically: cwl-registry get, put, list, delete, init and import-legacy on S3 and DynamoDB" {
	aws_server_start --log "$BATS_TEST_TMPDIR/requests.log" --bucket cwl-iam
	aws_seed /iam/web 2 10 >/dev/null
	cwl-tail /iam/web >events.ndjson
	# an object of the original beat's registry, for import-legacy
	curl -sSf --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -X PUT \
		--data-binary '{"NextToken":"f/1","Buffer":""}' \
		"$AWS_ENDPOINT_URL/cwl-iam/cwl/legacy//iam/web/stream-0000" >/dev/null
	awsctl stats --reset true >/dev/null
	: >"$BATS_TEST_TMPDIR/requests.log"

	S=s3://cwl-iam/cwl/
	D=dynamodb://cwl-iam-ckpt
	cwl-registry -q init "$S"
	cwl-registry get "$S" >/dev/null
	cwl-registry put "$S" <events.ndjson
	cwl-registry get "$S" -g /iam/web >/dev/null
	cwl-registry list "$S" >/dev/null
	cwl-registry -q delete "$S" -s /iam/web:stream-0000
	cwl-registry -q delete "$S" -g /iam/web
	cwl-registry -q import-legacy s3://cwl-iam/cwl/legacy/ --to "$S" -g /iam/web >/dev/null
	cwl-registry -q init "$D"
	cwl-registry put "$D" <events.ndjson
	cwl-registry get "$D" >/dev/null
	cwl-registry get "$D" -s /iam/web:stream-0001 >/dev/null
	cwl-registry list "$D" >/dev/null
	cwl-registry -q delete "$D" -s /iam/web:stream-0000
	cwl-registry -q delete "$D"

	iamtool requests "$BATS_TEST_TMPDIR/requests.log" >checks
	served_all checks
	run iamtool check "$POLICY" "$SUBST" checks
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	# the registry's prefix keeps a missing object a 404, not a 403
	grep -q '404 needs ListBucket' <<<"$output"
	seen_all checks dynamodb:CreateTable dynamodb:DeleteItem dynamodb:DescribeTable \
		dynamodb:GetItem dynamodb:PutItem dynamodb:Scan s3:DeleteObject s3:GetObject \
		s3:ListBucket s3:PutObject
}

@test "the check names the call a policy does not allow" {
	# the policy without s3:DeleteObject, and with the registry's objects
	# under another prefix
	"$PY" - "$POLICY" >narrow.json <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
for st in p["Statement"]:
    st["Action"] = [a for a in st["Action"] if a != "s3:DeleteObject"]
json.dump(p, sys.stdout)
EOF
	cat >checks <<'EOF'
{"action":"s3:DeleteObject","resource":"arn:aws:s3:::cwl-iam/cwl/app.json","what":"DELETE /cwl-iam/cwl/app.json 204 (s3 DeleteObject)"}
{"action":"s3:PutObject","resource":"arn:aws:s3:::cwl-iam/other/app.json","what":"PUT /cwl-iam/other/app.json 200 (s3 PutObject)"}
{"action":"s3:ListBucket","resource":"arn:aws:s3:::cwl-iam","context":{"s3:prefix":"other/"},"what":"GET /cwl-iam?list-type=2&prefix=other%2F 200 (s3 ListObjectsV2)"}
{"action":"s3:ListBucket","resource":"arn:aws:s3:::cwl-iam","context":{"s3:prefix":"cwl/"},"what":"GET /cwl-iam?list-type=2&prefix=cwl%2F 200 (s3 ListObjectsV2)"}
{"action":"logs:PutLogEvents","resource":null,"what":"POST / 200 (logs PutLogEvents)"}
EOF
	run iamtool check narrow.json "$SUBST" checks
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "DENIED s3:DeleteObject on arn:aws:s3:::cwl-iam/cwl/app.json {}: DELETE /cwl-iam/cwl/app.json 204 (s3 DeleteObject)" ]
	[ "${lines[1]}" = "DENIED s3:PutObject on arn:aws:s3:::cwl-iam/other/app.json {}: PUT /cwl-iam/other/app.json 200 (s3 PutObject)" ]
	[ "${lines[2]}" = 'DENIED s3:ListBucket on arn:aws:s3:::cwl-iam {"s3:prefix": "other/"}: GET /cwl-iam?list-type=2&prefix=other%2F 200 (s3 ListObjectsV2)' ]
	[ "${lines[3]}" = "ok s3:ListBucket GET /cwl-iam?list-type=2&prefix=cwl%2F 200 (s3 ListObjectsV2)" ]
	[ "${lines[4]}" = "DENIED logs:PutLogEvents on - {}: POST / 200 (logs PutLogEvents)" ]
	[ "${#lines[@]}" -eq 5 ]
}

@test "the scan names an aws_s3 call it cannot map, and a target of an unknown operation" {
	mkdir -p fake/cmd/x fake/lib
	cat >fake/lib/s3.c <<'EOF'
static int f(struct aws *a) { struct http_resp r; struct err e;
	return aws_s3(a, "POST", "b", NULL, "delete", NULL, NULL, 0, &r, &e) == -1; }
static int g(void) { return call("Logs_20140328.PutLogEvents") == 0; }
static int h(void) { return call("Logs_20140328.NoSuchCall") == 0; }
EOF
	run iamtool static fake
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "UNKNOWN lib/s3.c: Logs_20140328.NoSuchCall is no operation of logs" ]
	[ "${lines[1]}" = "UNKNOWN lib/s3.c: aws_s3 POST on a bucket: no IAM action known" ]
	[ "${lines[2]}" = "logs:NoSuchCall" ]
	[ "${lines[3]}" = "logs:PutLogEvents" ]
}
