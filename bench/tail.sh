#!/bin/sh
# bench/tail.sh [STREAMS [EVENTS [SIZE]]]: reads one log group seeded in
# the local AWS server (tests/servers/aws_server.py), STREAMS streams of
# EVENTS events of SIZE bytes (default 10 x 30000 x 120: 300,000 events,
# 1 MB pages), with cwl-tail and with Debian's AWS CLI (/usr/bin/aws):
#
#   cwl-tail                     GetLogEvents, every stream, one process
#   aws logs get-log-events      one call per page and stream, following
#                                nextForwardToken until it comes back
#                                unchanged (the CLI has no paginator for it)
#   cwl-tail --mode filter       FilterLogEvents over the group
#   aws logs filter-log-events   the CLI's own paginator, one process
#
# and prints for each: events, wall seconds, events/s, CPU seconds (user +
# system, GNU time) per million events, peak RSS, and the ratios of the
# CLI's CPU per event and RSS to cwl-tail's. Every run is checked: it must
# have written every event of the group. cwl-tail runs without a request
# budget (--budget-get 0 --budget-filter 0), as the CLI has none.
# cwl-tail then reads the group twice over and three times over (several
# groups of the same size): its peak RSS must not grow with the events.
set -eu

cd "$(dirname "$0")/.."
repo=$(pwd)
streams=${1:-${BENCH_STREAMS:-10}}
events=${2:-${BENCH_EVENTS:-30000}}
size=${3:-${BENCH_SIZE:-120}}
py=/usr/bin/python3
aws=/usr/bin/aws
tail=${CWL_BIN:-$repo/bin}/cwl-tail
timef=/usr/bin/time

[ -x "$tail" ] || { echo "bench: build first: make" >&2; exit 2; }
[ -x "$timef" ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }
[ -x "$aws" ] || { echo "bench: needs Debian's awscli (/usr/bin/aws)" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwl-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$py" "$repo/tests/servers/aws_server.py" --port 0 --port-file "$tmp/port" \
	--pid-file "$tmp/pid" >"$tmp/server.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ]; do
	i=$((i + 1))
	[ "$i" -lt 150 ] || { cat "$tmp/server.log" >&2; exit 1; }
	sleep 0.1
done
export AWS_SERVER_PORT="$(cat "$tmp/port")"
export AWS_ENDPOINT_URL="http://127.0.0.1:$AWS_SERVER_PORT"
export AWS_ACCESS_KEY_ID=AKIACWLTESTKEY0000001
export AWS_SECRET_ACCESS_KEY=cwlTestSecret0000000000000000000000000001
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=
export AWS_EC2_METADATA_DISABLED=true HOME="$tmp"
ctl() { "$py" "$repo/tests/servers/awsctl" "$@"; }

group=/bench/tail
total=$((streams * events))
for g in $group /bench/tail2 /bench/tail3; do
	ctl seed --group "$g" --streams "$streams" --events "$events" \
		--size "$size" --start 1700000000000 --step 3 >/dev/null
done
echo "bench: $streams streams x $events events of $size bytes: $total events per group" >&2

# run NAME EVENTS_EXPECTED COMMAND...: one measured run, its output in
# $tmp/out; adds a line to $tmp/table.
run() {
	name=$1 want=$2
	shift 2
	"$timef" -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
		echo "bench: $name failed:" >&2
		cat "$tmp/err" >&2
		exit 1
	}
	record "$name" "$want" "$(cat "$tmp/time")" "$(count "$name")"
}

# count NAME: the events written in $tmp/out.
count() {
	case $1 in
	aws*) grep -c '"ingestionTime"' "$tmp/out" || true ;;
	*) wc -l <"$tmp/out" | tr -d ' ' ;;
	esac
}

# record NAME WANT "WALL USER SYS MAXRSS_KB" GOT
record() {
	[ "$4" -eq "$2" ] || { echo "bench: $1 wrote $4 events, not $2" >&2; exit 1; }
	echo "$1 $2 $3" >>"$tmp/table"
}

