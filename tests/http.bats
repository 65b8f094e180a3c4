#!/usr/bin/env bats
# lib/http.c, driven by tests/unit/httpget against tests/servers/http_echo.py:
# statuses, network failures, timeouts, large and encoded bodies, response
# limits, connection reuse, many transfers at once, TLS, proxies and the
# debug log.

load helpers

# httpget is built next to the unit tests of the build CWL_BIN comes from.
_tools=$(cd "$(dirname "$CWL_BIN")" 2>/dev/null && pwd)
if [ -x "$_tools/tests/httpget" ]; then
	HTTPGET=$_tools/tests/httpget
else
	HTTPGET=$REPO/build/rel/tests/httpget
fi
unset _tools
CLIENT_PASS=cwlClientKeyPass0001

setup_file() {
	local d="$BATS_FILE_TMPDIR/ca"
	sh "$REPO/tests/servers/mkca.sh" "$d"
	openssl pkey -in "$d/client.key" -aes256 -passout "pass:$CLIENT_PASS" \
		-out "$d/client-enc.key"
}

# Only httpget is needed here, not the programs.
setup() {
	[ -x "$HTTPGET" ] || { echo "build first: make unit-bin" >&2; return 1; }
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	cd "$BATS_TEST_TMPDIR" || return 1
	unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
	unset no_proxy NO_PROXY
	_PIDFILE="$BATS_TEST_TMPDIR/.server-pids"
	CA="$BATS_FILE_TMPDIR/ca"
}

teardown() { common_teardown; }

# echo_start NAME [ARGS...]: starts an http_echo server; echo_port NAME says
# its port.
echo_start() {
	local name=$1
	shift
	"$PY" "$REPO/tests/servers/http_echo.py" \
		--port-file "$BATS_TEST_TMPDIR/$name.port" "$@" \
		>"$BATS_TEST_TMPDIR/$name.log" 2>&1 3>&- &
	server_register $!
	wait_for_file "$BATS_TEST_TMPDIR/$name.port" ||
		{ cat "$BATS_TEST_TMPDIR/$name.log" >&2; return 1; }
}

echo_port() { cat "$BATS_TEST_TMPDIR/$1.port"; }

# echo_stat PORT KEY: one figure of the server's statistics.
echo_stat() {
	"$HTTPGET" GET "http://127.0.0.1:$1/_stats" | sed 1d |
		"$PY" -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$2"
}

# big_pattern N: the N bytes the server sends for /big?bytes=N.
big_pattern() {
	"$PY" -c 'import sys; sys.path.insert(0, sys.argv[1]); import http_echo
sys.stdout.buffer.write(http_echo.big_pattern(int(sys.argv[2])))' \
		"$REPO/tests/servers" "$1"
}

# A port where nothing listens.
dead_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

@test "GET: a 200 and its body" {
	echo_start srv
	run "$HTTPGET" GET "http://127.0.0.1:$(echo_port srv)/conn"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	[ "${lines[1]}" = "conn 1" ]
	[ "${#lines[@]}" -eq 2 ]
}

@test "404 and 500 come back as responses, not errors" {
	echo_start srv
	for s in 404 500 503; do
		run "$HTTPGET" GET "http://127.0.0.1:$(echo_port srv)/status/$s"
		[ "$status" -eq 0 ]
		[ "${lines[0]}" = "status $s" ]
		[ "${lines[1]}" = "status $s" ]
	done
}

@test "a redirect is returned, not followed" {
	echo_start srv
	run "$HTTPGET" --headers GET "http://127.0.0.1:$(echo_port srv)/redirect"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 302" ]
	[[ "$output" == *"< Location: /echo"* ]]
	[ "$(echo_stat "$(echo_port srv)" requests)" -eq 1 ]
}

@test "the headers are those of the final response, not of a 103" {
	echo_start srv
	run "$HTTPGET" --headers GET "http://127.0.0.1:$(echo_port srv)/early"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	[[ "$output" == *"< X-Final: yes"* ]]
	[[ "$output" != *"Link:"* ]]
	[ "${lines[-1]}" = "final" ]
}

@test "POST: a 2 MB body arrives whole, without Expect or a form type" {
	echo_start srv
	head -c 2097152 /dev/urandom >body
	run "$HTTPGET" POST "http://127.0.0.1:$(echo_port srv)/echo" @body
	[ "$status" -eq 0 ]
	echo "${lines[1]}" >echo.json
	"$PY" - "$(sha256sum <body | cut -d' ' -f1)" <<'EOF'
import json, sys
e = json.load(open("echo.json"))
h = {k.lower(): v for k, v in e["headers"]}
assert e["method"] == "POST", e
assert e["body_bytes"] == 2097152, e["body_bytes"]
assert e["body_sha256"] == sys.argv[1]
assert "expect" not in h, h
assert "content-type" not in h, h
assert h["user-agent"].startswith("cloudwatchlogsbeat/"), h
EOF
}

