#!/usr/bin/env bats
# Hostile servers, hostile input, faults: every program gives a clear
# error or a retry, never a hang past its timeouts, never an unbounded
# allocation. The local servers' hostile modes (tests/servers/aws_hostile.py,
# tests/servers/es_hostile.py) spoil answers; docs/robustness.md is the
# table of what each program does, and the last test checks that every
# test it names exists.

load helpers

setup_file() {
	AWS_SERVER_SCOPE=file aws_server_start
	export RB_AWS_PORT=$AWS_SERVER_PORT
	awsctl seed --group /rb/g --streams 2 --events 300 --start 1700000000000 >/dev/null
	awsctl seed --group /rb/many --streams 120 --events 1 >/dev/null
	awsctl buckets --create '["rbkt"]' >/dev/null
	cwl-tail /rb/g >"$BATS_FILE_TMPDIR/events.ndjson"
	cwl-registry put s3://rbkt/p <"$BATS_FILE_TMPDIR/events.ndjson"
	cwl-registry init dynamodb://rbt 2>/dev/null
	cwl-registry put dynamodb://rbt <"$BATS_FILE_TMPDIR/events.ndjson"
	es_server_start
	export RB_ES_URL=$ES_URL RB_ES_CTL_URL=$ES_CTL_URL RB_ES_DIR=$ES_DIR
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

EVENTS="$BATS_FILE_TMPDIR/events.ndjson"

setup() {
	common_setup
	export AWS_SERVER_PORT=$RB_AWS_PORT AWS_ENDPOINT_URL=http://127.0.0.1:$RB_AWS_PORT
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET AWS_REGION=us-east-1
	export ES_URL=$RB_ES_URL ES_CTL_URL=$RB_ES_CTL_URL ES_DIR=$RB_ES_DIR
	awsctl hostile --clear true >/dev/null
	es_ctl reset '{"faults":true}' >/dev/null
	# quick timeouts and retries: every failure below is over in seconds
	cat >fast.yml <<-EOF
	cloudwatchlogsbeat:
	  api_timeout: 1s
	  retry.backoff: 5ms
	  retry.max_backoff: 20ms
	  retry.max_attempts: 2
	  request_budget.describe: 0
	output.elasticsearch:
	  hosts: ["$ES_URL"]
	  max_retries: 1
	  backoff.init: 10ms
	  backoff.max: 20ms
	  timeout: 1s
	  flush_interval: 50ms
	EOF
	export CWL_CONFIG=$BATS_TEST_TMPDIR/fast.yml
	CFG=$BATS_TEST_TMPDIR/cfg.yml
}

# hostile KIND [OPS [COUNT]] [--name value ...]: spoil the AWS server's answers.
hostile() {
	local args=(--kind "$1")
	shift
	if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
		args+=(--ops "$1")
		shift
		if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
			args+=(--count "$1")
			shift
		fi
	fi
	awsctl hostile "${args[@]}" "$@" >/dev/null
}

# es_hostile KIND [COUNT]: spoil the Elasticsearch server's _bulk answers.
es_hostile() {
	es_ctl hostile "{\"kind\":\"$1\"${2:+,\"count\":$2}}" >/dev/null
}

# sanitized: true when the programs are the ASan build, whose shadow memory
# and quarantine make peak RSS meaningless.
sanitized() {
	ldd "$CWL_BIN/cwl-tail" 2>/dev/null | grep -q libasan
}

# measure CMD...: runs CMD like `run`, also recording its peak RSS in KB
# ($rss, the kernel's maxrss, as /usr/bin/time -f %M reports it) and the
# seconds it took ($secs). A stalled or trickling answer lasts 600 s
# (aws_hostile.py): a run over in under a minute was ended by its
# timeouts, however busy the machine.
measure() {
	local t0=$SECONDS
	run "$PY" -c 'import resource, subprocess, sys
r = subprocess.call(sys.argv[2:])
with open(sys.argv[1], "w") as f:
    f.write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r if r >= 0 else 128 - r)' "$BATS_TEST_TMPDIR/rss" "$@"
	secs=$((SECONDS - t0))
	rss=$(cat "$BATS_TEST_TMPDIR/rss")
}

# rss_below KB: the last measure peaked under KB (not checked under ASan).
rss_below() {
	sanitized && return 0
	[ "$rss" -lt "$1" ] || { echo "peak RSS ${rss} KB, wanted under $1 KB"; return 1; }
}

