# Bats helpers for the local Elasticsearch (tests/servers/es_server.py),
# sourced by tests/helpers.bash. They work in a test and in setup_file;
# a server started in setup_file is registered in
# $BATS_FILE_TMPDIR/.server-pids, which the file's teardown_file stops:
#     teardown_file() { servers_stop "$BATS_FILE_TMPDIR/.server-pids"; }

# _srv_dir: where a server keeps its files (the test's, or the file's).
_srv_dir() {
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		echo "$BATS_TEST_TMPDIR"
	else
		echo "$BATS_FILE_TMPDIR"
	fi
}

# _srv_launch NAME SCRIPT [ARGS...]: start tests/servers/SCRIPT on
# port 0 and wait until it listens; sets _SRV_DIR and _SRV_PID.
# Also used by logstash.bash.
_srv_launch() {
	local name="$1" script="$2" dir pid
	shift 2
	dir=$(mktemp -d "$(_srv_dir)/$name.XXXXXX") || return 1
	"${PY:-/usr/bin/python3}" "$REPO/tests/servers/$script" --port 0 \
		--port-file "$dir/port" --ctl-port-file "$dir/ctl-port" \
		--pid-file "$dir/pid" "$@" >"$dir/log" 2>&1 3>&- &
	pid=$!
	if [ -n "${BATS_TEST_TMPDIR:-}" ]; then
		server_register "$pid"
	else
		server_register "$pid" "$BATS_FILE_TMPDIR/.server-pids"
	fi
	if ! wait_for_file "$dir/port"; then
		echo "$name server did not start:" >&2
		cat "$dir/log" >&2
		return 1
	fi
	_SRV_DIR=$dir
	_SRV_PID=$pid
}

# _srv_json EXPR: evaluate a Python expression on the JSON in stdin (j).
_srv_json() {
	"${PY:-/usr/bin/python3}" -c 'import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1"
}

# _srv_key KEY: the value of KEY in the compact JSON object on stdin; a
# number without starting Python, anything else through it.
_srv_key() {
	local json v
	json=$(cat)
	v=$(printf '%s' "$json" | sed -n "s/.*[{,]\"$1\":\([0-9][0-9.]*\)[,}].*/\1/p")
	if [ -n "$v" ]; then
		echo "$v"
	else
		printf '%s' "$json" | _srv_json "j[\"$1\"]"
	fi
}

# es_server_start [ARGS...]: start the local Elasticsearch with es_server.py
# ARGS; exports ES_PORT, ES_URL (https:// with --tls-cert), ES_CTL_PORT
# and ES_CTL_URL (plain HTTP, no auth, no faults: for looking in), ES_PID
# and ES_DIR (its files; the log is $ES_DIR/log).
es_server_start() {
	local scheme=http a
	for a in "$@"; do
		[ "$a" = --tls-cert ] && scheme=https
	done
	_srv_launch es es_server.py "$@" || return 1
	ES_DIR=$_SRV_DIR
	ES_PID=$_SRV_PID
	ES_PORT=$(cat "$ES_DIR/port")
	ES_CTL_PORT=$(cat "$ES_DIR/ctl-port")
	ES_URL="$scheme://127.0.0.1:$ES_PORT"
	ES_CTL_URL="http://127.0.0.1:$ES_CTL_PORT"
	export ES_DIR ES_PID ES_PORT ES_CTL_PORT ES_URL ES_CTL_URL
}

# es_count [INDEX]: prints the number of documents (in INDEX, a name or
# pattern; all when omitted).
es_count() {
	curl -fsS "$ES_CTL_URL/${1:+$1/}_count" | _srv_key count
}

# es_docs [INDEX]: prints every document as NDJSON:
# {"_index","_id","_version","_source","_received","_pipeline"}.
es_docs() {
	curl -fsS "$ES_CTL_URL/_control/docs${1:+?index=$1}"
}

# es_stats [KEY]: prints the server's counters (JSON), or one of them.
es_stats() {
	if [ $# -gt 0 ]; then
		curl -fsS "$ES_CTL_URL/_control/stats" | _srv_key "$1"
	else
		curl -fsS "$ES_CTL_URL/_control/stats"
	fi
}

# es_ctl PATH [JSON]: GET /_control/PATH, or POST JSON to it; prints the
# answer. es_ctl faults '{"item_429":0.5}'
es_ctl() {
	local p="${1#/}"
	p="${p#_control/}"
	if [ $# -gt 1 ]; then
		curl -fsS -X POST -H 'Content-Type: application/json' \
			--data-binary "$2" "$ES_CTL_URL/_control/$p"
	else
		curl -fsS "$ES_CTL_URL/_control/$p"
	fi
}

# es_wait_count N [INDEX] [SECONDS]: until at least N documents are there.
es_wait_count() {
	local want="$1" index="${2:-}" n=$((${3:-${WAIT_SECONDS:-60}} * 10)) c
	while [ "$n" -gt 0 ]; do
		c=$(es_count "$index" 2>/dev/null || echo 0)
		[ "${c:-0}" -ge "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "es_wait_count: $c documents, wanted $want" >&2
	return 1
}
