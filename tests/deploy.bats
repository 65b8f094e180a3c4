#!/usr/bin/env bats
# Deployment: the systemd unit (systemd-analyze verify against a `make
# install` tree, and its hardening), the Kubernetes StatefulSet (YAML,
# replicas and CWL_SHARD_COUNT, the shards its pods take, its config),
# the bash completions, and `make install` itself.

load helpers

UNIT=$REPO/deploy/systemd/cloudwatchlogsbeat.service
MANIFEST=$REPO/deploy/kubernetes/cloudwatchlogsbeat.yaml
PROGS="cwl-list cwl-tail cwl-kinesis cwl-ship cwl-registry"

# install_tree DIR: `make install DESTDIR=DIR PREFIX=/usr`, quietly.
install_tree() {
	make -s -C "$REPO" install DESTDIR="$1" PREFIX=/usr >"$BATS_TEST_TMPDIR/install.log" 2>&1 || {
		cat "$BATS_TEST_TMPDIR/install.log"
		return 1
	}
}

# manifest EXPR: a value of the manifest's StatefulSet, ServiceAccount and
# ConfigMap, in Python (s, sa, cm; c is the StatefulSet's container).
manifest() {
	"$PY" - "$MANIFEST" "$1" <<'EOF'
import sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
kind = {}
for d in docs:
    kind.setdefault(d["kind"], d)
s, sa, cm = kind["StatefulSet"], kind["ServiceAccount"], kind["ConfigMap"]
c = s["spec"]["template"]["spec"]["containers"][0]
env = {e["name"]: e.get("value") for e in c.get("env", [])}
v = eval(sys.argv[2])
print("\n".join(map(str, v)) if isinstance(v, list) else v)
EOF
}

# complete_words LINE: what bash completion offers for LINE (the last word
# being completed), one a line, with completions/NAME of the command loaded.
complete_words() {
	local cmd=${1%% *}
	bash --norc --noprofile -c '
		. "$1/completions/$2" || exit 1
		read -ra COMP_WORDS <<<"$3"
		case $3 in *" ") COMP_WORDS+=("") ;; esac
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMP_LINE=$3 COMP_POINT=${#3}
		spec=$(complete -p "$2") || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		"$fn" "$2" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
		printf "%s\n" "${COMPREPLY[@]}"' _ "$REPO" "$cmd" "$1"
}

@test "the systemd unit is hardened and stops on the exit codes a restart will not cure" {
	for want in DynamicUser=yes NoNewPrivileges=yes PrivateTmp=yes \
		ProtectHome=yes StateDirectory=cloudwatchlogsbeat \
		'RestartPreventExitStatus=2 4' 'SuccessExitStatus=3' KillMode=mixed \
		KillSignal=SIGTERM 'ExecReload=/bin/kill -HUP $MAINPID'; do
		grep -qxF "$want" "$UNIT" || { echo "missing: $want"; false; }
	done
	grep -qxE 'ProtectSystem=(strict|full|yes)' "$UNIT"
	# the program is where make install PREFIX=/usr puts it, the state
	# where the unit's StateDirectory is
	grep -qE '^ExecStart=/usr/bin/cloudwatchlogsbeat .*-c /etc/cloudwatchlogsbeat/cloudwatchlogsbeat\.yml.*path\.data=\$\{STATE_DIRECTORY\}' "$UNIT"
	# a stop may take the beat's grace period (30s by default) and some
	timeout=$(sed -n 's/^TimeoutStopSec=//p' "$UNIT")
	[ "$timeout" -gt 30 ]
}

