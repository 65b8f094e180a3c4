#!/usr/bin/env bats
# The AWS credential chain as the programs live it: which source wins,
# roles from profiles, refreshes under load, the IMDSv2 session token,
# refusals and secrets. The local AWS server plays STS, EC2 instance
# metadata and the ECS container endpoint, and counts what it was asked
# (awsctl stats: imds, ecs, requests, signed_by).

load helpers

ACCT=123456789012
READER=arn:aws:iam::$ACCT:role/cwl-reader
# A second static key, for the shared credentials file.
PROFILE_AKID=AKIACWLPROFILEKEY001
PROFILE_SECRET=cwlProfileSecret000000000000000000000001

# Leaves the server's test keys out of the environment.
no_env_keys() {
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
}

imds_on() {
	export AWS_EC2_METADATA_DISABLED=false
	export AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$AWS_SERVER_PORT
}

container_on() {
	export AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:$AWS_SERVER_PORT/ecs/v2/credentials
}

web_identity_on() {
	echo cwl-test-web-identity-token >"$BATS_TEST_TMPDIR/web-token"
	export AWS_WEB_IDENTITY_TOKEN_FILE=$BATS_TEST_TMPDIR/web-token
	export AWS_ROLE_ARN=$READER
}

profile_keys_on() {
	awsctl keys --json "{\"add\":[{\"access_key_id\":\"$PROFILE_AKID\",\"secret_access_key\":\"$PROFILE_SECRET\"}]}" >/dev/null
	mkdir -p "$HOME/.aws"
	printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$PROFILE_AKID" "$PROFILE_SECRET" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
}

# The access key ids that signed requests since the last stats reset.
signers() {
	awsctl stats --get signed_by | jq -r 'keys | join(" ")'
}

# issued_by AKID: who issued a key the server knows (config, sts,
# sts-web-identity, ecs, imds).
issued_by() {
	awsctl keys | jq -r --arg k "$1" '.keys[] | select(.access_key_id == $k) | .issued_by'
}

# counter PATH: a counter of awsctl stats, 0 when absent.
counter() {
	awsctl stats | jq -r "(.$1 // 0)"
}

# Every secret the server knows or issued: secret keys and session tokens.
server_secrets() {
	awsctl keys | jq -r '.keys[] | .secret_access_key, (.session_token // empty)'
}

# cwl-list names the source, then reads the log groups with it; the
# server must have seen exactly one key, issued by $2.
source_is() {
	awsctl stats --reset true >/dev/null
	run cwl-list --credentials-source
	echo "source: $output"
	[ "$status" -eq 0 ]
	[ "$output" = "$1" ]
	run cwl-list -o plain groups
	[ "$status" -eq 0 ]
	[ "$output" = /cwl/creds ]
	local k
	k=$(signers)
	echo "signed by: $k"
	[ "$(echo "$k" | wc -w)" -eq 1 ]
	[ "$(issued_by "$k")" = "$2" ]
	SIGNER=$k
}

