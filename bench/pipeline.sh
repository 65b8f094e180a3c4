#!/bin/sh
# bench/pipeline.sh [STREAMS...]: the whole pipeline at the scale of a
# Lambda log group, against the local servers (tests/servers/): one log
# group of STREAMS streams (default 1000, 10000 and 50000, one run each),
# of which BENCH_ACTIVE (200) are active at any moment while the active
# set moves (bench/pipeline.py drive: containers go idle, warm ones are
# called again, cold starts make new streams), BENCH_RATE (200) events a
# second with a burst of five times that for 2 s every 15 s, for
# BENCH_SECONDS (60) seconds. Two readers take the same events at once:
#
#   cloudwatchlogsbeat   the wrapper, as users run it: cwl-list --watch |
#                        cwl-tail --follow --resume | cwl-ship |
#                        cwl-registry put, with a file registry, the
#                        hot-stream poll interval at 1 s and the request
#                        budgets written out (GetLogEvents 10/s,
#                        FilterLogEvents 2/s, describe 4/s: the defaults,
#                        under AWS's quotas of 25, 5 and 5 a second per
#                        account and region, which the local server
#                        enforces here, leaving room for other readers)
#   baseline             what Filebeat's aws-cloudwatch input does, built
#                        from our programs: one FilterLogEvents query of
#                        the group every scan_frequency (BENCH_BASE_SCAN,
#                        10s, its default) over [end of the last query,
#                        now - latency] (BENCH_BASE_LATENCY, 2s), pages one
#                        after the other at most 5 a second (api_sleep
#                        200 ms), one worker: cwl-tail --follow --mode
#                        filter --latency 2s --budget-filter 5 | cwl-ship,
#                        signing with its own access key
#
# The AWS server orders each stream by BENCH_ORDER (timestamp, or
# ingestion: its --logs-order), and BENCH_LATE (0) is the fraction of the
# driver's batches that come late, stamped 30 to 90 s in the past (so
# that, ordered by timestamp, they go before events already there).
# BENCH_RESTART=1 stops the wrapper (SIGTERM) half-way through the events
# and starts it again, with the same registry.
#
# After the events stop, it waits up to BENCH_DRAIN (300) seconds for
# both indices to hold every event (or until neither has grown for
# BENCH_STALL, 120, seconds: an event missed for good); then, as the
# sweep that catches late events (2 minutes behind) belongs to the cost of
# every event, until the wrapper's checkpoint of the group has passed the
# last event (within BENCH_DRAIN too); stops both readers (SIGTERM) and
# prints, for each: events/s sustained; the lag from ingestion to the
# indexed document (p50, p99, max: the server's ingestion time in
# aws.cloudwatch.ingestion_time against the Elasticsearch server's
# receive time); API requests per event and per operation (the AWS
# server's counters by access key); the events the server's answers held
# per event indexed; the documents written more than once (rewritten);
# CPU seconds per million events and
# peak RSS of each program (/proc of the wrapper's children, sampled);
# the requests spent on streams that stayed idle; each request rate
# against its budget (the bucket depth the server's arrival times need);
# then a table by STREAMS. Every run is checked: each index must hold
# every event of the run exactly once, by content and by _id, none
# written twice (with BENCH_RESTART, the documents the wrapper wrote again
# are reported, not checked); otherwise the bench says so and exits 1. BENCH_WRAPPER
# runs another wrapper (which takes the programs of the bin/ beside it),
# CWL_BIN the baseline's programs of another build; BENCH_KEEP=1 keeps
# the files of the runs (logs, configs, samples, and each document's
# stream, times and version in docs-ours.ndjson and docs-base.ndjson, and
# the events of the run an index lacks in missing-ours.ndjson and
# missing-base.ndjson) in $TMPDIR.
set -eu

