#!/usr/bin/env bats
# The configuration's documentation against the schema the programs
# validate with (lib/config_keys.c, printed by tests/unit/cfgkeys):
# cloudwatchlogsbeat.yml shows every key and loads cleanly, as shipped and
# with every setting uncommented; docs/configuration.md is what
# tests/gen-config-reference.sh makes of the schema; the programs answer
# the schema's defaults, and the wrapper and the man pages use them.

load helpers

EXAMPLE=$REPO/cloudwatchlogsbeat.yml
REFERENCE=$REPO/docs/configuration.md
GEN=$REPO/tests/gen-config-reference.sh

# cfgkeys is built next to the unit tests of the build CWL_BIN comes from.
_tools=$(cd "$(dirname "$CWL_BIN")" 2>/dev/null && pwd)
if [ -x "$_tools/tests/cfgkeys" ]; then
	CFGKEYS=$_tools/tests/cfgkeys
else
	CFGKEYS=$REPO/build/rel/tests/cfgkeys
fi
unset _tools

setup() {
	common_setup
	[ -x "$CFGKEYS" ] || { echo "build first: make unit-bin" >&2; return 1; }
}

# uncomment FILE: every "#key: value" line of FILE made a setting. A
# comment is "#" alone or "# " and text; a setting left out is "#" and the
# key, at the key's indentation.
uncomment() {
	sed -E 's/^([[:space:]]*)#([^[:space:]#])/\1\2/' "$1"
}

# The ${VAR} references of the example, set, so that the file loads.
export_refs() {
	local v
	for v in $(grep -o '\${[A-Z_][A-Z0-9_]*}' "$1" | tr -d '${}' | sort -u); do
		export "$v=value-of-$v"
	done
}

# keys_of FILE: the dotted keys of a YAML file, list elements as "[]".
keys_of() {
	"$PY" - "$1" <<'EOF'
import sys, yaml
def walk(node, path):
    if path:
        print(path)
    if isinstance(node, dict):
        for k, v in node.items():
            walk(v, "%s.%s" % (path, k) if path else str(k))
    elif isinstance(node, list):
        for v in node:
            walk(v, path + "[]")
walk(yaml.safe_load(open(sys.argv[1])), "")
EOF
}

# missing_keys FILE: the keys of the schema that FILE, uncommented, does
# not set, on one line.
missing_keys() {
	uncomment "$1" >"$BATS_TEST_TMPDIR/full-for-keys.yml"
	keys_of "$BATS_TEST_TMPDIR/full-for-keys.yml" >"$BATS_TEST_TMPDIR/have"
	"$CFGKEYS" >"$BATS_TEST_TMPDIR/schema"
	"$PY" - "$BATS_TEST_TMPDIR/have" "$BATS_TEST_TMPDIR/schema" <<'EOF'
import sys
have = set(open(sys.argv[1]).read().split("\n"))
missing = []
for line in open(sys.argv[2]):
    key, typ, _, _ = line.rstrip("\n").split("\t")
    if key in have:
        continue
    # a mapping, a list of objects or an "any" key: something below it will do
    if typ in ("mapping", "any", "list of objects") and any(
            h.startswith(key + ".") or h.startswith(key + "[]") for h in have):
        continue
    missing.append(key)
print(" ".join(missing))
EOF
}

@test "cfgkeys prints the schema, one KEY TYPE DESCRIPTION DEFAULT line per key, and refuses arguments" {
	run "$CFGKEYS"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -gt 150 ]
	[ "${lines[0]}" = "cloudwatchlogsbeat.aws_region	string	AWS region (default: AWS_REGION, AWS_DEFAULT_REGION, the profile's region)	" ]
	# four fields on every line (the default may be empty), and a type the
	# reference knows
	run awk -F '\t' 'NF != 4 || $2 !~ /^(string|integer|boolean|duration|list of strings|number|size|mapping|list of objects|any|secret)$/' <("$CFGKEYS")
	[ -z "$output" ]
	run "$CFGKEYS" extra
	[ "$status" -eq 2 ]
	[ "$output" = "usage: cfgkeys" ]
}

