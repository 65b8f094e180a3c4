#!/usr/bin/env bats
# Several cwl-kinesis sharing one stream's shards through leases in the
# registry (--lease s3://... or dynamodb://...): each runs a whole
# pipeline (cwl-kinesis | cwl-ship | cwl-registry put) into one
# Elasticsearch, with its own access key, so that the AWS server's record
# of who read each shard (kinesis readers) tells the instances apart.
# Every event reaches the index once; each shard is read by one instance
# at a time; a dead instance's shards are taken over after the lease time,
# from its acknowledged checkpoints.

load helpers

KEY_B=AKIACWLTESTKEYB000001
SECRET_B=cwlTestSecretB000000000000000000000000001

setup() {
	common_setup
	echo "[{\"access_key_id\":\"$KEY_B\",\"secret_access_key\":\"$SECRET_B\"}]" >keys.json
	aws_server_start --keys keys.json --bucket reg
	es_server_start
	printf 'output.elasticsearch:\n  hosts: ["%s"]\n  flush_interval: 100ms\ncloudwatchlogsbeat:\n  registry.flush_interval: 100ms\n  kinesis.poll_frequency: 200ms\n  kinesis.shard_refresh_frequency: 1s\n  retry.backoff: 5ms\n  retry.max_backoff: 200ms\n' \
		"$ES_URL" >cwl.yml
}

feed() {
	"$PY" "$REPO/tests/servers/kinesis_feed.py" "$@" >/dev/null
}

# instance NAME REGISTRY [OPTIONS...]: a pipeline in the background, its
# cwl-kinesis as pid KIN_NAME (instance B signs with the second key).
instance() {
	local name=$1 reg=$2
	shift 2
	mkfifo "$name.fifo"
	cwl-ship -c cwl.yml <"$name.fifo" | cwl-registry put -c cwl.yml "$reg" 2>"$name.reg.err" &
	eval "PIPE_$name=\$!"
	if [ "$name" = B ]; then
		AWS_ACCESS_KEY_ID=$KEY_B AWS_SECRET_ACCESS_KEY=$SECRET_B \
			cwl-kinesis -c cwl.yml -f --lease "$reg" --lease-owner "$name" "$@" s \
			>"$name.fifo" 2>"$name.err" &
	else
		cwl-kinesis -c cwl.yml -f --lease "$reg" --lease-owner "$name" "$@" s \
			>"$name.fifo" 2>"$name.err" &
	fi
	eval "KIN_$name=\$!"
}

# stop_instance NAME: SIGTERM to its cwl-kinesis; the pipeline drains.
stop_instance() {
	local k p
	eval "k=\$KIN_$1 p=\$PIPE_$1"
	kill -TERM "$k"
	wait "$k"
	wait "$p"
}

# check_index: every event of the server once in the index.
check_index() {
	run "$PY" "$REPO/tests/e2e_check.py" --aws-port "$AWS_SERVER_PORT" --es "$ES_CTL_URL"
	echo "$output"
	[ "$status" -eq 0 ]
}

# readers: per shard, the runs of access keys that read it, as
# "SHARD KEY:FIRST-LAST KEY:FIRST-LAST ..." (times in epoch seconds).
readers() {
	awsctl kinesis --action readers --stream s | "$PY" -c '
import json, sys
for shard, calls in sorted(json.load(sys.stdin)["shards"].items()):
    runs = []
    for t, k in calls:
        if runs and runs[-1][0] == k:
            runs[-1][2] = t
        else:
            runs.append([k, t, t])
    print(shard, " ".join("%s:%.3f-%.3f" % (k, a, b) for k, a, b in runs))'
}

@test "two instances share the shards: each shard read by one at a time, every event in the index once" {
	feed subscribe s 4 /k/a
	for i in 1 2 3 4 5 6 7 8; do feed put /k/a "st$i" 25; done
	instance A s3://reg/cwl/ --lease-timeout 2s
	es_wait_count 200 "" 60
	instance B s3://reg/cwl/ --lease-timeout 2s
	# B asks for its share; A gives it
	for i in $(seq 600); do
		readers >readers.txt
		[ "$(grep -c "$KEY_B" readers.txt)" -ge 2 ] && break
		sleep 0.1
	done
	cat readers.txt
	[ "$(grep -c "$KEY_B" readers.txt)" -ge 2 ]
	for i in 9 10 11 12 13 14 15 16; do feed put /k/a "st$i" 25; done
	es_wait_count 400 "" 60
	stop_instance A
	stop_instance B
	[ ! -s A.err ] && [ ! -s B.err ]
	check_index
	[[ "$output" == *"server 400, index 400, missing 0, extra 0, duplicated 0"* ]]
	# never two readers at once: each shard has one run of A, then at
	# most one run of B, which starts after A's ends
	readers | tee readers.txt
	"$PY" - readers.txt "$KEY_B" <<-'EOF'
	import sys
	moved = 0
	for line in open(sys.argv[1]):
	    shard, *runs = line.split()
	    keys = [r.split(":")[0] for r in runs]
	    assert len(runs) <= 2, line
	    if len(runs) == 2:
	        assert keys[1] == sys.argv[2] and keys[0] != keys[1], line
	        a_end = float(runs[0].split(":")[1].split("-")[1])
	        b_start = float(runs[1].split(":")[1].split("-")[0])
	        assert b_start > a_end, line
	        moved += 1
	assert moved >= 1, "no shard moved to B"
	EOF
	# the registry still reads as checkpoints, leases beside them
	cwl-registry get s3://reg/cwl/ >ckpt.ndjson
	[ "$(grep -c '"group":"@kinesis/s"' ckpt.ndjson)" -eq 4 ]
}

