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

# Waiting. A test waits for a condition (a file, a count, a line, a port,
# a process), never for a fixed time: the machine that runs the suite may
# be much slower or busier than the one it was written on. Deadlines are
# generous, and only there so that a failure ends.
WAIT_SECONDS=${WAIT_SECONDS:-60}

# wait_for CONDITION [SECONDS]: evaluates the shell command CONDITION every
# tenth of a second until it succeeds; fails (naming it) after SECONDS
# (default $WAIT_SECONDS).
wait_for() {
	local cond=$1 secs=${2:-$WAIT_SECONDS} deadline
	deadline=$((SECONDS + secs))
	until eval "$cond"; do
		if [ "$SECONDS" -gt "$deadline" ]; then
			echo "wait_for: still not true after $secs s: $cond" >&2
			return 1
		fi
		sleep 0.1
	done
}

# always_for SECONDS CONDITION: CONDITION holds the whole time. For what
# must not happen: a slower machine can only make it pass.
always_for() {
	local deadline=$((SECONDS + $1))
	while [ "$SECONDS" -le "$deadline" ]; do
		eval "$2" || { echo "always_for: no longer true: $2" >&2; return 1; }
		sleep 0.1
	done
}

# wait_for_file FILE [SECONDS]: until FILE exists and is not empty.
wait_for_file() {
	wait_for "[ -s $(printf %q "$1") ]" "${2:-$WAIT_SECONDS}"
}

# wait_signals PID [SECONDS]: until the process catches SIGTERM and
# SIGUSR1, so that a signal sent next is handled, not fatal.
wait_signals() {
	wait_for "_catches_term_usr1 $1" "${2:-$WAIT_SECONDS}"
}

_catches_term_usr1() {
	local mask
	mask=$(sed -n 's/^SigCgt:\t*//p' "/proc/$1/status" 2>/dev/null)
	# SIGUSR1 is signal 10, SIGTERM 15
	[ -n "$mask" ] && [ $((0x$mask & 0x4200)) = $((0x4200)) ]
}

# pipe_empty FD: the pipe open on FD holds no unread byte: its reader has
# taken everything written so far.
pipe_empty() {
	[ "$("$PY" -S -c 'import array, fcntl, sys, termios
n = array.array("i", [0])
fcntl.ioctl(int(sys.argv[1]), termios.FIONREAD, n)
print(n[0])' "$1")" = 0 ]
}

# fast_retries FILE: a config of quick retries and no describe budget, for
# tests against the local AWS server's faults.
fast_retries() {
	cat >"$1" <<-EOF
	cloudwatchlogsbeat:
	  retry.backoff: 5ms
	  retry.max_backoff: 50ms
	  retry.max_attempts: 40
	  request_budget.describe: 0
	EOF
}

# stat_of FILE KEY: KEY's value on the totals line (the second) of a
# --stats file.
stat_of() {
	awk -F '\t' -v k="$2" 'NR == 2 { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) print substr($i, length(k) + 2) }' "$1"
}

# The servers' own helpers.
for _h in "$REPO"/tests/servers/*.bash; do
	[ -f "$_h" ] && . "$_h"
done
unset _h