@test "systemd-analyze verify accepts the unit, installed with make install" {
	command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (Debian package systemd)"
	[ -d /usr/lib/systemd/system ] || skip "no /usr/lib/systemd/system to verify the unit's dependencies against"
	systemd-analyze verify --help 2>/dev/null | grep -q -- '--root' ||
		skip "this systemd-analyze cannot verify below a root directory"
	root=$BATS_TEST_TMPDIR/root
	install_tree "$root"
	# the system's units (sysinit.target, network-online.target, ...) and
	# the commands of the unit that make install does not provide
	mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system"
	cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
	for d in bin sbin lib; do
		[ -L "/$d" ] && ln -s "usr/$d" "$root/$d"
	done
	for cmd in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\([^ ]*\).*/\1/p' "$UNIT"); do
		[ -e "$root$cmd" ] || { mkdir -p "$root$(dirname "$cmd")"; cp "$cmd" "$root$cmd"; }
	done
	cp "$UNIT" "$root/etc/systemd/system/"
	run systemd-analyze verify --man=no --root="$root" cloudwatchlogsbeat.service
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$output" ] || { echo "$output"; false; }
	# and it does see a mistake
	sed 's/^NoNewPrivileges=yes$/NoNewPrivileges=yes\nProtectSystm=strict/' "$UNIT" \
		>"$root/etc/systemd/system/cloudwatchlogsbeat.service"
	run systemd-analyze verify --man=no --root="$root" cloudwatchlogsbeat.service
	[[ "$output" == *"Unknown key 'ProtectSystm'"* ]] || [[ "$output" == *"Unknown key name 'ProtectSystm'"* ]]
}

