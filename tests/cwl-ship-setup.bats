#!/usr/bin/env bats
# cwl-ship setup (index template, lifecycle policy, data stream, rollover
# alias) and cwl-ship --test-output, against the local Elasticsearch, and
# through the wrapper: cloudwatchlogsbeat setup, cloudwatchlogsbeat test
# output.

load helpers

setup_file() {
	es_server_start --basic elastic:changeme
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

setup() {
	common_setup
	es_ctl reset >/dev/null
	cat >c.yml <<-EOF
	output.elasticsearch:
	  hosts: ["$ES_URL"]
	  username: elastic
	  password: changeme
	  backoff.init: 5ms
	  backoff.max: 50ms
	EOF
}

# puts: the number of PUT requests the server saw.
puts() {
	es_ctl requests | grep -c '"method":"PUT"' || true
}

# requests: the number of requests the server saw (not counting /_control).
requests() {
	es_stats requests
}

# line NUM EVENT_ID TIMESTAMP: an event line as cwl-tail writes it.
line() {
	printf '{"@timestamp":"%s","message":"m %s","event":{"id":"%s"},"log":{"file":{"path":"G/S"}},"aws":{"cloudwatch":{"log_group":"G","log_stream":"S","ingestion_time":"2026-11-23T10:00:00.456Z"}},"cloud":{"provider":"aws","region":"eu-west-1"},"prospector":"p1","fields":{"team":"a"},"@metadata":{"_id":"%s","cursor":{"group":"G","stream":"S","token":"f/1","skip":%s,"ts":1,"n":%s}}}\n' \
		"$3" "$1" "$2" "$2" "$1" "$1"
}

@test "setup: installs the ILM policy and the template with ECS mappings; a second run sends nothing" {
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.delete_after=90d setup
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "ilm policy cloudwatchlogsbeat: installed" ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: installed" ]
	[ "$(puts)" -eq 2 ]
	curl -fsS "$ES_CTL_URL/_index_template/cloudwatchlogsbeat" >t.json
	"$PY" - t.json <<-'EOF'
	import json, sys
	t = json.load(open(sys.argv[1]))["index_templates"][0]["index_template"]
	assert t["index_patterns"] == ["cloudwatchlogsbeat-*"], t["index_patterns"]
	assert "data_stream" not in t
	s = t["template"]["settings"]["index"]
	assert s["lifecycle"]["name"] == "cloudwatchlogsbeat", s
	assert s["number_of_shards"] == "1", s
	p = t["template"]["mappings"]["properties"]
	ts = p["@timestamp"]
	assert ts == {"type": "date", "format": "strict_date_optional_time||epoch_millis"}, ts
	assert p["message"]["type"] == "text"
	cw = p["aws"]["properties"]["cloudwatch"]["properties"]
	assert cw["log_group"]["type"] == "keyword" and cw["log_stream"]["type"] == "keyword"
	assert cw["ingestion_time"]["type"] == "date"
	assert p["log"]["properties"]["file"]["properties"]["path"]["type"] == "keyword"
	assert p["event"]["properties"]["id"]["type"] == "keyword"
	assert p["cloud"]["properties"]["region"]["type"] == "keyword"
	assert p["cloud"]["properties"]["provider"]["type"] == "keyword"
	assert p["prospector"]["type"] == "keyword"
	d = t["template"]["mappings"]["dynamic_templates"][0]["fields"]
	assert d == {"path_match": "fields.*", "match_mapping_type": "string",
	             "mapping": {"type": "keyword"}}, d
	EOF
	curl -fsS "$ES_CTL_URL/_ilm/policy/cloudwatchlogsbeat" >p.json
	"$PY" - p.json <<-'EOF'
	import json, sys
	p = json.load(open(sys.argv[1]))["cloudwatchlogsbeat"]["policy"]["phases"]
	assert p["hot"]["min_age"] == "0ms", p
	# daily indices do not roll over: they age, and go after 90 days
	assert "rollover" not in p["hot"]["actions"], p
	assert p["delete"] == {"min_age": "90d", "actions": {"delete": {}}}, p
	EOF
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.delete_after=90d setup
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ilm policy cloudwatchlogsbeat: up to date" ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: up to date" ]
	[ "$(puts)" -eq 2 ]
}