cd "$(dirname "$0")/.."
repo=$(pwd)
py=/usr/bin/python3
bin=${CWL_BIN:-$repo/bin}
wrapper=${BENCH_WRAPPER:-$repo/cloudwatchlogsbeat}
seconds=${BENCH_SECONDS:-60}
drain=${BENCH_DRAIN:-300}
rate=${BENCH_RATE:-200}
active=${BENCH_ACTIVE:-200}
base_scan=${BENCH_BASE_SCAN:-10s}
base_latency=${BENCH_BASE_LATENCY:-2s}
order=${BENCH_ORDER:-timestamp}
late=${BENCH_LATE:-0}
restart=${BENCH_RESTART:-}
stall=${BENCH_STALL:-120}
group=/aws/lambda/bench
[ $# -gt 0 ] || set -- 1000 10000 50000

for p in cwl-list cwl-tail cwl-ship cwl-registry; do
	[ -x "$bin/$p" ] || { echo "bench: build first: make" >&2; exit 2; }
done
[ -x "$py" ] || { echo "bench: needs Debian's python3" >&2; exit 2; }
for n in "$@" "$seconds" "$drain" "$rate" "$active" "$stall"; do
	case $n in
	'' | *[!0-9]*) echo "bench: not a number: '$n'" >&2; exit 2 ;;
	esac
done
case $order in
timestamp | ingestion) ;;
*) echo "bench: BENCH_ORDER: not timestamp or ingestion: '$order'" >&2; exit 2 ;;
esac
awk -v v="$late" 'BEGIN { exit !(v ~ /^(0|1|0?\.[0-9]+|1\.0*)$/) }' ||
	{ echo "bench: BENCH_LATE: not a fraction from 0 to 1: '$late'" >&2; exit 2; }
case $restart in
'' | 0 | 1) ;;
*) echo "bench: BENCH_RESTART: not 0 or 1: '$restart'" >&2; exit 2 ;;
esac
for v in "$base_scan" "$base_latency"; do
	case $v in
	[0-9]*s | [0-9]*ms | [0-9]*m) ;;
	*) echo "bench: not a duration: '$v'" >&2; exit 2 ;;
	esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwl-bench.XXXXXX")
running=
# Stops what this script started, the readers first so that they drain.
cleanup() {
	for p in $running; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $running; do wait "$p" 2>/dev/null || true; done
	running=
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The baseline signs with a key of its own, so that the server counts
# its requests apart.
base_akid=AKIACWLBENCHBASE00001
base_secret=cwlBenchBaselineSecret00000000000000001
printf '[{"access_key_id":"%s","secret_access_key":"%s"}]\n' "$base_akid" "$base_secret" >"$tmp/keys.json"
export AWS_ACCESS_KEY_ID=AKIACWLTESTKEY0000001
export AWS_SECRET_ACCESS_KEY=cwlTestSecret0000000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true HOME="$tmp"
unset AWS_PROFILE AWS_DEFAULT_REGION AWS_SESSION_TOKEN http_proxy https_proxy HTTP_PROXY HTTPS_PROXY 2>/dev/null || true

# wait_file FILE: until FILE is there and not empty (15 s).
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ "$i" -lt 150 ] || return 1
		sleep 0.1
	done
}

# es_count INDEX: documents in INDEX, 0 when it does not exist yet.
es_count() {
	curl -fsS "$esctl/$1/_count" 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p' | grep . || echo 0
}