# --- cwl-tail against a hostile CloudWatch Logs ---------------------------------

@test "cwl-tail: an answer cut short once is asked again; every event arrives" {
	hostile truncated GetLogEvents 1
	run cwl-tail /rb/g:stream-0000
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{"@timestamp"' <<<"$output")" -eq 300 ]
	[ "$(awsctl hostile --get rules.0.hits)" -eq 1 ]
}

@test "cwl-tail: answers always cut short: exit 1 naming the call, after the retries" {
	hostile truncated GetLogEvents
	run cwl-tail /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "cwl-tail: error: GetLogEvents /rb/g:stream-0000: network error: transfer closed with "*" bytes remaining to read, after 2 attempts" ]]
}

@test "cwl-tail: JSON cut in half, an HTML page, not an object, wrong types: exit 1, InvalidResponse, no event written" {
	for kind in cut-json not-json not-object types token-type event-types; do
		hostile "$kind" GetLogEvents
		run cwl-tail /rb/g:stream-0000
		echo "$kind: $output"
		[ "$status" -eq 1 ]
		# the first failure said as it is retried, then the error
		[[ "${lines[0]}" == "cwl-tail: warning: GetLogEvents /rb/g:stream-0000: InvalidResponse: "*"; retrying, 2 attempts in all" ]]
		[[ "${lines[-1]}" == "cwl-tail: error: GetLogEvents /rb/g:stream-0000: InvalidResponse: "*" (HTTP 200), after 2 attempts" ]]
		[[ "$output" != *'"@timestamp"'* ]]
	done
}

@test "cwl-tail: a 50 MB answer is refused at 16 MiB, chunked or with a length, in bounded memory" {
	hostile huge GetLogEvents
	measure cwl-tail /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-tail: error: GetLogEvents /rb/g:stream-0000: POST $AWS_ENDPOINT_URL/: response larger than 16777216 bytes" ]]
	rss_below 60000
	hostile huge GetLogEvents --chunked false
	measure cwl-tail /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "$output" == *"response larger than 16777216 bytes" ]]
	rss_below 40000
}

@test "cwl-tail: a gzip bomb is refused at 16 MiB once decoded" {
	hostile gzip-bomb GetLogEvents --bytes 33554432
	measure cwl-tail -E cloudwatchlogsbeat.api_timeout=30s /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "$output" == *"GetLogEvents /rb/g:stream-0000: POST $AWS_ENDPOINT_URL/: response larger than 16777216 bytes" ]]
	rss_below 60000
}

@test "cwl-tail: a body that stalls or trickles ends at api_timeout, after the retries" {
	for kind in stall trickle; do
		hostile "$kind" GetLogEvents
		measure cwl-tail /rb/g:stream-0000
		echo "$kind: $output ($secs s)"
		[ "$status" -eq 1 ]
		[[ "${lines[0]}" == "cwl-tail: warning: GetLogEvents /rb/g:stream-0000: network error: Operation timed out after "*"; retrying, 2 attempts in all" ]]
		[[ "${lines[-1]}" == "cwl-tail: error: GetLogEvents /rb/g:stream-0000: network error: Operation timed out after "*" bytes received, after 2 attempts" ]]
		[ "$secs" -lt 60 ]
	done
}

@test "cwl-tail: endless header lines, an answer that is not HTTP, a redirect: exit 1" {
	hostile headers-flood GetLogEvents
	measure cwl-tail /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "$output" == *"network error: Too large response headers"*", after 2 attempts" ]]
	rss_below 40000
	hostile bad-status GetLogEvents
	run cwl-tail /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "$output" == *"network error: Unsupported response code in HTTP response, after 2 attempts" ]]
	hostile redirect GetLogEvents
	run cwl-tail /rb/g:stream-0000
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-tail: error: GetLogEvents /rb/g:stream-0000: HTTP301: "*"(HTTP 301)" ]]
}

@test "cwl-tail: empty pages with new tokens without end: a one-shot read ends with a warning" {
	hostile endless GetLogEvents
	# it ends by itself (status 0, not timeout's 124)
	run timeout 300 cwl-tail --budget-get 0 /rb/g:stream-0000
	[ "$status" -eq 0 ]
	[[ "$output" == *"cwl-tail: warning: "*"/rb/g:stream-0000"* ]]
	[[ "$output" != *'"@timestamp"'* ]]
}

