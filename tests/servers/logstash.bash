# Bats helpers for the local Logstash beats input
# (tests/servers/lumberjack_server.py), sourced by tests/helpers.bash.
# Like es.bash, they work in a test and in setup_file.

# ls_server_start [ARGS...]: start the lumberjack server with ARGS; exports
# LS_PORT, LS_HOST (127.0.0.1:PORT, for output.logstash.hosts), LS_CTL_PORT
# and LS_CTL_URL (the control HTTP server), LS_PID and LS_DIR (its files;
# the log is $LS_DIR/log).
ls_server_start() {
	_srv_launch logstash lumberjack_server.py "$@" || return 1
	LS_DIR=$_SRV_DIR
	LS_PID=$_SRV_PID
	LS_PORT=$(cat "$LS_DIR/port")
	LS_CTL_PORT=$(cat "$LS_DIR/ctl-port")
	LS_HOST="127.0.0.1:$LS_PORT"
	LS_CTL_URL="http://127.0.0.1:$LS_CTL_PORT"
	export LS_DIR LS_PID LS_PORT LS_CTL_PORT LS_HOST LS_CTL_URL
}

# ls_events: prints every event received as NDJSON:
# {"conn","seq","window","received","frame","compressed","event"}.
ls_events() {
	curl -fsS "$LS_CTL_URL/_control/events"
}

# ls_stats [KEY]: prints the server's counters (JSON), or one of them.
ls_stats() {
	if [ $# -gt 0 ]; then
		curl -fsS "$LS_CTL_URL/_control/stats" | _srv_key "$1"
	else
		curl -fsS "$LS_CTL_URL/_control/stats"
	fi
}

# ls_ctl PATH [JSON]: GET /_control/PATH, or POST JSON to it.
# ls_ctl faults '{"drop_before_ack_next":1}'
ls_ctl() {
	local p="${1#/}"
	p="${p#_control/}"
	if [ $# -gt 1 ]; then
		curl -fsS -X POST -H 'Content-Type: application/json' \
			--data-binary "$2" "$LS_CTL_URL/_control/$p"
	else
		curl -fsS "$LS_CTL_URL/_control/$p"
	fi
}

# ls_wait_events N [SECONDS]: until at least N events have arrived.
ls_wait_events() {
	local want="$1" n=$((${2:-${WAIT_SECONDS:-60}} * 10)) c
	while [ "$n" -gt 0 ]; do
		c=$(ls_stats events 2>/dev/null || echo 0)
		[ "${c:-0}" -ge "$want" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "ls_wait_events: $c events, wanted $want" >&2
	return 1
}
