#!/usr/bin/env bats
# cwl-registry: get, put, list, delete, init and import-legacy against
# memory:, a file in the test's directory, and S3 and DynamoDB on the local
# AWS server (one for the whole file, reset before each test that uses it).

load helpers

setup_file() {
	AWS_SERVER_SCOPE=file aws_server_start --bucket bkt --bucket old
	export SHARED_AWS_PORT=$AWS_SERVER_PORT
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

setup() {
	common_setup
	export AWS_SERVER_PORT=$SHARED_AWS_PORT
	export AWS_ENDPOINT_URL=http://127.0.0.1:$SHARED_AWS_PORT
	export AWS_ACCESS_KEY_ID=$TEST_AKID AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	export AWS_REGION=us-east-1
	# Each test has its own prefix and table on the shared server.
	P=t$BATS_TEST_NUMBER
	T=cwl$BATS_TEST_NUMBER
}

# cur GROUP STREAM N [TOKEN]: one cursor line, ts = N.
cur() {
	printf '{"group":"%s","stream":"%s","token":"%s","skip":1,"ts":%s,"n":%s}\n' \
		"$1" "$2" "${4:-f/$3}" "$3" "$3"
}

# many COUNT START ROUNDS: ROUNDS rounds of acks for COUNT sources spread
# over ten groups, n = round, from START.
many() {
	awk -v c="$1" -v s="$2" -v r="$3" 'BEGIN {
		for (k = s; k < s + r; k++)
			for (i = 0; i < c; i++)
				printf "{\"group\":\"/aws/g%d\",\"stream\":\"s%d\",\"token\":\"f/%d\",\"skip\":1,\"ts\":%d,\"n\":%d}\n", i % 10, i, k, k, k
	}'
}

# sorted: checkpoint lines in source order ("GROUP:STREAM", bytewise).
sorted() {
	awk -F'"' '{ print $4 ":" $8 "\t" $0 }' | LC_ALL=C sort -t"$(printf '\t')" -k1,1 | cut -f2-
}

# s3 [CURL ARGS...] PATH: a request to the S3 of the AWS server, signed
# by curl itself.
s3() {
	local path="${*: -1}"
	curl -sSg --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' "${@:1:$#-1}" \
		"$AWS_ENDPOINT_URL/$path"
}

# s3_get KEY: the body of an object of bucket bkt; fails if absent.
s3_get() {
	s3 -f "bkt/$1"
}

# s3_put KEY BODY: writes an object of bucket bkt.
s3_put() {
	s3 -f -o /dev/null -X PUT --data-binary "$2" "bkt/$1"
}

# s3_keys PREFIX: the keys under PREFIX in bucket bkt, one a line.
s3_keys() {
	s3 "bkt?list-type=2&prefix=${1//\//%2F}" | sed 's/<Key>/\n&/g' | sed -n 's/^<Key>\([^<]*\)<.*/\1/p'
}

# etag_of KEY: the ETag of an object of bucket bkt.
etag_of() {
	s3 -I "bkt/$1" | sed -n 's/^etag: //Ip' | tr -d '\r'
}

# ddb OP JSON: a DynamoDB call, signed by curl.
ddb() {
	curl -sS --aws-sigv4 "aws:amz:$AWS_REGION:dynamodb" \
		--user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
		-H "X-Amz-Target: DynamoDB_20120810.$1" \
		-H 'Content-Type: application/x-amz-json-1.0' -d "$2" "$AWS_ENDPOINT_URL/"
}

# --- usage and configuration

@test "no command, an unknown command or a stray argument is exit 2 with the usage" {
	run cwl-registry
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: no command"* ]]
	[[ "$output" == *"usage: cwl-registry"* ]]
	run cwl-registry frob
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: unknown command 'frob'"* ]]
	run cwl-registry get a.ndjson b.ndjson
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: get: unexpected argument 'b.ndjson'"* ]]
}

@test "bad --source, --group, --flush-interval and misplaced options are exit 2" {
	run cwl-registry get reg --source nocolon
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: --source 'nocolon': expected GROUP:STREAM"* ]]
	run cwl-registry get reg --group a:b
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: --group 'a:b': not a log group name"* ]]
	run cwl-registry put reg -i soon </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: --flush-interval: "*"soon"* ]] || { echo "$output"; false; }
	run cwl-registry put reg -i 0 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: put: the flush interval must be more than 0"* ]]
	run cwl-registry get reg -i 5s
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: get: --flush-interval is for put"* ]]
	run cwl-registry put reg -g g </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: put: --group and --source"* ]]
	run cwl-registry get reg --to x
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: get: --to is for import-legacy"* ]]
	[ ! -e reg ]
}

@test "an unknown scheme or a malformed URL is exit 2 naming it" {
	run cwl-registry get redis://h/x
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-registry: error: registry redis://h/x: unknown scheme (memory:, file:PATH, s3://BUCKET/PREFIX, dynamodb://TABLE)" ]
	run cwl-registry get s3:///prefix
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: registry s3:///prefix: no bucket"* ]]
	run cwl-registry get dynamodb://a/b
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://a/b: expected dynamodb://TABLE" ]
	run cwl-registry get memory:x
	[ "$status" -eq 2 ]
	[[ "$output" == *"memory: takes nothing after the colon" ]]
	run cwl-registry get dir/
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-registry: error: registry 'dir/': not a file name" ]
	run cwl-registry get dynamodb://ab
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://ab: not a table name (3 to 255 of a-z A-Z 0-9 _ - .)" ]
}

