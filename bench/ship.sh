#!/bin/sh
# bench/ship.sh [EVENTS]: ships EVENTS event lines (default 300000, about
# 130 MB of NDJSON) to the local Elasticsearch (tests/servers/es_server.py)
# with cwl-ship, and the same documents with the peers:
#
#   curl         the floor: the bulk bodies cwl-ship would send, built in
#                advance, POSTed one after the other by one curl process
#   elasticdump  the npm tool (npm ci --prefix bench), from its own file
#                format ({"_index","_id","_source"} lines)
#
# and prints, for each: docs/s, MB/s (of the input NDJSON), CPU seconds
# (user + system) per million documents, peak RSS, and the CPU ratio to
# curl's. cwl-ship runs with compression off (as curl sends), then with
# its default gzip, then with max_buffer_bytes at 16 MiB: its peak RSS
# follows that bound, not the size of the input. Every run is checked:
# the index must hold EVENTS documents.
set -eu

cd "$(dirname "$0")/.."
repo=$(pwd)
n=${1:-${BENCH_EVENTS:-300000}}
py=/usr/bin/python3
ship=${CWL_BIN:-$repo/bin}/cwl-ship
dump=$repo/bench/node_modules/.bin/elasticdump
timef=/usr/bin/time

[ -x "$ship" ] || { echo "bench: build first: make" >&2; exit 2; }
[ -x "$timef" ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ ! -x "$dump" ]; then
	echo "bench: elasticdump missing: npm ci --prefix bench" >&2
	exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cwl-bench.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$py" "$repo/tests/servers/es_server.py" --port 0 --port-file "$tmp/port" \
	--ctl-port-file "$tmp/ctl" >"$tmp/server.log" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ] || [ ! -s "$tmp/ctl" ]; do
	i=$((i + 1))
	[ "$i" -lt 150 ] || { cat "$tmp/server.log" >&2; exit 1; }
	sleep 0.1
done
url=http://127.0.0.1:$(cat "$tmp/port")
ctl=http://127.0.0.1:$(cat "$tmp/ctl")

echo "bench: making $n events and their bulk bodies in $tmp" >&2
"$py" - "$tmp" "$n" "$url" <<'EOF'
import json, sys
d, n, url = sys.argv[1], int(sys.argv[2]), sys.argv[3]
batch = 1600
ev = open(d + "/in.ndjson", "w")
ed = open(d + "/ed.ndjson", "w")
cfg = open(d + "/curl.cfg", "w")
body = None
for i in range(n):
    s = i % 16
    k = i // 16 + 1
    doc = ('{"@timestamp":"2026-11-23T10:%02d:%02d.%03dZ",'
           '"message":"203.0.113.%d - - [23/Nov/2026:10:00:00 +0000] '
           '\\"GET /api/v1/items/%d HTTP/1.1\\" 200 5120 \\"-\\" '
           '\\"Mozilla/5.0\\" request_id=%08x",'
           '"event":{"id":"e%d"},"log":{"file":{"path":"app/web-%d"}},'
           '"aws":{"cloudwatch":{"log_group":"app","log_stream":"web-%d",'
           '"ingestion_time":"2026-11-23T10:00:01.000Z"}},'
           '"cloud":{"provider":"aws","region":"eu-west-1"}}'
           % ((i // 60000) % 60, (i // 1000) % 60, i % 1000, i % 250, i,
              i * 2654435761 % (1 << 32), i, s, s))
    meta = ('{"_id":"e%d","cursor":{"group":"app","stream":"web-%d",'
            '"token":"f/%d","skip":%d,"ts":1763892000000,"n":%d}}'
            % (i, s, k // 100, k % 100 + 1, k))
    ev.write(doc[:-1] + ',"@metadata":' + meta + '}\n')
    ed.write('{"_index":"ed","_id":"e%d","_source":%s}\n' % (i, doc))
    if i % batch == 0:
        if body:
            body.close()
        name = "%s/body.%06d" % (d, i // batch)
        body = open(name, "w")
        if i:
            cfg.write("next\n")
        cfg.write('url = "%s/_bulk?filter_path=errors%%2Citems.%%2A.status'
                  '%%2Citems.%%2A.error"\n' % url)
        cfg.write('header = "Content-Type: application/x-ndjson"\n')
        cfg.write('data-binary = "@%s"\noutput = "/dev/null"\n' % name)
    body.write('{"index":{"_index":"curl","_id":"e%d"}}\n%s\n' % (i, doc))
body.close()
EOF
size=$(stat -c %s "$tmp/in.ndjson")

count() {
	curl -fsS "$ctl/$1/_count" | "$py" -c 'import json,sys; print(json.load(sys.stdin)["count"])'
}

# measure NAME INDEX COMMAND...: runs it under GNU time, checks the
# count, appends a row "NAME elapsed cpu rss" to the results.
measure() {
	name=$1 index=$2
	shift 2
	echo "bench: $name" >&2
	"$timef" -f '%e %U %S %M' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
		echo "bench: $name failed:" >&2
		tail -n 5 "$tmp/err" >&2
		exit 1
	}
	got=$(count "$index")
	if [ "$got" != "$n" ]; then
		echo "bench: $name: $got documents in $index, not $n" >&2
		exit 1
	fi
	read -r el us sy rss <"$tmp/time"
	echo "$name $el $us $sy $rss" >>"$tmp/results"
}

measure curl curl curl -sS -K "$tmp/curl.cfg"
measure cwl-ship ship0 "$ship" -q -E output.elasticsearch.hosts="$url" \
	-E output.elasticsearch.index=ship0 \
	-E output.elasticsearch.compression_level=0 <"$tmp/in.ndjson"
measure "cwl-ship(gzip)" ship1 "$ship" -q -E output.elasticsearch.hosts="$url" \
	-E output.elasticsearch.index=ship1 <"$tmp/in.ndjson"
measure "cwl-ship(16MiB)" ship2 "$ship" -q -E output.elasticsearch.hosts="$url" \
	-E output.elasticsearch.index=ship2 -E output.elasticsearch.compression_level=0 \
	-E output.elasticsearch.max_buffer_bytes=16MiB <"$tmp/in.ndjson"
measure elasticdump ed "$dump" --input="$tmp/ed.ndjson" --output="$url/ed" \
	--type=data --limit=1600

echo
awk -v n="$n" -v size="$size" -v cpus="$(nproc)" '
	$1 == "curl" { floor = ($3 + $4) / n }
	{ row[NR] = $0 }
	END {
		printf "%d documents, %.1f MB of NDJSON, %d CPUs\n", n,
		    size / 1e6, cpus
		printf "%-16s %10s %8s %16s %12s %10s\n", "tool", "docs/s",
		    "MB/s", "CPU s/1M docs", "peak RSS MB", "CPU/curl"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			cpu = f[3] + f[4]
			printf "%-16s %10.0f %8.1f %16.2f %12.1f %9.2fx\n", f[1],
			    n / f[2], size / f[2] / 1e6, cpu / n * 1e6,
			    f[5] / 1024, (cpu / n) / floor
		}
	}' "$tmp/results"