@test "cwl-tail --follow: empty pages with new tokens without end: polled within the request budget, SIGTERM ends it" {
	hostile endless GetLogEvents
	awsctl stats --reset true >/dev/null
	t0=$(date +%s%N)
	cwl-tail -f --mode stream --budget-get 5 /rb/g:stream-0000 >out.ndjson 2>err.txt &
	pid=$!
	server_register $pid
	wait_for '[ "$(awsctl stats --get requests.GetLogEvents)" -ge 20 ]'
	n=$(awsctl stats --get requests.GetLogEvents)
	ms=$((($(date +%s%N) - t0) / 1000000))
	kill -TERM $pid
	wait $pid
	# never more than the budget: 5 a second, and 5 at once at the start
	echo "$n requests in $ms ms"
	[ "$n" -le $((5 + 5 * ms / 1000)) ]
	[ ! -s out.ndjson ]
	[ ! -s err.txt ]
}

# --- cwl-list --------------------------------------------------------------------

@test "cwl-list: a list or a token of the wrong type is an error naming the call, not an empty listing" {
	hostile types DescribeLogStreams
	run cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-list: error: DescribeLogStreams /rb/many: logStreams in the answer is an object, not a list" ]
	hostile types DescribeLogGroups
	run cwl-list groups /rb
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-list: error: DescribeLogGroups /rb: logGroups in the answer is a string, not a list" ]
	hostile token-type DescribeLogStreams
	run cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-list: error: DescribeLogStreams /rb/many: nextToken in the answer is a number, not a string" ]
	hostile not-object DescribeLogGroups
	run cwl-list groups /rb
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-list: error: DescribeLogGroups /rb: the answer is a list, not an object" ]
}

@test "cwl-list: entries without a name are skipped with one warning per page" {
	hostile event-types DescribeLogStreams
	run cwl-list -q streams /rb/g
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run cwl-list streams /rb/g
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-list: warning: DescribeLogStreams /rb/g: 2 of 2 entries have no logStreamName string; skipped" ]
	hostile event-types DescribeLogGroups
	run cwl-list groups /rb/
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-list: warning: DescribeLogGroups /rb/: 2 of 2 entries have no logGroupName string; skipped" ]
}

@test "cwl-list: empty pages with new tokens without end: exit 1 after 100" {
	hostile endless DescribeLogStreams
	run cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-list: error: DescribeLogStreams /rb/many: 100 empty pages in a row, each with a new nextToken: giving up" ]
	[ "$(awsctl hostile --get rules.0.hits)" -eq 100 ]
}

@test "cwl-list: a page that sends back the token it was given: exit 1, nothing listed twice" {
	hostile same-token DescribeLogStreams
	run cwl-list -o plain streams /rb/many
	[ "$status" -eq 1 ]
	[ "${lines[-1]}" = "cwl-list: error: DescribeLogStreams /rb/many: the answer holds 50 entries and the nextToken that was sent: the listing would repeat for ever" ]
	[ "$(grep -c '^/rb/many:' <<<"$output")" -eq 50 ]
	[ "$(grep '^/rb/many:' <<<"$output" | sort -u | wc -l)" -eq 50 ]
}

@test "cwl-list: a 50 MB answer is refused at 16 MiB, in bounded memory" {
	hostile huge DescribeLogStreams
	measure cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-list: error: log group /rb/many: DescribeLogStreams: POST $AWS_ENDPOINT_URL/: response larger than 16777216 bytes" ]
	rss_below 60000
}

@test "cwl-list: an answer cut short, cut JSON, a stalled body: exit 1 within the timeouts" {
	hostile truncated DescribeLogStreams
	run cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	# the first failure is said as it happens, the last as the error
	[[ "${lines[0]}" == "cwl-list: warning: DescribeLogStreams: POST $AWS_ENDPOINT_URL/: transfer closed with "*" bytes remaining to read; retrying, "*" attempts in all" ]]
	[[ "${lines[1]}" == "cwl-list: error: log group /rb/many: DescribeLogStreams: POST $AWS_ENDPOINT_URL/: transfer closed with "*" bytes remaining to read" ]]
	[ "${#lines[@]}" -eq 2 ]
	hostile cut-json DescribeLogStreams
	run cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "cwl-list: error: log group /rb/many: DescribeLogStreams: InvalidResponse: the response is not JSON: "*"(HTTP 200)" ]]
	hostile stall DescribeLogStreams
	measure cwl-list streams /rb/many
	[ "$status" -eq 1 ]
	[[ "$output" == *"DescribeLogStreams: POST $AWS_ENDPOINT_URL/: Operation timed out after "* ]]
	[ "$secs" -lt 60 ]
}

