#!/usr/bin/env bats
# What every program does the same way: --help, --version, a bad flag,
# a bad config file, a bad -E, --check-config and --config-value.

load helpers

PROGS="cwl-list cwl-tail cwl-kinesis cwl-ship cwl-registry"

@test "every program answers --help with its synopsis on stdout, exit 0" {
	for p in $PROGS; do
		run "$p" --help
		[ "$status" -eq 0 ] || { echo "$p: $status"; false; }
		[[ "${lines[0]}" == "usage: $p"* ]] || { echo "$p: ${lines[0]}"; false; }
	done
}

@test "every program answers --version with its version and the libraries'" {
	for p in $PROGS; do
		run "$p" --version
		[ "$status" -eq 0 ]
		[[ "$output" =~ ^$p\ [0-9]+\.[0-9]+\.[0-9]+\ \(libcurl\ [0-9.]+,\ OpenSSL\ [0-9].*json-c.*libyaml ]] || { echo "$output"; false; }
	done
}

@test "every program refuses an unknown flag with exit 2 and its usage" {
	for p in $PROGS; do
		run "$p" --no-such-flag
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[[ "$output" == *"no-such-flag"* ]]
		[[ "$output" == *"usage: $p"* ]]
	done
}

@test "a flag missing its argument is exit 2" {
	for p in $PROGS; do
		run "$p" -c
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[[ "$output" == *"usage: $p"* ]]
	done
}

@test "a missing config file is exit 2 naming the file" {
	for p in $PROGS; do
		run "$p" -c /nonexistent/cwl.yml --check-config
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[[ "$output" == "$p: error: "*"/nonexistent/cwl.yml"* ]] || { echo "$output"; false; }
	done
}

@test "a YAML syntax error is exit 2 naming file and line" {
	printf 'cloudwatchlogsbeat:\n  aws_region: [eu-west-1\n' >bad.yml
	for p in $PROGS; do
		run "$p" -c bad.yml --check-config
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[[ "$output" == "$p: error: bad.yml:"[0-9]* ]] || { echo "$output"; false; }
	done
}

@test "a value of the wrong type is exit 2 naming file, line and key" {
	printf 'cloudwatchlogsbeat:\n  stream_refresh_frequency: soon\n' >bad.yml
	for p in $PROGS; do
		run "$p" -c bad.yml --check-config
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[[ "$output" == *"bad.yml:2"*"cloudwatchlogsbeat.stream_refresh_frequency"*"soon"* ]] || { echo "$output"; false; }
	done
}

@test "an unknown key is a warning, not an error" {
	printf 'cloudwatchlogsbeat:\n  no_such_key: 1\n' >odd.yml
	run cwl-registry -c odd.yml --check-config
	[ "$status" -eq 0 ]
	[[ "$output" == *"odd.yml:2"*"cloudwatchlogsbeat.no_such_key"* ]] || { echo "$output"; false; }
}

@test "-E overrides the file and --config-value prints the result" {
	printf 'cloudwatchlogsbeat:\n  aws_region: eu-west-1\n' >c.yml
	run cwl-list -c c.yml --config-value cloudwatchlogsbeat.aws_region
	[ "$status" -eq 0 ]
	[ "$output" = "eu-west-1" ]
	run cwl-list -c c.yml -E cloudwatchlogsbeat.aws_region=us-east-2 --config-value cloudwatchlogsbeat.aws_region
	[ "$status" -eq 0 ]
	[ "$output" = "us-east-2" ]
	run cwl-list -E 'output.elasticsearch.hosts=[a:9200, b:9200]' --config-value output.elasticsearch.hosts
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "a:9200" ]
	[ "${lines[1]}" = "b:9200" ]
}

@test "a malformed -E is exit 2 naming it" {
	for p in $PROGS; do
		run "$p" -E novalue --check-config
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[[ "$output" == *"novalue"* ]] || { echo "$output"; false; }
	done
}

@test "\${VAR} in the config comes from the environment" {
	printf 'cloudwatchlogsbeat:\n  aws_region: ${CWL_TEST_REGION:ap-south-1}\n' >c.yml
	run cwl-tail -c c.yml --config-value cloudwatchlogsbeat.aws_region
	[ "$output" = "ap-south-1" ]
	CWL_TEST_REGION=sa-east-1 run cwl-tail -c c.yml --config-value cloudwatchlogsbeat.aws_region
	[ "$output" = "sa-east-1" ]
}

@test "the original beat's config file loads without a warning" {
	cat >orig.yml <<'YML'
name: cloudwatchlogsbeat
cloudwatchlogsbeat:
  group_refresh_frequency: 1s
  s3_bucket_name: the-bucket-name
  s3_key_prefix: registry/
  stream_refresh_frequency: 5s
  report_frequency: 5m
  aws_region: eu-west-1
  stream_event_horizon: 10m
  stream_event_refresh_frequency: 5s
  hot_stream_event_horizon: 1m
  hot_stream_event_refresh_frequency: 1s
  prospectors:
    - id: application-name
      groupnames:
        - /aws/lambda/log-group-name
        - /aws/lambda/another-name-*
      multiline:
        pattern: "^REPORT RequestId.+"
        negate: true
        match: before
output.elasticsearch:
  hosts: ["localhost:9200"]
  template.overwrite: true
YML
	for p in $PROGS; do
		run "$p" -c orig.yml --check-config
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		[ -z "$output" ] || { echo "$p: $output"; false; }
	done
}