@test "The chain's order: environment, then web identity, then a profile, then the container endpoint, then instance metadata; the winner signs, the sources below it are never asked" {
	aws_server_start
	aws_seed /cwl/creds 1 1 >/dev/null
	web_identity_on
	profile_keys_on
	container_on
	imds_on

	source_is environment config
	[ "$SIGNER" = "$TEST_AKID" ]
	[ "$(counter requests.AssumeRoleWithWebIdentity)" -eq 0 ]
	[ "$(counter ecs.requests)" -eq 0 ]
	[ "$(counter imds.token_puts)" -eq 0 ]

	# below, one fetch by each of the two cwl-list runs
	no_env_keys
	source_is "web identity (AWS_WEB_IDENTITY_TOKEN_FILE, role $READER)" sts-web-identity
	[ "$(counter requests.AssumeRoleWithWebIdentity)" -eq 2 ]
	[ "$(counter ecs.requests)" -eq 0 ]
	[ "$(counter imds.token_puts)" -eq 0 ]

	unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
	source_is "profile default ($HOME/.aws/credentials)" config
	[ "$SIGNER" = "$PROFILE_AKID" ]
	[ "$(counter requests.AssumeRoleWithWebIdentity)" -eq 0 ]
	[ "$(counter ecs.requests)" -eq 0 ]
	[ "$(counter imds.token_puts)" -eq 0 ]

	rm "$HOME/.aws/credentials"
	source_is "container endpoint ($AWS_CONTAINER_CREDENTIALS_FULL_URI)" ecs
	[ "$(counter ecs.requests)" -eq 2 ]
	[ "$(counter imds.token_puts)" -eq 0 ]

	unset AWS_CONTAINER_CREDENTIALS_FULL_URI
	source_is "EC2 instance metadata (role cwl-instance-role)" imds
	[ "$(counter ecs.requests)" -eq 0 ]
	[ "$(counter imds.token_puts)" -eq 2 ]

	export AWS_EC2_METADATA_DISABLED=true
	run cwl-list --credentials-source
	[ "$status" -eq 4 ]
	[ "$output" = "cwl-list: error: no AWS credentials: tried the config keys, environment (AWS_ACCESS_KEY_ID), web identity (AWS_WEB_IDENTITY_TOKEN_FILE), shared credentials file $HOME/.aws/credentials (profile default), config file $HOME/.aws/config, container endpoint (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI), EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)" ]
}

@test "A profile's role_arn with source_profile, external_id and duration_seconds is assumed once through STS, and cwl-tail reads the logs with it" {
	aws_server_start
	aws_seed /cwl/role 3 4 >/dev/null
	awsctl roles --json "{\"roles\":[{\"arn\":\"arn:aws:iam::$ACCT:role/cwl-ext\",\"allow\":[\"$TEST_AKID\"],\"external_id\":\"cwl-ext-42\",\"max_duration\":7200}]}" >/dev/null
	no_env_keys
	mkdir -p "$HOME/.aws"
	printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$TEST_AKID" "$TEST_SECRET" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	cat >"$HOME/.aws/config" <<-EOF
	[profile ext]
	role_arn = arn:aws:iam::$ACCT:role/cwl-ext
	source_profile = base
	external_id = cwl-ext-42
	duration_seconds = 5400
	role_session_name = cwl-bats
	EOF
	export AWS_PROFILE=ext

	run cwl-list --credentials-source
	[ "$status" -eq 0 ]
	[ "$output" = "profile ext (role arn:aws:iam::$ACCT:role/cwl-ext via profile base)" ]

	awsctl stats --reset true >/dev/null
	run cwl-tail --since 0 --budget-get 0 /cwl/role
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 12 ]
	[ "$(counter requests.AssumeRole)" -eq 1 ]
	# everything but the AssumeRole call itself was signed by the role
	local k
	k=$(awsctl stats --get signed_by | jq -r "to_entries[] | select(.key != \"$TEST_AKID\") | .key")
	[ "$(issued_by "$k")" = sts ]
	[ "$(awsctl stats --get "signed_by.$TEST_AKID")" -eq 1 ]
	awsctl stats | jq -c '{requests, signed_by}'
	[ "$(awsctl stats --get "signed_by.$k")" -eq $(($(awsctl stats | jq '[.requests[]] | add') - 1)) ]
	awsctl keys | jq -e --arg k "$k" '.keys[] | select(.access_key_id == $k) | .arn == "arn:aws:sts::123456789012:assumed-role/cwl-ext/cwl-bats"'
	# duration_seconds: the key lives 5400 s, not STS's default 3600
	local exp now
	exp=$(awsctl keys | jq -r --arg k "$k" '.keys[] | select(.access_key_id == $k) | .expires | fromdateiso8601')
	now=$(date +%s)
	[ $((exp - now)) -gt 5300 ] && [ $((exp - now)) -le 5400 ]
}

