#!/usr/bin/env bats
# No secret is ever printed: every program and the wrapper, at -d '*',
# with real-looking keys (an AKIA access key and its 40-character secret,
# a long session token, configured or issued by STS, an Elasticsearch
# password, an API key, a bearer token, a TLS key passphrase), on the
# success and the error paths (a wrong secret, 401, nobody listening).
# Nothing they write (stdout, stderr, dead letters, registries) may hold
# one of the values, nor the encoded forms that go in headers.
#
# Configuration files hold the secrets by design: they live in conf/, and
# everything the programs write goes to out/, which is what is searched.

load helpers

AKID=AKIAQX7PLM2ZV4TRN3KD
SECRET=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
WRONG_SECRET=Zr5Tq8Wm2Kx7Vn4Lp9Bd3Hs6Fj1Gy0Ce5Ua8QiYb
ES_PASS='Correct-Horse-Battery-9Xz!'
ES_WRONG_PASS='Wrong-Horse-Battery-4Qp?'
ES_KEY_ID=VuaCfGcBCdbkQm-e5aOx
ES_KEY=ui2lp2axTNmsyakw9tvNnw
ES_BEARER=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjd2wtc2hpcCJ9.c2lnbmF0dXJlLTk4NzY1NDMyMTA
LS_PHRASE=lj-Passphrase-7Qm2Rx

