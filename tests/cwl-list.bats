#!/usr/bin/env bats
# cwl-list against the local AWS server: paging, prefixes and patterns,
# --active-since, --watch, --shard, throttling, refused credentials, and
# every usage and configuration error.

load helpers

# start [SERVER ARGS...]: the AWS server, and a config with fast retries.
start() {
	aws_server_start "$@"
	fast_retries "$BATS_TEST_TMPDIR/fast.yml"
	export CWL_CONFIG=$BATS_TEST_TMPDIR/fast.yml
}

# count of lines of a file, or of stdin
lines() { wc -l <"${1:-/dev/stdin}" | tr -d ' '; }

# rounds OP N: waits until the server has answered N more calls of OP,
# so that what a watch does in its rounds has been done.
rounds() {
	local n
	n=$(awsctl stats --get "requests.$1")
	wait_for "[ \"\$(awsctl stats --get requests.$1)\" -ge $((n + $2)) ]"
}

@test "cwl-list: usage errors exit 2 with the reason" {
	run cwl-list
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-list: error: say what to list: groups or streams"* ]]
	[[ "$output" == *"usage: cwl-list [options] groups"* ]]
	run cwl-list tables
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-list: error: 'tables': expected groups or streams"* ]]
	run cwl-list -o yaml groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-list: error: -o 'yaml': expected json, plain or table"* ]]
	run cwl-list --json --plain groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: give one output format"* ]]
	run cwl-list --limit 0 streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --limit '0': expected a number of streams, 1 or more"* ]]
	run cwl-list --order-by size streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --order-by 'size': expected name or last-event"* ]]
	run cwl-list --shard 4/3 streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --shard '4/3': I must be between 1 and N"* ]]
	run cwl-list --shard 1-3 streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --shard '1-3': expected I/N, like 1/3"* ]]
	run cwl-list --prefix x groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --prefix, --pattern, --active-since, --order-by and --limit apply to streams"* ]]
	run cwl-list --pattern abc streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --pattern 'abc': no wildcard (use --prefix)"* ]]
	run cwl-list --watch --limit 3 streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --limit and --watch do not go together"* ]]
	run cwl-list --watch=soon streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --watch: invalid duration 'soon'"* ]]
	run cwl-list --watch=10ms streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --watch '10ms': shorter than 100ms"* ]]
	run cwl-list --active-since 2026-13-01 streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --active-since: invalid time '2026-13-01': month out of range"* ]]
	run cwl-list streams '/bad group'
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: '/bad group': not a log group name, prefix or pattern"* ]]
	run cwl-list --bogus groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: cwl-list"* ]]
	run cwl-list streams
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: name the log groups, here or in the config (cloudwatchlogsbeat.prospectors[].groupnames)"* ]]
}

@test "cwl-list: --help and --version" {
	run cwl-list --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--active-since T"* ]]
	run cwl-list --version
	[ "$status" -eq 0 ]
	[[ "$output" == "cwl-list 0."* ]]
}