@test "A refused AssumeRole is exit 4 naming the role ARN, in cwl-list and cwl-tail (a wrong external_id, a role the keys may not assume)" {
	aws_server_start
	aws_seed /cwl/role 1 1 >/dev/null
	awsctl roles --json "{\"roles\":[{\"arn\":\"arn:aws:iam::$ACCT:role/cwl-ext\",\"allow\":[\"$TEST_AKID\"],\"external_id\":\"cwl-ext-42\"}]}" >/dev/null
	no_env_keys
	mkdir -p "$HOME/.aws"
	printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$TEST_AKID" "$TEST_SECRET" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	cat >"$HOME/.aws/config" <<-EOF
	[profile wrongid]
	role_arn = arn:aws:iam::$ACCT:role/cwl-ext
	source_profile = base
	external_id = not-the-one
	[profile admin]
	role_arn = arn:aws:iam::$ACCT:role/cwl-admin
	source_profile = base
	EOF

	AWS_PROFILE=wrongid run cwl-tail --since 0 /cwl/role
	echo "$output"
	[ "$status" -eq 4 ]
	[ "$output" = "cwl-tail: error: DescribeLogStreams /cwl/role: assuming role arn:aws:iam::$ACCT:role/cwl-ext with credentials from profile base ($HOME/.aws/credentials): AssumeRole: AccessDenied: User: arn:aws:iam::$ACCT:user/cwl-test is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$ACCT:role/cwl-ext (HTTP 403)" ]

	AWS_PROFILE=admin run cwl-list groups
	[ "$status" -eq 4 ]
	[ "$output" = "cwl-list: error: log groups *: assuming role arn:aws:iam::$ACCT:role/cwl-admin with credentials from profile base ($HOME/.aws/credentials): AssumeRole: AccessDenied: User: arn:aws:iam::$ACCT:user/cwl-test is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::$ACCT:role/cwl-admin (HTTP 403)" ]
	# refused once each: a refusal is not retried
	[ "$(counter requests.AssumeRole)" -eq 2 ]
	[ "$(counter requests.GetLogEvents)" -eq 0 ]
	[ "$(counter requests.DescribeLogGroups)" -eq 0 ]
}

@test "mfa_serial in a profile is refused with exit 4 before any call: nobody is there to type the code" {
	aws_server_start
	no_env_keys
	mkdir -p "$HOME/.aws"
	printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$TEST_AKID" "$TEST_SECRET" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	printf '[profile mfa]\nrole_arn = %s\nsource_profile = base\nmfa_serial = arn:aws:iam::%s:mfa/cwl\n' \
		"$READER" "$ACCT" >"$HOME/.aws/config"
	awsctl stats --reset true >/dev/null

	AWS_PROFILE=mfa run cwl-tail --since 0 /cwl/none
	echo "$output"
	[ "$status" -eq 4 ]
	[ "$output" = "cwl-tail: error: DescribeLogStreams /cwl/none: AWS profile mfa: role $READER needs an MFA code (mfa_serial), which nobody is there to type" ]
	AWS_PROFILE=mfa run cwl-list --credentials-source
	[ "$status" -eq 4 ]
	[ "$output" = "cwl-list: error: AWS profile mfa: role $READER needs an MFA code (mfa_serial), which nobody is there to type" ]
	[ "$(awsctl stats | jq '.requests | length')" -eq 0 ]
}