@test "setup: a template that differs is left alone without overwrite, replaced with it" {
	curl -fsS -X PUT -H 'Content-Type: application/json' \
		--data '{"index_patterns":["cloudwatchlogsbeat-*"],"priority":150,"template":{"mappings":{"properties":{"message":{"type":"keyword"}}}}}' \
		"$ES_CTL_URL/_index_template/cloudwatchlogsbeat" >/dev/null
	es_ctl reset '{"requests":true}' >/dev/null
	run cwl-ship -c c.yml setup
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ilm policy: not enabled (setup.ilm.enabled)" ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: exists and differs: left as it is (setup.template.overwrite: true replaces it)" ]
	[ "$(puts)" -eq 0 ]
	curl -fsS "$ES_CTL_URL/_index_template/cloudwatchlogsbeat" | grep -q '"message": *{"type": *"keyword"}'
	# the original beat's key is an alias
	run cwl-ship -c c.yml -E output.elasticsearch.template.overwrite=true setup
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: replaced" ]
	[ "$(puts)" -eq 1 ]
	curl -fsS "$ES_CTL_URL/_index_template/cloudwatchlogsbeat" | grep -q '"message": *{"type": *"text"}'
	# a changed setting is a difference too
	run cwl-ship -c c.yml -E setup.template.settings.index.number_of_shards=3 \
		-E setup.template.overwrite=true setup
	[ "${lines[1]}" = "template cloudwatchlogsbeat: replaced" ]
	curl -fsS "$ES_CTL_URL/_index_template/cloudwatchlogsbeat" | grep -q '"number_of_shards": *"3"'
	# and an ILM policy that differs needs setup.ilm.overwrite
	cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.delete_after=30d setup >/dev/null
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.delete_after=7d setup
	[ "${lines[0]}" = "ilm policy cloudwatchlogsbeat: exists and differs: left as it is (setup.ilm.overwrite: true replaces it)" ]
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.delete_after=7d -E setup.ilm.overwrite=true setup
	[ "${lines[0]}" = "ilm policy cloudwatchlogsbeat: replaced" ]
	curl -fsS "$ES_CTL_URL/_ilm/policy/cloudwatchlogsbeat" | grep -q '"min_age": *"7d"'
}

@test "setup --dry-run: prints every request with its JSON body and sends nothing at all" {
	before=$(requests)
	cwl-ship -v -c c.yml -E setup.ilm.enabled=true -E output.elasticsearch.op_type=create \
		-E output.elasticsearch.index=logs-cwl-default setup --dry-run >out 2>err
	[ "$(requests)" -eq "$before" ]
	grep -q "cwl-ship: info: dry run: the requests are printed, nothing is sent" err
	"$PY" - out <<-'EOF'
	import json, re, sys
	reqs, cur = [], None
	for l in open(sys.argv[1]):
	    m = re.match(r"^(PUT|GET|POST|DELETE) (/\S*)$", l.rstrip("\n"))
	    if m:
	        cur = [m.group(1), m.group(2), ""]
	        reqs.append(cur)
	    else:
	        cur[2] += l
	got = [(m, p) for m, p, _ in reqs]
	assert got == [("PUT", "/_ilm/policy/cloudwatchlogsbeat"),
	               ("PUT", "/_index_template/cloudwatchlogsbeat"),
	               ("PUT", "/_data_stream/logs-cwl-default")], got
	pol = json.loads(reqs[0][2])
	assert pol["policy"]["phases"]["hot"]["actions"]["rollover"] == {
	    "max_primary_shard_size": "50gb", "max_age": "30d"}, pol
	t = json.loads(reqs[1][2])
	assert t["data_stream"] == {} and t["index_patterns"] == ["logs-cwl-default"], t
	assert reqs[2][2].strip() == ""
	EOF
	# the wrapper's form
	cloudwatchlogsbeat -v -c c.yml setup --dry-run >out2 2>err2
	[ "$(head -n 1 out2)" = "PUT /_index_template/cloudwatchlogsbeat" ]
	grep -q "cwl-ship: info: ilm policy: not enabled" err2
	[ "$(requests)" -eq "$before" ]
	# nothing was created
	run curl -sS -o /dev/null -w '%{http_code}' "$ES_CTL_URL/_index_template/cloudwatchlogsbeat"
	[ "$output" = 404 ]
}