@test "cwl-list: configuration errors exit 2 naming file and line" {
	printf 'cloudwatchlogsbeat:\n  shard: half\n' >c.yml
	run cwl-list -c c.yml streams /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:2: cloudwatchlogsbeat.shard: 'half': expected I/N, like 1/3" ]
	printf 'cloudwatchlogsbeat:\n  request_budget.describe: fast\n' >c.yml
	run cwl-list -c c.yml streams /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:2: cloudwatchlogsbeat.request_budget.describe: not a number: 'fast'" ]
	printf 'cloudwatchlogsbeat:\n  request_budget.describe: -1\n' >c.yml
	run cwl-list -c c.yml streams /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:2: cloudwatchlogsbeat.request_budget.describe: a rate can not be negative" ]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: ["/ok", "not ok"]\n' >c.yml
	run cwl-list -c c.yml streams
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:3: cloudwatchlogsbeat.prospectors.0.groupnames: 'not ok': not a log group name, prefix or pattern (letters, digits and ._-/# with * ? [...])" ]
	run cwl-list -c missing.yml groups
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: config file missing.yml: No such file or directory" ]
	run cwl-list -E cloudwatchlogsbeat.stream_refresh_frequency=soon streams /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: -E cloudwatchlogsbeat.stream_refresh_frequency=soon: cloudwatchlogsbeat.stream_refresh_frequency: not a duration: 'soon'" ]
	unset AWS_REGION AWS_DEFAULT_REGION
	run cwl-list streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-list: error: no AWS region"* ]]
}

@test "cwl-list: a region that cannot be one is exit 2, naming where it came from" {
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	run env AWS_REGION='us east' cwl-list streams /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: AWS region 'us east' (AWS_REGION): not a region name (letters, digits and '-', as in eu-west-1)" ]
	run env AWS_REGION=eu-west-1 cwl-list -E cloudwatchlogsbeat.aws_region=eu_west_1 --check-config
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: AWS region 'eu_west_1' (the config): not a region name (letters, digits and '-', as in eu-west-1)" ]
	mkdir -p "$HOME/.aws"
	printf '[default]\nregion = -eu-west-1\n' >"$HOME/.aws/config"
	run cwl-list streams /g
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: AWS region '-eu-west-1' (profile default of $HOME/.aws/config): not a region name (letters, digits and '-', as in eu-west-1)" ]
	run env AWS_REGION=123 cwl-list streams /g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-list: error: AWS region '123' (AWS_REGION): not a region name"* ]]
}

@test "cwl-list: an endpoint that does not answer: a warning at the first failure says what is retried, then exit 1" {
	printf 'cloudwatchlogsbeat:\n  retry.backoff: 5ms\n  retry.max_backoff: 20ms\n  retry.max_attempts: 3\n' >c.yml
	export AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_REGION=us-east-1
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	run cwl-list -c c.yml streams /g
	[ "$status" -eq 1 ]
	# one warning, at the first failure, not one per attempt
	[ "${lines[0]}" = "cwl-list: warning: DescribeLogStreams: POST http://127.0.0.1:1/: Connection refused; retrying, 3 attempts in all" ]
	[ "${lines[1]}" = "cwl-list: error: log group /g: DescribeLogStreams: POST http://127.0.0.1:1/: Connection refused" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "cwl-list: groups pages past 50, with the API's fields" {
	start
	aws_seed --group_count 73 --group_prefix /cwl/many/g- --streams 1 >/dev/null
	aws_seed /other/x 1 >/dev/null
	run cwl-list groups
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | lines)" -eq 74 ]
	[ "$(awsctl stats --get requests.DescribeLogGroups)" -eq 2 ]
	first=$(printf '%s\n' "$output" | head -n 1)
	[ "$(jq -r .logGroupName <<<"$first")" = /cwl/many/g-0000 ]
	[ "$(jq -r 'keys | sort | join(",")' <<<"$first")" = \
		"accountId,arn,creationTime,logGroupArn,logGroupClass,logGroupName,metricFilterCount,storedBytes" ]
	run cwl-list --plain groups
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /cwl/many/g-0000 ]
	[ "${lines[73]}" = /other/x ]
	[ "${#lines[@]}" -eq 74 ]
}

@test "cwl-list: groups by prefix, by pattern, several at once, each once" {
	start
	for g in /aws/lambda/prod-api /aws/lambda/dev-api /aws/ecs/prod-web /app/prod-x /aws/lambda/prod-api/v2; do
		awsctl create-group --group "$g" >/dev/null
	done
	run cwl-list --plain groups /aws/lambda/
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/aws/lambda/dev-api\n/aws/lambda/prod-api\n/aws/lambda/prod-api/v2')" ]
	run cwl-list --plain groups '/aws/*/prod-*'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/aws/ecs/prod-web\n/aws/lambda/prod-api\n/aws/lambda/prod-api/v2')" ]
	run cwl-list --plain groups '/aws/*/prod-???' /app '/aws/lambda/prod*'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/aws/ecs/prod-web\n/aws/lambda/prod-api\n/app/prod-x\n/aws/lambda/prod-api/v2')" ]
	run cwl-list --plain groups /nothing/here
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "cwl-list: streams page past 50 per group, for several groups" {
	start
	aws_seed /cwl/a 120 1 >/dev/null
	aws_seed /cwl/b 51 1 >/dev/null
	run cwl-list streams /cwl/a /cwl/b
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | lines)" -eq 171 ]
	[ "$(printf '%s\n' "$output" | jq -r .logGroupName | sort | uniq -c | awk '{print $1 $2}' | paste -sd' ')" = "120/cwl/a 51/cwl/b" ]
	# logGroupName comes first, then the API's fields unchanged
	first=$(printf '%s\n' "$output" | head -n 1)
	[[ "$first" == '{"logGroupName":"/cwl/a","logStreamName":"stream-0000","creationTime":'* ]]
	[ "$(jq -r 'keys | sort | join(",")' <<<"$first")" = \
		"arn,creationTime,firstEventTimestamp,lastEventTimestamp,lastIngestionTime,logGroupName,logStreamName,storedBytes,uploadSequenceToken" ]
	[ "$(printf '%s\n' "$output" | jq -r .logStreamName | sort -u | lines)" -eq 120 ]
	[ "$(awsctl stats --get requests.DescribeLogStreams)" -eq 5 ]
	# a prefix or pattern selects groups first
	run cwl-list --plain streams '/cwl/*'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 171 ]
	[ "${lines[0]}" = /cwl/a:stream-0000 ]
	[ "${lines[170]}" = /cwl/b:stream-0050 ]
}