@test "S3 and DynamoDB without a region are exit 2 naming what to set" {
	unset AWS_REGION
	run cwl-registry get "s3://bkt/$P/"
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: registry s3://bkt/$P/: no AWS region: set cloudwatchlogsbeat.aws_region, AWS_REGION"* ]] || { echo "$output"; false; }
	run cwl-registry get "dynamodb://$T"
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: registry dynamodb://$T: no AWS region"* ]]
}

@test "an AWS endpoint that does not answer is exit 1 naming the call" {
	export AWS_ENDPOINT_URL=http://127.0.0.1:1
	run cwl-registry -E cloudwatchlogsbeat.retry.max_attempts=1 get "s3://bkt/$P/"
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://bkt/$P/: list objects: GET http://127.0.0.1:1/bkt: Connection refused" ]
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry -E cloudwatchlogsbeat.retry.max_attempts=1 put s3://bkt/$P/"
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://bkt/$P/: GET $P/g.json: GET http://127.0.0.1:1/bkt/$P/g.json: Connection refused" ]
	run cwl-registry -E cloudwatchlogsbeat.retry.max_attempts=1 get "dynamodb://$T"
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://$T: Scan: POST http://127.0.0.1:1/: Connection refused" ]
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry -E cloudwatchlogsbeat.retry.max_attempts=1 put dynamodb://$T"
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://$T: PutItem: POST http://127.0.0.1:1/: Connection refused" ]
}

@test "the registry comes from registry.url, else s3_bucket_name and s3_key_prefix, else memory:" {
	cur g s 3 | cwl-registry put file:cfg.ndjson
	printf 'cloudwatchlogsbeat:\n  registry.url: cfg.ndjson\n' >url.yml
	run cwl-registry -c url.yml get
	[ "$status" -eq 0 ]
	[ "$output" = "$(cur g s 3)" ]
	# the URL argument wins over the config
	run cwl-registry -c url.yml get memory:
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	printf 'cloudwatchlogsbeat:\n  s3_bucket_name: bkt\n  s3_key_prefix: %s/\n' "$P" >orig.yml
	cur app web 7 | cwl-registry -c orig.yml put
	run s3_get "$P/app.json"
	[ "$status" -eq 0 ]
	[ "$output" = "$(cur app web 7)" ]
	# nothing configured: memory:, which keeps nothing
	cur g s 1 | cwl-registry put
	run cwl-registry get
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a flush_interval of the wrong type in the config is exit 2 naming it" {
	printf 'cloudwatchlogsbeat:\n  registry:\n    flush_interval: often\n' >bad.yml
	run cwl-registry -c bad.yml put reg </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad.yml:3"*"flush_interval"*"often"* ]] || { echo "$output"; false; }
}

# --- memory: and files

@test "memory: accepts acks and keeps nothing" {
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry put memory:"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cwl-registry get memory:
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "file: put then get round-trips, sorted by source, newest per source" {
	{ cur b s2 1; cur a s1 4; cur b s2 9; cur "/aws/lambda/f" "2026/11/23/[\$LATEST]x" 2; cur a s1 3; } >acks
	run cwl-registry put file:reg.ndjson <acks
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cwl-registry get reg.ndjson
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$(cur "/aws/lambda/f" "2026/11/23/[\$LATEST]x" 2)" ]
	[ "${lines[1]}" = "$(cur a s1 4)" ]
	[ "${lines[2]}" = "$(cur b s2 9)" ]
	# the file is the checkpoint lines themselves
	[ "$(cat reg.ndjson)" = "$output" ]
	run cwl-registry get reg.ndjson --group b
	[ "$output" = "$(cur b s2 9)" ]
	run cwl-registry get file://reg.ndjson --source a:s1 --source /aws/lambda/f:nope
	[ "$output" = "$(cur a s1 4)" ]
}

@test "put takes event lines too, through their @metadata.cursor" {
	printf '{"message":"m","@metadata":{"_id":"x","cursor":{"group":"g","stream":"s","token":"t","skip":2,"ts":5,"n":8}}}\n' |
		cwl-registry put reg
	run cwl-registry get reg
	[ "$output" = '{"group":"g","stream":"s","token":"t","skip":2,"ts":5,"n":8}' ]
}

@test "an absent registry is empty, not an error" {
	run cwl-registry get nothing-here.ndjson
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cwl-registry list nothing-here.ndjson
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ ! -e nothing-here.ndjson ]
}

@test "file: a cursor that would move backwards is ignored, within a put and across puts" {
	{ cur g s 10; cur g s 4; } | cwl-registry put reg
	run cwl-registry get reg
	[ "$output" = "$(cur g s 10)" ]
	run bash -c "$(declare -f cur); { cur g s 5; cur g t 1; } | cwl-registry put reg"
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: warning: registry reg: 1 source: it holds a newer checkpoint, kept (another writer on the same sources?)" ]
	run cwl-registry get reg
	[ "${lines[0]}" = "$(cur g s 10)" ]
	[ "${lines[1]}" = "$(cur g t 1)" ]
}

@test "a malformed ack line is reported with its number, skipped, and makes exit 3" {
	{ cur g a 1; echo 'not json'; echo '{"stream":"x"}'; echo; cur g b 2; } >acks
	run cwl-registry put reg <acks
	[ "$status" -eq 3 ]
	[[ "${lines[0]}" == "cwl-registry: error: ack line 2: not JSON: "* ]] || { echo "$output"; false; }
	[ "${lines[1]}" = 'cwl-registry: error: ack line 3: cursor has no "group"' ]
	[ "${#lines[@]}" -eq 2 ]
	run cwl-registry get reg
	[ "${#lines[@]}" -eq 2 ]
	[ "${lines[1]}" = "$(cur g b 2)" ]
}