# --- cwl-registry: S3 and DynamoDB ---------------------------------------------------

@test "cwl-registry: an S3 object cut short or stalled: exit 1 naming the object, within the timeouts" {
	hostile truncated GetObject
	run cwl-registry get s3://rbkt/p
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "cwl-registry: warning: S3 GET rbkt/p/rb/g.json: GET $AWS_ENDPOINT_URL/rbkt/p/rb/g.json: transfer closed with "*"; retrying, "*" attempts in all" ]]
	[[ "${lines[-1]}" == "cwl-registry: error: registry s3://rbkt/p: GET p/rb/g.json: GET $AWS_ENDPOINT_URL/rbkt/p/rb/g.json: transfer closed with "*" bytes remaining to read" ]]
	hostile cut-json GetObject
	run cwl-registry get s3://rbkt/p
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-registry: error: registry s3://rbkt/p: object p/rb/g.json: line "*": not JSON: "* ]]
	hostile stall GetObject
	measure cwl-registry get s3://rbkt/p
	[ "$status" -eq 1 ]
	[[ "$output" == *"GET $AWS_ENDPOINT_URL/rbkt/p/rb/g.json: Operation timed out after "* ]]
	[ "$secs" -lt 60 ]
}

@test "cwl-registry: S3 objects are held up to 64 MiB: 50 MB is read and checked, 100 MB refused" {
	hostile huge GetObject
	measure cwl-registry -E cloudwatchlogsbeat.api_timeout=60s get s3://rbkt/p
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://rbkt/p: object p/rb/g.json: holds a cursor of group '/hostile'" ]
	rss_below 250000
	hostile huge GetObject --bytes 104857600
	measure cwl-registry -E cloudwatchlogsbeat.api_timeout=60s get s3://rbkt/p
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://rbkt/p: GET p/rb/g.json: GET $AWS_ENDPOINT_URL/rbkt/p/rb/g.json: response larger than 67108864 bytes" ]
	rss_below 110000
}

@test "cwl-registry: DynamoDB answers of the wrong shape, cut or huge: exit 1, never an empty registry" {
	run cwl-registry get dynamodb://rbt
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	hostile types Scan,GetItem
	run cwl-registry get dynamodb://rbt
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://rbt: Scan: the answer's Items is not a list" ]
	run cwl-registry get -s /rb/g:stream-0000 dynamodb://rbt
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://rbt: GetItem /rb/g:stream-0000: the answer's Item is not an object" ]
	hostile token-type Scan
	run cwl-registry get dynamodb://rbt
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://rbt: Scan: the answer's LastEvaluatedKey is not an object" ]
	hostile not-object Scan
	run cwl-registry get dynamodb://rbt
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://rbt: Scan: the answer is not an object" ]
	hostile event-types Scan
	run cwl-registry get dynamodb://rbt
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-registry: error: registry dynamodb://rbt: an item has no "* ]]
	hostile cut-json Scan
	run cwl-registry get dynamodb://rbt
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "cwl-registry: error: registry dynamodb://rbt: Scan: InvalidResponse: the response is not JSON: "*"(HTTP 200)" ]]
	hostile huge Scan
	measure cwl-registry get dynamodb://rbt
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://rbt: Scan: POST $AWS_ENDPOINT_URL/: response larger than 16777216 bytes" ]
	rss_below 60000
}

# --- TLS -------------------------------------------------------------------------------