@test "cwl-list: --prefix, --pattern, --order-by last-event, --limit" {
	start
	aws_seed /cwl/s --stream_names '["web-1","web-2","api-1","api-2","web-3"]' --events 1 >/dev/null
	now=$(date +%s%3N)
	awsctl put --group /cwl/s --stream api-1 --messages '["late"]' --timestamp "$now" >/dev/null
	run cwl-list --plain streams /cwl/s --prefix web-
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/cwl/s:web-1\n/cwl/s:web-2\n/cwl/s:web-3')" ]
	run cwl-list --plain streams /cwl/s --pattern '*-2'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/cwl/s:api-2\n/cwl/s:web-2')" ]
	run cwl-list --plain streams /cwl/s --order-by last-event --limit 1
	[ "$status" -eq 0 ]
	[ "$output" = /cwl/s:api-1 ]
	run cwl-list --plain streams /cwl/s --order-by last-event --prefix web --limit 2
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == /cwl/s:web-* ]]
	run cwl-list --plain streams /cwl/s --limit 2
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/cwl/s:api-1\n/cwl/s:api-2')" ]
}

@test "cwl-list: --active-since uses lastIngestionTime when lastEventTimestamp is late" {
	# lastEventTimestamp shows only events ingested 2 hours ago or more
	start --last-event-lag 7200
	now=$(date +%s%3N)
	old=$((now - 3 * 3600 * 1000))
	awsctl put --group /cwl/t --stream fresh --messages '["now"]' --timestamp "$now" >/dev/null
	awsctl put --group /cwl/t --stream stale --messages '["then"]' --timestamp "$old" \
		--ingestion_time "$old" >/dev/null
	run cwl-list streams /cwl/t
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	run cwl-list streams /cwl/t --active-since 1h
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .logStreamName <<<"$output")" = fresh ]
	# the late field is missing: only lastIngestionTime told it was active
	[ "$(jq -r '.lastEventTimestamp // "none"' <<<"$output")" = none ]
	run cwl-list --plain streams /cwl/t --active-since "$(date -u -d @$((old / 1000 - 60)) +%Y-%m-%dT%H:%M:%SZ)"
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/cwl/t:fresh\n/cwl/t:stale')" ]
	# the config's stream_last_event_horizon is the default
	run cwl-list --plain -E cloudwatchlogsbeat.stream_last_event_horizon=30m streams /cwl/t
	[ "$status" -eq 0 ]
	[ "$output" = /cwl/t:fresh ]
}