@test "an ack line longer than 1 MiB is rejected, the next one taken" {
	{ printf '{"group":"g","stream":"s","token":"'; head -c 1100000 /dev/zero | tr '\0' x; printf '"}\n'; cur g t 1; } >acks
	run cwl-registry put reg <acks
	[ "$status" -eq 3 ]
	[ "$output" = "cwl-registry: error: ack line 1: longer than 1048576 bytes" ]
	run cwl-registry get reg
	[ "$output" = "$(cur g t 1)" ]
}

@test "a last line without a newline is taken" {
	printf '{"group":"g","stream":"s","n":3,"ts":1}' | cwl-registry put reg
	run cwl-registry get reg
	[ "$output" = '{"group":"g","stream":"s","ts":1,"n":3}' ]
}

@test "a corrupt file is an error naming it and the line, for get and put" {
	{ cur g a 1; echo '{"group":"g","stream":'; } >reg
	run cwl-registry get reg
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-registry: error: registry reg: line 2: not JSON"* ]] || { echo "$output"; false; }
	run cwl-registry put reg </dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-registry: error: registry reg: line 2: not JSON"* ]]
	# and it was left alone
	[ "$(sed -n 2p reg)" = '{"group":"g","stream":' ]
	mkdir adir
	run cwl-registry get adir
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry adir: read: Is a directory" ]
}

@test "a registry file that may not be read is exit 4" {
	cur g s 1 >reg
	chmod 000 reg
	as=
	[ "$(id -u)" -ne 0 ] || as="setpriv --reuid=65534 --regid=65534 --clear-groups"
	run $as cwl-registry get "$PWD/reg"
	[ "$status" -eq 4 ]
	[ "$output" = "cwl-registry: error: registry $PWD/reg: open: Permission denied" ]
}

@test "a file in a directory that does not exist is exit 1 naming it" {
	run cwl-registry put nodir/reg </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry nodir/reg: nodir/reg.lock: No such file or directory" ]
}

@test "a second put on one file fails clearly while the first holds the lock" {
	mkfifo acks
	cwl-registry put reg <acks &
	pid=$!
	exec 7>acks
	cur g s 1 >&7
	wait_for_file reg.lock
	run cwl-registry put reg </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry reg is locked by another writer (pid $pid)" ]
	run cwl-registry delete reg
	[ "$status" -eq 1 ]
	[[ "$output" == *"is locked by another writer (pid $pid)" ]]
	# readers are not held up
	run cwl-registry get reg
	[ "$status" -eq 0 ]
	exec 7>&-
	wait "$pid"
	run cwl-registry get reg
	[ "$output" = "$(cur g s 1)" ]
	# the lock went with the process
	cur g s 2 | cwl-registry put reg
	[ "$(cat reg)" = "$(cur g s 2)" ]
}

@test "put saves every flush interval while it runs, and on SIGTERM exits 0 having saved" {
	mkfifo acks
	cwl-registry put reg -i 100ms <acks &
	pid=$!
	exec 7>acks
	cur g s 1 >&7
	wait_for_file reg
	[ "$(cat reg)" = "$(cur g s 1)" ]
	kill -0 "$pid"
	cur g s 2 >&7
	wait_for '[ "$(cat reg)" = "$(cur g s 2)" ]'
	exec 7>&-
	wait "$pid"
	# a long interval: only the signal saves
	mkfifo acks2
	cwl-registry put reg2 -i 1h <acks2 &
	pid=$!
	exec 7>acks2
	cur g s 5 >&7
	# once put has read the line, which an hour's interval does not save
	wait_for 'pipe_empty 7'
	[ ! -e reg2 ]
	kill -TERM "$pid"
	st=0
	wait "$pid" || st=$?
	[ "$st" -eq 0 ]
	[ "$(cat reg2)" = "$(cur g s 5)" ]
	exec 7>&-
}

@test "flush_interval comes from the config" {
	printf 'cloudwatchlogsbeat:\n  registry.flush_interval: 100ms\n' >c.yml
	mkfifo acks
	cwl-registry -c c.yml put reg <acks &
	pid=$!
	exec 7>acks
	cur g s 1 >&7
	wait_for_file reg
	kill -0 "$pid"
	exec 7>&-
	wait "$pid"
}

@test "kill -9 of put in the middle of writing leaves the previous file whole" {
	many 1000 1 1 | cwl-registry put reg
	[ "$(cwl-registry get reg | wc -l)" -eq 1000 ]
	for round in 1 2 3 4 5; do
		before=$(md5sum <reg)
		many 1000 $((round * 100000)) 100000 | cwl-registry put reg -i 1ms &
		pid=$!
		# let it save at least once, then kill it at some point of its
		# continuous rewriting
		wait_for '[ "$(md5sum <reg)" != "$before" ]'
		sleep "0.0$((RANDOM % 10))"
		kill -9 "$pid"
		wait "$pid" 2>/dev/null || true
		run cwl-registry get reg
		[ "$status" -eq 0 ] || { echo "round $round: $output" | head -c 300; false; }
		[ "${#lines[@]}" -eq 1000 ] || { echo "round $round: ${#lines[@]} lines"; false; }
		[ "$(cat reg)" = "$output" ]
	done
	# the lock died with it: a new writer goes on
	many 1000 9000000 1 | cwl-registry put reg
	[ "$(cwl-registry get reg --source /aws/g3:s3)" = "$(many 4 9000000 1 | tail -n 1)" ]
}