@test "setup: refused credentials exit 4, an unreachable server 1, each with its message" {
	run cwl-ship -c c.yml -E output.elasticsearch.password=wrong setup
	[ "$status" -eq 4 ]
	[[ "$output" == *"cwl-ship: error: setup: GET $ES_URL/_index_template/cloudwatchlogsbeat: 401 Unauthorized: security_exception: unable to authenticate user [elastic]"* ]]
	[[ "$output" != *wrong* ]]
	run cwl-ship -c c.yml -E output.elasticsearch.username= -E output.elasticsearch.password= setup
	[ "$status" -eq 4 ]
	[[ "$output" == *"401 Unauthorized: security_exception: missing authentication credentials"* ]]
	run cwl-ship -E output.elasticsearch.hosts=http://127.0.0.1:1 setup
	[ "$status" -eq 1 ]
	[[ "$output" == *"cwl-ship: error: setup: GET http://127.0.0.1:1/_index_template/cloudwatchlogsbeat: "*"refused"* ]]
	# a dead host first, a live one second: the live one does it
	run cwl-ship -c c.yml -E "output.elasticsearch.hosts=[\"http://127.0.0.1:1\",\"$ES_URL\"]" setup
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: installed" ]
}

@test "setup: a request the server will not take is a configuration error (2)" {
	# another template with the same patterns and priority
	curl -fsS -X PUT -H 'Content-Type: application/json' \
		--data '{"index_patterns":["cloudwatchlogsbeat-*"],"priority":150}' \
		"$ES_CTL_URL/_index_template/other" >/dev/null
	run cwl-ship -c c.yml setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: setup: PUT $ES_URL/_index_template/cloudwatchlogsbeat: 400 Bad Request: illegal_argument_exception: index template [cloudwatchlogsbeat] has index patterns"* ]]
	# a priority of its own solves it
	run cwl-ship -c c.yml -E setup.template.priority=200 setup
	[ "$status" -eq 0 ]
}

@test "setup: configuration errors exit 2" {
	run cwl-ship -E output.logstash.hosts=127.0.0.1:5044 setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: setup: the index template and the lifecycle policy are Elasticsearch's, and output.elasticsearch is not the output enabled"* ]]
	run cwl-ship setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.elasticsearch is not configured"* ]]
	run cwl-ship -c c.yml -E setup.template.settings.index.number_of_shards=0 setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: setup: -E: setup.template.settings.index.number_of_shards: 0: 1 or more"* ]]
	run cwl-ship -c c.yml -E setup.template.settings.index.number_of_shards=many setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"setup.template.settings.index.number_of_shards"* ]]
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.policy_file=/nonexistent/p.json setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: setup: -E: setup.ilm.policy_file: /nonexistent/p.json: No such file or directory"* ]]
	echo '[1,2]' >bad.json
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.policy_file=bad.json setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"setup.ilm.policy_file: bad.json: not a JSON object"* ]]
	run cwl-ship -c c.yml -E 'output.elasticsearch.index=%{[aws.cloudwatch.log_group]}-x' setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: setup: setup.template.pattern: needed, since the index '%{[aws.cloudwatch.log_group]}-x' starts with a field"* ]]
	run cwl-ship -c c.yml -E output.elasticsearch.op_type=create -E output.elasticsearch.index=logs-x \
		-E setup.ilm.enabled=true -E setup.ilm.rollover_alias=a setup
	[ "$status" -eq 2 ]
	[[ "$output" == *"setup.ilm.rollover_alias: not with a data stream (op_type create into 'logs-x')"* ]]
	run cwl-ship -c c.yml --dry-run </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: --dry-run: only with setup"* ]]
	run cwl-ship -c c.yml setup --test-output
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: --test-output: not with setup"* ]]
	run cwl-ship -c c.yml setup extra
	[ "$status" -eq 2 ]
	[[ "$output" == *"unexpected argument 'extra'"* ]]
	[ "$(puts)" -eq 0 ]
}

@test "setup: the template applies to the indices shipped to; a field that clashes is refused" {
	cwl-ship -c c.yml setup >/dev/null
	{
		line 1 e1 2026-11-23T10:00:00.001Z
		line 2 e2 2026-11-23T10:00:00.002Z
		line 3 e3 not-a-date
	} >in.ndjson
	run cwl-ship -c c.yml --dead-letter dl.ndjson <in.ndjson
	[ "$status" -eq 3 ]
	[ "$(es_count 'cloudwatchlogsbeat-*')" -eq 2 ]
	grep -q 'failed to parse field \[@timestamp\] of type \[date\]' dl.ndjson
	# a prospector's field is a keyword by the dynamic template: no clash
	es_docs 'cloudwatchlogsbeat-*' | grep -q '"team":"a"'
}