@test "AWS over TLS: AWS_CA_BUNDLE is trusted; no CA, an unknown CA, another host name: a configuration error, not retried; a missing bundle: exit 2" {
	tls_make_ca
	aws_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --bucket tlsb \
		--seed '{"group": "/tls/g", "streams": 1, "events": 5}'
	export AWS_ENDPOINT_URL=https://127.0.0.1:$AWS_SERVER_PORT
	AWS_CA_BUNDLE=$TLS_CA run cwl-list -o plain groups /tls
	[ "$status" -eq 0 ]
	[ "$output" = "/tls/g" ]
	AWS_CA_BUNDLE=$TLS_CA run cwl-tail /tls/g
	[ "$status" -eq 0 ]
	[ "$(grep -c '^{"@timestamp"' <<<"$output")" -eq 5 ]
	AWS_CA_BUNDLE=$TLS_CA run cwl-registry get s3://tlsb/p/
	[ "$status" -eq 0 ]
	run cwl-list groups
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: log groups *: DescribeLogGroups: POST $AWS_ENDPOINT_URL/: SSL certificate problem: unable to get local issuer certificate" ]
	AWS_CA_BUNDLE=$TLS_OTHER_CA run cwl-tail /tls/g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: DescribeLogStreams /tls/g: "*"SSL certificate problem: unable to get local issuer certificate" ]]
	[[ "$output" != *"attempts"* ]]
	AWS_CA_BUNDLE=$TLS_OTHER_CA run cwl-registry get s3://tlsb/p/
	[ "$status" -eq 2 ]
	[[ "$output" == *"SSL certificate problem: unable to get local issuer certificate" ]]
	AWS_CA_BUNDLE=$BATS_TEST_TMPDIR/none.pem run cwl-list groups
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: AWS_CA_BUNDLE $BATS_TEST_TMPDIR/none.pem: No such file or directory" ]
	aws_server_start --tls-cert "$TLS_WRONGHOST_CERT" --tls-key "$TLS_WRONGHOST_KEY"
	export AWS_ENDPOINT_URL=https://127.0.0.1:$AWS_SERVER_PORT
	AWS_CA_BUNDLE=$TLS_CA run cwl-list groups
	[ "$status" -eq 2 ]
	[[ "$output" == *"SSL: no alternative certificate subject name matches target host name '127.0.0.1'" ]]
}

@test "cwl-ship: Elasticsearch with a certificate for another host name: exit 2 at once, nothing acked" {
	tls_make_ca
	es_server_start --tls-cert "$TLS_WRONGHOST_CERT" --tls-key "$TLS_WRONGHOST_KEY"
	run cwl-ship -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.ssl.certificate_authorities="$TLS_CA" --acks acks.out <"$EVENTS"
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: SSL: no alternative certificate subject name matches target host name '127.0.0.1'"* ]]
	[[ "$output" != *"(after "* ]] && [[ "$output" != *"again in"* ]]
	[ ! -s acks.out ]
}

# --- cwl-ship against a hostile Elasticsearch ------------------------------------------

@test "cwl-ship: a bulk answer cut short once is sent again; every event indexed once and acked" {
	es_hostile truncated 1
	run cwl-ship -E output.elasticsearch.index=rb-trunc --acks acks.out <"$EVENTS"
	[ "$status" -eq 0 ]
	[ "$(es_count rb-trunc)" -eq 600 ]
	[ "$(es_ctl hostile | _srv_key hits)" -eq 1 ]
	grep -q '"stream":"stream-0000",.*"n":300}$' acks.out
	grep -q '"stream":"stream-0001",.*"n":300}$' acks.out
}

@test "cwl-ship: bulk answers always cut short, not JSON, or of the wrong types: exit 1, nothing acked" {
	es_hostile truncated
	run cwl-ship --acks acks.out <"$EVENTS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: transfer closed with "*" bytes remaining to read (after 1 retries)"* ]]
	[ ! -s acks.out ]
	for kind in not-json items-type; do
		es_hostile "$kind"
		run cwl-ship --acks acks.out <"$EVENTS"
		echo "$kind: $output"
		[ "$status" -eq 1 ]
		[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: the answer has 0 items for "*" documents (after 1 retries)"* ]]
		[ ! -s acks.out ]
	done
	es_hostile status-type
	run cwl-ship --acks acks.out <"$EVENTS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: output.elasticsearch: "*" events still refused after 1 retries (max_retries)"* ]]
	[ ! -s acks.out ]
}

@test "cwl-ship: a bulk answer cut in half is not taken for acceptance" {
	es_ctl reset '{"stats":true,"faults":true}' >/dev/null
	es_hostile cut-json 1
	run cwl-ship -E output.elasticsearch.index=rb-cut --acks acks.out <"$EVENTS"
	[ "$status" -eq 0 ]
	[ "$(es_stats bulk_requests)" -ge 2 ]
	[ "$(es_count rb-cut)" -eq 600 ]
}

