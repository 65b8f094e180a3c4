#!/usr/bin/env bats
# The local Logstash beats input (tests/servers/lumberjack_server.py) speaks
# lumberjack v2: windows, JSON, legacy and compressed frames, cumulative
# ACKs, keep-alive ACKs while slow, injected drops, TLS; and a client
# written by others (npm lumberjack-client) is understood.

load helpers

# These tests run no program of ours, so they need no build.
setup() {
	_PIDFILE="$BATS_TEST_TMPDIR/.server-pids"
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	cd "$BATS_TEST_TMPDIR" || return 1
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
}

setup_file() {
	ls_server_start
	export SHARED_LS_HOST="$LS_HOST" SHARED_LS_CTL_URL="$LS_CTL_URL"
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

# shared: point the helpers at the server of setup_file, emptied.
shared() {
	LS_HOST=$SHARED_LS_HOST LS_CTL_URL=$SHARED_LS_CTL_URL
	ls_ctl reset '{}' >/dev/null
}

lj() {
	"$PY" "$REPO/tests/servers/lj_client.py" "$LS_HOST" "$@"
}

# event_field EXPR: EXPR evaluated on each event record (j), one a line.
event_field() {
	ls_events | "$PY" -c 'import json, sys
for line in sys.stdin:
    j = json.loads(line)
    print(eval(sys.argv[1]))' "$1"
}

@test "logstash: one window, one cumulative ACK for its last sequence" {
	shared
	run lj --count 5
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 5 acked 5" ]
	[ "$(ls_stats events)" = 5 ]
	[ "$(ls_stats windows)" = 1 ]
	[ "$(ls_stats acks)" = 1 ]
	run event_field 'j["seq"]'
	[ "${lines[*]}" = "1 2 3 4 5" ]
	run event_field 'j["event"]["message"]'
	[ "${lines[0]}" = "event 0" ]
	run event_field '(j["conn"], j["window"], j["frame"], j["compressed"], j["received"] > 1.7e12)'
	[ "${lines[4]}" = "(1, 1, 'J', False, True)" ]
}

@test "logstash: compressed windows, several per connection, pipelined" {
	shared
	run lj --count 7 --window 3 --compress
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 3 acked 3 ack 3 acked 3 ack 1 acked 1" ]
	run lj --count 6 --window 2 --compress --pipelined --id-prefix p-
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 2 acked 2 ack 2 acked 2 ack 2 acked 2" ]
	[ "$(ls_stats events)" = 13 ]
	[ "$(ls_stats windows)" = 6 ]
	[ "$(ls_stats compressed_frames)" = 6 ]
	[ "$(ls_stats connections)" = 2 ]
	[ "$(ls_stats duplicates)" = 0 ]
	run event_field 'j["compressed"]'
	[[ "${lines[*]}" != *False* ]]
}

@test "logstash: the ACK carries the highest sequence number of the window" {
	shared
	run lj --count 3 --first-seq 100
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 102 acked 3" ]
}

@test "logstash: legacy data frames ('D') are accepted" {
	shared
	run lj --count 4 --window 2 --legacy
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 2 acked 2 ack 2 acked 2" ]
	[ "$(ls_stats data_frames)" = 4 ]
	run event_field 'j["event"]["message"]'
	[ "${lines[3]}" = "event 3" ]
}

@test "logstash: slow processing sends keep-alive ACKs (seq 0) before the ACK" {
	# 3 s of processing: a keep-alive every 150 ms, at least 3 of them
	# however late a busy machine wakes the server
	ls_server_start --delay-ms 3000 --keepalive-ms 150
	run lj --count 4
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "ack 0" ]
	[ "${#lines[@]}" -ge 5 ]
	[ "${lines[-2]}" = "ack 4" ]
	[ "${lines[-1]}" = "acked 4" ]
	[ "$(ls_stats keepalives)" -ge 3 ]
	ls_ctl faults '{"delay_ms":0}' >/dev/null
	run lj --count 2 --id-prefix fast-
	[ "${lines[*]}" = "ack 2 acked 2" ]
}

@test "logstash: drop before the ACK: the client resends, events arrive twice" {
	shared
	ls_ctl faults '{"drop_before_ack_next":1}' >/dev/null
	run lj --count 4
	[ "$status" -eq 3 ]
	[ "${lines[*]}" = "closed" ]
	[ "$(ls_stats events)" = 4 ]
	run lj --count 4
	[ "$status" -eq 0 ]
	[ "$(ls_stats duplicates)" = 4 ]
	[ "$(ls_stats drops | _srv_json 'j["drop_before_ack"]')" = 1 ]
}