setup_file() {
	# a session token as STS hands them out: long, base64, with / and +
	TOKEN=$("$PY" -c 'import base64, random
r = random.Random(7)
print("IQoJb3JpZ2luX2VjE" + base64.b64encode(bytes(r.randrange(256) for _ in range(540))).decode())')
	export TOKEN
	AWS_SERVER_SCOPE=file aws_server_start
	export SEC_AWS_PORT=$AWS_SERVER_PORT
	awsctl keys --json "{\"add\": [{\"access_key_id\": \"$AKID\", \"secret_access_key\": \"$SECRET\", \"session_token\": \"$TOKEN\"}]}" >/dev/null
	awsctl roles --json "{\"roles\": [{\"arn\": \"arn:aws:iam::123456789012:role/cwl-sec\", \"allow\": [\"$AKID\"]}]}" >/dev/null
	awsctl seed --group /sec/g --streams 2 --events 50 >/dev/null
	awsctl buckets --create '["secb"]' >/dev/null
	es_server_start --basic "elastic:$ES_PASS" --api-key "$ES_KEY_ID:$ES_KEY" --bearer "$ES_BEARER"
	export SEC_ES_URL=$ES_URL SEC_ES_CTL_URL=$ES_CTL_URL
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

setup() {
	common_setup
	mkdir -p conf out
	export AWS_SERVER_PORT=$SEC_AWS_PORT AWS_ENDPOINT_URL=http://127.0.0.1:$SEC_AWS_PORT
	export AWS_ACCESS_KEY_ID=$AKID AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN
	export AWS_REGION=us-east-1
	export ES_URL=$SEC_ES_URL ES_CTL_URL=$SEC_ES_CTL_URL
	printf '%s\n' "$SECRET" "$WRONG_SECRET" "$TOKEN" "$ES_PASS" "$ES_WRONG_PASS" \
		"$ES_KEY" "$ES_BEARER" "$LS_PHRASE" \
		"$(printf 'elastic:%s' "$ES_PASS" | base64 -w0)" \
		"$(printf 'elastic:%s' "$ES_WRONG_PASS" | base64 -w0)" \
		"$(printf '%s:%s' "$ES_KEY_ID" "$ES_KEY" | base64 -w0)" >conf/secrets.txt
	cat >conf/fast.yml <<-EOF
	cloudwatchlogsbeat:
	  retry.backoff: 5ms
	  retry.max_backoff: 20ms
	  retry.max_attempts: 2
	EOF
	export CWL_CONFIG=$BATS_TEST_TMPDIR/conf/fast.yml
	N=0
}

# out CMD...: runs CMD at -d '*' (inserted after the program's name) like
# `run`, its stdout in out/N.out and stderr in out/N.err.
out() {
	local prog=$1
	shift
	N=$((N + 1))
	run "$prog" -d '*' "$@"
	printf '%s\n' "$output" >"out/$N.all"
}

# secret VALUE...: more values that must not appear.
secret() {
	printf '%s\n' "$@" >>conf/secrets.txt
}

# no_secrets: nothing under out/ holds a secret, a SigV4 signature or an
# Authorization value; and the debug output was there to search.
no_secrets() {
	if grep -rFl -f conf/secrets.txt out; then
		grep -rF -o -f conf/secrets.txt out | head -5
		echo "a secret was written"
		return 1
	fi
	if grep -rEn 'Signature=[0-9a-f]{64}|(Basic|ApiKey|Bearer) [A-Za-z0-9+/=._-]{8,}' out | head -5 | grep .; then
		echo "an Authorization value was written"
		return 1
	fi
	grep -rq 'debug: http: > Authorization: \[REDACTED\]' out
}

@test "cwl-list and cwl-tail at -d '*' with keys and a long session token: success, wrong secret or token, nobody listening" {
	out cwl-list groups /sec
	[ "$status" -eq 0 ]
	[[ "$output" == *'"logGroupName":"/sec/g"'* ]]
	grep -q 'debug: http: > X-Amz-Security-Token: \[REDACTED\]' out/1.all
	out cwl-tail /sec/g
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{"@timestamp"' out/2.all)" -eq 100 ]
	AWS_SECRET_ACCESS_KEY=$WRONG_SECRET out cwl-list groups /sec
	[ "$status" -eq 4 ]
	[[ "$output" == *"cwl-list: error: log groups /sec: DescribeLogGroups: InvalidSignatureException: "* ]]
	AWS_SECRET_ACCESS_KEY=$WRONG_SECRET out cwl-tail /sec/g:stream-0000
	[ "$status" -eq 4 ]
	AWS_SESSION_TOKEN=${TOKEN%??????}WRONG1 out cwl-tail /sec/g:stream-0000
	[ "$status" -eq 4 ]
	secret "${TOKEN%??????}WRONG1"
	AWS_ENDPOINT_URL=http://127.0.0.1:9 out cwl-tail /sec/g:stream-0000
	[ "$status" -eq 1 ]
	AWS_ENDPOINT_URL=http://127.0.0.1:9 out cwl-list groups
	[ "$status" -eq 1 ]
	no_secrets
}

@test "keys and a token in the config file, and a role assumed through STS, at -d '*': nothing printed" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	cat >conf/keys.yml <<-EOF
	cloudwatchlogsbeat:
	  access_key_id: $AKID
	  secret_access_key: $SECRET
	  session_token: "$TOKEN"
	  retry.max_attempts: 2
	EOF
	out cwl-list -c conf/keys.yml groups /sec
	[ "$status" -eq 0 ]
	[[ "$output" == *'"logGroupName":"/sec/g"'* ]]
	cat >conf/wrong.yml <<-EOF
	cloudwatchlogsbeat:
	  access_key_id: $AKID
	  secret_access_key: $WRONG_SECRET
	  session_token: "$TOKEN"
	  retry.max_attempts: 2
	EOF
	out cwl-tail -c conf/wrong.yml /sec/g:stream-0000
	[ "$status" -eq 4 ]
	cat >conf/role.yml <<-EOF
	cloudwatchlogsbeat:
	  access_key_id: $AKID
	  secret_access_key: $SECRET
	  session_token: "$TOKEN"
	  role_arn: arn:aws:iam::123456789012:role/cwl-sec
	EOF
	out cwl-tail -c conf/role.yml /sec/g:stream-0001
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{"@timestamp"' "out/$N.all")" -eq 50 ]
	# what STS issued is as secret as what was configured
	awsctl keys | "$PY" -c 'import json, sys
for k in json.load(sys.stdin)["keys"]:
    if k.get("issued_by") not in (None, "config"):
        print(k["secret_access_key"]); print(k["session_token"])' >issued.txt
	[ "$(wc -l <issued.txt)" -ge 2 ]
	cat issued.txt >>conf/secrets.txt
	rm issued.txt
	grep -q 'AssumeRole' "out/$N.all"
	no_secrets
}

@test "cwl-ship to Elasticsearch with a password, an API key or a bearer token at -d '*': success, 401, nobody listening, dead letters" {
	cwl-tail /sec/g >conf/events.ndjson
	{ cat conf/events.ndjson; echo 'not json'; } >conf/in.ndjson
	local es="-E output.elasticsearch.hosts=$ES_URL -E output.elasticsearch.max_retries=0"
	out cwl-ship $es -E output.elasticsearch.username=elastic \
		-E "output.elasticsearch.password=$ES_PASS" \
		--dead-letter out/dl-basic.ndjson --acks out/acks-basic <conf/in.ndjson
	[ "$status" -eq 3 ]
	[ "$(wc -l <out/acks-basic)" -ge 2 ]
	grep -q '"raw":"not json"' out/dl-basic.ndjson
	out cwl-ship $es -E output.elasticsearch.username=elastic \
		-E "output.elasticsearch.password=$ES_WRONG_PASS" \
		--dead-letter out/dl-wrong.ndjson --acks out/acks-wrong <conf/in.ndjson
	[ "$status" -eq 4 ]
	[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: 401 "* ]]
	out cwl-ship $es -E "output.elasticsearch.api_key=$ES_KEY_ID:$ES_KEY" \
		--acks out/acks-key <conf/events.ndjson
	[ "$status" -eq 0 ]
	out cwl-ship $es -E "output.elasticsearch.api_key=$ES_KEY_ID:$WRONG_SECRET" \
		--acks out/acks-key-wrong <conf/events.ndjson
	[ "$status" -eq 4 ]
	secret "$(printf '%s:%s' "$ES_KEY_ID" "$WRONG_SECRET" | base64 -w0)"
	out cwl-ship $es -E "output.elasticsearch.bearer_token=$ES_BEARER" \
		--acks out/acks-bearer <conf/events.ndjson
	[ "$status" -eq 0 ]
	out cwl-ship $es -E "output.elasticsearch.bearer_token=${ES_BEARER}x" \
		--acks out/acks-bearer-wrong <conf/events.ndjson
	[ "$status" -eq 4 ]
	out cwl-ship -E output.elasticsearch.hosts=http://127.0.0.1:9 \
		-E output.elasticsearch.max_retries=0 -E output.elasticsearch.username=elastic \
		-E "output.elasticsearch.password=$ES_PASS" --acks out/acks-none <conf/events.ndjson
	[ "$status" -eq 1 ]
	[ "$(es_count)" -ge 100 ]
	no_secrets
}

@test "cwl-ship to Logstash over TLS with a passphrase-protected key at -d '*': success, wrong passphrase, nobody listening" {
	tls_make_ca "$BATS_TEST_TMPDIR/conf/tls"
	openssl pkey -in "$TLS_CLIENT_KEY" -aes256 -passout "pass:$LS_PHRASE" -out conf/client-enc.key
	ls_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-client-ca "$TLS_CA"
	cwl-tail /sec/g >conf/events.ndjson
	local ls="-E output.logstash.hosts=$LS_HOST -E output.logstash.max_retries=0
		-E output.logstash.ssl.certificate_authorities=$TLS_CA
		-E output.logstash.ssl.certificate=$TLS_CLIENT_CERT
		-E output.logstash.ssl.key=$BATS_TEST_TMPDIR/conf/client-enc.key"
	out cwl-ship $ls -E "output.logstash.ssl.key_passphrase=$LS_PHRASE" \
		--acks out/acks-ls <conf/events.ndjson
	[ "$status" -eq 0 ]
	[ "$(ls_stats events)" -eq 100 ]
	out cwl-ship $ls -E "output.logstash.ssl.key_passphrase=$WRONG_SECRET" \
		--acks out/acks-ls-wrong <conf/events.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-ship: error: output.logstash.ssl.key: $BATS_TEST_TMPDIR/conf/client-enc.key: "*"bad decrypt" ]]
	out cwl-ship -E output.logstash.hosts=127.0.0.1:9 -E output.logstash.max_retries=0 \
		-E "output.logstash.ssl.key_passphrase=$LS_PHRASE" --acks out/acks-ls-none <conf/events.ndjson
	[ "$status" -eq 1 ]
	# the Logstash output logs no HTTP: look for its own debug lines
	run grep -rFl -f conf/secrets.txt out
	[ "$status" -eq 1 ]
	grep -rq 'debug: ship' out
}

@test "cwl-registry with S3 and DynamoDB at -d '*': success, wrong secret, nobody listening; the registry holds no secret" {
	cwl-tail /sec/g >conf/events.ndjson
	out cwl-registry put s3://secb/p <conf/events.ndjson
	[ "$status" -eq 0 ]
	out cwl-registry get s3://secb/p
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep '^{' >out/registry-s3.ndjson
	[ "$(wc -l <out/registry-s3.ndjson)" -eq 2 ]
	out cwl-registry init dynamodb://sect
	[ "$status" -eq 0 ]
	out cwl-registry put dynamodb://sect <conf/events.ndjson
	[ "$status" -eq 0 ]
	out cwl-registry get dynamodb://sect
	[ "$status" -eq 0 ]
	printf '%s\n' "$output" | grep '^{' >out/registry-ddb.ndjson
	[ "$(wc -l <out/registry-ddb.ndjson)" -eq 2 ]
	# and what the stores hold, as stored
	curl -fsS --aws-sigv4 "aws:amz:$AWS_REGION:s3" --user "$AKID:$SECRET" \
		-H "x-amz-security-token: $TOKEN" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
		"$AWS_ENDPOINT_URL/secb/p/sec/g.json" >out/raw-s3.ndjson
	[ "$(grep -c '"group":"/sec/g"' out/raw-s3.ndjson)" -eq 2 ]
	curl -fsS --aws-sigv4 "aws:amz:$AWS_REGION:dynamodb" --user "$AKID:$SECRET" \
		-H "x-amz-security-token: $TOKEN" -H "X-Amz-Target: DynamoDB_20120810.Scan" \
		-H 'Content-Type: application/x-amz-json-1.0' -d '{"TableName":"sect"}' \
		"$AWS_ENDPOINT_URL/" >out/raw-ddb.json
	[ "$(grep -o '"source"' out/raw-ddb.json | wc -l)" -eq 2 ]
	AWS_SECRET_ACCESS_KEY=$WRONG_SECRET out cwl-registry get s3://secb/p
	[ "$status" -eq 4 ]
	AWS_SECRET_ACCESS_KEY=$WRONG_SECRET out cwl-registry put dynamodb://sect <conf/events.ndjson
	[ "$status" -eq 4 ]
	AWS_ENDPOINT_URL=http://127.0.0.1:9 out cwl-registry get dynamodb://sect
	[ "$status" -eq 1 ]
	AWS_ENDPOINT_URL=http://127.0.0.1:9 out cwl-registry put s3://secb/p <conf/events.ndjson
	[ "$status" -eq 1 ]
	no_secrets
}

@test "the wrapper at -d '*' prints no secret, running or refused, nor writes one to the registry" {
	cat >conf/beat.yml <<-EOF
	cloudwatchlogsbeat:
	  registry.url: file:$BATS_TEST_TMPDIR/out/registry.ndjson
	  registry.flush_interval: 200ms
	  stream_refresh_frequency: 1s
	  hot_stream_event_refresh_frequency: 200ms
	  grace_period: 10s
	  restart.backoff: 200ms
	  retry.backoff: 20ms
	  retry.max_backoff: 200ms
	  prospectors:
	    - id: sec
	      groupnames: ["/sec/g"]
	output.elasticsearch:
	  hosts: ["$ES_URL"]
	  index: sec-beat
	  username: elastic
	  password: "$ES_PASS"
	  flush_interval: 100ms
	EOF
	cloudwatchlogsbeat -c conf/beat.yml -d '*' >out/beat.out 2>out/beat.err &
	beat=$!
	server_register $beat
	es_wait_count 100 sec-beat 60
	kill -TERM $beat
	wait $beat
	# the group's checkpoint, read as a whole
	jq -e -s 'length == 1 and .[0].group == "/sec/g" and .[0].stream == "*"' out/registry.ndjson
	run timeout 60 cloudwatchlogsbeat -c conf/beat.yml -d '*' \
		-E "output.elasticsearch.password=$ES_WRONG_PASS" -E output.elasticsearch.index=sec-wrong \
		-E "cloudwatchlogsbeat.registry.url=file:$BATS_TEST_TMPDIR/out/registry-wrong.ndjson"
	printf '%s\n' "$output" >out/beat-wrong.all
	[ "$status" -eq 4 ]
	[[ "$output" == *"cloudwatchlogsbeat: error: [default] stopping: exit 4"* ]]
	no_secrets
}

@test "a credentials file others can read is warned about; its keys work and are never printed" {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN
	mkdir -p "$HOME/.aws"
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n' \
		"$AKID" "$SECRET" "$TOKEN" >"$HOME/.aws/credentials"
	chmod 644 "$HOME/.aws/credentials"
	out cwl-list groups /sec
	[ "$status" -eq 0 ]
	[[ "$output" == *"cwl-list: warning: shared credentials file $HOME/.aws/credentials can be read by group or others (mode 0644); chmod 600 it"* ]]
	[[ "$output" == *'"logGroupName":"/sec/g"'* ]]
	chmod 600 "$HOME/.aws/credentials"
	run cwl-list groups /sec
	[ "$status" -eq 0 ]
	[[ "$output" != *"can be read by"* ]]
	[[ "$output" == *'"logGroupName":"/sec/g"'* ]]
	no_secrets
}