: >"$tmp/table"
run cwl-tail "$total" "$tail" --budget-get 0 $group
run "cwl-tail(filter)" "$total" "$tail" --mode filter --budget-filter 0 $group
run "cwl-tail(x2)" $((total * 2)) "$tail" --budget-get 0 $group /bench/tail2
run "cwl-tail(x3)" $((total * 3)) "$tail" --budget-get 0 $group /bench/tail2 /bench/tail3

# aws logs get-log-events, page after page, stream after stream: times
# and counts summed, the largest RSS kept.
echo "bench: aws logs get-log-events, one call per page" >&2
wall=0 user=0 sys=0 rss=0 got=0 calls=0
for s in $(ctl dump --group $group --order time | cut -d'"' -f8 | sort -u); do
	token=
	while :; do
		set -- logs get-log-events --endpoint-url "$AWS_ENDPOINT_URL" \
			--output json --log-group-name $group --log-stream-name "$s" \
			--start-from-head
		[ -n "$token" ] && set -- "$@" --next-token "$token"
		"$timef" -f '%e %U %S %M' -o "$tmp/time" "$aws" "$@" >"$tmp/out" 2>"$tmp/err" || {
			cat "$tmp/err" >&2
			exit 1
		}
		calls=$((calls + 1))
		read -r e u y m <"$tmp/time"
		wall=$(echo "$wall + $e" | bc) user=$(echo "$user + $u" | bc)
		sys=$(echo "$sys + $y" | bc)
		[ "$m" -gt "$rss" ] && rss=$m
		got=$((got + $(count aws)))
		next=$(sed -n 's/.*"nextForwardToken": "\([^"]*\)".*/\1/p' "$tmp/out")
		[ -n "$next" ] && [ "$next" != "$token" ] || break
		token=$next
	done
done
record "aws:get-log-events" "$total" "$wall $user $sys $rss" "$got"

echo "bench: aws logs filter-log-events" >&2
run "aws:filter-log-events" "$total" "$aws" logs filter-log-events \
	--endpoint-url "$AWS_ENDPOINT_URL" --output json --log-group-name $group

echo
echo "$streams streams x $events events of $size bytes ($total events, 1 MB pages), $(nproc) CPUs; aws: $calls get-log-events calls"
awk '
{ name[NR] = $1; n[NR] = $2; wall[NR] = $3; cpu[NR] = $4 + $5; rss[NR] = $6 / 1024 }
END {
	printf "%-22s %8s %8s %10s %14s %12s\n", "reader", "events", "wall s",
	    "events/s", "CPU s/1M ev", "peak RSS MB"
	for (i = 1; i <= NR; i++)
		printf "%-22s %8d %8.2f %10.0f %14.2f %12.1f\n", name[i], n[i],
		    wall[i], (wall[i] > 0 ? n[i] / wall[i] : 0),
		    cpu[i] / n[i] * 1e6, rss[i]
	for (i = 1; i <= NR; i++) {
		if (name[i] == "cwl-tail") { g = i }
		if (name[i] == "cwl-tail(filter)") { f = i }
		if (name[i] == "aws:get-log-events") { ag = i }
		if (name[i] == "aws:filter-log-events") { af = i }
	}
	printf "\nCPU per event, aws/cwl-tail: get-log-events %.1fx, filter-log-events %.1fx\n",
	    (cpu[ag] / n[ag]) / (cpu[g] / n[g]), (cpu[af] / n[af]) / (cpu[f] / n[f])
	printf "peak RSS, aws/cwl-tail: get-log-events %.1fx, filter-log-events %.1fx\n",
	    rss[ag] / rss[g], rss[af] / rss[f]
	printf "events/s, cwl-tail/aws: get-log-events %.1fx, filter-log-events %.1fx\n",
	    (n[g] / wall[g]) / (n[ag] / wall[ag]), (n[f] / wall[f]) / (n[af] / wall[af])
}' "$tmp/table"
