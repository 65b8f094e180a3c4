#!/usr/bin/env bats
# The wrapper with cloudwatchlogsbeat.kinesis.stream: it runs cwl-kinesis
# instead of cwl-list and cwl-tail, sharing the shards through leases when
# the registry is S3 or DynamoDB, and `setup subscription` puts the
# subscription filters (or prints them, or the account-level policy).

load helpers

setup() {
	common_setup
	aws_server_start --bucket reg
	es_server_start
	CFG=$BATS_TEST_TMPDIR/cwl.yml
}

teardown() {
	if [ -n "${BEAT:-}" ]; then
		kill -TERM "$BEAT" 2>/dev/null
		for _ in $(seq 100); do kill -0 "$BEAT" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$BEAT" 2>/dev/null || true
	fi
	common_teardown
}

feed() {
	"$PY" "$REPO/tests/servers/kinesis_feed.py" "$@" >/dev/null
}

# write_config REGISTRY [EXTRA YAML]
write_config() {
	cat >"$CFG" <<EOF
cloudwatchlogsbeat:
  registry.url: "$1"
  registry.flush_interval: 200ms
  grace_period: 20s
  restart.backoff: 200ms
  retry.backoff: 20ms
  retry.max_backoff: 500ms
  kinesis.stream: cwl-logs
  kinesis.poll_frequency: 200ms
  kinesis.lease_timeout: 2s
  kinesis.subscription.role_arn: arn:aws:iam::123456789012:role/CWLtoKinesisRole
  prospectors:
    - groupnames: ["/app/*", /other]
output.elasticsearch:
  hosts: ["$ES_URL"]
  flush_interval: 200ms
${2:-}
EOF
}

start_beat() {
	cloudwatchlogsbeat -c "$CFG" "$@" >"$BATS_TEST_TMPDIR/beat.out" 2>"$BATS_TEST_TMPDIR/beat.err" &
	BEAT=$!
}

stop_beat() {
	kill -TERM "$BEAT"
	wait "$BEAT" && STOP_STATUS=0 || STOP_STATUS=$?
	BEAT=
}

check_exact() {
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "kinesis.stream: the beat reads the subscription's stream; every event indexed once; SIGTERM drains; restart resumes" {
	feed subscribe cwl-logs 2 /app/a /app/b
	feed put /app/a s 150
	feed put /app/b s 50
	write_config "file:$BATS_TEST_TMPDIR/reg.ndjson"
	start_beat -v
	es_wait_count 200 "" 60
	feed put /app/a t 100
	es_wait_count 300 "" 60
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	grep -q "pipeline started" beat.err
	! grep -q "cwl-list\|cwl-tail exited" beat.err
	grep -q "cwl-kinesis exited" beat.err
	check_exact
	[[ "$output" == *"server 300, index 300, missing 0, extra 0, duplicated 0"* ]]
	# the registry holds both shards; a restart reads only what is new
	[ "$(cwl-registry get "file:$BATS_TEST_TMPDIR/reg.ndjson" | grep -c '"group":"@kinesis/cwl-logs"')" -eq 2 ]
	es_ctl stats '{"reset":true}' >/dev/null 2>&1 || true
	feed put /app/b u 20
	start_beat
	es_wait_count 320 "" 60
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	check_exact
	[[ "$output" == *"server 320, index 320, missing 0, extra 0, duplicated 0"* ]]
}

@test "kinesis.stream with an S3 registry: two beats share the shards through leases beside the checkpoints" {
	feed subscribe cwl-logs 4 /app/a
	for i in 1 2 3 4 5 6; do feed put /app/a "s$i" 50; done
	write_config s3://reg/cwl/
	start_beat
	B1=$BEAT
	cloudwatchlogsbeat -c "$CFG" >beat2.out 2>beat2.err &
	B2=$!
	es_wait_count 300 "" 90
	for i in 7 8 9 10; do feed put /app/a "s$i" 50; done
	es_wait_count 500 "" 90
	kill -TERM "$B2"
	wait "$B2"
	stop_beat
	[ "$STOP_STATUS" -eq 0 ]
	check_exact
	[[ "$output" == *"server 500, index 500, missing 0, extra 0, duplicated 0"* ]]
	run aws_cli s3api list-objects-v2 --bucket reg --prefix cwl/ --query 'Contents[].Key' --output text
	[[ "$output" == *"cwl/@kinesis/cwl-logs/shardId-000000000000.lease"* ]]
	[[ "$output" == *"cwl/@kinesis/cwl-logs.json"* ]]
}

@test "setup subscription: --dry-run prints the requests and sends none; then puts a filter on each group; --account-policy" {
	feed subscribe cwl-logs 1 /app/seed
	aws_cli logs create-log-group --log-group-name /app/x
	aws_cli logs create-log-group --log-group-name /other
	aws_cli logs create-log-group --log-group-name /not/mine
	write_config memory:
	run cloudwatchlogsbeat -c "$CFG" setup subscription --dry-run
	[ "$status" -eq 0 ]
	echo "$output"
	[ "$(awsctl stats --get requests.PutSubscriptionFilter)" = 1 ]	# the subscribe above
	[ "$(echo "$output" | grep -c '^POST Logs_20140328.PutSubscriptionFilter$')" -eq 3 ]
	echo "$output" | grep -q '^{"logGroupName":"/app/x","filterName":"cloudwatchlogsbeat","filterPattern":"","destinationArn":"arn:aws:kinesis:us-east-1:123456789012:stream/cwl-logs","roleArn":"arn:aws:iam::123456789012:role/CWLtoKinesisRole","distribution":"ByLogStream"}$'
	echo "$output" | grep -q "^aws logs put-account-policy --policy-name cloudwatchlogsbeat --policy-type SUBSCRIPTION_FILTER_POLICY --scope ALL --policy-document '{\"DestinationArn\":\"arn:aws:kinesis:us-east-1:123456789012:stream/cwl-logs\""
	run cloudwatchlogsbeat -c "$CFG" setup subscription
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/app/seed: subscription filter cloudwatchlogsbeat to arn:aws:kinesis:us-east-1:123456789012:stream/cwl-logs: put" ]
	for g in /app/seed /app/x /other; do
		run aws_cli logs describe-subscription-filters --log-group-name "$g" --query 'subscriptionFilters[].filterName' --output text
		[[ "$output" == *cloudwatchlogsbeat* ]]
	done
	run aws_cli logs describe-subscription-filters --log-group-name /not/mine --query 'subscriptionFilters' --output text
	[ -z "$output" ]
	# run again: the filters are replaced, not added
	cloudwatchlogsbeat -c "$CFG" setup subscription >/dev/null
	run aws_cli logs describe-subscription-filters --log-group-name /app/x --query 'length(subscriptionFilters)'
	[ "$output" = 1 ]
	run cloudwatchlogsbeat -c "$CFG" setup subscription --account-policy
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[2]}" == "aws logs put-account-policy "* ]]
}