@test "methods: PUT with no body, DELETE, HEAD, and a GET with a body" {
	echo_start srv
	P=$(echo_port srv)
	run "$HTTPGET" -H 'Content-Type: application/json' -H 'X-Empty:' PUT "http://127.0.0.1:$P/echo"
	[ "$status" -eq 0 ]
	echo "${lines[1]}" >put.json
	run "$HTTPGET" DELETE "http://127.0.0.1:$P/echo"
	[ "$status" -eq 0 ]
	echo "${lines[1]}" >delete.json
	run "$HTTPGET" GET "http://127.0.0.1:$P/echo" '{"query":{}}'
	[ "$status" -eq 0 ]
	echo "${lines[1]}" >get.json
	"$PY" - <<'EOF'
import json
put = json.load(open("put.json"))
h = {k.lower(): v for k, v in put["headers"]}
assert put["method"] == "PUT" and h["content-length"] == "0", put
assert h["content-type"] == "application/json", h
assert h["x-empty"] == "", h
d = json.load(open("delete.json"))
assert d["method"] == "DELETE" and d["body_bytes"] == 0, d
g = json.load(open("get.json"))
assert g["method"] == "GET" and g["body"] == '{"query":{}}', g
EOF
	run "$HTTPGET" --headers HEAD "http://127.0.0.1:$P/conn"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	[[ "$output" == *"< Content-Length: 7"* ]]
	[[ "$output" != *"conn 1"* ]]
}

@test "connection refused: exit 1, the URL and why" {
	P=$(dead_port)
	run "$HTTPGET" POST "http://127.0.0.1:$P/path?token=x" body
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "neterr 1" ]
	[ "${lines[1]}" = "httpget: error: POST http://127.0.0.1:$P/path: Connection refused" ]
}

@test "a reset in the middle of a response is a network error" {
	echo_start srv
	run "$HTTPGET" GET "http://127.0.0.1:$(echo_port srv)/reset"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "neterr 1" ]
	[ "${lines[1]}" = "httpget: error: GET http://127.0.0.1:$(echo_port srv)/reset: Recv failure: Connection reset by peer" ]
}

@test "a connection closed before the body's end is a network error" {
	echo_start srv
	run "$HTTPGET" GET "http://127.0.0.1:$(echo_port srv)/truncate"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "neterr 1" ]
	[ "${lines[1]}" = "httpget: error: GET http://127.0.0.1:$(echo_port srv)/truncate: transfer closed with 99000 bytes remaining to read" ]
}

@test "a server slower than the timeout: exit 1, on time" {
	# the answer would take two minutes: done in under one, the transfer
	# was ended by its timeout, however busy the machine
	echo_start srv
	t0=$(now_ms)
	run "$HTTPGET" --timeout 500 GET "http://127.0.0.1:$(echo_port srv)/delay?ms=120000"
	dt=$(($(now_ms) - t0))
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "neterr 1" ]
	[[ "${lines[1]}" =~ ^"httpget: error: GET http://127.0.0.1:$(echo_port srv)/delay: Operation timed out after "([5-9][0-9]{2}|[0-9]{4,})" milliseconds with 0 bytes received"$ ]]
	[ "$dt" -ge 500 ] && [ "$dt" -lt 60000 ] || { echo "took $dt ms"; false; }
}

@test "a body that stalls is abandoned at the timeout" {
	echo_start srv
	t0=$(now_ms)
	run "$HTTPGET" --timeout 700 GET "http://127.0.0.1:$(echo_port srv)/stall?ms=120000"
	dt=$(($(now_ms) - t0))
	[ "$status" -eq 1 ]
	[[ "${lines[1]}" == *"/stall: Operation timed out after "*" milliseconds with 1000 out of 100000 bytes received" ]]
	[ "$dt" -lt 60000 ] || { echo "took $dt ms"; false; }
}

@test "a 10 MB body arrives intact, with a length or chunked" {
	echo_start srv
	big_pattern 10485760 >want
	run "$HTTPGET" --output got GET "http://127.0.0.1:$(echo_port srv)/big?bytes=10485760"
	[ "$status" -eq 0 ]
	[ "$output" = "status 200" ]
	cmp got want
	rm -f got
	run "$HTTPGET" --output got GET "http://127.0.0.1:$(echo_port srv)/big?bytes=10485760&chunked=1"
	[ "$status" -eq 0 ]
	cmp got want
}