@test "Credentials that enter the 5-minute refresh window while 50 streams are read are fetched again exactly once, not once for each of the requests signed after" {
	# The container endpoint hands out keys that live 302 s: 2 s after
	# the first fetch they are inside the window. GetLogEvents answers
	# after 0.4 s, and cwl-tail keeps 8 in flight, so the 100 requests
	# of the 50 streams take about 5 s.
	local log=$BATS_TEST_TMPDIR/requests.log
	aws_server_start --credential-ttl 302 --latency 400 --fault-ops GetLogEvents --log "$log"
	aws_seed /cwl/fifty 50 3 >/dev/null
	no_env_keys
	container_on

	run cwl-tail --since 0 --budget-get 0 /cwl/fifty
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 150 ]
	[ "$(counter requests.GetLogEvents)" -ge 100 ]
	[ "$(counter ecs.requests)" -eq 2 ]
	# the requests signed after the refresh: answered more than the
	# latency after it
	local refreshed after
	refreshed=$(awk '$5 == "ECS" { t = $1 } END { print t }' "$log")
	after=$(awk -v t="$refreshed" '$5 == "GetLogEvents" && $1 > t + 0.5' "$log" | wc -l)
	echo "GetLogEvents signed after the refresh: $after"
	[ "$after" -ge 30 ]
	# the endpoint gave the same key again, and it signed everything
	[ "$(signers)" = "$(awsctl keys | jq -r '.keys[] | select(.issued_by == "ecs") | .access_key_id')" ]
}

@test "Credentials already inside the refresh window when fetched are asked for once more, then used: 2 fetches for 100 requests, not 100" {
	# keys of 240 s: inside the window from the start; the endpoint
	# gives the same ones again
	aws_server_start --credential-ttl 240
	aws_seed /cwl/fifty 50 3 >/dev/null
	no_env_keys
	container_on

	run cwl-tail --since 0 --budget-get 0 /cwl/fifty
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 150 ]
	[ "$(counter requests.GetLogEvents)" -ge 100 ]
	[ "$(counter ecs.requests)" -eq 2 ]
}

# wait_stat PATH N [SECONDS]: until the counter PATH reaches N.
wait_stat() {
	wait_for "[ \"\$(counter $1)\" -ge $2 ]" "${3:-$WAIT_SECONDS}"
}

@test "IMDSv2: the token PUT asks for 21600 s; a long cwl-tail --follow re-uses the token across credential refreshes and gets a new one when the granted TTL runs out" {
	# Keys from instance metadata live 4 s, so they are fetched again
	# every 2 s or so; the metadata service grants tokens of 8 s only.
	aws_server_start --credential-ttl 4
	awsctl settings --imds-token-ttl 8 >/dev/null
	aws_seed /cwl/imds 1 2 >/dev/null
	no_env_keys
	imds_on

	cwl-tail -f --since 0 -d aws -E cloudwatchlogsbeat.hot_stream_event_refresh_frequency=1s \
		-E cloudwatchlogsbeat.stream_event_refresh_frequency=1s \
		/cwl/imds >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	server_register "$pid"
	# past the token's 8 s: a new one, asked before the old one is refused
	wait_stat imds.token_puts 2
	kill -TERM "$pid"
	wait "$pid"
	local fetches puts
	fetches=$(grep -c "debug: aws: credentials from EC2 instance metadata (role cwl-instance-role)" "$BATS_TEST_TMPDIR/err")
	puts=$(counter imds.token_puts)
	echo "credential fetches $fetches, token PUTs $puts"
	[ "$fetches" -eq "$(counter imds.credential_gets)" ]
	# a token serves several refreshes of the keys (every 2 s or so), and
	# is asked for again when its 8 s are over
	[ "$puts" -ge 2 ]
	[ "$fetches" -gt "$puts" ]
	[ "$(grep -c "debug: aws: EC2 instance metadata: a session token for 8 s" "$BATS_TEST_TMPDIR/err")" -eq "$puts" ]
	# every PUT carried the TTL header, asking for the most
	[ "$(awsctl stats --get imds_token_ttl_asked | jq -c .)" = "{\"21600\":$puts}" ]
	# no GET went with a dead token, or without one
	[ "$(counter imds.unauthorized)" -eq 0 ]
	[ "$(counter imds.gets_v1)" -eq 0 ]
	[ "$(counter imds.gets_v2)" -eq $((2 * fetches)) ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 2 ]
	! grep -q "warning\|error" "$BATS_TEST_TMPDIR/err"
}