@test "setup: op_type create into a fixed name makes a data stream, and shipping into it works" {
	ds="-E output.elasticsearch.op_type=create -E output.elasticsearch.index=logs-cwl-default"
	run cwl-ship -c c.yml $ds -E setup.ilm.enabled=true setup
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "ilm policy cloudwatchlogsbeat: installed" ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: installed" ]
	[ "${lines[2]}" = "data stream logs-cwl-default: created" ]
	curl -fsS "$ES_CTL_URL/_data_stream/logs-cwl-default" >d.json
	"$PY" - d.json <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))["data_streams"][0]
	assert d["template"] == "cloudwatchlogsbeat", d
	assert d["ilm_policy"] == "cloudwatchlogsbeat", d
	EOF
	curl -fsS "$ES_CTL_URL/_ilm/policy/cloudwatchlogsbeat" | grep -q '"max_primary_shard_size": *"50gb"'
	run cwl-ship -c c.yml $ds -E setup.ilm.enabled=true setup
	[ "${lines[2]}" = "data stream logs-cwl-default: exists" ]
	{ line 1 e1 2026-11-23T10:00:00.001Z; line 2 e2 2026-11-23T10:00:00.002Z; } >in.ndjson
	run cwl-ship -c c.yml $ds --acks acks.out <in.ndjson
	[ "$status" -eq 0 ]
	[ "$(es_count logs-cwl-default)" -eq 2 ]
	[ "$(wc -l <acks.out)" -eq 1 ]
}

@test "setup: a rollover alias gets its first index as the write index" {
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.rollover_alias=cwl setup
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[2]}" = "index cwl-000001 (write index of cwl): created" ]
	curl -fsS "$ES_CTL_URL/_index_template/cloudwatchlogsbeat" | grep -q '"rollover_alias": *"cwl"'
	curl -fsS "$ES_CTL_URL/_index_template/cloudwatchlogsbeat" | grep -q '"cwl-\*"'
	run cwl-ship -c c.yml -E setup.ilm.enabled=true -E setup.ilm.rollover_alias=cwl setup
	[ "${lines[2]}" = "index cwl-000001 (write index of cwl): exists" ]
	line 1 e1 2026-11-23T10:00:00.001Z >in.ndjson
	run cwl-ship -c c.yml -E output.elasticsearch.index=cwl --acks /dev/null <in.ndjson
	[ "$status" -eq 0 ]
	[ "$(es_count cwl-000001)" -eq 1 ]
}

@test "setup: a template and a policy from files" {
	echo '{"template":{"settings":{"index":{"number_of_shards":"2"}}}}' >t.json
	echo '{"phases":{"hot":{"actions":{}}}}' >p.json
	run cwl-ship -c c.yml -E output.elasticsearch.template.path=t.json \
		-E output.elasticsearch.template.name=mine \
		-E setup.ilm.enabled=true -E setup.ilm.policy_file=p.json -E setup.ilm.policy_name=pol setup
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "ilm policy pol: installed" ]
	[ "${lines[1]}" = "template mine: installed" ]
	curl -fsS "$ES_CTL_URL/_index_template/mine" | grep -q '"index_patterns": *\["cloudwatchlogsbeat-\*"\]'
	curl -fsS "$ES_CTL_URL/_ilm/policy/pol" | grep -q '"hot": *{"actions": *{}}'
	run cwl-ship -c c.yml -E setup.template.enabled=false setup
	[ "${lines[1]}" = "template: not enabled (setup.template.enabled: false)" ]
}

# --- --test-output ---------------------------------------------------------

