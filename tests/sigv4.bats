#!/usr/bin/env bats
# SigV4 end to end: lib/sigv4, lib/creds and lib/aws, driven by
# tests/unit/awscall against tests/servers/aws_server.py, which signs every
# request again with botocore's signer and refuses what does not match.

load helpers

# awscall is built next to the unit tests of the build CWL_BIN comes from.
_tools=$(cd "$(dirname "$CWL_BIN")" 2>/dev/null && pwd)
if [ -x "$_tools/tests/awscall" ]; then
	AWSCALL=$_tools/tests/awscall
else
	AWSCALL=$REPO/build/rel/tests/awscall
fi
unset _tools

# Only awscall is needed here, not the programs.
setup() {
	[ -x "$AWSCALL" ] || { echo "build first: make unit-bin" >&2; return 1; }
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	cd "$BATS_TEST_TMPDIR" || return 1
	local v
	for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	export AWS_EC2_METADATA_DISABLED=true
	_PIDFILE="$BATS_TEST_TMPDIR/.server-pids"
}

teardown() { common_teardown; }

describe_groups() {
	"$AWSCALL" "$@" logs Logs_20140328.DescribeLogGroups '{"limit":5}'
}

@test "Signing a request and sending it to a server that checks SigV4 with botocore's signer succeeds, and one signed with a wrong secret is refused with exit 4" {
	aws_server_start
	aws_seed cwl-sig-group 1 1
	run describe_groups
	[ "$status" -eq 0 ]
	[[ "$output" == *'"logGroupName":"cwl-sig-group"'* ]]

	AWS_SECRET_ACCESS_KEY=wrongSecret0000000000000000000000000000001 run describe_groups
	[ "$status" -eq 4 ]
	[ "$output" = "awscall: error: DescribeLogGroups: InvalidSignatureException: The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details. (HTTP 400)" ]
	[[ "$output" != *wrongSecret* ]]
}

@test "An access key the service does not know is refused with exit 4 and UnrecognizedClientException" {
	aws_server_start
	AWS_ACCESS_KEY_ID=AKIAUNKNOWNKEY000001 run describe_groups
	[ "$status" -eq 4 ]
	[ "$output" = "awscall: error: DescribeLogGroups: UnrecognizedClientException: The security token included in the request is invalid. (HTTP 400)" ]
}

@test "Temporary credentials sign with their session token; a wrong token is refused with exit 4" {
	aws_server_start
	local j
	j=$(awsctl keys --issue)
	export AWS_ACCESS_KEY_ID=$(echo "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["issued"]["access_key_id"])')
	export AWS_SECRET_ACCESS_KEY=$(echo "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["issued"]["secret_access_key"])')
	export AWS_SESSION_TOKEN=$(echo "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["issued"]["session_token"])')
	run describe_groups
	[ "$status" -eq 0 ]
	[[ "$output" == *'"logGroups":'* ]]

	AWS_SESSION_TOKEN=${AWS_SESSION_TOKEN}x run describe_groups
	[ "$status" -eq 4 ]
	[[ "$output" == "awscall: error: DescribeLogGroups: UnrecognizedClientException: "* ]]

	unset AWS_SESSION_TOKEN
	run describe_groups
	[ "$status" -eq 4 ]
	[[ "$output" == "awscall: error: DescribeLogGroups: UnrecognizedClientException: "* ]]
}

@test "S3 requests are signed with their payload hash, path-style under an endpoint override, keys encoded" {
	aws_server_start
	run "$AWSCALL" s3 PUT cwl-sig-bucket
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 200 ]
	run "$AWSCALL" s3 PUT cwl-sig-bucket 'dir/a b+c~(1)=%2F.json' 'hello, S3'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 200 ]
	run "$AWSCALL" s3 GET cwl-sig-bucket 'dir/a b+c~(1)=%2F.json'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 200 ]
	[ "${lines[1]}" = 'hello, S3' ]
	# the server stored the key as it was meant, not as it was encoded
	run awsctl buckets --keys
	[[ "$output" == *'"dir/a b+c~(1)=%2F.json"'* ]]

	run "$AWSCALL" s3 GET cwl-sig-bucket missing.json
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 404 ]
	[ "${lines[-1]}" = "awscall: error: GET: NoSuchKey: The specified key does not exist. (HTTP 404)" ]

	AWS_SECRET_ACCESS_KEY=wrongSecret0000000000000000000000000000001 run "$AWSCALL" s3 GET cwl-sig-bucket 'dir/a b+c~(1)=%2F.json'
	[ "$status" -eq 4 ]
	[[ "${lines[-1]}" == "awscall: error: GET: SignatureDoesNotMatch: "*"(HTTP 403)" ]]
}