@test "file: a 1,000-source registry is saved and loaded" {
	many 1000 1 3 | cwl-registry put reg
	run cwl-registry get reg
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1000 ]
	[ "$output" = "$(many 1000 3 1 | sorted)" ]
}

@test "list: source, position, time and age; a table on a terminal" {
	now=$(date +%s)
	{ cur g s $(((now - 90) * 1000)); printf '{"group":"h","stream":"x","n":2}\n'; } | cwl-registry put reg
	run cwl-registry list reg
	[ "$status" -eq 0 ]
	IFS=$'\t' read -r src n ts age <<<"${lines[0]}"
	[ "$src" = "g:s" ]
	[ "$n" = "$(((now - 90) * 1000))" ]
	[ "$ts" = "$(date -u -d @$((now - 90)) +%Y-%m-%dT%H:%M:%S.000Z)" ]
	[ "$age" -ge 90 ] && [ "$age" -le 99 ]
	[ "${lines[1]}" = "h:x	2	-	-1" ]
	# on a terminal: a header and aligned columns
	script -qec "cwl-registry list reg" /dev/null >tty.out
	grep -q '^SOURCE  *N  *LAST EVENT  *AGE' tty.out
	grep -Eq '^g:s  +[0-9]+  +[0-9T:.-]+Z  +9[0-9]s' tty.out
}

@test "list: the time of the cursor's event, '-' when the cursor holds the time its page was read from" {
	now=$(date +%s)
	aws_seed "/reg/$P" 1 5 --start $(((now - 1800) * 1000))
	# one page read --since 1h: its cursors hold that hour, not the
	# events' time, which a list must not show as their age
	cwl-tail --since 1h "/reg/$P:stream-0000" | cwl-registry put one
	run cwl-registry list one
	[ "$status" -eq 0 ]
	[ "$output" = "/reg/$P:stream-0000	5	-	-1" ]
	# pages of two: the last cursor has a token and its event's time
	cwl-tail --since 1h --limit 2 "/reg/$P:stream-0000" | cwl-registry put two
	run cwl-registry list two
	[ "$status" -eq 0 ]
	IFS=$'\t' read -r src n ts age <<<"$output"
	[ "$src" = "/reg/$P:stream-0000" ] && [ "$n" = 5 ]
	[ "$ts" = "$(date -u -d @$((now - 1800 + 4)) +%Y-%m-%dT%H:%M:%S.000Z)" ]
	[ "$age" -ge 1796 ] && [ "$age" -le 1830 ]
}

@test "list: a source name with a terminal escape is shown with '?' for its control characters" {
	printf '{"group":"g","stream":"s\033[2Jx","token":"f/1","skip":1,"ts":1,"n":1}\n' | cwl-registry put reg
	run cwl-registry list reg
	[ "$status" -eq 0 ]
	[[ "$output" == "g:s?[2Jx	1	"* ]]
	script -qec "cwl-registry list reg" /dev/null >tty.out
	! grep -q $'\033' tty.out
	grep -q '^g:s?\[2Jx ' tty.out
	# the checkpoint itself keeps the name
	[ "$(cwl-registry get reg)" = "$(printf '{"group":"g","stream":"s\\u001b[2Jx","token":"f/1","skip":1,"ts":1,"n":1}')" ]
}

@test "delete: one source, one group, everything" {
	{ cur a s 1; cur a t 1; cur b s 1; cur c s 1; } | cwl-registry put reg
	# quiet when all is well; -v says what was done
	run cwl-registry delete reg --source a:t
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(cwl-registry get reg | wc -l)" -eq 3 ]
	run cwl-registry -v delete reg -g b
	[ "$output" = "cwl-registry: info: deleted 1 checkpoint from reg" ]
	[ "$(cwl-registry get reg | wc -l)" -eq 2 ]
	run cwl-registry -v delete reg
	[ "$output" = "cwl-registry: info: deleted 2 checkpoints from reg" ]
	run cwl-registry get reg
	[ -z "$output" ]
}

@test "init creates an empty file, and leaves one that exists alone" {
	run cwl-registry -v init reg
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: info: reg: created" ]
	[ -f reg ] && [ ! -s reg ]
	cur g s 1 | cwl-registry put reg
	run cwl-registry -v init reg
	[ "$output" = "cwl-registry: info: reg: exists" ]
	run cwl-registry init reg
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	[ "$(cat reg)" = "$(cur g s 1)" ]
}

# --- S3

@test "s3: round trip, one object per log group at PREFIX GROUP .json" {
	{ cur /aws/lambda/f s1 3; cur app web 2; cur /aws/lambda/f s0 5; } | cwl-registry put "s3://bkt/$P/"
	run s3_keys "$P/"
	[ "${lines[0]}" = "$P//aws/lambda/f.json" ] || { echo "$output"; false; }
	[ "${lines[1]}" = "$P/app.json" ]
	[ "${#lines[@]}" -eq 2 ]
	run s3_get "$P//aws/lambda/f.json"
	[ "${lines[0]}" = "$(cur /aws/lambda/f s0 5)" ]
	[ "${lines[1]}" = "$(cur /aws/lambda/f s1 3)" ]
	run cwl-registry get "s3://bkt/$P/"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$(cur /aws/lambda/f s0 5)" ]
	[ "${lines[2]}" = "$(cur app web 2)" ]
	run cwl-registry get "s3://bkt/$P/" -g app
	[ "$output" = "$(cur app web 2)" ]
	run cwl-registry get "s3://bkt/$P/" -s /aws/lambda/f:s1
	[ "$output" = "$(cur /aws/lambda/f s1 3)" ]
	run cwl-registry list "s3://bkt/$P/" -g app
	[[ "$output" == "app:web	2	1970-01-01T00:00:00.002Z	"[0-9]* ]]
	# a prefix without a slash is concatenated as it is
	cur app web 2 | cwl-registry put "s3://bkt/${P}x"
	[ "$(s3_keys "${P}x")" = "${P}xapp.json" ]
	# absent prefix: empty
	run cwl-registry get "s3://bkt/$P-none/"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "s3: writes are conditional; a cursor that would move backwards is ignored" {
	cur g s 10 | cwl-registry put "s3://bkt/$P/"
	etag=$(etag_of "$P/g.json")
	[ -n "$etag" ]
	run bash -c "$(declare -f cur); cur g s 4 | cwl-registry put s3://bkt/$P/"
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: warning: registry s3://bkt/$P/: 1 source: it holds a newer checkpoint, kept (another writer on the same sources?)" ]
	run s3_get "$P/g.json"
	[ "$output" = "$(cur g s 10)" ]
	# not even rewritten
	[ "$(etag_of "$P/g.json")" = "$etag" ]
}

@test "s3: two concurrent puts on one prefix end with the newest cursor of every source" {
	# 30 sources in 3 groups, both writers on all of them; for even
	# sources A goes furthest, for odd ones B.
	gen() {
		awk -v w="$1" 'BEGIN {
			for (r = 1; r <= 100; r++) {
				for (i = 0; i < 30; i++) {
					top = ((i % 2 == 0) == (w == "A")) ? 100 : 70
					if (r <= top)
						printf "{\"group\":\"g%d\",\"stream\":\"s%d\",\"token\":\"%s-%d\",\"skip\":1,\"ts\":%d,\"n\":%d}\n", i % 3, i, w, r, r, r
				}
				fflush()
				system("sleep 0.01")
			}
		}'
	}
	gen A | cwl-registry -d registry put "s3://bkt/$P/" -i 20ms 2>a.err &
	a=$!
	gen B | cwl-registry -d registry put "s3://bkt/$P/" -i 20ms 2>b.err &
	b=$!
	wait "$a"
	wait "$b"
	run cwl-registry get "s3://bkt/$P/"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 30 ]
	for l in "${lines[@]}"; do
		[[ "$l" == *'"n":100}' ]] || { echo "lost update: $l"; false; }
		s=$(echo "$l" | sed 's/.*"stream":"s\([0-9]*\)".*/\1/')
		if [ $((s % 2)) -eq 0 ]; then w=A; else w=B; fi
		[[ "$l" == *"\"token\":\"$w-100\""* ]] || { echo "wrong writer: $l"; false; }
	done
	# how often the writers got in each other's way (HTTP 412) is up to
	# the scheduler; the next test makes it happen
	echo "$(cat a.err b.err | grep -c "HTTP 412: another writer was first") conflicts"
}