@test "cwl-list: a missing group is an error (exit 1), a warning under --watch" {
	start
	aws_seed /cwl/here 2 1 >/dev/null
	run cwl-list --plain streams /cwl/nope /cwl/here
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-list: error: log group /cwl/nope: does not exist"* ]]
	[[ "$output" == *"/cwl/here:stream-0001"* ]]
	cwl-list --plain --watch=200ms streams /cwl/nope /cwl/here >out 2>err &
	pid=$!
	server_register "$pid"
	wait_for '[ "$(lines out)" -ge 2 ]'
	# three more rounds, of two groups each, ask again for the missing one
	rounds DescribeLogStreams 6
	kill -TERM "$pid"
	wait "$pid"
	[ "$(grep -c 'cwl-list: warning: log group /cwl/nope: does not exist (yet)' err)" -eq 1 ]
	[ -z "$(grep error err)" ]
	[ "$(lines out)" -eq 2 ]
}

@test "cwl-list: --watch sees a new stream and new events within one interval, stops on SIGTERM" {
	start
	aws_seed /cwl/w 3 1 >/dev/null
	cwl-list --plain --watch=1s -E cloudwatchlogsbeat.group_refresh_frequency=1s \
		streams '/cwl/w*' >out 2>err &
	pid=$!
	server_register "$pid"
	wait_for '[ "$(lines out)" -ge 3 ]'
	[ "$(lines out)" -eq 3 ]
	awsctl create-stream --group /cwl/w --stream born-later >/dev/null
	awsctl put --group /cwl/w --stream stream-0001 --messages '["again"]' >/dev/null
	awsctl create-stream --group /cwl/w2 --stream in-a-new-group >/dev/null
	wait_for '[ "$(lines out)" -ge 6 ]'
	[ "$(lines out)" -eq 6 ]
	grep -qx /cwl/w:born-later out
	[ "$(grep -cx /cwl/w:stream-0001 out)" -eq 2 ]
	grep -qx /cwl/w2:in-a-new-group out
	# nothing changes: two more rounds over both groups write nothing
	rounds DescribeLogStreams 6
	[ "$(lines out)" -eq 6 ]
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	cat err
	[ "$st" -eq 0 ]
	[ ! -s err ]
}

@test "cwl-list: groups --watch writes each group once, as it appears" {
	start
	awsctl create-group --group /cwl/gw/a >/dev/null
	printf 'cloudwatchlogsbeat.groupnames: [/cwl/gw/a, /cwl/gw/b, /cwl/gw/later]\n' >c.yml
	cwl-list -c c.yml --plain --watch=300ms groups >out 2>err &
	pid=$!
	server_register "$pid"
	wait_for_file out
	# b is created once the watch has found it missing
	wait_for 'grep -q "log group /cwl/gw/b: does not exist" err'
	awsctl create-group --group /cwl/gw/b >/dev/null
	wait_for '[ "$(lines out)" -ge 2 ]'
	# three more rounds, of three names each: nothing more is written
	rounds DescribeLogGroups 9
	[ "$(cat out | paste -sd' ')" = "/cwl/gw/a /cwl/gw/b" ]
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	[ "$(grep -c 'warning: log group /cwl/gw/later: does not exist (yet)' err)" -eq 1 ]
	[ "$(grep -c 'log group /cwl/gw/b' err)" -eq 1 ]
}

@test "cwl-list: --watch ends quietly when its reader goes away" {
	start
	aws_seed /cwl/r 2 1 >/dev/null
	# it ends by itself, with 0: not at timeout's hand (124)
	run timeout 120 bash -c 'cwl-list --plain --watch=200ms streams /cwl/r 2>err | head -n 1; echo "${PIPESTATUS[*]}"'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = /cwl/r:stream-0000 ]
	[ "${lines[1]}" = "0 0" ]
	[ ! -s err ]
}