@test "DynamoDB's JSON 1.0 calls are signed for dynamodb" {
	aws_server_start
	run "$AWSCALL" dynamodb DynamoDB_20120810.ListTables '{}'
	[ "$status" -eq 0 ]
	[ "$output" = '{"TableNames":[]}' ]
	AWS_SECRET_ACCESS_KEY=wrongSecret0000000000000000000000000000001 run "$AWSCALL" dynamodb DynamoDB_20120810.ListTables '{}'
	[ "$status" -eq 4 ]
	[[ "$output" == "awscall: error: ListTables: InvalidSignatureException: "* ]]
}

@test "Keys from the shared credentials file, picked by AWS_PROFILE, sign requests the server accepts" {
	aws_server_start
	mkdir -p "$HOME/.aws"
	printf '[default]\naws_access_key_id = AKIAWRONGDEFAULT0001\naws_secret_access_key = nope\n\n# the one in use\n[cwl]\naws_access_key_id = %s\naws_secret_access_key = %s ; comment\n' \
		"$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	printf '[profile cwl]\nregion = us-east-1\n' >"$HOME/.aws/config"
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION
	AWS_PROFILE=cwl run describe_groups -d aws
	[ "$status" -eq 0 ]
	[[ "$output" == *"awscall: debug: aws: credentials from profile cwl ($HOME/.aws/credentials)"* ]]
	[[ "$output" == *'"logGroups":'* ]]

	# the default profile holds other keys
	AWS_REGION=us-east-1 run describe_groups
	[ "$status" -eq 4 ]
	[[ "$output" == *"UnrecognizedClientException"* ]]

	AWS_PROFILE=absent run describe_groups
	[ "$status" -eq 2 ]
	[ "$output" = "awscall: error: no AWS region: set cloudwatchlogsbeat.aws_region, AWS_REGION or AWS_DEFAULT_REGION, or region in profile absent of $HOME/.aws/config" ]
	AWS_REGION=us-east-1 AWS_PROFILE=absent run describe_groups
	[ "$status" -eq 4 ]
	[ "$output" = "awscall: error: AWS profile absent not found in shared credentials file $HOME/.aws/credentials or config file $HOME/.aws/config" ]
}

@test "No credentials anywhere: exit 4 naming every source tried" {
	aws_server_start
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run describe_groups
	[ "$status" -eq 4 ]
	[[ "$output" == "awscall: error: no AWS credentials: tried the config keys, environment (AWS_ACCESS_KEY_ID), "*"shared credentials file $HOME/.aws/credentials (profile default), config file $HOME/.aws/config"* ]]
}