@test "A session token the metadata service no longer knows (it restarted) is replaced once, and the reading goes on" {
	# keys of 14 s: fetched again about 7 s after the first time
	aws_server_start --credential-ttl 14
	aws_seed /cwl/imds 1 2 >/dev/null
	no_env_keys
	imds_on
	local port=$AWS_SERVER_PORT n

	cwl-tail -f --since 0 -E cloudwatchlogsbeat.hot_stream_event_refresh_frequency=1s \
		/cwl/imds >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	server_register "$pid"
	wait_for '[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -ge 2 ]'
	[ "$(counter imds.token_puts)" -eq 1 ]
	# a new service on the same port: it knows the keys in use, not
	# the session token
	awsctl keys | jq '[.keys[] | select(.issued_by == "imds")]' >"$BATS_TEST_TMPDIR/keys.json"
	aws_server_stop
	aws_server_start --port "$port" --credential-ttl 14 --keys "$BATS_TEST_TMPDIR/keys.json"
	[ "$AWS_SERVER_PORT" = "$port" ]
	aws_seed /cwl/imds 1 2 >/dev/null
	awsctl put --group /cwl/imds --stream stream-0000 --messages '["after the restart"]' >/dev/null
	wait_stat imds.credential_gets 1
	wait_for 'grep -q "after the restart" "$BATS_TEST_TMPDIR/out"'
	kill -TERM "$pid"
	wait "$pid"
	cat "$BATS_TEST_TMPDIR/err"
	# one refusal, one new token, used for every refresh after it (one,
	# or more on a slow machine)
	[ "$(counter imds.unauthorized)" -eq 1 ]
	[ "$(counter imds.token_puts)" -eq 1 ]
	[ "$(counter imds.credential_gets)" -ge 1 ]
	# (GetLogEvents may have met the closed port and retried)
	! grep -q "AWS credentials\|: error:" "$BATS_TEST_TMPDIR/err"
}

@test "A failed refresh keeps the current credentials while they are valid, warns once, and the reading goes on" {
	# keys of 302 s, renewed 2 s in (300 s before they expire); the
	# task's token is good for one answer: the endpoint refuses the renewal
	aws_server_start --credential-ttl 302 --ecs-auth-token "Bearer cwl-ecs-0001" --ecs-auth-token-uses 1
	aws_seed /cwl/keep 1 2 >/dev/null
	no_env_keys
	container_on
	export AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer cwl-ecs-0001"

	cwl-tail -f --since 0 -E cloudwatchlogsbeat.hot_stream_event_refresh_frequency=1s \
		/cwl/keep >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	server_register "$pid"
	wait_stat ecs.forbidden 1
	# (the next try would come 30 s later)
	awsctl put --group /cwl/keep --stream stream-0000 --messages '["after the failed refresh"]' >/dev/null
	wait_for 'grep -q "after the failed refresh" "$BATS_TEST_TMPDIR/out"'
	kill -TERM "$pid"
	wait "$pid"
	cat "$BATS_TEST_TMPDIR/err"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 3 ]
	grep -q "after the failed refresh" "$BATS_TEST_TMPDIR/out"
	[ "$(counter ecs.forbidden)" -eq 1 ]
	[ "$(counter ecs.requests)" -eq 2 ]
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "cwl-tail: warning: refreshing AWS credentials from container endpoint ($AWS_CONTAINER_CREDENTIALS_FULL_URI): container credentials from $AWS_CONTAINER_CREDENTIALS_FULL_URI: InvalidAuthorization: Authorization header is invalid (HTTP 403); using the current ones until they expire" ]
	[ "$(signers)" = "$(awsctl keys | jq -r '.keys[] | select(.issued_by == "ecs") | .access_key_id')" ]
}