@test "cwl-list: groups | head -1 exits 0 with no message" {
	start
	aws_seed --group_count 120 --group_prefix /cwl/h- >/dev/null
	run bash -c 'set -o pipefail; cwl-list groups 2>err | head -n 1'
	[ "$status" -eq 0 ]
	[ "$(jq -r .logGroupName <<<"$output")" = /cwl/h-0000 ]
	[ ! -s err ]
}

@test "cwl-list: --shard 1/3, 2/3, 3/3 give every stream exactly once" {
	start
	aws_seed /cwl/sh 90 1 >/dev/null
	aws_seed /cwl/sh2 30 1 >/dev/null
	cwl-list --plain streams /cwl/sh /cwl/sh2 | sort >all
	[ "$(lines all)" -eq 120 ]
	for i in 1 2 3; do
		cwl-list --plain --shard "$i/3" streams /cwl/sh /cwl/sh2 >"s$i"
		[ "$(lines "s$i")" -gt 10 ]
	done
	sort s1 s2 s3 >union
	cmp all union
	[ -z "$(sort s1 s2 s3 | uniq -d)" ]
	# the same from the config
	cwl-list --plain -E cloudwatchlogsbeat.shard=2/3 streams /cwl/sh /cwl/sh2 >c2
	cmp s2 c2
	# groups shard by name
	cwl-list --plain --shard 1/2 groups /cwl/sh >g1
	cwl-list --plain --shard 2/2 groups /cwl/sh >g2
	[ "$(cat g1 g2 | sort | paste -sd' ')" = "/cwl/sh /cwl/sh2" ]
}

@test "cwl-list: --shard takes two accounts' same-named groups and streams by their own keys, ACCOUNT:GROUP for a linked one" {
	start
	A=444455556666
	arn=arn:aws:logs:us-east-1:$A:log-group
	for k in 0 1 2 3 4 5 6 7; do
		awsctl put --group /cwl/lsh --stream "s$k" --messages '["own"]' >/dev/null
		awsctl put --group /cwl/lsh --stream "s$k" --account $A --messages '["src"]' >/dev/null
	done
	for k in 0 1 2 3 4 5; do
		awsctl put --group "/cwl/lshg$k" --stream s --messages '["own"]' >/dev/null
		awsctl put --group "/cwl/lshg$k" --stream s --account $A --messages '["src"]' >/dev/null
	done
	# streams, then groups: each of the two accounts' in exactly one
	# shard, all of them in the union
	for what in streams groups; do
		if [ $what = streams ]; then set -- /cwl/lsh; else set -- '/cwl/lshg*'; fi
		cwl-list --plain --include-linked-accounts $what "$@" | sort >all
		[ "$(lines all)" -eq "$([ $what = streams ] && echo 16 || echo 12)" ]
		for i in 1 2 3; do
			cwl-list --plain --include-linked-accounts --shard "$i/3" $what "$@" >"$what$i"
			[ -s "$what$i" ]
		done
		sort "${what}1" "${what}2" "${what}3" >union
		cmp all union
		[ -z "$(sort "${what}1" "${what}2" "${what}3" | uniq -d)" ]
	done
	# the linked ones are hashed by their own key, not by the name they
	# share with the own ones: some fall in another shard than their
	# namesakes (with the name alone, every pair would share a shard)
	apart=0
	for k in 0 1 2 3 4 5 6 7; do
		own=$(grep -lx "/cwl/lsh:s$k" streams1 streams2 streams3)
		src=$(grep -lx "$arn:/cwl/lsh:log-stream:s$k" streams1 streams2 streams3)
		[ "$own" = "$src" ] || apart=$((apart + 1))
	done
	echo "streams apart: $apart of 8"
	[ "$apart" -gt 0 ]
	apart=0
	for k in 0 1 2 3 4 5; do
		own=$(grep -lx "/cwl/lshg$k" groups1 groups2 groups3)
		src=$(grep -lx "$arn:/cwl/lshg$k" groups1 groups2 groups3)
		[ "$own" = "$src" ] || apart=$((apart + 1))
	done
	echo "groups apart: $apart of 6"
	[ "$apart" -gt 0 ]
}