@test "s3: a writer that finds the object changed reads it again and merges" {
	mkfifo acks
	cwl-registry -d registry put "s3://bkt/$P/" -i 100ms <acks 2>err &
	pid=$!
	exec 7>acks
	cur g a 1 >&7
	wait_for 's3_get "$P/g.json" >/dev/null 2>&1'
	# another writer replaces the object behind its back
	s3_put "$P/g.json" "$(cur g a 1; cur g b 7)"
	cur g a 2 >&7
	exec 7>&-
	wait "$pid"
	run s3_get "$P/g.json"
	[ "${lines[0]}" = "$(cur g a 2)" ]
	[ "${lines[1]}" = "$(cur g b 7)" ]
	[ "$(grep -c "PUT $P/g.json: HTTP 412: another writer was first" err)" -eq 1 ]
}

@test "s3: a bucket that does not exist is exit 1 naming it" {
	run cwl-registry get s3://no-such-bucket/p/
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://no-such-bucket/p/: bucket no-such-bucket does not exist" ]
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry put s3://no-such-bucket/p/"
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://no-such-bucket/p/: bucket no-such-bucket does not exist" ]
	run cwl-registry init s3://no-such-bucket/p/
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://no-such-bucket/p/: bucket no-such-bucket does not exist" ]
	run cwl-registry -v init "s3://bkt/$P/"
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: info: s3://bkt/$P/: the bucket is there" ]
}

@test "s3: access refused is exit 4, with no secret in the message" {
	export AWS_SECRET_ACCESS_KEY=notTheSecretAtAll0000000000000000000000001
	run cwl-registry get "s3://bkt/$P/"
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-registry: error: registry s3://bkt/$P/: list objects: SignatureDoesNotMatch: "*"(HTTP 403)" ]] || { echo "$output"; false; }
	[[ "$output" != *"notTheSecretAtAll"* ]]
	export AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000 AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry put s3://bkt/$P/"
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-registry: error: registry s3://bkt/$P/: $P/g.json: GET: InvalidAccessKeyId: "* ]] || { echo "$output"; false; }
}

@test "s3: a corrupt object is an error naming it" {
	s3_put "$P/g.json" 'garbage'
	run cwl-registry get "s3://bkt/$P/"
	[ "$status" -eq 1 ]
	[[ "$output" == "cwl-registry: error: registry s3://bkt/$P/: object $P/g.json: line 1: not JSON"* ]] || { echo "$output"; false; }
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry put s3://bkt/$P/"
	[ "$status" -eq 1 ]
	[[ "$output" == *"object $P/g.json: line 1: not JSON"* ]]
	[ "$(s3_get "$P/g.json")" = garbage ]
	# an object of one group holding another's cursor
	s3_put "$P/g.json" "$(cur h s 1)"
	run cwl-registry get "s3://bkt/$P/" -g g
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://bkt/$P/: object $P/g.json: holds a cursor of group 'h'" ]
}