@test "the Kubernetes manifest: a StatefulSet of CWL_SHARD_COUNT replicas running --shard auto" {
	run manifest 's["spec"]["replicas"]'
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	replicas=$output
	[ "$replicas" -ge 2 ]
	[ "$(manifest 'env["CWL_SHARD_COUNT"]')" = "$replicas" ]
	[ "$(manifest '" ".join(c["args"])')" = "-e -c /etc/cloudwatchlogsbeat/cloudwatchlogsbeat.yml -E path.data=/var/lib/cloudwatchlogsbeat --shard auto" ]
	# all pods start at once: a shard waits for no other
	[ "$(manifest 's["spec"]["podManagementPolicy"]')" = Parallel ]
	# the service account is the one with the IAM role (IRSA)
	[ "$(manifest 's["spec"]["template"]["spec"]["serviceAccountName"] == sa["metadata"]["name"]')" = True ]
	[[ "$(manifest 'sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]')" == arn:aws:iam::*:role/* ]]
	# the config the pods read is the ConfigMap's, mounted where -c says
	[ "$(manifest '[m["mountPath"] for m in c["volumeMounts"] if m["name"] == "config"][0]')" = /etc/cloudwatchlogsbeat ]
	[ "$(manifest 'list(cm["data"])')" = cloudwatchlogsbeat.yml ]
	# the pod may take longer to stop than the beat's grace period (30s)
	[ "$(manifest 's["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] > 30')" = True ]
}

@test "the manifest's pods take shards 1/N to N/N, each once" {
	name=$(manifest 's["metadata"]["name"]')
	n=$(manifest 'env["CWL_SHARD_COUNT"]')
	[ "$n" -eq 3 ]
	for k in $(seq 0 $((n - 1))); do
		run env HOSTNAME="$name-$k" CWL_SHARD_COUNT="$n" "$REPO/cloudwatchlogsbeat" --shard auto --print-shard
		[ "$status" -eq 0 ] || { echo "$output"; false; }
		[ "$output" = "--shard $((k + 1))/$n" ]
	done
	# a host name without an ordinal, or no count: exit 2, saying why
	run env HOSTNAME=cloudwatchlogsbeat CWL_SHARD_COUNT=3 "$REPO/cloudwatchlogsbeat" --shard auto --print-shard
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cloudwatchlogsbeat: error: --shard auto: host name 'cloudwatchlogsbeat' does not end in -ORDINAL" ]
	run env -u CWL_SHARD_COUNT HOSTNAME="$name-0" "$REPO/cloudwatchlogsbeat" --shard auto --print-shard
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cloudwatchlogsbeat: error: --shard auto: CWL_SHARD_COUNT is not set to the number of shards" ]
	# a pod past the count is refused rather than reading nothing
	run env HOSTNAME="$name-$n" CWL_SHARD_COUNT="$n" "$REPO/cloudwatchlogsbeat" --shard auto --print-shard
	[ "$status" -eq 2 ]
	[ "${lines[0]}" = "cloudwatchlogsbeat: error: --shard $((n + 1))/$n: I must be between 1 and N" ]
}

@test "the manifest's configuration loads in every program" {
	manifest 'cm["data"]["cloudwatchlogsbeat.yml"]' >cwl.yml
	export ES_USERNAME=elastic ES_PASSWORD=secret
	for p in $PROGS; do
		run "$p" -c cwl.yml --check-config
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		[ -z "$output" ] || { echo "$p: $output"; false; }
	done
	run cwl-registry -c cwl.yml --config-value cloudwatchlogsbeat.registry.url
	[[ "$output" == s3://* ]]
	# its secrets come from the environment, as the pod's env gives them
	run cwl-ship -c cwl.yml --config-value output.elasticsearch.password --show-secrets
	[ "$output" = secret ]
	[ "$(manifest 'sorted(e["name"] for e in c["env"] if "valueFrom" in e)')" = "$(printf 'ES_PASSWORD\nES_USERNAME')" ]
}

@test "bash completion: commands, options and their values" {
	for f in cloudwatchlogsbeat $PROGS; do
		[ -f "$REPO/completions/$f" ] || { echo "no completions/$f"; false; }
	done
	[ "$(complete_words 'cloudwatchlogsbeat te')" = test ]
	[ "$(complete_words 'cloudwatchlogsbeat test o')" = output ]
	[ "$(complete_words 'cloudwatchlogsbeat --sha')" = --shard ]
	[ "$(complete_words 'cloudwatchlogsbeat --shard 3/')" = 3/3 ]
	[ "$(complete_words 'cwl-registry g')" = get ]
	[ "$(complete_words 'cwl-registry get dyn')" = dynamodb:// ]
	[ "$(complete_words 'cwl-list st')" = streams ]
	[ "$(complete_words 'cwl-list --order-by l')" = last-event ]
	[ "$(complete_words 'cwl-tail --fol')" = --follow ]
	[ "$(complete_words 'cwl-tail --mode f')" = filter ]
	[ "$(complete_words 'cwl-kinesis --dead')" = --dead-letter ]
	[ "$(complete_words 'cwl-kinesis -d kin')" = kinesis ]
	[ "$(complete_words 'cwl-kinesis set')" = setup ]
	[ "$(complete_words 'cwl-kinesis --lease-t')" = --lease-timeout ]
	[ "$(complete_words 'cloudwatchlogsbeat setup sub')" = subscription ]
	[ "$(complete_words 'cwl-ship --dead')" = --dead-letter ]
	[ "$(complete_words 'cwl-ship -d reg')" = registry ]
	# every program's common options
	for p in cloudwatchlogsbeat $PROGS; do
		run complete_words "$p --check"
		[ "$output" = --check-config ] || { echo "$p: $output"; false; }
	done
}

@test "bash completion: each file completes its own command, as bash-completion loads them" {
	for f in cloudwatchlogsbeat $PROGS; do
		run bash --norc --noprofile -c '. "$1" && complete -p "$2"' _ "$REPO/completions/$f" "$f"
		[ "$status" -eq 0 ] || { echo "$f: $output"; false; }
		[[ "$output" == "complete -F "*" $f" ]]
	done
	# nothing is offered for a word nothing matches
	[ -z "$(complete_words 'cwl-registry zz')" ]
}

@test "make install puts the programs, man pages, completions and example config in place" {
	root=$BATS_TEST_TMPDIR/root
	install_tree "$root"
	for p in cloudwatchlogsbeat $PROGS; do
		[ -x "$root/usr/bin/$p" ] || { echo "usr/bin/$p"; false; }
		[ -f "$root/usr/share/man/man1/$p.1" ] || { echo "man1/$p.1"; false; }
		[ -f "$root/usr/share/bash-completion/completions/$p" ] || { echo "completions/$p"; false; }
	done
	cmp "$REPO/cloudwatchlogsbeat.yml" "$root/usr/share/cloudwatchlogsbeat/cloudwatchlogsbeat.yml"
	# the installed wrapper runs the installed programs
	grep -qx 'CWL_LIBEXEC=/usr/bin' "$root/usr/bin/cloudwatchlogsbeat"
	for p in $PROGS; do
		run "$root/usr/bin/$p" --version
		[ "$status" -eq 0 ]
		[[ "$output" == "$p "* ]]
	done
	run "$root/usr/bin/cloudwatchlogsbeat" --help
	[ "$status" -eq 0 ]
}