@test "a response past the size limit is refused, with a length or chunked" {
	echo_start srv
	P=$(echo_port srv)
	for q in "bytes=5000" "bytes=5000&chunked=1"; do
		run "$HTTPGET" --max-bytes 1000 GET "http://127.0.0.1:$P/big?$q"
		[ "$status" -eq 1 ]
		[ "${lines[0]}" = "neterr 0" ]
		[ "${lines[1]}" = "httpget: error: GET http://127.0.0.1:$P/big: response larger than 1000 bytes" ]
	done
	# the limit itself is allowed
	run "$HTTPGET" --max-bytes 1000 --output got GET "http://127.0.0.1:$P/big?bytes=1000&chunked=1"
	[ "$status" -eq 0 ]
	[ "$(wc -c <got)" -eq 1000 ]
}

@test "a gzip-encoded response is decoded" {
	echo_start srv
	run "$HTTPGET" --headers GET "http://127.0.0.1:$(echo_port srv)/gzip"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	[[ "$output" == *"< Content-Encoding: gzip"* ]]
	[ "$(printf '%s\n' "$output" | grep -c '^line [0-9]* of a compressed body$')" -eq 1000 ]
	[[ "$output" == *"line 999 of a compressed body" ]]
}

@test "a chunked response is joined" {
	echo_start srv
	run "$HTTPGET" GET "http://127.0.0.1:$(echo_port srv)/chunked"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = "first chunk" ]
	[ "${lines[2]}" = "second" ]
	[ "${#lines[3]}" -eq 10000 ]
	[ "${lines[4]}" = "last" ]
}

@test "keep-alive: 20 requests in a row use one connection" {
	echo_start srv
	run "$HTTPGET" --repeat 20 GET "http://127.0.0.1:$(echo_port srv)/conn"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^conn 1$')" -eq 20 ]
	[ "$(echo_stat "$(echo_port srv)" connections)" -eq 1 ]
	[ "$(echo_stat "$(echo_port srv)" requests)" -eq 20 ]
}

@test "multi: 50 requests are in flight together" {
	# each answer takes 3 s: long enough for all 50 to be sent while the
	# first are still waiting, however busy the machine
	echo_start srv
	t0=$(now_ms)
	run "$HTTPGET" --multi 50 GET "http://127.0.0.1:$(echo_port srv)/delay?ms=3000"
	dt=$(($(now_ms) - t0))
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^[0-9]* 200 delayed 3000$')" -eq 50 ]
	# every request came back once
	[ "$(printf '%s\n' "$output" | cut -d' ' -f1 | sort -un | wc -l)" -eq 50 ]
	max=$(echo_stat "$(echo_port srv)" max_concurrent)
	[ "$max" -ge 25 ] || { echo "at most $max at once"; false; }
	# one after the other, they would take 150 s
	[ "$dt" -lt 60000 ] || { echo "took $dt ms"; false; }
}

@test "multi: connections are reused from one batch to the next" {
	echo_start srv
	run "$HTTPGET" --multi 5 --rounds 3 GET "http://127.0.0.1:$(echo_port srv)/conn"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c ' 200 conn [1-5]$')" -eq 15 ]
	[ "$(echo_stat "$(echo_port srv)" connections)" -eq 5 ]
}

@test "multi: the connection limit holds the others back" {
	echo_start srv
	run "$HTTPGET" --multi 20 --max-conns 4 GET "http://127.0.0.1:$(echo_port srv)/delay?ms=100"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c '^[0-9]* 200 delayed 100$')" -eq 20 ]
	max=$(echo_stat "$(echo_port srv)" max_concurrent)
	conns=$(echo_stat "$(echo_port srv)" connections)
	[ "$max" -le 4 ] && [ "$max" -ge 2 ] || { echo "max $max"; false; }
	[ "$conns" -le 4 ] || { echo "$conns connections"; false; }
}