@test "cwl-ship: an items list shorter or longer than the batch is not taken for acceptance" {
	for kind in items-short items-long; do
		es_ctl reset '{"stats":true,"faults":true}' >/dev/null
		es_hostile "$kind" 1
		run cwl-ship -E output.elasticsearch.index=rb-items --acks acks.out <"$EVENTS"
		[ "$status" -eq 0 ]
		[ "$(es_stats bulk_requests)" -ge 2 ]
	done
	es_hostile items-short
	run cwl-ship --acks acks.out <"$EVENTS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the answer has 599 items for 600 documents (after 1 retries)"* ]]
}

@test "cwl-ship: a 50 MB bulk answer or a gzip bomb is refused without being held" {
	for kind in huge gzip-bomb; do
		es_ctl hostile "{\"kind\":\"$kind\",\"bytes\":67108864}" >/dev/null
		# refused as it comes: long before the timeout
		measure cwl-ship -E output.elasticsearch.timeout=300s --acks acks.out <"$EVENTS"
		echo "$kind: $output ($secs s, $rss KB)"
		[ "$status" -eq 1 ]
		[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: response larger than "*" bytes"* ]]
		rss_below 100000
		[ "$secs" -lt 60 ]
		[ ! -s acks.out ]
	done
}

@test "cwl-ship: a bulk answer that stalls or trickles ends at the timeout, after the retries" {
	for kind in stall trickle; do
		es_hostile "$kind"
		measure cwl-ship --acks acks.out <"$EVENTS"
		echo "$kind: $output ($secs s)"
		[ "$status" -eq 1 ]
		[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: Operation timed out after "*" bytes received (after 1 retries)"* ]]
		[ "$secs" -lt 60 ]
		[ ! -s acks.out ]
	done
}

@test "cwl-ship: endless header lines, an answer that is not HTTP: exit 1, nothing acked" {
	es_hostile headers-flood
	measure cwl-ship --acks acks.out <"$EVENTS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: Too large response headers"*"(after 1 retries)"* ]]
	rss_below 40000
	es_hostile bad-status
	run cwl-ship --acks acks.out <"$EVENTS"
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: POST $ES_URL/_bulk: Unsupported response code in HTTP response (after 1 retries)"* ]]
	[ ! -s acks.out ]
}

# --- hostile input -------------------------------------------------------------------

# deep N: a JSON line of N nested arrays inside an object.
deep() {
	"$PY" -c 'import sys; n = int(sys.argv[1]); print("{\"a\":" + "[" * n + "]" * n + "}")' "$1"
}

@test "cwl-ship: a line nested 100,000 deep is set aside, the rest shipped" {
	{ deep 100000; head -n 1 "$EVENTS"; } >in.ndjson
	run cwl-ship -E output.elasticsearch.index=rb-deep --dead-letter dl.ndjson --acks acks.out <in.ndjson
	[ "$status" -eq 3 ]
	[ "$(es_count rb-deep)" -eq 1 ]
	[ "$(wc -l <dl.ndjson)" -eq 1 ]
	grep -q '^{"line":1,"reason":"not JSON: ' dl.ndjson
}

@test "cwl-registry: an ack line nested 100,000 deep is rejected with its number; exit 3" {
	{ deep 100000; head -n 1 "$EVENTS"; } >in.ndjson
	run cwl-registry put file:reg.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	[[ "$output" == "cwl-registry: error: ack line 1: not JSON: "* ]]
	[ "$(wc -l <reg.ndjson)" -eq 1 ]
}

@test "cwl-registry: a 50 MB ack line without a newline is rejected in bounded memory" {
	{ head -n 1 "$EVENTS"; head -c 52428800 /dev/zero | tr '\0' 'x'; } >in.ndjson
	measure cwl-registry put file:reg.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	[ "$output" = "cwl-registry: error: ack line 2: longer than 1048576 bytes" ]
	[ "$(wc -l <reg.ndjson)" -eq 1 ]
	rss_below 20000
}

@test "cwl-tail: a 50 MB stdin line is rejected in bounded memory, the next line read" {
	{
		head -c 52428800 /dev/zero | tr '\0' 'x'
		printf '\n{"logGroupName":"/rb/g","logStreamName":"stream-0001"}\n'
	} >in.ndjson
	measure cwl-tail <in.ndjson
	[ "$status" -eq 3 ]
	[[ "$output" == *"cwl-tail: warning: stdin:1: line longer than 1 MiB"* ]]
	[ "$(grep -c '^{"@timestamp"' <<<"$output")" -eq 300 ]
	rss_below 20000
}