@test "cwl-list: throttling of half the requests still gives the complete list" {
	start
	aws_seed /cwl/th 230 1 >/dev/null
	aws_seed --group_count 60 --group_prefix /cwl/thg- >/dev/null
	awsctl faults --throttle 0.5 --seed 11 >/dev/null
	run cwl-list --plain streams /cwl/th
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 230 ]
	[ "$(printf '%s\n' "$output" | sort -u | lines)" -eq 230 ]
	run cwl-list --plain groups /cwl/thg-
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 60 ]
	[ "$(awsctl stats --get faults.throttle)" -gt 2 ]
}

@test "cwl-list: throttling past the retry budget exits 1" {
	start
	aws_seed /cwl/tt 2 1 >/dev/null
	awsctl faults --throttle 1 >/dev/null
	run cwl-list -E cloudwatchlogsbeat.retry.max_attempts=3 streams /cwl/tt
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-list: error: log group /cwl/tt: DescribeLogStreams: ThrottlingException: "*"(HTTP 400)" ]]
	[ "$(awsctl stats --get requests.DescribeLogStreams)" -eq 3 ]
}

@test "cwl-list: a refused signature exits 4, without the secret" {
	start
	aws_seed /cwl/auth 1 1 >/dev/null
	export AWS_SECRET_ACCESS_KEY=notTheRightSecret0000000000000000000000001
	run cwl-list streams /cwl/auth
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-list: error: log group /cwl/auth: DescribeLogStreams: InvalidSignatureException: "* ]]
	[[ "$output" != *notTheRightSecret* ]]
	export AWS_ACCESS_KEY_ID=AKIAUNKNOWN000000000
	run cwl-list groups
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-list: error: log groups *: DescribeLogGroups: UnrecognizedClientException: "* ]]
}

@test "cwl-list: the config's prospectors name the groups" {
	start
	aws_seed /app/one 2 1 >/dev/null
	aws_seed /app/two-a 1 1 >/dev/null
	aws_seed /app/two-b 1 1 >/dev/null
	aws_seed /app/three --stream_names '["x-1","y-1"]' --events 1 >/dev/null
	cat >c.yml <<-'EOF'
	cloudwatchlogsbeat:
	  retry.backoff: 5ms
	  prospectors:
	    - id: one
	      groupnames: [/app/one, /app/two-*]
	    - id: three
	      groupnames: /app/three
	      stream_prefix: y-
	EOF
	run cwl-list -c c.yml --plain streams
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/app/one:stream-0000\n/app/one:stream-0001\n/app/two-a:stream-0000\n/app/two-b:stream-0000\n/app/three:y-1')" ]
	run cwl-list -c c.yml --plain groups
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '/app/one\n/app/two-a\n/app/two-b\n/app/three')" ]
	# arguments win over the config
	run cwl-list -c c.yml --plain streams /app/two-a
	[ "$status" -eq 0 ]
	[ "$output" = /app/two-a:stream-0000 ]
}

@test "cwl-list: the request budget spaces the calls" {
	start
	aws_seed --group_count 160 --group_prefix /cwl/b- >/dev/null
	t0=$(date +%s%3N)
	run cwl-list --plain -E cloudwatchlogsbeat.request_budget.describe=2 groups /cwl/b-
	t1=$(date +%s%3N)
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 160 ]
	# 4 pages: the first two at once (a burst of 2), then one every 500 ms
	[ "$(awsctl stats --get requests.DescribeLogGroups)" -eq 4 ]
	[ $((t1 - t0)) -ge 900 ]
}

