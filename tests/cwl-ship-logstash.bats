#!/usr/bin/env bats
# cwl-ship to Logstash: the beats protocol (lumberjack v2) against the
# local server (tests/servers/lumberjack_server.py).

load helpers

setup_file() {
	"$PY" - "$BATS_FILE_TMPDIR" <<-'EOF'
	import sys
	d = sys.argv[1]
	def line(i, srcs):
	    s = i % srcs
	    k = i // srcs + 1
	    return ('{"@timestamp":"2026-11-23T10:%02d:%02d.%03dZ",'
	            '"message":"event %d of stream s%d","n":%d,'
	            '"aws":{"cloudwatch":{"log_group":"G","log_stream":"s%d"}},'
	            '"@metadata":{"_id":"e%d","cursor":{"group":"G",'
	            '"stream":"s%d","token":"f/%d","skip":1,"ts":1763892000123,'
	            '"n":%d}}}\n'
	            % ((i // 60000) % 60, (i // 1000) % 60, i % 1000, i, s, i, s,
	               i, s, k, k))
	for name, n in (("big", 100000), ("mid", 20000), ("small", 1000)):
	    with open("%s/%s.ndjson" % (d, name), "w") as f:
	        f.writelines(line(i, 4) for i in range(n))
	EOF
}

teardown_file() {
	servers_stop "$BATS_FILE_TMPDIR/.server-pids"
}

BIG="$BATS_FILE_TMPDIR/big.ndjson"
MID="$BATS_FILE_TMPDIR/mid.ndjson"
SMALL="$BATS_FILE_TMPDIR/small.ndjson"

# lship [ARGS...]: cwl-ship -v to the local Logstash with quick
# reconnects; acks in acks.out, messages (info lines too) in err.out.
lship() {
	cwl-ship -v -E output.logstash.hosts="$LS_HOST" \
		-E output.logstash.backoff.init=5ms \
		-E output.logstash.backoff.max=100ms "$@" >acks.out 2>err.out
}

summary() {
	sed -n "s/.*info: done: .*[ :]$1=\([0-9]*\).*/\1/p" err.out
}

# check_events INPUT [ORDER]: every line of INPUT arrived (by _id, at least
# once), as the document without @metadata.cursor and with Filebeat's
# @metadata; with ORDER, first arrivals are in the order of INPUT.
check_events() {
	ls_events >events.ndjson
	"$PY" - "$1" events.ndjson "${2:-}" <<-'EOF'
	import json, sys
	want = []
	docs = {}
	for l in open(sys.argv[1]):
	    o = json.loads(l)
	    i = o.pop("@metadata")["_id"]
	    want.append(i)
	    docs[i] = o
	seen = []
	got = set()
	for l in open(sys.argv[2]):
	    e = json.loads(l)["event"]
	    m = e.pop("@metadata")
	    assert m == {"beat": "cloudwatchlogsbeat", "type": "_doc",
	                 "version": m["version"], "_id": m["_id"]}, m
	    assert e == docs[m["_id"]], (e, docs[m["_id"]])
	    if m["_id"] not in got:
	        got.add(m["_id"])
	        seen.append(m["_id"])
	if set(want) != got:
	    sys.exit("%d of %d events arrived" % (len(got), len(want)))
	if sys.argv[3] and seen != want:
	    sys.exit("out of order")
	EOF
}

# check_acks INPUT: the last ack of each stream is its last cursor, and
# acks go forward.
check_acks() {
	"$PY" - "$1" acks.out <<-'EOF'
	import json, sys
	want = {}
	for l in open(sys.argv[1]):
	    c = json.loads(l)["@metadata"]["cursor"]
	    want[c["stream"]] = c["n"]
	last = {}
	for l in open(sys.argv[2]):
	    c = json.loads(l)
	    assert c["n"] > last.get(c["stream"], 0), c
	    last[c["stream"]] = c["n"]
	assert last == want, (last, want)
	EOF
}

@test "cwl-ship logstash: 100,000 events arrive in order, compressed" {
	ls_server_start
	lship <"$BIG"
	[ "$(summary acked)" = 100000 ]
	[ "$(summary retries)" = 0 ]
	[ "$(ls_stats events)" = 100000 ]
	[ "$(ls_stats compressed_frames)" -ge 49 ]
	[ "$(ls_stats duplicates)" = 0 ]
	check_events "$BIG" order
	check_acks "$BIG"
	# every JSON frame came inside a compressed frame
	[ "$(ls_stats compressed_frames)" = "$(ls_stats windows)" ]
}

@test "cwl-ship logstash: 100,000 events arrive in order, uncompressed" {
	ls_server_start
	lship -E output.logstash.compression_level=0 -E output.logstash.bulk_max_size=4096 <"$BIG"
	[ "$(summary acked)" = 100000 ]
	[ "$(ls_stats compressed_frames)" = 0 ]
	[ "$(ls_stats json_frames)" = 100000 ]
	[ "$(ls_stats windows)" = 25 ]
	check_events "$BIG" order
	check_acks "$BIG"
}

@test "cwl-ship logstash: a slow server's keep-alive ACKs hold the connection past the timeout" {
	# each window is answered after 8 s, with a keep-alive every 200 ms
	# until then: far inside the timeout of 4 s, however busy the machine
	ls_server_start --delay-ms 8000 --keepalive-ms 200
	head -n 2000 "$MID" >in.ndjson
	lship -E output.logstash.timeout=4s <in.ndjson
	[ "$(summary acked)" = 2000 ]
	[ "$(summary retries)" = 0 ]
	[ "$(ls_stats keepalives)" -ge 6 ]
	[ "$(ls_stats connections)" = 1 ]
	check_events in.ndjson order
	check_acks in.ndjson
}

@test "cwl-ship logstash: no ACK within the timeout drops the connection" {
	ls_server_start --delay-ms 3000 --keepalive-ms 60000
	run lship -E output.logstash.timeout=500ms -E output.logstash.max_retries=0 <"$SMALL"
	[ "$status" -eq 1 ]
	grep -q "cwl-ship: warning: $LS_HOST: no ACK for [0-9]* ms (timeout); 1000 events go again" err.out
	grep -q "cwl-ship: error: output.logstash: 1000 events still refused after 0 retries (max_retries)" err.out
	[ ! -s acks.out ]
}

@test "cwl-ship logstash: connections dropped before the ACK: every event arrives, in order, resends counted" {
	ls_server_start --seed 11 --fault drop_before_ack=0.15 --fault partial_ack=0.1 \
		--fault drop_unprocessed=0.1
	lship -E output.logstash.bulk_max_size=500 <"$MID"
	[ "$(summary acked)" = 20000 ]
	[ "$(summary retries)" -gt 0 ]
	[ "$(ls_stats drops_total)" -gt 3 ]
	[ "$(ls_stats duplicates)" -gt 0 ]
	[ "$(ls_stats partial_acks)" -gt 0 ]
	grep -q "the server closed the connection; [0-9]* events go again" err.out
	check_events "$MID" order
	check_acks "$MID"
}

@test "cwl-ship logstash: TLS with the test CA, a client certificate, the server name" {
	tls_make_ca
	ls_server_start --tls-cert "$TLS_CERT" --tls-key "$TLS_KEY" --tls-client-ca "$TLS_CA"
	lship -E output.logstash.ssl.certificate_authorities="$TLS_CA" \
		-E output.logstash.ssl.certificate="$TLS_CLIENT_CERT" \
		-E output.logstash.ssl.key="$TLS_CLIENT_KEY" \
		-E 'output.logstash.ssl.supported_protocols=[TLSv1.2, TLSv1.3]' <"$SMALL"
	[ "$(summary acked)" = 1000 ]
	check_events "$SMALL" order
	check_acks "$SMALL"
	# a CA that did not sign the server's certificate
	# (a configuration error: not retried, whatever max_retries)
	run lship -E output.logstash.ssl.certificate_authorities="$TLS_OTHER_CA" <"$SMALL"
	[ "$status" -eq 2 ]
	grep -q "cwl-ship: error: output.logstash: $LS_HOST: TLS handshake: certificate verification failed: .*certificate" err.out
	! grep -q "(after .* retries)" err.out
}

@test "cwl-ship logstash: TLS checks the host name unless told another or certificate mode" {
	tls_make_ca
	ls_server_start --tls-cert "$TLS_WRONGHOST_CERT" --tls-key "$TLS_WRONGHOST_KEY"
	run lship -E output.logstash.ssl.certificate_authorities="$TLS_CA" <"$SMALL"
	[ "$status" -eq 2 ]
	grep -q "cwl-ship: error: output.logstash: $LS_HOST: TLS handshake: certificate verification failed: IP address mismatch" err.out
	lship -E output.logstash.ssl.certificate_authorities="$TLS_CA" \
		-E output.logstash.ssl.server_name=wrong.host.invalid <"$SMALL"
	[ "$(summary acked)" = 1000 ]
	lship -E output.logstash.ssl.certificate_authorities="$TLS_CA" \
		-E output.logstash.ssl.verification_mode=certificate <"$SMALL"
	[ "$(summary acked)" = 1000 ]
	lship -E output.logstash.ssl.enabled=true -E output.logstash.ssl.verification_mode=none <"$SMALL"
	[ "$(summary acked)" = 1000 ]
	grep -q "warning: output.logstash.ssl.verification_mode is none" err.out
}

@test "cwl-ship logstash: two servers in load balance share the events" {
	ls_server_start
	one_url=$LS_CTL_URL one=$LS_HOST
	ls_server_start
	two_url=$LS_CTL_URL two=$LS_HOST
	cwl-ship -E "output.logstash.hosts=[\"$one\",\"$two\"]" -E output.logstash.loadbalance=true \
		-E output.logstash.bulk_max_size=200 <"$MID" >acks.out 2>err.out
	n1=$(LS_CTL_URL=$one_url ls_stats events)
	n2=$(LS_CTL_URL=$two_url ls_stats events)
	[ "$n1" -gt 2000 ] && [ "$n2" -gt 2000 ]
	[ $((n1 + n2)) = 20000 ]
	{ LS_CTL_URL=$one_url ls_events; LS_CTL_URL=$two_url ls_events; } >both.ndjson
	"$PY" -c '
import json
ids = [json.loads(l)["event"]["@metadata"]["_id"] for l in open("both.ndjson")]
assert sorted(ids) == sorted("e%d" % i for i in range(20000))'
	check_acks "$MID"
}

@test "cwl-ship logstash: without load balance, a dead host fails over to the next" {
	ls_server_start
	lship -E "output.logstash.hosts=[\"127.0.0.1:1\",\"$LS_HOST\"]" <"$SMALL"
	[ "$(summary acked)" = 1000 ]
	grep -q "cwl-ship: warning: 127.0.0.1:1: connect: Connection refused" err.out
	check_events "$SMALL" order
}

@test "cwl-ship logstash: ttl opens a new connection once the old one is idle" {
	ls_server_start
	# the second half comes once the first has arrived, and the ttl has
	# passed since: the connection that took it was up before it arrived
	{
		head -n 500 "$SMALL"
		wait_for '[ "$(ls_stats events)" -ge 500 ]'
		sleep 1.5
		tail -n 500 "$SMALL"
	} | lship -E output.logstash.ttl=1s -E output.logstash.flush_interval=100ms
	[ "$(summary acked)" = 1000 ]
	[ "$(ls_stats connections)" -ge 2 ]
	check_events "$SMALL" order
}

@test "cwl-ship logstash: the npm lumberjack-client is understood by the test server" {
	ls_server_start
	run node "$REPO/tests/servers/lj_client.js" 127.0.0.1 "$LS_PORT" 100 5
	[ "$status" -eq 0 ]
	[[ "$output" == *"acked 100"* ]]
	[ "$(ls_stats events)" = 105 ]
	[ "$(ls_stats compressed_frames)" = 6 ]
	ls_events | "$PY" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
assert [e["event"]["message"] for e in ev] == ["node event %d" % i for i in range(105)]
assert [e["seq"] for e in ev[:100]] == list(range(1, 101))
assert all(e["compressed"] and e["frame"] == "J" for e in ev)'
	# and so is cwl-ship on the same server
	ls_ctl reset '{}' >/dev/null
	lship <"$SMALL"
	[ "$(ls_stats events)" = 1000 ]
}

@test "cwl-ship logstash: bad hosts are configuration errors" {
	run cwl-ship -E output.logstash.enabled=true </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: output.logstash.hosts: no host (host:port, 5044 by default)"* ]]
	run cwl-ship -E output.logstash.hosts=h:99999 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.logstash.hosts: 'h:99999': bad port"* ]]
	run cwl-ship -E output.logstash.hosts=tcp://h:5044 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.logstash.hosts: 'tcp://h:5044': host:port, without a scheme"* ]]
	run cwl-ship -E output.logstash.hosts=h -E output.logstash.ssl.certificate_authorities=/nonexistent.pem </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.logstash.ssl.certificate_authorities: /nonexistent.pem: "* ]]
	run cwl-ship -E output.logstash.hosts=h -E output.logstash.ssl.enabled=true \
		-E output.logstash.ssl.supported_protocols=SSLv3 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.logstash.ssl.supported_protocols: 'SSLv3': TLSv1.2 or TLSv1.3"* ]]
	run cwl-ship -E output.logstash.hosts=h -E output.logstash.proxy_url=socks5://p:1080 </dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"output.logstash.proxy_url: a SOCKS5 proxy is not supported"* ]]
}