@test "a dead instance's shards are taken over after the lease time, from its acknowledged checkpoints" {
	feed subscribe s 4 /k/a
	for i in 1 2 3 4 5 6 7 8; do feed put /k/a "st$i" 25; done
	instance A s3://reg/cwl/ --lease-timeout 3s
	instance B s3://reg/cwl/ --lease-timeout 3s
	es_wait_count 200 "" 60
	# both hold their share, two shards each, and have for a while
	for i in $(seq 600); do
		readers >readers.txt
		if [ "$(awk '{ print substr($NF, 1, 21) }' readers.txt | sort | uniq -c |
			awk '$1 == 2' | wc -l)" -eq 2 ]; then
			sleep 1
			readers >readers2.txt
			cmp -s <(awk '{ print $1, substr($NF, 1, 21) }' readers.txt) \
				<(awk '{ print $1, substr($NF, 1, 21) }' readers2.txt) && break
		fi
		sleep 0.1
	done
	# A's shards now: the ones whose last reader is A
	awk '$NF ~ /^AKIACWLTESTKEY0000001:/ { print $1 }' readers2.txt >a-shards.txt
	[ "$(wc -l <a-shards.txt)" -eq 2 ]
	killed_at=$("$PY" -c 'import time; print(time.time())')
	kill -KILL "$KIN_A"
	wait "$KIN_A" || true
	wait "$PIPE_A"
	for i in 9 10 11 12; do feed put /k/a "st$i" 25; done
	es_wait_count 300 "" 60
	# every shard went to B; A's, no sooner than the lease allows: A's
	# last renewal was a third of it (and a round) before the kill
	readers | tee readers.txt
	"$PY" - readers.txt "$KEY_B" "$killed_at" a-shards.txt <<-'EOF'
	import sys
	key_b, killed = sys.argv[2], float(sys.argv[3])
	a_shards = set(open(sys.argv[4]).read().split())
	for line in open(sys.argv[1]):
	    shard, *runs = line.split()
	    assert runs[-1].startswith(key_b + ":"), "shard %s still A's: %s" % (shard, line)
	    if shard in a_shards:
	        start = float(runs[-1].split(":")[1].split("-")[0])
	        assert start - killed >= 1.5, (shard, start - killed)
	EOF
	stop_instance B
	check_index
	[[ "$output" == *"server 300, index 300, missing 0, extra 0, duplicated 0"* ]]
}

@test "leases in DynamoDB beside the checkpoints: two instances, every event once; cwl-registry skips the leases" {
	cwl-registry -q init dynamodb://cwl-reg
	feed subscribe s 2 /k/a
	for i in 1 2 3 4; do feed put /k/a "st$i" 25; done
	instance A dynamodb://cwl-reg --lease-timeout 2s
	instance B dynamodb://cwl-reg --lease-timeout 2s
	es_wait_count 100 "" 60
	for i in 5 6 7 8; do feed put /k/a "st$i" 25; done
	es_wait_count 200 "" 60
	stop_instance A
	stop_instance B
	check_index
	[[ "$output" == *"server 200, index 200, missing 0, extra 0, duplicated 0"* ]]
	run cwl-registry get dynamodb://cwl-reg
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '"group":"@kinesis/s"')" -eq 2 ]
	[ "$(aws_cli dynamodb scan --table-name cwl-reg | grep -o '@lease/@kinesis/s:shardId-00000000000[01]' | sort -u | wc -l)" -eq 2 ]
}

@test "lease usage errors: a registry without conditional writes, too short a lease" {
	run cwl-kinesis --lease file:reg.ndjson s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: leases file:reg.ndjson: leases need conditional writes: s3://BUCKET/PREFIX or dynamodb://TABLE" ]
	run cwl-kinesis --lease s3://reg/x --lease-timeout 100ms s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: --lease-timeout: a lease time of 100ms is too short (300ms at least)" ]
	run cwl-kinesis --lease s3:///x s
	[ "$status" -eq 2 ]
	[ "$output" = "cwl-kinesis: error: leases s3:///x: no bucket (s3://BUCKET/PREFIX)" ]
	run cwl-kinesis --lease-owner '' s
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-kinesis: error: --lease-owner: no name"* ]]
}
