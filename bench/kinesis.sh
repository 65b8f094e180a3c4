#!/bin/sh
# bench/kinesis.sh [EVENTS [GROUPS]]: cwl-kinesis reading CloudWatch Logs
# subscriptions from a Kinesis stream, against cwl-tail polling the same
# events, on the local AWS and Elasticsearch servers.
#
# 1. Reading: GROUPS groups (default 8) of 4 streams, EVENTS events in all
#    (default 200,000, 120 bytes), put 1000 a put (so the subscription
#    delivers records of 1000 events) to a stream of 4 shards, read to the
#    end by
#      cwl-kinesis                the stream, every shard
#      cwl-tail                   GetLogEvents, every stream of the groups
#      cwl-tail --mode filter     FilterLogEvents over each group
#    without the servers' read limits or the programs' budgets: events/s,
#    CPU per million events and peak RSS (GNU time), and the ratios of
#    cwl-tail's to cwl-kinesis's. Every run must write every event.
# 2. Lag: 100 groups of 2 streams, events arriving at 400 a second for 30
#    seconds, read as the beat reads them, each pipeline into its own
#    index: cwl-kinesis -f | cwl-ship, and cwl-list --watch groups |
#    cwl-tail -f | cwl-ship with the default budgets (2 FilterLogEvents a
#    second, under the 5 of AWS's quota) and refresh times; the Kinesis
#    server keeps its limits (five reads and 2 MB a second per shard). The
#    lag is from CloudWatch's ingestion of an event to the Elasticsearch
#    server's receipt of it: p50, p99, max. The local server delivers to
#    the stream as PutLogEvents returns; CloudWatch Logs takes a few
#    seconds more (not in these figures).
set -eu

cd "$(dirname "$0")/.."
repo=$(pwd)
events=${1:-${BENCH_EVENTS:-200000}}
ngroups=${2:-${BENCH_GROUPS:-8}}
py=/usr/bin/python3
bin=${CWL_BIN:-$repo/bin}
timef=/usr/bin/time

for p in cwl-kinesis cwl-tail cwl-list cwl-ship; do
	[ -x "$bin/$p" ] || { echo "bench: build first: make" >&2; exit 2; }
done
[ -x "$timef" ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwl-bench.XXXXXX")
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_file F: until F exists and is not empty (15 s).
wait_file() {
	i=0
	while [ ! -s "$1" ]; do
		i=$((i + 1))
		[ "$i" -lt 150 ] || { echo "bench: no $1" >&2; exit 1; }
		sleep 0.1
	done
}

# aws_server DIR ARGS...: the local AWS server, its URL in $aws.
aws_server() {
	d=$1
	shift
	mkdir -p "$d"
	"$py" "$repo/tests/servers/aws_server.py" --port 0 --port-file "$d/port" \
		--pid-file "$d/pid" "$@" >"$d/log" 2>&1 &
	pids="$pids $!"
	wait_file "$d/port"
	aws=http://127.0.0.1:$(cat "$d/port")
	export AWS_ENDPOINT_URL=$aws AWS_SERVER_PORT=$(cat "$d/port")
}

export AWS_ACCESS_KEY_ID=AKIACWLTESTKEY0000001
export AWS_SECRET_ACCESS_KEY=cwlTestSecret0000000000000000000000000001
export AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true HOME="$tmp"
groups() { i=0; while [ "$i" -lt "$1" ]; do printf '/bench/kinesis/g%03d\n' "$i"; i=$((i + 1)); done; }

# --- 1. reading -----------------------------------------------------------------

aws_server "$tmp/a1" --kinesis-read-tps 0 --kinesis-read-bytes 0
per=$((events / ngroups / 4))
total=$((per * ngroups * 4))
# shellcheck disable=SC2046
"$py" "$repo/tests/servers/kinesis_feed.py" subscribe s 4 $(groups "$ngroups") >/dev/null
echo "bench: putting $total events into $ngroups groups of 4 streams" >&2
"$py" "$repo/bench/kinesis.py" seed --aws "$aws" --groups "$ngroups" --streams 4 \
	--events "$per" --size 120 --batch 1000

# run NAME COMMAND...: one measured run; a line of $tmp/table.
: >"$tmp/table"
run() {
	name=$1
	shift
	"$timef" -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
		echo "bench: $name failed:" >&2
		cat "$tmp/err" >&2
		exit 1
	}
	got=$(grep -c '"message"' "$tmp/out" || true)
	[ "$got" -eq "$total" ] || { echo "bench: $name wrote $got events, not $total" >&2; exit 1; }
	echo "$name $total $(cat "$tmp/time")" >>"$tmp/table"
}
# shellcheck disable=SC2046
{
	run cwl-kinesis "$bin/cwl-kinesis" s
	run cwl-tail "$bin/cwl-tail" --budget-get 0 $(groups "$ngroups")
	run "cwl-tail(filter)" "$bin/cwl-tail" --mode filter --budget-filter 0 $(groups "$ngroups")
}

# --- 2. lag -----------------------------------------------------------------------

aws_server "$tmp/a2"
mkdir -p "$tmp/es"
"$py" "$repo/tests/servers/es_server.py" --port 0 --port-file "$tmp/es/port" \
	--ctl-port-file "$tmp/es/ctl-port" --pid-file "$tmp/es/pid" >"$tmp/es/log" 2>&1 &