# Runs cwl-list and cwl-tail at -d '*' and fails if any secret the server
# knows, the web identity token, the container's authorization token or
# an IMDS session token shows in their output.
no_secret_in_output() {
	local out=$BATS_TEST_TMPDIR/all-output s
	{
		cwl-list -d '*' groups 2>&1
		cwl-list -d '*' --credentials-source 2>&1
		cwl-tail -d '*' --since 0 /cwl/secret 2>&1
	} >"$out" || { cat "$out"; return 1; }
	grep -q "debug: aws: credentials from $1" "$out"
	grep -q '"message"' "$out"
	while read -r s; do
		[ -n "$s" ] || continue
		if grep -qF -- "$s" "$out"; then
			echo "secret shown: $s"
			return 1
		fi
	done < <(server_secrets; echo cwl-test-web-identity-token; echo cwl-ecs-secret-0001)
	! grep -q "AQAEA" "$out"
}

@test "No secret key, session token, web identity token or endpoint token shows at -d '*', whatever the source" {
	aws_server_start --ecs-auth-token "Bearer cwl-ecs-secret-0001"
	aws_seed /cwl/secret 1 2 >/dev/null
	# environment, with a session token
	local j
	j=$(awsctl keys --issue "{\"role_arn\":\"$READER\",\"session\":\"env\",\"duration\":3600}")
	AWS_ACCESS_KEY_ID=$(echo "$j" | jq -r .issued.access_key_id) \
		AWS_SECRET_ACCESS_KEY=$(echo "$j" | jq -r .issued.secret_access_key) \
		AWS_SESSION_TOKEN=$(echo "$j" | jq -r .issued.session_token) \
		no_secret_in_output environment
	no_env_keys
	web_identity_on
	no_secret_in_output "web identity"
	unset AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_ARN
	mkdir -p "$HOME/.aws"
	printf '[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
		"$TEST_AKID" "$TEST_SECRET" >"$HOME/.aws/credentials"
	chmod 600 "$HOME/.aws/credentials"
	printf '[profile reader]\nrole_arn = %s\nsource_profile = base\n' "$READER" >"$HOME/.aws/config"
	AWS_PROFILE=reader no_secret_in_output "profile reader (role"
	container_on
	AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer cwl-ecs-secret-0001" no_secret_in_output "container endpoint"
	unset AWS_CONTAINER_CREDENTIALS_FULL_URI
	imds_on
	rm "$HOME/.aws/credentials" "$HOME/.aws/config"
	no_secret_in_output "EC2 instance metadata"
}

@test "cloudwatchlogsbeat test config names the credential source it found, never the secret" {
	aws_server_start
	no_env_keys
	local cfg=$BATS_TEST_TMPDIR/cwl.yml
	cat >"$cfg" <<-EOF
	cloudwatchlogsbeat:
	  aws_region: us-east-1
	  access_key_id: $TEST_AKID
	  secret_access_key: $TEST_SECRET
	  prospectors:
	    - groupnames: ["/cwl/x"]
	EOF
	run cloudwatchlogsbeat -c "$cfg" -d '*' test config
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "Config OK: $cfg" ]
	[ "${lines[-1]}" = "Credentials: config" ]
	[[ "$output" != *"$TEST_SECRET"* ]]

	profile_keys_on
	cat >"$cfg" <<-EOF
	cloudwatchlogsbeat:
	  aws_region: us-east-1
	  credential_profile_name: default
	  prospectors:
	    - groupnames: ["/cwl/x"]
	EOF
	run cloudwatchlogsbeat -c "$cfg" test config
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "Credentials: profile default ($HOME/.aws/credentials)" ]
	[[ "$output" != *"$PROFILE_SECRET"* ]]

	rm "$HOME/.aws/credentials"
	sed -i '/credential_profile_name/d' "$cfg"
	container_on
	run cloudwatchlogsbeat -c "$cfg" test config
	[ "$status" -eq 0 ]
	[ "${lines[-1]}" = "Credentials: container endpoint ($AWS_CONTAINER_CREDENTIALS_FULL_URI)" ]
	while read -r s; do
		[[ "$output" != *"$s"* ]]
	done < <(server_secrets)
}