@test "cwl-list: a table on request, aligned" {
	start
	awsctl create-group --group /cwl/tab --retention 30 >/dev/null
	awsctl create-group --group /cwl/tab-longer-name >/dev/null
	run cwl-list --table groups /cwl/tab
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "NAME                  CREATED              RETENTION     STORED  CLASS" ]
	[[ "${lines[1]}" =~ ^/cwl/tab\ {14}[0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8}\ \ 30\ days\ {7}0\ B\ {5}STANDARD$ ]]
	[[ "${lines[2]}" =~ ^/cwl/tab-longer-name\ \ [0-9-]{10}\ [0-9:]{8}\ \ never\ expire\ \ 0\ B\ {5}STANDARD$ ]]
	[ "${#lines[@]}" -eq 3 ]
	aws_seed /cwl/tab 1 1 >/dev/null
	run cwl-list -o table streams /cwl/tab
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "GROUP     STREAM       CREATED              LAST EVENT           LAST INGESTION" ]]
	[[ "${lines[1]}" =~ ^/cwl/tab\ \ stream-0000\ \ [0-9]{4}-[0-9]{2}-[0-9]{2}\ [0-9:]{8} ]]
}

@test "cwl-list: terminal escapes in names and arguments reach no terminal: '?' for each control character" {
	start
	awsctl create-group --group /cwl/esc >/dev/null
	awsctl create-stream --group /cwl/esc --stream "$(printf 's\033[2Jx')" >/dev/null
	run cwl-list --table streams /cwl/esc
	[ "$status" -eq 0 ]
	[[ "${lines[1]}" =~ ^/cwl/esc\ \ s\?\[2Jx\ \  ]]
	[[ "$output" != *$'\033'* ]]
	# plain names: cleaned on a terminal, as they are for a pipe
	script -qec "cwl-list --plain streams /cwl/esc" /dev/null >tty.out
	grep -q '^/cwl/esc:s?\[2Jx' tty.out
	! grep -q $'\033' tty.out
	run cwl-list --plain streams /cwl/esc
	[ "$output" = "$(printf '/cwl/esc:s\033[2Jx')" ]
	# JSON escapes it
	run cwl-list --json streams /cwl/esc
	[[ "$output" == *'"logStreamName":"s\u001b[2Jx"'* ]]
	# an argument echoed in an error
	run cwl-list groups "$(printf 'a\033[31mb')"
	[ "$status" -eq 2 ]
	[[ "${lines[0]}" == "cwl-list: error: 'a?[31mb': not a log group name"* ]]
	run cwl-list "$(printf -- '--x\033]0;title\007')" groups
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cwl-list: error: unknown option '--x?]0;title?'" ]
	[[ "$output" != *$'\033'* ]]
}

@test "cwl-list: --credentials-source names where the keys came from" {
	start
	run cwl-list --credentials-source
	[ "$status" -eq 0 ]
	[ "$output" = environment ]
	unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
	run cwl-list --credentials-source
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-list: error: "* ]]
}

@test "cwl-list: --include-linked-accounts lists the linked accounts' groups too, with their account and ARN; --account-id picks accounts" {
	start
	awsctl put --group /app/web --stream s --messages '["own"]' >/dev/null
	awsctl put --group /app/web --stream s --account 111122223333 --messages '["a"]' >/dev/null
	awsctl put --group /app/web --stream s --account 444455556666 --messages '["b"]' >/dev/null
	awsctl put --group /app/db --stream t --account 111122223333 --messages '["c"]' >/dev/null
	arn=arn:aws:logs:us-east-1
	# without the flag: the monitoring account's own groups, with their account
	run cwl-list --json groups /app
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.logGroupName, .accountId, .logGroupIdentifier]')" = '["/app/web","123456789012",null]' ]
	run cwl-list --plain --include-linked-accounts groups /app
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "$arn:111122223333:log-group:/app/db" /app/web \
		"$arn:111122223333:log-group:/app/web" "$arn:444455556666:log-group:/app/web")" ]
	run cwl-list --json --include-linked-accounts groups /app/web
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.accountId, .logGroupIdentifier]' | sort)" = "$(printf '%s\n' \
		'["111122223333","'$arn':111122223333:log-group:/app/web"]' '["123456789012",null]' \
		'["444455556666","'$arn':444455556666:log-group:/app/web"]')" ]
	run cwl-list --plain --include-linked-accounts --account-id 444455556666 groups
	[ "$status" -eq 0 ]
	[ "$output" = "$arn:444455556666:log-group:/app/web" ]
	# streams: exact names reach every account's group of that name
	run cwl-list --json --include-linked-accounts --account-id 111122223333 streams /app/web /app/db
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | jq -c '[.logGroupName, .logGroupIdentifier, .accountId, .logStreamName]')" = "$(printf '%s\n' \
		'["/app/web","'$arn':111122223333:log-group:/app/web","111122223333","s"]' \
		'["/app/db","'$arn':111122223333:log-group:/app/db","111122223333","t"]')" ]
	run cwl-list --plain --include-linked-accounts streams '/app/w*'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' /app/web:s "$arn:111122223333:log-group:/app/web:log-stream:s" \
		"$arn:444455556666:log-group:/app/web:log-stream:s")" ]
	# every request names the group one way: the server refuses both
	[ "$(awsctl stats | jq '.status["400"] // 0')" = 0 ]
	# the prospector's settings
	cat >c.yml <<-'EOF'
	cloudwatchlogsbeat:
	  retry.backoff: 5ms
	  prospectors:
	    - groupnames: [/app/db]
	      include_linked_accounts: true
	      account_ids: ["111122223333"]
	    - groupnames: [/app/web]
	EOF
	run cwl-list -c c.yml --plain streams
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "$arn:111122223333:log-group:/app/db:log-stream:t" /app/web:s)" ]
	run cwl-list -c c.yml --check-config
	[ "$status" -eq 0 ]
}