@test "multi: each failed transfer comes back with its error" {
	P=$(dead_port)
	run "$HTTPGET" --multi 3 GET "http://127.0.0.1:$P/x"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^[0-2] error$')" -eq 3 ]
	[ "$(printf '%s\n' "$output" | grep -c "^httpget: error: GET http://127.0.0.1:$P/x: Connection refused$")" -eq 3 ]
}

@test "multi: stdin wakes the wait while transfers are in flight, data or end of file" {
	echo_start srv
	port=$(echo_port srv)
	URL="http://127.0.0.1:$port/delay?ms=5000"
	mkfifo in
	for what in data eof; do
		n=$(echo_stat "$port" requests)
		"$HTTPGET" --multi 1 --watch-stdin GET "$URL" <in >out 2>&1 &
		pid=$!
		exec 7>in
		# once the server holds the request, which it answers 5 s later
		wait_for '[ "$(echo_stat "$port" requests)" -gt "$n" ]'
		[ "$what" = eof ] || echo x >&7
		exec 7>&-
		wait "$pid"
		run cat out
		[ "${lines[0]}" = "stdin readable" ] || { echo "$what: $output"; false; }
		[ "${lines[1]}" = "0 200 delayed 5000" ]
	done
}

@test "TLS: verified against the CA file" {
	echo_start tls --tls "$CA/server.pem" "$CA/server.key"
	run "$HTTPGET" --ca "$CA/ca.pem" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 0 ]
	[ "$output" = $'status 200\nconn 1' ]
	run "$HTTPGET" --ca "$CA/ca.pem" GET "https://localhost:$(echo_port tls)/conn"
	[ "$status" -eq 0 ]
}

@test "TLS: without the CA the certificate is refused: a configuration error (exit 2), not a network one" {
	echo_start tls --tls "$CA/server.pem" "$CA/server.key"
	run "$HTTPGET" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "neterr 0" ]
	[ "${lines[1]}" = "httpget: error: GET https://127.0.0.1:$(echo_port tls)/conn: SSL certificate problem: unable to get local issuer certificate" ]
	run "$HTTPGET" --ca "$CA/other-ca.pem" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[[ "${lines[1]}" == *": SSL certificate problem: unable to get local issuer certificate" ]]
}

@test "TLS: verification off connects, with a warning" {
	echo_start tls --tls "$CA/server.pem" "$CA/server.key"
	run "$HTTPGET" --insecure GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "httpget: warning: TLS verification is off" ]
	[ "${lines[1]}" = "status 200" ]
	[ "$(printf '%s\n' "$output" | grep -c warning)" -eq 1 ]
}

@test "TLS: a certificate for another name fails full verification, passes certificate-only" {
	echo_start tls --tls "$CA/wronghost.pem" "$CA/wronghost.key"
	run "$HTTPGET" --ca "$CA/ca.pem" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[ "${lines[1]}" = "httpget: error: GET https://127.0.0.1:$(echo_port tls)/conn: SSL: no alternative certificate subject name matches target host name '127.0.0.1'" ]
	run "$HTTPGET" --ca "$CA/ca.pem" --verify-cert GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	# certificate-only still checks the chain
	run "$HTTPGET" --verify-cert GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[[ "${lines[1]}" == *"SSL certificate problem: unable to get local issuer certificate" ]]
}

@test "TLS: client certificates, plain and with a passphrase" {
	echo_start tls --tls "$CA/server.pem" "$CA/server.key" --client-ca "$CA/ca.pem"
	URL="https://127.0.0.1:$(echo_port tls)/conn"
	run "$HTTPGET" --ca "$CA/ca.pem" GET "$URL"
	# TLS 1.3 refuses the client after the handshake: how the refusal
	# shows depends on when it arrives
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "neterr 1" ]
	[[ "${lines[1]}" == "httpget: error: GET $URL: "?* ]]
	run "$HTTPGET" --ca "$CA/ca.pem" --cert "$CA/client.pem" --key "$CA/client.key" GET "$URL"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	run "$HTTPGET" -d http --ca "$CA/ca.pem" --cert "$CA/client.pem" --key "$CA/client-enc.key" --pass "$CLIENT_PASS" GET "$URL"
	[ "$status" -eq 0 ]
	[[ "$output" == *"status 200"* ]]
	[[ "$output" != *"$CLIENT_PASS"* ]]
	run "$HTTPGET" --ca "$CA/ca.pem" --cert "$CA/client.pem" --key "$CA/client-enc.key" --pass wrongpass GET "$URL"
	[ "$status" -eq 2 ]
	[ "${lines[1]}" = "httpget: error: GET $URL: unable to set private key file: '$CA/client-enc.key' type PEM" ]
	run "$HTTPGET" --ca "$CA/ca.pem" --cert "$CA/other-client.pem" --key "$CA/other-client.key" GET "$URL"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "neterr 1" ]
	[[ "${lines[1]}" == "httpget: error: GET $URL: "?* ]]
}