@test "-d sigv4 logs the canonical request and the string to sign, never the secret, the token or the signature" {
	aws_server_start
	local j
	j=$(awsctl keys --issue)
	export AWS_ACCESS_KEY_ID=$(echo "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["issued"]["access_key_id"])')
	export AWS_SECRET_ACCESS_KEY=$(echo "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["issued"]["secret_access_key"])')
	export AWS_SESSION_TOKEN=$(echo "$j" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["issued"]["session_token"])')
	run describe_groups -d sigv4,aws,http
	[ "$status" -eq 0 ]
	[[ "$output" == *"awscall: debug: sigv4: canonical request: POST / "* ]]
	[[ "$output" == *"x-amz-target:Logs_20140328.DescribeLogGroups"* ]]
	[[ "$output" == *"awscall: debug: sigv4: string to sign: AWS4-HMAC-SHA256 "* ]]
	[[ "$output" != *"$AWS_SECRET_ACCESS_KEY"* ]]
	[[ "$output" != *"$AWS_SESSION_TOKEN"* ]]
	[[ "$output" != *"Signature="[0-9a-f]* ]]
}

@test "Throttling past the retries ends with exit 1 and ThrottlingException" {
	aws_server_start --throttle 1
	run describe_groups -d aws
	[ "$status" -eq 1 ]
	[ "$(grep -c 'debug: aws: DescribeLogGroups: HTTP 400' <<<"$output")" -eq 3 ]
	[ "${lines[-1]}" = "awscall: error: DescribeLogGroups: ThrottlingException: Rate exceeded (HTTP 400)" ]
}

@test "5xx answers are retried and a later success is taken" {
	aws_server_start
	awsctl faults --error500-count 2 >/dev/null
	run describe_groups -d aws
	[ "$status" -eq 0 ]
	[ "$(grep -c 'debug: aws: DescribeLogGroups: HTTP 500' <<<"$output")" -eq 2 ]
	[[ "${lines[-1]}" == '{"logGroups":'* ]]
}

@test "Nobody listening: exit 1 after the retries, naming the endpoint" {
	aws_server_start
	aws_server_stop
	run describe_groups
	[ "$status" -eq 1 ]
	# the first failure is said as a warning, then the retries run out
	[[ "${lines[0]}" == "awscall: warning: DescribeLogGroups: POST http://127.0.0.1:$AWS_SERVER_PORT/: "*"; retrying, "*" attempts in all" ]]
	[[ "${lines[-1]}" == "awscall: error: DescribeLogGroups: POST http://127.0.0.1:$AWS_SERVER_PORT/: "* ]]
}

# Leaves the server's test keys out of the environment, for the cases
# where the credentials must come from elsewhere.
no_env_keys() {
	TEST_KEY_ID=$AWS_ACCESS_KEY_ID
	TEST_KEY_SECRET=$AWS_SECRET_ACCESS_KEY
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}

@test "Credentials from EC2 instance metadata (IMDSv2) sign requests the server accepts" {
	aws_server_start
	no_env_keys
	export AWS_EC2_METADATA_DISABLED=false
	export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$AWS_SERVER_PORT
	run describe_groups -d aws
	[ "$status" -eq 0 ]
	[[ "$output" == *"awscall: debug: aws: credentials from EC2 instance metadata (role cwl-instance-role)"* ]]
	[[ "${lines[-1]}" == '{"logGroups":'* ]]
	[ "$(awsctl stats --get imds.token_puts)" -eq 1 ]
	[ "$(awsctl stats --get imds.gets_v2)" -eq 2 ]
}

@test "Instance metadata without an instance role: exit 4, saying so" {
	aws_server_start --imds-role ""
	no_env_keys
	export AWS_EC2_METADATA_DISABLED=false
	export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$AWS_SERVER_PORT
	run describe_groups
	[ "$status" -eq 4 ]
	[[ "$output" == "awscall: error: no AWS credentials: tried "*", EC2 instance metadata (http://127.0.0.1:$AWS_SERVER_PORT: no instance role)" ]]
}

@test "Credentials from the container endpoint, with its authorization token, sign requests the server accepts; a wrong token is refused with exit 4" {
	aws_server_start --ecs-auth-token "Bearer cwl-ecs-0001"
	no_env_keys
	export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$AWS_SERVER_PORT/ecs/v2/credentials
	echo "Bearer cwl-ecs-0001" >"$BATS_TEST_TMPDIR/ecs-token"
	AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=$BATS_TEST_TMPDIR/ecs-token run describe_groups -d aws
	[ "$status" -eq 0 ]
	[[ "$output" == *"credentials from container endpoint ($AWS_CONTAINER_CREDENTIALS_FULL_URI)"* ]]
	[[ "${lines[-1]}" == '{"logGroups":'* ]]

	AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer wrong" run describe_groups
	[ "$status" -eq 4 ]
	[ "$output" = "awscall: error: container credentials from $AWS_CONTAINER_CREDENTIALS_FULL_URI: InvalidAuthorization: Authorization header is invalid (HTTP 403)" ]
	[[ "$output" != *"Bearer wrong"* ]]
}

@test "Web identity: AssumeRoleWithWebIdentity gives credentials the server accepts; a bad token is refused with exit 4" {
	aws_server_start
	no_env_keys
	echo cwl-test-web-identity-token >"$BATS_TEST_TMPDIR/web-token"
	export AWS_WEB_IDENTITY_TOKEN_FILE=$BATS_TEST_TMPDIR/web-token
	export AWS_ROLE_ARN=arn:aws:iam::123456789012:role/cwl-reader
	run describe_groups -d aws
	[ "$status" -eq 0 ]
	[[ "$output" == *"credentials from web identity (AWS_WEB_IDENTITY_TOKEN_FILE, role arn:aws:iam::123456789012:role/cwl-reader)"* ]]
	[[ "${lines[-1]}" == '{"logGroups":'* ]]

	echo forged >"$BATS_TEST_TMPDIR/web-token"
	run describe_groups
	[ "$status" -eq 4 ]
	[[ "$output" == "awscall: error: web identity token $BATS_TEST_TMPDIR/web-token for role arn:aws:iam::123456789012:role/cwl-reader: AssumeRoleWithWebIdentity: InvalidIdentityToken: "*"(HTTP 400)" ]]
	[[ "$output" != *forged* ]]
}

@test "A profile's role_arn with source_profile is assumed through STS; a role the keys may not assume is refused with exit 4" {
	aws_server_start
	no_env_keys
	mkdir -p "$HOME/.aws"
	printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$TEST_KEY_ID" "$TEST_KEY_SECRET" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	printf '[profile reader]\nrole_arn = arn:aws:iam::123456789012:role/cwl-reader\nsource_profile = base\nrole_session_name = cwl-bats\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/cwl-admin\nsource_profile = base\n' >"$HOME/.aws/config"
	AWS_PROFILE=reader run describe_groups -d aws
	[ "$status" -eq 0 ]
	[[ "$output" == *"credentials from profile reader (role arn:aws:iam::123456789012:role/cwl-reader via profile base)"* ]]
	[[ "${lines[-1]}" == '{"logGroups":'* ]]

	AWS_PROFILE=admin run describe_groups
	[ "$status" -eq 4 ]
	[ "$output" = "awscall: error: assuming role arn:aws:iam::123456789012:role/cwl-admin with credentials from profile base ($HOME/.aws/credentials): AssumeRole: AccessDenied: User: arn:aws:iam::123456789012:user/cwl-test is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::123456789012:role/cwl-admin (HTTP 403)" ]
}

@test "credential_process output signs requests the server accepts; a failing process is exit 4 with its words" {
	aws_server_start
	no_env_keys
	mkdir -p "$HOME/.aws"
	cat >"$BATS_TEST_TMPDIR/creds.sh" <<-SH
	#!/bin/sh
	printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}\n' "$TEST_KEY_ID" "$TEST_KEY_SECRET"
	SH
	chmod +x "$BATS_TEST_TMPDIR/creds.sh"
	printf '[profile proc]\ncredential_process = %s\n[profile broken]\ncredential_process = sh -c "echo no vault here >&2; exit 2"\n' \
		"$BATS_TEST_TMPDIR/creds.sh" >"$HOME/.aws/config"
	AWS_PROFILE=proc run describe_groups -d aws
	[ "$status" -eq 0 ]
	[[ "$output" == *"credentials from profile proc (credential_process)"* ]]
	[[ "${lines[-1]}" == '{"logGroups":'* ]]

	AWS_PROFILE=broken run describe_groups
	[ "$status" -eq 4 ]
	[ "$output" = "awscall: error: credential_process of profile broken: exited with 2: no vault here" ]
}