@test "every key of the schema is in cloudwatchlogsbeat.yml" {
	run missing_keys "$EXAMPLE"
	[ "$status" -eq 0 ]
	[ -z "$output" ] || { echo "not in cloudwatchlogsbeat.yml: $output"; false; }
	# the check names a key that is missing, commented or not
	grep -v 'hot_stream_event_horizon:\|^  #regions:' "$EXAMPLE" >less.yml
	run missing_keys less.yml
	[ "$output" = "cloudwatchlogsbeat.regions cloudwatchlogsbeat.hot_stream_event_horizon" ]
}

@test "cloudwatchlogsbeat.yml loads with every program's --check-config, without a warning" {
	# the file names no region: a run takes it from the environment
	export AWS_REGION=eu-west-1
	for p in cwl-list cwl-tail cwl-ship cwl-registry; do
		run "$p" -c "$EXAMPLE" --check-config
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		[ -z "$output" ] || { echo "$p: $output"; false; }
	done
	# what the shipped file sets
	run cwl-ship -c "$EXAMPLE" --config-value output.elasticsearch.hosts
	[ "$output" = "http://localhost:9200" ]
	run cwl-tail -c "$EXAMPLE" --config-value cloudwatchlogsbeat.prospectors.0.groupnames
	[ "$output" = "/aws/lambda/*" ]
}

@test "cloudwatchlogsbeat.yml with every setting uncommented loads too, without a warning" {
	uncomment "$EXAMPLE" >full.yml
	# the uncommenting made settings of every commented key
	[ "$(grep -c '^[[:space:]]*#[^[:space:]#]' full.yml)" -eq 0 ]
	[ "$(grep -c '^[[:space:]]*#[^[:space:]#]' "$EXAMPLE")" -gt 150 ]
	export_refs full.yml
	# every key against the schema (--config-value loads and validates
	# the file; --check-config would go on with what a run checks, and
	# this file names files that are not here and shows every output,
	# every kind of authentication and options that exclude each other)
	for p in cwl-list cwl-tail cwl-ship cwl-registry; do
		run "$p" -c full.yml --config-value cloudwatchlogsbeat.prospectors.1.id
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		[ "$output" = "ecs-errors" ] || { echo "$p: $output"; false; }
	done
	run cwl-tail -c full.yml --config-value cloudwatchlogsbeat.prospectors.0.fields
	[ "$output" = '{"env":"production","team":"payments"}' ]
	# and the run's checks do apply to it
	run cwl-ship -c full.yml --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == *"cwl-ship: error: more than one output is enabled"* ]]
}

@test "a key the schema does not know is a warning, a value of the wrong type exit 2 (the check can fail)" {
	uncomment "$EXAMPLE" | sed 's/^  stream_refresh_frequency: 20s$/  stream_refresh_frequncy: 20s/' >typo.yml
	export_refs typo.yml
	run cwl-list -c typo.yml --check-config
	[ "$status" -eq 0 ]
	[[ "$output" == "cwl-list: warning: typo.yml:"*": unknown key 'cloudwatchlogsbeat.stream_refresh_frequncy', ignored (did you mean 'stream_refresh_frequency'?)" ]]
	sed 's/^  hosts: \["http:\/\/localhost:9200"\]$/  hosts: {a: b}/' "$EXAMPLE" >bad.yml
	run cwl-ship -c bad.yml --check-config
	[ "$status" -eq 2 ]
	[[ "$output" == "cwl-ship: error: bad.yml:"*": output.elasticsearch.hosts: "* ]]
}

@test "docs/configuration.md is what tests/gen-config-reference.sh makes of the schema" {
	sh "$GEN" "$CFGKEYS" >reference.md
	diff -u "$REFERENCE" reference.md || {
		echo "docs/configuration.md is out of date: sh tests/gen-config-reference.sh > docs/configuration.md"
		false
	}
	# one table row per key
	[ "$(grep -c '^| `' reference.md)" -eq "$("$CFGKEYS" | wc -l)" ]
}

@test "gen-config-reference.sh without the schema tool: exit 1, naming it" {
	run sh "$GEN" "$BATS_TEST_TMPDIR/none/cfgkeys"
	[ "$status" -eq 1 ]
	[ "$output" = "gen-config-reference.sh: error: $BATS_TEST_TMPDIR/none/cfgkeys: not found (make unit-bin)" ]
	printf '#!/bin/sh\nexit 3\n' >failing
	chmod +x failing
	run sh "$GEN" "$PWD/failing"
	[ "$status" -eq 1 ]
	[ "$output" = "gen-config-reference.sh: error: $PWD/failing failed" ]
}