@test "logstash: drop unprocessed, and partial ACK then drop" {
	shared
	ls_ctl faults '{"drop_unprocessed_next":1}' >/dev/null
	run lj --count 4
	[ "$status" -eq 3 ]
	[ "$(ls_stats events)" = 0 ]
	ls_ctl faults '{"partial_ack_next":1}' >/dev/null
	run lj --count 6
	[ "$status" -eq 3 ]
	[ "${lines[*]}" = "ack 3 closed" ]
	[ "$(ls_stats events)" = 3 ]
	ls_ctl faults '{"drop_before_ack":1.0}' >/dev/null
	run lj --count 1
	[ "$status" -eq 3 ]
	run lj --count 1
	[ "$status" -eq 3 ]
	ls_ctl faults '{"drop_before_ack":0}' >/dev/null
	run lj --count 1
	[ "$status" -eq 0 ]
	[ "$(ls_stats drops_total)" = 4 ]
}

@test "logstash: TLS with the test CA, client certificates when asked" {
	tls_make_ca
	ls_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY"
	run lj --count 2 --tls-ca "$TLS_CA"
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 2 acked 2" ]
	run lj --count 2 --tls-ca "$TLS_OTHER_CA"
	[ "$status" -ne 0 ]
	[ "$(ls_stats events)" = 2 ]

	ls_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-client-ca "$TLS_CA"
	run lj --count 2 --tls-ca "$TLS_CA"
	[ "$status" -ne 0 ]
	run lj --count 2 --tls-ca "$TLS_CA" --cert "$TLS_CLIENT_CERT" --key "$TLS_CLIENT_KEY"
	[ "$status" -eq 0 ]
	[ "$(ls_stats events)" = 2 ]
	[ "$(ls_stats tls_failures)" -ge 1 ]
}

@test "logstash: protocol errors and idle connections are closed" {
	ls_server_start --idle-timeout 0.5
	exec 5<>"/dev/tcp/127.0.0.1/$LS_PORT"
	printf '2X' >&5
	run timeout 60 cat <&5
	[ "$status" -eq 0 ]
	exec 5<&-
	[ "$(ls_stats protocol_errors)" = 1 ]
	exec 5<>"/dev/tcp/127.0.0.1/$LS_PORT"
	run timeout 60 cat <&5
	[ "$status" -eq 0 ]
	exec 5<&-
	[ "$(ls_stats idle_closes)" = 1 ]
	[ "$(ls_stats connections_open)" = 0 ]
}

@test "logstash: control endpoints: close connections, reset" {
	shared
	exec 5<>"/dev/tcp/${LS_HOST%:*}/${LS_HOST#*:}"
	wait_for '[ "$(ls_stats connections_open)" = 1 ]'
	[ "$(ls_ctl close '{}')" = '{"closed":1}' ]
	run timeout 60 cat <&5
	[ "$status" -eq 0 ]
	exec 5<&-
	lj --count 1 >/dev/null
	[ "$(ls_stats events)" = 1 ]
	ls_ctl reset '{}' >/dev/null
	[ "$(ls_stats events)" = 0 ]
	[ -z "$(ls_events)" ]
}

@test "logstash: the npm lumberjack-client (written by others) is understood" {
	command -v node >/dev/null || skip "node is not installed"
	if [ ! -d "$REPO/tests/node_modules/lumberjack-client" ]; then
		npm ci --prefix "$REPO/tests" >/dev/null 2>&1 ||
			skip "tests/node_modules is absent and npm ci could not install it"
	fi
	shared
	run node "$REPO/tests/servers/lj_client.js" 127.0.0.1 "${LS_HOST#*:}" 5 3
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 5 acked 5 ack 1 acked 1 ack 1 acked 1 ack 1 acked 1" ]
	[ "$(ls_stats events)" = 8 ]
	[ "$(ls_stats windows)" = 4 ]
	[ "$(ls_stats compressed_frames)" = 4 ]
	run event_field 'j["event"]["message"]'
	[ "${lines[*]}" = "node event 0 node event 1 node event 2 node event 3 node event 4 node event 5 node event 6 node event 7" ]
	run event_field 'j["event"]["@metadata"]["_id"]'
	[ "${lines[7]}" = node-7 ]

	tls_make_ca
	ls_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-client-ca "$TLS_CA"
	run node "$REPO/tests/servers/lj_client.js" 127.0.0.1 "$LS_PORT" 3 --tls "$TLS_CA" "$TLS_CLIENT_CERT" "$TLS_CLIENT_KEY"
	[ "$status" -eq 0 ]
	[ "${lines[*]}" = "ack 3 acked 3" ]
	[ "$(ls_stats events)" = 3 ]
}

@test "logstash: SIGTERM stops the server cleanly" {
	ls_server_start
	kill -TERM "$LS_PID"
	rc=0
	wait "$LS_PID" || rc=$?
	[ "$rc" -eq 0 ]
}