@test "cwl-tail: a 50 MB stdin line is one line: one warning, the next line numbered 2" {
	{
		head -c 52428800 /dev/zero | tr '\0' 'x'
		printf '\nnot json\n'
	} >in.ndjson
	run cwl-tail <in.ndjson
	[ "$status" -eq 3 ]
	[ "$output" = "cwl-tail: warning: stdin:1: line longer than 1 MiB
cwl-tail: warning: stdin:2: not JSON: null expected" ]
}

@test "cwl-tail: a --resume line nested 100,000 deep is exit 2 naming the file and line" {
	deep 100000 >resume.ndjson
	run cwl-tail --resume resume.ndjson /rb/g
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-tail: error: --resume resume.ndjson:1: "* ]]
}

# --- the wrapper ------------------------------------------------------------------------

# beat_until CONDITION ARGS...: runs cloudwatchlogsbeat ARGS in the
# background (stderr in beat.err) until CONDITION holds, then stops it
# and waits for it.
beat_until() {
	local cond=$1 beat st=0
	shift
	cloudwatchlogsbeat "$@" >beat.out 2>beat.err &
	beat=$!
	server_register "$beat"
	wait_for "$cond" || st=$?
	kill -TERM "$beat"
	wait "$beat" || true
	cat beat.err
	return "$st"
}

@test "wrapper: newlines, globs and command substitutions in config values run nothing" {
	touch glob-bait-1 glob-bait-2
	printf '%s\n' \
		'cloudwatchlogsbeat:' \
		'  grace_period: 1s' \
		'  registry.url: "file:reg\n$(touch pwned1).ndjson"' \
		'  regions: ["us-east-1", "glob-bait-*"]' \
		'  prospectors:' \
		'    - id: "a\nb`touch pwned3`"' \
		'      groupnames: ["/x\n$(touch pwned4)", "glob-bait-?", "*"]' \
		'output.file:' \
		'  path: "out\n; touch pwned5"' >"$CFG"
	run cloudwatchlogsbeat -c "$CFG" test config
	run cloudwatchlogsbeat -c "$CFG" list
	# a run checks the config as its programs will, before it starts:
	# a region and a group that cannot be are refused, named as written
	run cloudwatchlogsbeat -c "$CFG" -v run
	[ "$status" -eq 2 ]
	[[ "$output" == *"'/x"*"\$(touch pwned4)': not a log group name"* ]]
	[[ "$output" != *"pipeline started"* ]]
	sed -i '/groupnames:/s|"/x\\n$(touch pwned4)", ||' "$CFG"
	run cloudwatchlogsbeat -c "$CFG" -v run
	[ "$status" -eq 2 ]
	[[ "$output" == *"AWS region 'glob-bait-*' (the config): not a region name"* ]]
	# the other values are taken as words: the pipelines run, for the
	# regions and groups as written, nothing globbed
	sed -i 's|regions: \["us-east-1", "glob-bait-\*"\]|regions: ["us-east-1", "eu-west-1"]|' "$CFG"
	beat_until 'grep -qF "[eu-west-1] pipeline started" beat.err' -c "$CFG" run
	ls
	[ ! -e pwned1 ] && [ ! -e pwned3 ] && [ ! -e pwned4 ] && [ ! -e pwned5 ]
	[ -z "$(ls | grep -e 'glob-bait-[12].')" ]
	wait_for '[ -z "$(pgrep -f -- "-c $CFG" || true)" ]'
}

@test "wrapper: a region with a newline is refused, not split in two" {
	printf '%s\n' 'cloudwatchlogsbeat:' '  grace_period: 1s' \
		'  regions: ["us-east-1\n$(touch pwned2)"]' \
		'  prospectors: [{id: x, groupnames: ["/rb/g"]}]' >"$CFG"
	run timeout 120 cloudwatchlogsbeat -c "$CFG" run
	[ "$status" -eq 2 ]
	[[ "$output" == *"cloudwatchlogsbeat.regions"* ]]
	[ ! -e pwned2 ]
}

@test "wrapper: hostile -E values run nothing" {
	printf 'cloudwatchlogsbeat:\n  grace_period: 1s\n' >"$CFG"
	run cloudwatchlogsbeat -c "$CFG" -v \
		-E 'cloudwatchlogsbeat.registry.url=file:r$(touch pwned1)' \
		-E "cloudwatchlogsbeat.prospectors=[{id: x, groupnames: ['\`touch pwned2\`', '*']}]" \
		-E $'output.file.path=o\n$(touch pwned3)' \
		-E 'cloudwatchlogsbeat.regions=["*", "$HOME"]' \
		run
	echo "$output"
	# refused, as written, before anything runs
	[ "$status" -eq 2 ]
	[[ "$output" == *"'\`touch pwned2\`': not a log group name"* ]]
	[[ "$output" != *"pipeline started"* ]]
	run cloudwatchlogsbeat -c "$CFG" -v \
		-E 'cloudwatchlogsbeat.prospectors=[{id: x, groupnames: ["*"]}]' \
		-E 'cloudwatchlogsbeat.regions=["*", "$HOME"]' run
	[ "$status" -eq 2 ]
	[[ "$output" == *"AWS region '*' (the config): not a region name"* ]]
	# the others are taken as words, and run
	beat_until 'grep -qF "[us-east-1] pipeline started" beat.err && grep -qF "[eu-west-1] pipeline started" beat.err' \
		-c "$CFG" -v \
		-E 'cloudwatchlogsbeat.registry.url=file:r$(touch pwned1)' \
		-E "cloudwatchlogsbeat.prospectors=[{id: '\`touch pwned2\`', groupnames: ['*']}]" \
		-E $'output.file.path=o\n$(touch pwned3)' \
		-E 'cloudwatchlogsbeat.regions=["us-east-1", "eu-west-1"]' \
		run
	[ ! -e pwned1 ] && [ ! -e pwned2 ] && [ ! -e pwned3 ]
	run timeout 120 cloudwatchlogsbeat -c "$CFG" \
		-E 'cloudwatchlogsbeat.grace_period=a[$(touch pwned4)]' run
	[ "$status" -eq 2 ]
	[[ "$output" == *"cloudwatchlogsbeat.grace_period: not a duration: 'a[\$(touch pwned4)]'"* ]]
	run timeout 120 cloudwatchlogsbeat -c "$CFG" \
		-E 'cloudwatchlogsbeat.report_frequency=$((1/0))' run
	[ "$status" -eq 2 ]
	[[ "$output" == *"cloudwatchlogsbeat.report_frequency: not a duration: '\$((1/0))'"* ]]
	run timeout 120 cloudwatchlogsbeat -c "$CFG" -E $'cloudwatchlogsbeat.registry.url=file:r\n$(touch pwned5)' list
	[ ! -e pwned4 ] && [ ! -e pwned5 ]
	wait_for '[ -z "$(pgrep -f -- "-c $CFG" || true)" ]'
}

# --- the whole pipeline under valgrind -------------------------------------------------

@test "valgrind: cwl-list, cwl-tail, cwl-ship and cwl-registry put in one pipeline of 3,000 events: no error, no definite leak" {
	command -v valgrind >/dev/null || skip "valgrind is not installed (make deps)"
	[ -x "$REPO/bin/cwl-tail" ] || skip "the plain build is needed: make"
	awsctl seed --group /rb/vg --streams 3 --events 1000 >/dev/null
	local vg="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
	local b=$REPO/bin
	run bash -c "$vg --log-file=vg.list.%p $b/cwl-list streams /rb/vg |
		$vg --log-file=vg.tail.%p $b/cwl-tail |
		$vg --log-file=vg.ship.%p $b/cwl-ship -q -E output.elasticsearch.index=rb-vg |
		$vg --log-file=vg.reg.%p $b/cwl-registry put file:reg.ndjson
		echo \"\${PIPESTATUS[*]}\""
	cat vg.*
	echo "$output"
	# every program exits 0 (a retry said on a slow machine is no fault)
	[ "${lines[-1]}" = "0 0 0 0" ]
	[ "$(cat vg.* | wc -c)" -eq 0 ]
	[ "$(es_count rb-vg)" -eq 3000 ]
	[ "$(grep -c '"n":1000}$' reg.ndjson)" -eq 3 ]
}

# --- the table -------------------------------------------------------------------

@test "every test docs/robustness.md names exists in the file it names" {
	run sh "$REPO/tests/robustness_check.sh" "$REPO/docs/robustness.md"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "robustness_check: "*" rows, every test found" ]]
}