@test "s3: delete a source, a group, everything" {
	{ cur a s 1; cur a t 1; cur b s 1; cur c s 1; } | cwl-registry put "s3://bkt/$P/"
	run cwl-registry -v delete "s3://bkt/$P/" -s a:t
	[ "$output" = "cwl-registry: info: deleted 1 checkpoint from s3://bkt/$P/" ]
	run s3_get "$P/a.json"
	[ "$output" = "$(cur a s 1)" ]
	# the last source of a group takes the object with it
	run cwl-registry -v delete "s3://bkt/$P/" -s a:s -g b
	[ "$output" = "cwl-registry: info: deleted 2 checkpoints from s3://bkt/$P/" ]
	[ "$(s3_keys "$P/")" = "$P/c.json" ]
	run cwl-registry -v delete "s3://bkt/$P/"
	[ "$output" = "cwl-registry: info: deleted 1 checkpoint from s3://bkt/$P/" ]
	[ -z "$(s3_keys "$P/")" ]
}

@test "s3: a 1,000-source registry is saved and loaded" {
	many 1000 1 2 | cwl-registry put "s3://bkt/$P/"
	run cwl-registry get "s3://bkt/$P/"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1000 ]
	[ "$output" = "$(many 1000 2 1 | sorted)" ]
	run s3_keys "$P/"
	[ "${#lines[@]}" -eq 10 ] || { echo "$output" | head -c 2000; false; }
}

# --- DynamoDB

@test "dynamodb: a missing table is exit 1 naming it; init creates it, twice is fine" {
	run cwl-registry get "dynamodb://$T"
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry dynamodb://$T: table $T does not exist (cwl-registry init dynamodb://$T creates it)" ]
	run bash -c "$(declare -f cur); cur g s 1 | cwl-registry put dynamodb://$T"
	[ "$status" -eq 1 ]
	[[ "$output" == *"table $T does not exist"* ]]
	run cwl-registry -v init "dynamodb://$T"
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: info: dynamodb://$T: table created, ACTIVE" ]
	run ddb DescribeTable "{\"TableName\":\"$T\"}"
	[[ "$output" == *'"KeySchema":[{"AttributeName":"source","KeyType":"HASH"}]'* ]] || { echo "$output"; false; }
	[[ "$output" == *'"BillingMode":"PAY_PER_REQUEST"'* ]]
	run cwl-registry -v init "dynamodb://$T"
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: info: dynamodb://$T: table exists, ACTIVE" ]
}

@test "dynamodb: round trip, one item per source with the documented attributes" {
	cwl-registry -q init "dynamodb://$T"
	{ cur /aws/x s 3; cur app web 2; cur app api 9; } | cwl-registry put "dynamodb://$T"
	run cwl-registry get "dynamodb://$T"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$(cur /aws/x s 3)" ]
	[ "${lines[1]}" = "$(cur app api 9)" ]
	[ "${lines[2]}" = "$(cur app web 2)" ]
	run cwl-registry get "dynamodb://$T" -g app
	[ "${#lines[@]}" -eq 2 ]
	run cwl-registry get "dynamodb://$T" -s app:web -s app:none
	[ "$output" = "$(cur app web 2)" ]
	run ddb GetItem "{\"TableName\":\"$T\",\"Key\":{\"source\":{\"S\":\"app:api\"}}}"
	[[ "$output" == *'"source":{"S":"app:api"}'* ]] || { echo "$output"; false; }
	[[ "$output" == *'"group":{"S":"app"}'* ]]
	[[ "$output" == *'"cursor":{"S":"{\"group\":\"app\",\"stream\":\"api\",\"token\":\"f/9\",\"skip\":1,\"ts\":9,\"n\":9}"}'* ]]
	[[ "$output" == *'"n":{"N":"9"}'* ]]
	[[ "$output" == *'"ts":{"N":"9"}'* ]]
	updated=$(echo "$output" | sed -n 's/.*"updated":{"N":"\([0-9]*\)"}.*/\1/p')
	[ $((updated / 1000 - $(date +%s))) -le 1 ] && [ $(($(date +%s) - updated / 1000)) -le 60 ]
	run cwl-registry -v delete "dynamodb://$T" -s app:api
	[ "$output" = "cwl-registry: info: deleted 1 checkpoint from dynamodb://$T" ]
	run cwl-registry -v delete "dynamodb://$T" -g app
	[ "$output" = "cwl-registry: info: deleted 1 checkpoint from dynamodb://$T" ]
	run cwl-registry -v delete "dynamodb://$T"
	[ "$output" = "cwl-registry: info: deleted 1 checkpoint from dynamodb://$T" ]
	run cwl-registry get "dynamodb://$T"
	[ -z "$output" ]
}