@test "cwl-list: linked-account usage and configuration errors exit 2 with the reason" {
	run cwl-list --account-id 111122223333 groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-list: error: --account-id goes with --include-linked-accounts"* ]]
	run cwl-list --include-linked-accounts --account-id 1234 groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-list: error: --account-id: '1234': not an AWS account id (12 digits)"* ]]
	args=()
	for i in $(seq 100000000001 100000000021); do args+=(--account-id "$i"); done
	run cwl-list --include-linked-accounts "${args[@]}" groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-list: error: --account-id: 21 account ids: at most 20"* ]]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      account_ids: ["111122223333"]\n' >c.yml
	run cwl-list -c c.yml --check-config
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:4: cloudwatchlogsbeat.prospectors.0.account_ids without include_linked_accounts: true" ]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      include_linked_accounts: true\n      account_ids: ["111122223333", "12345678901x"]\n' >c.yml
	run cwl-list -c c.yml streams
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:5: cloudwatchlogsbeat.prospectors.0.account_ids: '12345678901x': not an AWS account id (12 digits)" ]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      include_linked_accounts: true\n      account_ids: {a: 1}\n' >c.yml
	run cwl-list -c c.yml --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-list: error: c.yml:5: cloudwatchlogsbeat.prospectors.0.account_ids"* ]]
	ids=$(seq -s, 100000000001 100000000021 | sed 's/[0-9]*/"&"/g')
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      include_linked_accounts: true\n      account_ids: [%s]\n' "$ids" >c.yml
	run cwl-list -c c.yml --check-config
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: c.yml:5: cloudwatchlogsbeat.prospectors.0.account_ids: 21 account ids: at most 20" ]
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: [/g]\n      include_linked_accounts: maybe\n' >c.yml
	run cwl-list -c c.yml --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-list: error: c.yml:4: cloudwatchlogsbeat.prospectors.0.include_linked_accounts"* ]]
}
