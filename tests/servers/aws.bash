# The local AWS server (tests/servers/aws_server.py) for bats files; loaded
# by tests/helpers.bash.
#
#   aws_server_start [SERVER ARGS...]   start it; exports AWS_SERVER_PORT,
#                                       AWS_SERVER_PID, AWS_ENDPOINT_URL,
#                                       AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
#                                       AWS_REGION
#   aws_server_stop                     stop the last one started, now
#   awsctl CMD [...]                    the control endpoint (tests/servers/awsctl)
#   aws_seed [GROUP [STREAMS [EVENTS]]] [--name value ...]   seed log events
#   aws_cli ARGS...                     /usr/bin/aws against the server
#   aws_cli_batch DIR <COMMANDS         many AWS CLI commands, one process
#   aws_request [options] METHOD PATH [BODY]   one signed request
#
# Called from setup_file (or with AWS_SERVER_SCOPE=file), the files go to
# $BATS_FILE_TMPDIR and the pid is registered in
# $BATS_FILE_TMPDIR/.server-pids, which teardown_file must stop with
# `servers_stop "$BATS_FILE_TMPDIR/.server-pids"`. AWS_SERVER_DIR chooses
# the directory outright.
#
# CWL_LOGS_ORDER (timestamp | ingestion), CWL_FILTER_TOKEN (key | position)
# and CWL_TOKEN_WINDOW (free | check), when set, give every server started
# the switch of that name (--logs-order ...), so that a bats file can run
# its tests under each; the arguments of aws_server_start come after, and
# win.

AWS_SERVER_PY="$REPO/tests/servers/aws_server.py"
AWSCTL_PY="$REPO/tests/servers/awsctl"

aws_server_start() {
	local dir pidlist n port pid
	if [ -n "${AWS_SERVER_DIR:-}" ]; then
		dir=$AWS_SERVER_DIR
	elif [ "${AWS_SERVER_SCOPE:-}" = file ] || [ -z "${BATS_TEST_TMPDIR:-}" ] ||
		[ "${BATS_TEST_NAME:-}" = "" ]; then
		dir=$BATS_FILE_TMPDIR
	else
		dir=$BATS_TEST_TMPDIR
	fi
	mkdir -p "$dir"
	if [ "$dir" = "${BATS_TEST_TMPDIR:-}" ] && [ -n "${_PIDFILE:-}" ]; then
		pidlist=$_PIDFILE
	else
		pidlist=$dir/.server-pids
	fi
	n=1
	while [ -e "$dir/aws-server.$n.port" ] || [ -e "$dir/aws-server.$n.log" ]; do
		n=$((n + 1))
	done
	"$PY" "$AWS_SERVER_PY" --port 0 --port-file "$dir/aws-server.$n.port" \
		--pid-file "$dir/aws-server.$n.pid" \
		${CWL_LOGS_ORDER:+--logs-order "$CWL_LOGS_ORDER"} \
		${CWL_FILTER_TOKEN:+--filter-token "$CWL_FILTER_TOKEN"} \
		${CWL_TOKEN_WINDOW:+--token-window "$CWL_TOKEN_WINDOW"} "$@" \
		>>"$dir/aws-server.$n.log" 2>&1 </dev/null &
	pid=$!
	server_register "$pid" "$pidlist"
	if ! wait_for_file "$dir/aws-server.$n.port"; then
		echo "aws_server_start: no port after $WAIT_SECONDS s; log:" >&2
		cat "$dir/aws-server.$n.log" >&2
		return 1
	fi
	port=$(cat "$dir/aws-server.$n.port")
	export AWS_SERVER_PORT=$port
	export AWS_SERVER_PID=$pid
	export AWS_SERVER_LOG=$dir/aws-server.$n.log
	export AWS_ENDPOINT_URL=http://127.0.0.1:$port
	export AWS_ACCESS_KEY_ID=$TEST_AKID
	export AWS_SECRET_ACCESS_KEY=$TEST_SECRET
	export AWS_REGION=us-east-1
}

# aws_server_stop: TERM the last server started and wait for it to go.
aws_server_stop() {
	local i
	[ -n "${AWS_SERVER_PID:-}" ] || return 0
	kill -TERM "$AWS_SERVER_PID" 2>/dev/null || return 0
	for i in $(seq 50); do
		kill -0 "$AWS_SERVER_PID" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$AWS_SERVER_PID" 2>/dev/null || true
}

awsctl() {
	"$PY" -S "$AWSCTL_PY" "$@"
}

# aws_seed [GROUP [STREAMS [EVENTS]]] [--name value ...]: create groups and
# streams with generated events (see /_control/seed).
aws_seed() {
	local args=()
	if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
		args+=(--group "$1")
		shift
		if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
			args+=(--streams "$1")
			shift
			if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then
				args+=(--events "$1")
				shift
			fi
		fi
	fi
	awsctl seed "${args[@]}" "$@"
}

# aws_cli ARGS...: Debian's AWS CLI against the server, JSON output, no pager.
aws_cli() {
	AWS_PAGER="" AWS_DEFAULT_REGION="${AWS_REGION:-us-east-1}" \
		/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" --output json "$@"
}

aws_cli_batch() {
	"$PY" "$REPO/tests/servers/aws_cli_batch.py" "$@"
}

aws_request() {
	"$PY" "$REPO/tests/servers/aws_request.py" "$@"
}