@test "dynamodb: the conditional check refuses a stale writer" {
	cwl-registry -q init "dynamodb://$T"
	cur g s 10 | cwl-registry put "dynamodb://$T"
	run bash -c "$(declare -f cur); { cur g s 4; cur g t 1; } | cwl-registry -d registry put dynamodb://$T"
	[ "$status" -eq 0 ]
	# refused by DynamoDB itself (ConditionalCheckFailedException)
	[[ "$output" == *"cwl-registry: debug: registry: dynamodb://$T: g:s: the item holds a newer cursor"* ]] || { echo "$output"; false; }
	[[ "$output" == *"cwl-registry: warning: registry dynamodb://$T: 1 source: it holds a newer checkpoint, kept (another writer on the same sources?)"* ]]
	run cwl-registry get "dynamodb://$T"
	[ "${lines[0]}" = "$(cur g s 10)" ]
	[ "${lines[1]}" = "$(cur g t 1)" ]
	# the same cursor again is no conflict; a newer one goes through
	run bash -c "$(declare -f cur); { cur g s 10; cur g t 2; } | cwl-registry put dynamodb://$T"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cwl-registry get "dynamodb://$T" -s g:t
	[ "$output" = "$(cur g t 2)" ]
	# a writer that sends the stale cursor itself, as a second harvester
	# would, is refused by the condition
	run ddb PutItem "{\"TableName\":\"$T\",\"Item\":{\"source\":{\"S\":\"g:s\"},\"n\":{\"N\":\"4\"},\"ts\":{\"N\":\"4\"}},\"ConditionExpression\":\"attribute_not_exists(#s) OR #n < :n OR (#n = :n AND #t <= :t)\",\"ExpressionAttributeNames\":{\"#s\":\"source\",\"#n\":\"n\",\"#t\":\"ts\"},\"ExpressionAttributeValues\":{\":n\":{\"N\":\"4\"},\":t\":{\"N\":\"4\"}}}"
	[[ "$output" == *"ConditionalCheckFailedException"* ]]
}

@test "dynamodb: a corrupt item is an error naming it" {
	cwl-registry -q init "dynamodb://$T"
	run ddb PutItem "{\"TableName\":\"$T\",\"Item\":{\"source\":{\"S\":\"g:s\"},\"cursor\":{\"S\":\"{oops\"}}}"
	[ "$output" = "{}" ]
	run cwl-registry get "dynamodb://$T"
	[ "$status" -eq 1 ] || { echo "$output"; false; }
	[[ "$output" == "cwl-registry: error: registry dynamodb://$T: item g:s: cursor: not JSON"* ]] || { echo "$output"; false; }
}

@test "dynamodb: access refused is exit 4" {
	cwl-registry -q init "dynamodb://$T"
	export AWS_ACCESS_KEY_ID=AKIANOSUCHKEY0000000
	run cwl-registry get "dynamodb://$T"
	[ "$status" -eq 4 ]
	[[ "$output" == "cwl-registry: error: registry dynamodb://$T: Scan: UnrecognizedClientException"* ]] || { echo "$output"; false; }
}

@test "dynamodb: a 1,000-source registry is saved and loaded" {
	cwl-registry -q init "dynamodb://$T"
	many 1000 1 2 | cwl-registry put "dynamodb://$T"
	run cwl-registry get "dynamodb://$T"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1000 ]
	[ "$output" = "$(many 1000 2 1 | sorted)" ]
	run cwl-registry get "dynamodb://$T" -g /aws/g7
	[ "${#lines[@]}" -eq 100 ]
}

# --- linked accounts

# gcur GROUP N: a followed group's cursor, ts = N.
gcur() {
	printf '{"group":"%s","stream":"*","ts":%s,"n":%s}\n' "$1" "$2" "$2"
}

@test "linked accounts: ACCOUNT:GROUP sources stay apart from the own group of that name, in a file, S3 and DynamoDB" {
	A=111122223333 B=444455556666
	cwl-registry -q init "dynamodb://$T"
	for url in file:reg.ndjson "s3://bkt/$P/" "dynamodb://$T"; do
		{ cur /cwl/same s 5; cur "$A:/cwl/same" s 3; gcur /cwl/same 7; gcur "$A:/cwl/same" 2
		  cur "$B:/cwl/same" s 4; } | cwl-registry put "$url"
		run cwl-registry get "$url"
		[ "$status" -eq 0 ]
		[ "$output" = "$({ cur /cwl/same s 5; cur "$A:/cwl/same" s 3; gcur /cwl/same 7
			gcur "$A:/cwl/same" 2; cur "$B:/cwl/same" s 4; } | sorted)" ] || { echo "$url: $output"; false; }
		# a newer cursor of one account's source moves only that one
		{ cur "$A:/cwl/same" s 9; gcur /cwl/same 8; } | cwl-registry put "$url"
		run cwl-registry get "$url"
		[ "$output" = "$({ cur /cwl/same s 5; cur "$A:/cwl/same" s 9; gcur /cwl/same 8
			gcur "$A:/cwl/same" 2; cur "$B:/cwl/same" s 4; } | sorted)" ] || { echo "$url: $output"; false; }
		cur /cwl/same s 6 | cwl-registry put "$url"
		# each selected by its own source or group
		run cwl-registry get "$url" -s "$A:/cwl/same:s"
		[ "$status" -eq 0 ]
		[ "$output" = "$(cur "$A:/cwl/same" s 9)" ] || { echo "$url: $output"; false; }
		run cwl-registry get "$url" -s /cwl/same:s
		[ "$output" = "$(cur /cwl/same s 6)" ]
		run cwl-registry get "$url" -g "$A:/cwl/same"
		[ "$status" -eq 0 ]
		[ "$output" = "$({ cur "$A:/cwl/same" s 9; gcur "$A:/cwl/same" 2; } | sorted)" ] || { echo "$url: $output"; false; }
		run cwl-registry get "$url" -g /cwl/same
		[ "$output" = "$({ cur /cwl/same s 6; gcur /cwl/same 8; } | sorted)" ]
		run cwl-registry list "$url"
		[ "$(echo "$output" | cut -f1,2 | tr '\t\n' '= ')" = \
			"/cwl/same:*=8 /cwl/same:s=6 $A:/cwl/same:*=2 $A:/cwl/same:s=9 $B:/cwl/same:s=4 " ] || { echo "$url: $output"; false; }
		# deleting one account's group leaves the others
		cwl-registry delete "$url" -g "$A:/cwl/same"
		run cwl-registry get "$url"
		[ "$output" = "$({ cur /cwl/same s 6; gcur /cwl/same 8; cur "$B:/cwl/same" s 4; } | sorted)" ] || { echo "$url: $output"; false; }
		cwl-registry delete "$url" -s "$B:/cwl/same:s"
		run cwl-registry get "$url"
		[ "$output" = "$({ cur /cwl/same s 6; gcur /cwl/same 8; } | sorted)" ] || { echo "$url: $output"; false; }
	done
	# in S3, an object per account's group
	{ cur "$A:/cwl/same" s 1; cur /cwl/same s 1; } | cwl-registry put "s3://bkt/$P-2/"
	[ "$(s3_keys "$P-2/" | paste -sd' ')" = "$P-2//cwl/same.json $P-2/$A:/cwl/same.json" ]
	# what is neither a group nor ACCOUNT:GROUP is refused
	for g in "1234:/cwl/same" "$A:" "$A:/g:s"; do
		run cwl-registry get reg.ndjson -g "$g"
		[ "$status" -eq 2 ]
		[[ "$output" == "cwl-registry: error: --group '$g': not a log group name, nor ACCOUNT:GROUP"* ]]
	done
}