pids="$pids $!"
wait_file "$tmp/es/ctl-port"
es=http://127.0.0.1:$(cat "$tmp/es/port")
esctl=http://127.0.0.1:$(cat "$tmp/es/ctl-port")
lag_groups=${BENCH_LAG_GROUPS:-100}
rate=${BENCH_RATE:-400}
seconds=${BENCH_SECONDS:-30}
# shellcheck disable=SC2046
"$py" "$repo/tests/servers/kinesis_feed.py" subscribe s 4 $(groups "$lag_groups") >/dev/null
# the streams exist before the pipelines start, as in a running account
"$py" "$repo/bench/kinesis.py" seed --aws "$aws" --groups "$lag_groups" --streams 2 \
	--events 1 --size 60 --batch 1
printf 'output.elasticsearch:\n  hosts: ["%s"]\n  flush_interval: 200ms\n' "$es" >"$tmp/es.yml"
mkfifo "$tmp/f1" "$tmp/f2"
"$bin/cwl-kinesis" -f s 2>"$tmp/kin.err" |
	"$bin/cwl-ship" -c "$tmp/es.yml" -E output.elasticsearch.index=kin >/dev/null 2>"$tmp/ship1.err" &
pids="$pids $!"
# shellcheck disable=SC2046
"$bin/cwl-list" --watch groups $(groups "$lag_groups") >"$tmp/f1" 2>"$tmp/list.err" &
pids="$pids $!"
"$bin/cwl-tail" -f <"$tmp/f1" >"$tmp/f2" 2>"$tmp/tail.err" &
pids="$pids $!"
"$bin/cwl-ship" -c "$tmp/es.yml" -E output.elasticsearch.index=poll <"$tmp/f2" >/dev/null 2>"$tmp/ship2.err" &
pids="$pids $!"
sleep 5	# both pipelines past their start (listing, first reads)
echo "bench: $rate events/s for ${seconds}s into $lag_groups groups of 2 streams" >&2
"$py" "$repo/bench/kinesis.py" drive --aws "$aws" --groups "$lag_groups" --streams 2 \
	--rate "$rate" --seconds "$seconds" >"$tmp/drive.json"
want=$("$py" "$repo/tests/servers/awsctl" stats --brief true --get events_total)
for index in kin poll; do
	i=0
	while :; do
		n=$(curl -fsS "$esctl/$index/_count" 2>/dev/null | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
		[ "${n:-0}" -ge "$want" ] && break
		i=$((i + 1))
		# 10 minutes: polling 100 groups within 2 FilterLogEvents a
		# second reads each once a minute at best
		[ "$i" -lt 6000 ] || { echo "bench: $index has ${n:-0} of $want events" >&2; exit 1; }
		sleep 0.1
	done
done
"$py" "$repo/bench/kinesis.py" lag --aws "$aws" --es "$esctl" --index kin --index poll >"$tmp/lag.json"

echo
echo "1. $total events of 120 bytes in $ngroups groups x 4 streams, a stream of 4 shards, records of 1000 events; $(nproc) CPUs"
awk '
{ name[NR] = $1; n[NR] = $2; wall[NR] = $3; cpu[NR] = $4 + $5; rss[NR] = $6 / 1024 }
END {
	printf "%-18s %8s %8s %10s %14s %12s\n", "reader", "events", "wall s",
	    "events/s", "CPU s/1M ev", "peak RSS MB"
	for (i = 1; i <= NR; i++)
		printf "%-18s %8d %8.2f %10.0f %14.2f %12.1f\n", name[i], n[i],
		    wall[i], (wall[i] > 0 ? n[i] / wall[i] : 0), cpu[i] / n[i] * 1e6, rss[i]
	printf "\ncwl-tail / cwl-kinesis: CPU per event %.1fx (filter %.1fx), peak RSS %.1fx (filter %.1fx), events/s %.2fx (filter %.2fx)\n",
	    cpu[2] / cpu[1], cpu[3] / cpu[1], rss[2] / rss[1], rss[3] / rss[1],
	    (n[2] / wall[2]) / (n[1] / wall[1]), (n[3] / wall[3]) / (n[1] / wall[1])
}' "$tmp/table"
echo
echo "2. $(sed -n 's/.*"events": \([0-9]*\).*/\1/p' "$tmp/drive.json") events at $rate/s for ${seconds}s into $lag_groups groups x 2 streams; lag from ingestion to the index"
"$py" - "$tmp/lag.json" <<'EOF'
import json, sys
rows = {r["index"]: r for r in map(json.loads, open(sys.argv[1]))}
print("%-34s %8s %8s %8s %8s" % ("pipeline", "p50 s", "p99 s", "max s", "missing"))
for ix, name in (("kin", "cwl-kinesis -f | cwl-ship"), ("poll", "cwl-list | cwl-tail -f | cwl-ship")):
    r = rows[ix]
    print("%-34s %8.2f %8.2f %8.2f %8d" % (name, r["p50"], r["p99"], r["max"], r["missing"]))
k, p = rows["kin"], rows["poll"]
print("\npolling / subscription: lag p50 %.1fx, p99 %.1fx" % (p["p50"] / k["p50"], p["p99"] / k["p99"]))
EOF