@test "the wrapper answers --help, --version and refuses a bad flag" {
	run cloudwatchlogsbeat --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: cloudwatchlogsbeat"* ]]
	run cloudwatchlogsbeat --version
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "cloudwatchlogsbeat "[0-9]* ]]
	[[ "$output" == *"cwl-ship "[0-9]*"libcurl"* ]]
	run cloudwatchlogsbeat --bogus
	[ "$status" -eq 2 ]
	[[ "$output" == "cloudwatchlogsbeat: error: unknown option --bogus"* ]]
	run cloudwatchlogsbeat frobnicate
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown command 'frobnicate'"* ]]
	run cloudwatchlogsbeat --shard 4/3
	[ "$status" -eq 2 ]
	[[ "$output" == *"--shard 4/3"* ]]
}

@test "every program's --help says what -v and -q show, and the default" {
	for p in $PROGS; do
		run "$p" --help
		[[ "$output" =~ "-v, --verbose "+"info lines as well: what is being done" ]] || { echo "$p: $output"; false; }
		[[ "$output" =~ "-q, --quiet "+"errors only (default: warnings and errors)" ]] || { echo "$p: $output"; false; }
	done
	run cloudwatchlogsbeat --help
	[[ "$output" == *"-v, --verbose         info lines as well, the programs' too"* ]]
	[[ "$output" == *"-q, --quiet           errors only"* ]]
}

# cur N: a checkpoint of source g:s at N.
cur() {
	printf '{"group":"g","stream":"s","token":"f/%d","skip":1,"ts":%d,"n":%d}\n' "$1" "$1" "$1"
}

@test "warnings and errors by default; -v adds info, -d debug, -q leaves errors" {
	cur 5 | cwl-registry put reg
	# a success says nothing; a warning is said
	run cwl-registry init reg
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run bash -c "$(declare -f cur); cur 3 | cwl-registry put reg"
	[ "$status" -eq 0 ]
	[ "$output" = "cwl-registry: warning: registry reg: 1 source: it holds a newer checkpoint, kept (another writer on the same sources?)" ]
	run bash -c "$(declare -f cur); cur 3 | cwl-registry -q put reg"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run cwl-registry -v init reg
	[ "$output" = "cwl-registry: info: reg: exists" ]
	# -d with -v, in either order: the debug lines stay
	n=6
	for flags in "-d registry -v" "-v -d registry"; do
		n=$((n + 1))
		run bash -c "$(declare -f cur); cur $n | cwl-registry $flags put reg"
		[ "$status" -eq 0 ]
		[ "$output" = "cwl-registry: debug: registry: reg: saved 1 source" ] || { echo "$flags: $output"; false; }
	done
	# an error is said under -q
	run cwl-registry -q put nodir/reg </dev/null
	[ "$status" -eq 1 ]
	[ "$output" = "cwl-registry: error: registry nodir/reg: nodir/reg.lock: No such file or directory" ]
}

@test "logging.level and logging.selectors choose when no flag does; -v, -q and -d win" {
	cur 5 | cwl-registry put reg
	run cwl-registry -E logging.level=info init reg
	[ "$output" = "cwl-registry: info: reg: exists" ]
	run cwl-registry -E logging.level=info -q init reg
	[ "$output" = "" ]
	run bash -c "$(declare -f cur); cur 3 | cwl-registry -E logging.level=error put reg"
	[ "$status" -eq 0 ]
	[ "$output" = "" ]
	run bash -c "$(declare -f cur); cur 3 | cwl-registry -E logging.level=error -v put reg"
	[[ "$output" == "cwl-registry: warning: registry reg: 1 source: it holds a newer checkpoint, kept"* ]]
	run cwl-registry -E logging.level=warning -v init reg
	[ "$output" = "cwl-registry: info: reg: exists" ]
	# debug: every selector, unless logging.selectors names some
	printf 'logging:\n  level: debug\n' >debug.yml
	run bash -c "$(declare -f cur); cur 6 | cwl-registry -c debug.yml put reg"
	[ "$output" = "cwl-registry: debug: registry: reg: saved 1 source" ]
	printf 'logging:\n  level: debug\n  selectors: [http]\n' >http.yml
	run bash -c "$(declare -f cur); cur 7 | cwl-registry -c http.yml put reg"
	[ "$output" = "" ]
	printf 'logging:\n  level: debug\n  selectors: [http, registry]\n' >both.yml
	run bash -c "$(declare -f cur); cur 8 | cwl-registry -c both.yml put reg"
	[ "$output" = "cwl-registry: debug: registry: reg: saved 1 source" ]
}

@test "a logging.level that is not a level is exit 2 naming file, line and key, in every program" {
	printf 'logging:\n  level: loud\n' >bad.yml
	for p in $PROGS; do
		run "$p" -c bad.yml --check-config
		[ "$status" -eq 2 ] || { echo "$p: $status $output"; false; }
		[ "$output" = "$p: error: bad.yml:2: logging.level: 'loud': error, warning, info or debug" ] || { echo "$output"; false; }
		# a flag does not hide it
		run "$p" -c bad.yml -v --check-config
		[ "$status" -eq 2 ]
	done
	run cwl-list -E logging.level=verbose --check-config
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-list: error: -E: logging.level: 'verbose': error, warning, info or debug" ]
}