fail=0
# run STREAMS: one run, its row appended to $tmp/results.jsonl.
run() {
	n=$1 d=$tmp/$1
	mkdir -p "$d"
	"$py" "$repo/tests/servers/aws_server.py" --port 0 --port-file "$d/aws.port" \
		--pid-file "$d/aws.pid" --keys "$tmp/keys.json" --logs-order "$order" \
		--tps GetLogEvents=25 --tps FilterLogEvents=5 --tps DescribeLogStreams=5 \
		--tps DescribeLogGroups=5 >"$d/aws.log" 2>&1 &
	aws_pid=$!
	"$py" "$repo/tests/servers/es_server.py" --port 0 --port-file "$d/es.port" \
		--ctl-port-file "$d/es.ctl" >"$d/es.log" 2>&1 &
	es_pid=$!
	running="$aws_pid $es_pid"
	wait_file "$d/aws.port" && wait_file "$d/es.port" && wait_file "$d/es.ctl" || {
		cat "$d/aws.log" "$d/es.log" >&2
		exit 1
	}
	aws=http://127.0.0.1:$(cat "$d/aws.port")
	es=http://127.0.0.1:$(cat "$d/es.port")
	esctl=http://127.0.0.1:$(cat "$d/es.ctl")
	export AWS_ENDPOINT_URL=$aws
	echo "bench: $n streams: seeding" >&2
	"$py" bench/pipeline.py seed --aws "$aws" --group "$group" --streams "$n" \
		--names "$d/names" >&2

	cat >"$d/beat.yml" <<EOF
cloudwatchlogsbeat:
  registry.url: file:$d/registry.ndjson
  hot_stream_event_refresh_frequency: 1s
  request_budget:
    get_log_events: 10
    filter_log_events: 2
    describe: 4
  prospectors:
    - id: lambda
      groupnames: ["$group"]
output.elasticsearch:
  hosts: ["$es"]
  index: cwlbeat
EOF
	cat >"$d/base.yml" <<EOF
cloudwatchlogsbeat:
  stream_event_refresh_frequency: $base_scan
  hot_stream_event_horizon: 0
output.elasticsearch:
  hosts: ["$es"]
  index: baseline
EOF
	since=$(($(date +%s) * 1000 - 1000))
	echo "bench: $n streams: $seconds s of events at $rate/s, $active streams active," \
		"late batches $late, streams in $order order;" \
		"baseline: a query every $base_scan, latency $base_latency" >&2
	"$py" bench/pipeline.py drive --aws "$aws" --group "$group" --names "$d/names" \
		--seconds "$seconds" --rate "$rate" --active "$active" --late "$late" --out "$d/drive.json" >&2 &
	drive_pid=$!
	TMPDIR=$d "$wrapper" -c "$d/beat.yml" 2>"$d/beat.err" &
	beat_pid=$!
	mkfifo "$d/base.fifo"
	AWS_ACCESS_KEY_ID=$base_akid AWS_SECRET_ACCESS_KEY=$base_secret \
		"$bin/cwl-tail" -c "$d/base.yml" --follow --mode filter --latency "$base_latency" --max-delay 0 \
		--budget-filter 5 --since "$since" "$group" >"$d/base.fifo" 2>"$d/base-tail.err" &
	btail_pid=$!
	"$bin/cwl-ship" -c "$d/base.yml" <"$d/base.fifo" >/dev/null 2>"$d/base-ship.err" &
	bship_pid=$!
	"$py" bench/pipeline.py sample --out "$d/samples.json" --tree "ours=$beat_pid" \
		--pids "base=$btail_pid,$bship_pid" &
	sample_pid=$!
	running="$drive_pid $beat_pid $btail_pid $bship_pid $sample_pid $aws_pid $es_pid"
	samples=$d/samples.json restart_at= sample2_pid=
	if [ "$restart" = 1 ]; then
		sleep $((seconds / 2))
		restart_at=$((seconds / 2))
		echo "bench: $n streams: stopping cloudwatchlogsbeat (SIGTERM) and starting it again" >&2
		kill -TERM "$beat_pid" 2>/dev/null || true
		wait "$beat_pid" || echo "bench: cloudwatchlogsbeat exited with $? at the restart" >&2
		TMPDIR=$d "$wrapper" -c "$d/beat.yml" 2>>"$d/beat.err" &
		beat_pid=$!
		"$py" bench/pipeline.py sample --out "$d/samples2.json" --tree "ours=$beat_pid" &
		sample2_pid=$!
		samples=$samples,$d/samples2.json
		running="$drive_pid $beat_pid $btail_pid $bship_pid $sample_pid $sample2_pid $aws_pid $es_pid"
	fi
	wait "$drive_pid" || { echo "bench: the driver failed" >&2; exit 1; }
	want=$(sed -n 's/.*"events": \([0-9]*\).*/\1/p' "$d/drive.json")
	t0=$(date +%s) dead= seen= grew=$t0
	while :; do
		c1=$(es_count cwlbeat) c2=$(es_count baseline)
		[ "$c1" -ge "$want" ] && [ "$c2" -ge "$want" ] && break
		[ "$c1 $c2" = "$seen" ] || { seen="$c1 $c2"; grew=$(date +%s); }
		if [ $(($(date +%s) - grew)) -ge "$stall" ]; then
			echo "bench: $n streams: neither index grew for ${stall}s: cloudwatchlogsbeat indexed $c1 and the baseline $c2 of $want events" >&2
			break
		fi
		for p in "$beat_pid:cloudwatchlogsbeat:beat.err" "$btail_pid:the baseline's cwl-tail:base-tail.err" \
			"$bship_pid:the baseline's cwl-ship:base-ship.err"; do
			kill -0 "${p%%:*}" 2>/dev/null && continue
			echo "bench: $n streams: $(echo "$p" | cut -d: -f2) ended before it read every event:" >&2
			tail -n 5 "$d/${p##*:}" >&2
			dead=1
		done
		[ -z "$dead" ] || break
		if [ $(($(date +%s) - t0)) -ge "$drain" ]; then
			echo "bench: $n streams: after ${drain}s, cloudwatchlogsbeat indexed $c1 and the baseline $c2 of $want events" >&2
			break
		fi
		sleep 1
	done
	echo "bench: $n streams: drained in $(($(date +%s) - t0)) s" >&2
	# the sweep past the last event: the checkpoint of the group, the
	# frontier of its sweeps, past the driver's end
	end_ms=$("$py" -c 'import json, sys; print(int(json.load(open(sys.argv[1]))["end"] * 1000) + 1)' "$d/drive.json")
	while :; do
		swept=$(sed -n 's/^{"group":"[^"]*","stream":"\*","ts":\([0-9]*\).*/\1/p' "$d/registry.ndjson" | tail -n 1)
		[ -n "$swept" ] && [ "$swept" -gt "$end_ms" ] && break
		if [ $(($(date +%s) - t0)) -ge "$drain" ]; then
			echo "bench: $n streams: after ${drain}s, the wrapper's checkpoint (${swept:-none}) is not past the last event ($end_ms)" >&2
			break
		fi
		kill -0 "$beat_pid" 2>/dev/null || break
		sleep 1
	done
	echo "bench: $n streams: swept past the last event after $(($(date +%s) - t0)) s; stopping" >&2
	kill -TERM "$beat_pid" "$btail_pid" 2>/dev/null || true
	wait "$beat_pid" || echo "bench: cloudwatchlogsbeat exited with $?" >&2
	wait "$btail_pid" || echo "bench: the baseline's cwl-tail exited with $?" >&2
	wait "$bship_pid" || echo "bench: the baseline's cwl-ship exited with $?" >&2
	wait "$sample_pid" || true
	[ -z "$sample2_pid" ] || wait "$sample2_pid" || true
	running="$aws_pid $es_pid"
	BENCH_KEEP_DIR=${BENCH_KEEP:+$d} "$py" bench/pipeline.py report --aws "$aws" --es "$esctl" --group "$group" \
		--drive "$d/drive.json" --samples "$samples" --streams "$n" \
		--order "$order" ${restart_at:+--restart-at "$restart_at"} \
		--ours-key "$AWS_ACCESS_KEY_ID" --base-key "$base_akid" \
		--ours-budget get=10,filter=2,describe=4 --base-budget filter=5 \
		--base-scan "$base_scan" --base-latency "$base_latency" \
		--out "$tmp/results.jsonl" || fail=1
	if grep -q ': error: ' "$d/beat.err" "$d/base-tail.err" "$d/base-ship.err"; then
		echo "bench: errors in the logs of the run:" >&2
		grep -h ': error: ' "$d/beat.err" "$d/base-tail.err" "$d/base-ship.err" | head -n 5 >&2
	fi
	kill -TERM "$aws_pid" "$es_pid" 2>/dev/null || true
	wait "$aws_pid" "$es_pid" 2>/dev/null || true
	running=
}

for n in "$@"; do
	run "$n"
done
"$py" bench/pipeline.py scale "$tmp/results.jsonl"
exit "$fail"