# --- the original beat's registry

@test "import-legacy turns {NextToken, Buffer} objects into cursors" {
	s3_put "$P//aws/lambda/fn/2026/11/23/%5B%24LATEST%5Dabc" '{"NextToken":"f/111","Buffer":""}'
	s3_put "$P/app/web-1" '{"NextToken":"f/222","Buffer":"half an event\n"}'
	s3_put "$P/app/broken" 'not json'
	printf 'cloudwatchlogsbeat:\n  prospectors:\n    - groupnames: ["/aws/lambda/*", app]\n' >c.yml
	run bash -c "cwl-registry -v -c c.yml import-legacy s3://bkt/$P/ --to reg 2>err"
	[ "$status" -eq 3 ]
	[ "${lines[0]}" = '{"group":"/aws/lambda/fn","stream":"2026/11/23/[$LATEST]abc","token":"f/111","skip":0,"ts":0,"n":0}' ] || { echo "$output"; cat err; false; }
	[ "${lines[1]}" = '{"group":"app","stream":"web-1","token":"f/222","skip":0,"ts":0,"n":0}' ]
	[ "${#lines[@]}" -eq 2 ]
	run cat err
	[ "${lines[0]}" = "cwl-registry: error: import-legacy: $P/app/broken: not a {NextToken, Buffer} object: skipped" ] || { echo "$output"; false; }
	[ "${lines[1]}" = "cwl-registry: warning: import-legacy: $P/app/web-1: its Buffer (lines of a multiline event not yet sent) is not imported" ]
	[ "${lines[2]}" = "cwl-registry: info: imported 2 streams from s3://bkt/$P/ into reg" ]
	[ "$(cwl-registry get reg | wc -l)" -eq 2 ]
	# a checkpoint further on is kept
	cur app web-1 50 | cwl-registry put reg
	run cwl-registry -c c.yml import-legacy "s3://bkt/$P/" --to reg
	[ "$status" -eq 3 ]
	[[ "$output" == *"import-legacy: 1 of them already had a newer checkpoint in reg, kept"* ]]
	[ "$(cwl-registry get reg -s app:web-1)" = "$(cur app web-1 50)" ]
	# no groups known: split at the last slash
	run cwl-registry import-legacy "s3://bkt/$P/" --to memory:
	[[ "$output" == *'{"group":"/aws/lambda/fn/2026/11/23","stream":"[$LATEST]abc"'* ]]
	# --group names them instead of the config
	run bash -c "cwl-registry import-legacy s3://bkt/$P/ --to memory: -g /aws/lambda/fn 2>err"
	[[ "$output" == *'{"group":"/aws/lambda/fn","stream":"2026/11/23/[$LATEST]abc"'* ]]
	grep -q "import-legacy: $P/app/web-1: not under a log group given: skipped" err
}

@test "import-legacy passes over our own objects sharing the prefix" {
	s3_put "$P/app/web-1" '{"NextToken":"f/222","Buffer":""}'
	cur other s 1 | cwl-registry put "s3://bkt/$P/"
	run bash -c "cwl-registry import-legacy s3://bkt/$P/ --to memory: 2>err"
	[ "$status" -eq 0 ]
	[ "$output" = '{"group":"app","stream":"web-1","token":"f/222","skip":0,"ts":0,"n":0}' ]
	grep -q "warning: import-legacy: $P/other.json: not a {NextToken, Buffer} object" err
}

@test "import-legacy needs an S3 source and somewhere to write" {
	run cwl-registry import-legacy
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: import-legacy: no s3://BUCKET/PREFIX"* ]]
	run cwl-registry import-legacy file.ndjson --to reg
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: import-legacy: 'file.ndjson': the original registry is an S3 location"* ]]
	run cwl-registry import-legacy "s3://bkt/$P/"
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-registry: error: import-legacy: no registry to import into: give --to URL or set cloudwatchlogsbeat.registry.url"* ]]
	run cwl-registry import-legacy s3://missing/ --to memory:
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry s3://missing/: bucket missing does not exist" ]
}
