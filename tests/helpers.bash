# Loaded by every bats file: `load helpers`.
# Puts the built programs first on PATH, gives each test a fresh directory
# and HOME, clears the AWS environment of the machine, and stops every
# server a test started, also when the test failed.

REPO="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
CWL_BIN="${CWL_BIN:-$REPO/bin}"
PY=/usr/bin/python3
export PATH="$CWL_BIN:$REPO:$PATH"
# the wrapper runs the programs under test, not those beside it
export CLOUDWATCHLOGSBEAT_BIN=$CWL_BIN

# Test credentials known to the local AWS server.
TEST_AKID=AKIACWLTESTKEY0000001
TEST_SECRET=cwlTestSecret0000000000000000000000000001

common_setup() {
	[ -x "$CWL_BIN/cwl-tail" ] || { echo "build first: make" >&2; return 1; }
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	cd "$BATS_TEST_TMPDIR" || return 1
	local v
	for v in $(env | sed -n 's/^\(AWS_[A-Z0-9_]*\)=.*/\1/p'); do
		unset "$v"
	done
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	export AWS_EC2_METADATA_DISABLED=true
	export NO_COLOR=1
	_PIDFILE="$BATS_TEST_TMPDIR/.server-pids"
}

common_teardown() {
	servers_stop "$BATS_TEST_TMPDIR/.server-pids"
}

setup() { common_setup; }
teardown() { common_teardown; }

# server_register PID [PIDFILE]: stop PID at teardown.
server_register() {
	echo "$1" >>"${2:-$_PIDFILE}"
}

# servers_stop PIDFILE: TERM, then KILL what is left, of every registered pid.
servers_stop() {
	local f="$1" pid i
	[ -f "$f" ] || return 0
	while read -r pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done <"$f"
	for i in $(seq 50); do
		local alive=0
		while read -r pid; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done <"$f"
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	while read -r pid; do
		kill -KILL "$pid" 2>/dev/null || true
	done <"$f"
	rm -f "$f"
}

# wait_for_file FILE [SECONDS]: until FILE exists and is not empty.
wait_for_file() {
	local f="$1" n=$((${2:-15} * 10))
	while [ ! -s "$f" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ -s "$f" ]
}

# The servers' own helpers.
for _h in "$REPO"/tests/servers/*.bash; do
	[ -f "$_h" ] && . "$_h"
done
unset _h