@test "setup subscription: no role, no group, a group that does not exist, a stream that does not exist" {
	feed subscribe cwl-logs 1 /app/seed
	write_config memory:
	run cloudwatchlogsbeat -c "$CFG" -E cloudwatchlogsbeat.kinesis.subscription.role_arn= setup subscription
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: setup: no role for CloudWatch Logs to write to the stream: set cloudwatchlogsbeat.kinesis.subscription.role_arn (docs/iam.md)" ]
	run cwl-kinesis -c "$CFG" -E 'cloudwatchlogsbeat.prospectors=[]' setup
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: setup: no log group to subscribe: set cloudwatchlogsbeat.kinesis.groups (or prospectors)" ]
	run cwl-kinesis -c "$CFG" -E 'cloudwatchlogsbeat.kinesis.groups=[/app/seed, /nope]' setup
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "/app/seed: subscription filter cloudwatchlogsbeat to arn:aws:kinesis:us-east-1:123456789012:stream/cwl-logs: put" ]
	[[ "$output" == *"cwl-kinesis: error: /nope: PutSubscriptionFilter: ResourceNotFoundException: The specified log group does not exist. (HTTP 400)"* ]]
	[[ "$output" == *"cwl-kinesis: error: setup: some groups were not subscribed" ]]
	run cwl-kinesis -c "$CFG" setup nostream
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-kinesis: error: stream nostream: DescribeStreamSummary: ResourceNotFoundException: Stream nostream under account 123456789012 not found. (HTTP 400)" ]
	run cloudwatchlogsbeat -c "$CFG" setup subscription --bogus
	[ "$status" -eq 2 ]
}

@test "test config and version know cwl-kinesis" {
	write_config memory:
	run cloudwatchlogsbeat -c "$CFG" test config
	[ "$status" -eq 0 ]
	[[ "$output" == *"Config OK"* ]]
	run cloudwatchlogsbeat version
	[[ "$output" == *"cwl-kinesis 0."* ]]
	printf 'cloudwatchlogsbeat:\n  kinesis.poll_frequency: soon\n' >bad.yml
	run cloudwatchlogsbeat -c bad.yml test config
	[ "$status" -eq 2 ]
}