@test "TLS: unreadable or bad files are configuration errors, exit 2" {
	echo_start tls --tls "$CA/server.pem" "$CA/server.key"
	run "$HTTPGET" --ca "$CA/nope.pem" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[ "$output" = "httpget: error: CA file $CA/nope.pem: No such file or directory" ]
	run "$HTTPGET" --ca "$CA/ca.pem" --cert "$CA/nope.pem" --key "$CA/client.key" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[ "$output" = "httpget: error: TLS client certificate $CA/nope.pem: No such file or directory" ]
	run "$HTTPGET" --ca "$CA/ca.key" GET "https://127.0.0.1:$(echo_port tls)/conn"
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "neterr 0" ]
	[[ "${lines[1]}" == "httpget: error: GET https://127.0.0.1:$(echo_port tls)/conn: error setting certificate "*"$CA/ca.key"* ]]
}

@test "proxy: http_proxy from the environment is used" {
	echo_start origin
	echo_start proxy
	O=$(echo_port origin)
	http_proxy="http://127.0.0.1:$(echo_port proxy)" run "$HTTPGET" --headers GET "http://127.0.0.1:$O/conn?a=b"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "status 200" ]
	[[ "$output" == *"< Via: 1.1 http_echo"* ]]
	[ "${lines[-1]}" = "conn 1" ]
	[ "$(echo_stat "$(echo_port proxy)" proxied)" = "['GET http://127.0.0.1:$O/conn?a=b']" ]
	[ "$(echo_stat "$O" requests)" -eq 1 ]
}

@test "proxy: proxy_url overrides the environment; no_proxy is honoured" {
	echo_start origin
	echo_start proxy
	O=$(echo_port origin)
	D=$(dead_port)
	http_proxy="http://127.0.0.1:$D" run "$HTTPGET" --proxy "http://127.0.0.1:$(echo_port proxy)" GET "http://127.0.0.1:$O/conn"
	[ "$status" -eq 0 ]
	[ "$(echo_stat "$(echo_port proxy)" proxied)" = "['GET http://127.0.0.1:$O/conn']" ]
	http_proxy="http://127.0.0.1:$(echo_port proxy)" no_proxy=127.0.0.1 run "$HTTPGET" GET "http://127.0.0.1:$O/conn"
	[ "$status" -eq 0 ]
	[ "$(echo_stat "$(echo_port proxy)" requests)" -eq 1 ]
	[ "$(echo_stat "$O" requests)" -eq 2 ]
}

@test "proxy: a dead proxy is exit 1, naming the address tried" {
	echo_start origin
	O=$(echo_port origin)
	D=$(dead_port)
	http_proxy="http://127.0.0.1:$D" run "$HTTPGET" GET "http://127.0.0.1:$O/conn"
	[ "$status" -eq 1 ]
	[ "${lines[1]}" = "httpget: error: GET http://127.0.0.1:$O/conn: connect to 127.0.0.1 port $D: Connection refused" ]
	[ "$(echo_stat "$O" requests)" -eq 0 ]
}

@test "debug log: method, URL, status, size, time, reuse, and no secret" {
	echo_start srv
	P=$(echo_port srv)
	"$HTTPGET" -d http --repeat 2 \
		-H 'Authorization: AWS4-HMAC-SHA256 Credential=AKIAX/s, Signature=sigsecret0001' \
		-H 'X-Amz-Security-Token: tokensecret0001' \
		-H 'X-Custom: customvalue01' \
		POST "http://user:pwsecret0001@127.0.0.1:$P/echo?X-Amz-Signature=querysecret0001" '{"a":1}' \
		>out 2>err
	grep -q '"Authorization"' out	# the secrets were sent
	grep -q 'tokensecret0001' out
	grep -q "^httpget: debug: http: POST http://127.0.0.1:$P/echo: 200, [0-9]* bytes, [0-9.]* s, new connection$" err
	grep -q "^httpget: debug: http: POST http://127.0.0.1:$P/echo: 200, [0-9]* bytes, [0-9.]* s, connection reused$" err
	grep -q "^httpget: debug: http: > POST /echo HTTP/1.1$" err
	grep -q '^httpget: debug: http: > X-Custom: <13 bytes>$' err
	grep -q '^httpget: debug: http: > Content-Type:' err && false
	for s in sigsecret0001 tokensecret0001 customvalue01 pwsecret0001 querysecret0001 AKIAX; do
		! grep -q "$s" err || { echo "$s logged"; false; }
	done
}

@test "without -d http nothing is logged" {
	echo_start srv
	"$HTTPGET" GET "http://127.0.0.1:$(echo_port srv)/conn" >out 2>err
	[ ! -s err ]
	[ "$(cat out)" = $'status 200\nconn 1' ]
}