@test "--config-value and --config-ms answer the schema's default of a key that is not set, the config's when it is" {
	unset CWL_CONFIG
	"$CFGKEYS" | awk -F '\t' '$4 != ""' >defaults
	[ "$(wc -l <defaults)" -gt 40 ]
	bad=
	while IFS='	' read -r key type desc def; do
		got=$(cwl-registry --config-value "$key")
		[ "$got" = "$def" ] || bad="$bad $key=$got(want $def)"
		if [ "$type" = duration ]; then
			want=$(cwl-registry -E "$key=$def" --config-ms "$key")
			got=$(cwl-registry --config-ms "$key")
			{ [ -n "$got" ] && [ "$got" = "$want" ]; } || bad="$bad $key:ms=$got(want $want)"
		fi
	done <defaults
	[ -z "$bad" ] || { echo "defaults answered wrong:$bad"; false; }
	run cwl-registry --config-ms cloudwatchlogsbeat.report_frequency
	[ "$status" -eq 0 ]
	[ "$output" = 300000 ]
	run cwl-registry -E cloudwatchlogsbeat.report_frequency=7s --config-ms cloudwatchlogsbeat.report_frequency
	[ "$output" = 7000 ]
	run cwl-ship -E output.logstash.timeout=9s --config-value output.logstash.timeout
	[ "$output" = 9s ]
	# a key without a default says nothing; a wrong value is still refused
	run cwl-registry --config-value cloudwatchlogsbeat.role_arn
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run cwl-registry -E cloudwatchlogsbeat.grace_period=soon --config-ms cloudwatchlogsbeat.grace_period
	[ "$status" -eq 2 ]
	[[ "$output" == *"cloudwatchlogsbeat.grace_period: not a duration"* ]]
}

@test "the wrapper writes no default of a config key: it asks the programs" {
	# cfg KEY DEFAULT and cfg_ms KEY DEFAULT with a literal
	run grep -nE '\$\(cfg(_ms)? [a-z_.]+ ("[^$]|[0-9])' "$REPO/cloudwatchlogsbeat"
	[ "$status" -eq 1 ] || { echo "literal defaults: $output"; false; }
	run grep -nE '^[[:space:]]*\[ "\$[A-Z_]+" -gt 0 \] \|\| [A-Z_]+=[0-9]' "$REPO/cloudwatchlogsbeat"
	[ "$status" -eq 1 ] || { echo "literal defaults: $output"; false; }
}

@test "the defaults the man pages give are the schema's" {
	unset CWL_CONFIG
	# ".Cm KEY" then "(default VALUE)" or "5 s by default" on the next
	# line; KEY is a schema key, or the end of exactly one
	"$PY" - "$REPO"/man/*.1 >said <<'EOF'
import re, sys
for path in sys.argv[1:]:
    lines = open(path).read().split("\n")
    for i in range(len(lines) - 1):
        m = re.match(r"^\.Cm (\S+)(?: ,)?$", lines[i])
        d = re.match(r"^\(default ([^ ),;:]+)[),;]", lines[i + 1]) or \
            re.match(r"^(\d+ ?(?:ms|s|m|h)) by default", lines[i + 1])
        if m and d:
            print("%s\t%s\t%s" % (path.rsplit("/", 1)[1], m.group(1),
                d.group(1).replace(" ", "")))
EOF
	[ "$(wc -l <said)" -ge 5 ]
	"$CFGKEYS" | cut -f1,2 >schema
	bad=
	while IFS='	' read -r page key value; do
		full=$(awk -F '\t' -v k="$key" '$1 == k || substr($1, length($1) - length(k)) == "." k' schema)
		[ "$(printf '%s\n' "$full" | grep -c .)" -eq 1 ] || { bad="$bad $page:$key(not one key)"; continue; }
		type=${full#*	}
		full=${full%%	*}
		if [ "$type" = duration ]; then
			want=$(cwl-registry -E "$full=$value" --config-ms "$full")
			got=$(cwl-registry --config-ms "$full")
		else
			want=$value
			got=$(cwl-registry --config-value "$full")
		fi
		[ "$got" = "$want" ] || bad="$bad $page:$full($value, the schema $got)"
	done <said
	[ -z "$bad" ] || { echo "man pages disagree:$bad"; false; }
}