@test "--test-output: Elasticsearch up, one line per check, exit 0; wrong password 4; down 1" {
	run cwl-ship -c c.yml --test-output
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "elasticsearch: $ES_URL..." ]
	[ "${lines[1]}" = "  parse url... OK" ]
	[ "${lines[2]}" = "  dns lookup... OK (127.0.0.1)" ]
	[ "${lines[3]}" = "  dial up... OK" ]
	[ "${lines[4]}" = "  TLS... no TLS" ]
	[ "${lines[5]}" = "  auth... OK (basic)" ]
	[ "${lines[6]}" = "  version... 8.15.0" ]
	run cwl-ship -c c.yml -E output.elasticsearch.password=wrong --test-output
	[ "$status" -eq 4 ]
	[[ "$output" == *"  auth... ERROR 401 Unauthorized: security_exception"* ]]
	[[ "$output" == *"cwl-ship: error: test output: $ES_URL: auth: 401 Unauthorized"* ]]
	[[ "$output" != *wrong* ]]
	# every host is checked, whatever fails
	run cwl-ship -c c.yml -E "output.elasticsearch.hosts=[\"http://127.0.0.1:1\",\"http://host.invalid:9200\",\"$ES_URL\"]" --test-output
	[ "$status" -eq 1 ]
	[[ "$output" == *"  dial up... ERROR connect: Connection refused"* ]]
	[[ "$output" == *"cwl-ship: error: test output: http://127.0.0.1:1: dial up: connect: Connection refused"* ]]
	[[ "$output" == *"elasticsearch: http://host.invalid:9200..."*"  dns lookup... ERROR "* ]]
	[[ "$output" == *"  version... 8.15.0"* ]]
}

@test "--test-output: TLS with the right CA is OK, with another CA it fails (2, as a run would)" {
	tls_make_ca
	es_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY"
	run cwl-ship -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.ssl.certificate_authorities="$TLS_CA" --test-output
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"  TLS... OK"* ]]
	[[ "$output" == *"  auth... OK (none)"* ]]
	run cwl-ship -E output.elasticsearch.hosts="$ES_URL" \
		-E output.elasticsearch.ssl.certificate_authorities="$TLS_OTHER_CA" --test-output
	[ "$status" -eq 2 ]
	[[ "$output" == *"  dial up... OK"*"  TLS... ERROR "* ]]
	[[ "$output" == *"cwl-ship: error: test output: $ES_URL: TLS: "* ]]
}

@test "--test-output: Logstash, file and console" {
	ls_server_start
	run cwl-ship -E output.logstash.hosts="$LS_HOST" --test-output
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "logstash: $LS_HOST..." ]
	[ "${lines[1]}" = "  dns lookup... OK" ]
	[ "${lines[2]}" = "  dial up... OK" ]
	[ "${lines[3]}" = "  TLS... no TLS" ]
	run cwl-ship -E output.logstash.hosts=127.0.0.1:1 --test-output
	[ "$status" -eq 1 ]
	[[ "$output" == *"  dial up... ERROR connect: Connection refused"* ]]
	[[ "$output" == *"cwl-ship: error: test output: 127.0.0.1:1: dial up: connect: Connection refused"* ]]
	run cwl-ship -E output.file.path="$BATS_TEST_TMPDIR/out" --test-output
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "  directory... OK (to be created)" ]
	[ ! -e out ]
	mkdir out
	run cwl-ship -E output.file.path="$BATS_TEST_TMPDIR/out" --test-output
	[ "${lines[1]}" = "  directory... OK (writable)" ]
	touch plain
	run cwl-ship -E output.file.path="$BATS_TEST_TMPDIR/plain/sub" --test-output
	[ "$status" -eq 1 ]
	[[ "$output" == *"  directory... ERROR Not a directory"* ]]
	run cwl-ship -E output.console.pretty=false --test-output
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "  write... OK" ]
}

# --- the wrapper -------------------------------------------------------------

@test "cloudwatchlogsbeat setup and test output, end to end" {
	cat >>c.yml <<-EOF
	cloudwatchlogsbeat:
	  registry.url: file:$BATS_TEST_TMPDIR/registry.ndjson
	setup.ilm.enabled: true
	EOF
	run cloudwatchlogsbeat -c c.yml setup
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "ilm policy cloudwatchlogsbeat: installed" ]
	[ "${lines[1]}" = "template cloudwatchlogsbeat: installed" ]
	run cloudwatchlogsbeat -c c.yml test output
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[[ "$output" == *"  auth... OK (basic)"* ]]
	[[ "$output" == *"registry file:$BATS_TEST_TMPDIR/registry.ndjson: OK"* ]]
	run cloudwatchlogsbeat -c c.yml -E output.elasticsearch.hosts=http://127.0.0.1:1 test output
	[ "$status" -eq 1 ]
	[[ "$output" == *"  dial up... ERROR connect: Connection refused"* ]]
	[[ "$output" == *"registry file:$BATS_TEST_TMPDIR/registry.ndjson: OK"* ]]
}
