#!/usr/bin/env bats
# The Debian package (debian/) and the container image (Containerfile).
# setup_file builds the package once, with `dpkg-buildpackage -b -us -uc`
# in a copy of the source tree, and unpacks it (dpkg-deb -x) into a
# scratch root; the tests run the programs from there, look at what the
# package holds and declares, and run lintian on it. No container runtime
# is at hand: the Containerfile is checked as a reviewer would
# (tests/containerfile_check.py), and with hadolint when it is installed
# (Debian does not package it).

load helpers

PROGS="cwl-list cwl-tail cwl-ship cwl-registry"

# makevar NAME: a variable of the Makefile.
makevar() {
	make -s -C "$REPO" --no-print-directory --eval "print-var: ; @echo \$($1)" print-var
}

setup_file() {
	local w=$BATS_FILE_TMPDIR/pkg tool
	mkdir -p "$w/src"
	: >"$w/missing"
	for tool in dpkg-buildpackage dh fakeroot lintian dpkg-deb readelf; do
		command -v "$tool" >/dev/null || echo "$tool" >>"$w/missing"
	done
	[ -s "$w/missing" ] && return 0
	# the tracked files and the new ones, as they are in the work tree
	(cd "$REPO" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) | tar -xf - -C "$w/src"
	(cd "$w/src" && dpkg-buildpackage -b -us -uc) >"$w/build.log" 2>&1
	echo $? >"$w/status"
	mkdir -p "$w/root"
	for deb in "$w"/cloudwatchlogsbeat_*.deb; do
		dpkg-deb -x "$deb" "$w/root"
	done
}

setup() {
	common_setup
	W=$BATS_FILE_TMPDIR/pkg
	ROOT=$W/root
	VERSION=$(makevar VERSION)
	ARCH=$(dpkg --print-architecture)
	DEB=$W/cloudwatchlogsbeat_${VERSION}_$ARCH.deb
}

# needs_build: the tools are there (make deps installs them) and the
# package was built.
needs_build() {
	if [ -s "$W/missing" ]; then
		echo "missing: $(tr '\n' ' ' <"$W/missing")(make deps installs them)"
		return 1
	fi
	[ "$(cat "$W/status")" = 0 ] || { tail -n 40 "$W/build.log"; return 1; }
}

@test "dpkg-buildpackage -b -us -uc builds the package, version and run-time dependencies declared" {
	needs_build
	[ -f "$DEB" ]
	[ "$(dpkg-deb -f "$DEB" Package)" = cloudwatchlogsbeat ]
	[ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ]
	[ "$(dpkg-parsechangelog -l "$REPO/debian/changelog" -S Version)" = "$VERSION" ]
	grep -qx "VERSION=$VERSION" "$REPO/cloudwatchlogsbeat"
	[ "$(dpkg-deb -f "$DEB" Architecture)" = "$ARCH" ]
	depends=$(dpkg-deb -f "$DEB" Depends)
	echo "Depends: $depends"
	# every library the programs load comes from a package it depends on
	for p in $PROGS; do
		for lib in $(readelf -d "$ROOT/usr/bin/$p" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			path=$(ldconfig -p | awk -v l="$lib" '$1 == l { print $NF; exit }')
			[ -n "$path" ] || { echo "$p: $lib not found"; false; }
			pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path")
			pkg=${pkg%%:*}
			[[ ", $depends," == *", $pkg "* || ", $depends," == *", $pkg,"* ]] ||
				{ echo "$p: $lib is in $pkg, which the package does not depend on"; false; }
		done
	done
	# and TLS needs the CA certificates
	[[ "$depends" == *ca-certificates* ]]
}

@test "the package holds the programs, man pages, completions, example config, systemd unit and docs" {
	needs_build
	for p in cloudwatchlogsbeat $PROGS; do
		[ -x "$ROOT/usr/bin/$p" ] || { echo "no usr/bin/$p"; false; }
		[ -f "$ROOT/usr/share/man/man1/$p.1.gz" ] || { echo "no man1/$p.1.gz"; false; }
		zcat "$ROOT/usr/share/man/man1/$p.1.gz" | cmp - "$REPO/man/$p.1"
		cmp "$ROOT/usr/share/bash-completion/completions/$p" "$REPO/completions/$p"
	done
	cmp "$ROOT/usr/share/cloudwatchlogsbeat/cloudwatchlogsbeat.yml" "$REPO/cloudwatchlogsbeat.yml"
	unit=$(find "$ROOT" -name cloudwatchlogsbeat.service)
	[ -n "$unit" ]
	cmp "$unit" "$REPO/deploy/systemd/cloudwatchlogsbeat.service"
	# the unit runs the program where the package puts it
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")
	[ -x "$ROOT$exe" ]
	[ -f "$ROOT/usr/share/doc/cloudwatchlogsbeat/copyright" ]
	[ -f "$ROOT/usr/share/doc/cloudwatchlogsbeat/changelog.gz" ]
	[ -f "$ROOT/usr/share/doc/cloudwatchlogsbeat/metrics.md.gz" ]
	# the maintainer scripts enable the unit (it skips its start until
	# the configuration is written)
	dpkg-deb -e "$DEB" "$BATS_TEST_TMPDIR/control"
	grep -q 'deb-systemd-helper .*enable.*cloudwatchlogsbeat.service' "$BATS_TEST_TMPDIR/control/postinst"
	grep -qx 'ConditionPathExists=/etc/cloudwatchlogsbeat/cloudwatchlogsbeat.yml' "$unit"
	# nothing of the build or the tests
	[ -z "$(find "$ROOT" -name '*.o' -o -name '*.a' -o -name '*.bats' -o -name '*.py')" ]
}

@test "every program runs from the unpacked package: --version and --help" {
	needs_build
	for p in $PROGS; do
		run "$ROOT/usr/bin/$p" --version
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		[[ "$output" == "$p $VERSION ("* ]] || { echo "$output"; false; }
		run "$ROOT/usr/bin/$p" --help
		[ "$status" -eq 0 ] || { echo "$p: $output"; false; }
		[[ "${lines[0]}" == "usage: $p"* ]]
	done
	# the installed wrapper looks for its programs where the package put
	# them (CWL_LIBEXEC); here, CLOUDWATCHLOGSBEAT_BIN points into the root
	grep -qx 'CWL_LIBEXEC=/usr/bin' "$ROOT/usr/bin/cloudwatchlogsbeat"
	export CLOUDWATCHLOGSBEAT_BIN=$ROOT/usr/bin
	run "$ROOT/usr/bin/cloudwatchlogsbeat" --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: cloudwatchlogsbeat"* ]]
	run "$ROOT/usr/bin/cloudwatchlogsbeat" --version
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ "${lines[0]}" = "cloudwatchlogsbeat $VERSION" ]
	for p in $PROGS; do
		grep -q "^$p $VERSION (" <<<"$output" || { echo "$output"; false; }
	done
	# the example configuration passes every unpacked program's check
	export ES_USERNAME=elastic ES_PASSWORD=secret AWS_REGION=eu-west-1
	run "$ROOT/usr/bin/cloudwatchlogsbeat" -c "$ROOT/usr/share/cloudwatchlogsbeat/cloudwatchlogsbeat.yml" test config
	[ "${lines[0]}" = "Config OK: $ROOT/usr/share/cloudwatchlogsbeat/cloudwatchlogsbeat.yml" ] || { echo "$output"; false; }
	# and with no programs where it looks, it says so
	CLOUDWATCHLOGSBEAT_BIN=$BATS_TEST_TMPDIR/nowhere run "$ROOT/usr/bin/cloudwatchlogsbeat" test config
	[ "$status" -eq 2 ]
	[ "$output" = "cloudwatchlogsbeat: error: $BATS_TEST_TMPDIR/nowhere/cwl-list: not found (build with make, or install)" ]
}

@test "lintian finds no error in the package" {
	needs_build
	run lintian --tag-display-limit 0 "$W/cloudwatchlogsbeat_${VERSION}_$ARCH.changes"
	echo "$output"
	# lintian's exit status is 2 when it cannot run at all
	[ "$status" -ne 2 ]
	[ -z "$(grep -E '^E: ' <<<"$output")" ]
}

# containerfile_check FILE: tests/containerfile_check.py with what the
# Containerfile must agree with: this machine's Debian release (the
# package's), the Makefile's build packages, the package's run-time
# dependencies (libc6 is in the base image), the manifest's user and a
# `make install` tree.
containerfile_check() {
	local tree=$BATS_TEST_TMPDIR/tree user run_debs
	if [ ! -d "$tree" ]; then
		make -s -C "$REPO" install DESTDIR="$tree" PREFIX=/usr >"$BATS_TEST_TMPDIR/install.log" 2>&1 ||
			{ cat "$BATS_TEST_TMPDIR/install.log"; return 1; }
	fi
	user=$(sed -n 's/^ *runAsUser: *\([0-9]*\)$/\1/p' "$REPO/deploy/kubernetes/cloudwatchlogsbeat.yaml")
	run_debs=$(dpkg-deb -f "$DEB" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -vx libc6 | tr '\n' ' ')
	"$PY" "$REPO/tests/containerfile_check.py" "$1" --release "$(cut -d. -f1 /etc/debian_version)" \
		--build-debs "$(makevar DEBS)" --run-debs "$run_debs" --user "$user" --install-tree "$tree"
}

@test "the Containerfile: Debian slim pinned, multi-stage with make, non-root, the package's libraries, what make install makes" {
	needs_build
	run containerfile_check "$REPO/Containerfile"
	[ "$status" -eq 0 ] || { echo "$output"; false; }
	[ -z "$output" ]
	if command -v hadolint >/dev/null; then
		run hadolint --failure-threshold error "$REPO/Containerfile"
		[ "$status" -eq 0 ] || { echo "$output"; false; }
	fi
	# the build context leaves out the host's binaries
	grep -qx bin "$REPO/.dockerignore"
	grep -qx build "$REPO/.dockerignore"
}

@test "the Containerfile checks see what a reviewer would refuse" {
	needs_build
	cf=$REPO/Containerfile
	# want PATTERN SED-SCRIPT: the check of the edited Containerfile fails, saying PATTERN
	want() {
		sed "$2" "$cf" >bad
		! cmp -s bad "$cf" || { echo "the edit $2 changed nothing"; return 1; }
		run containerfile_check bad
		[ "$status" -eq 1 ] || { echo "$2: status $status: $output"; return 1; }
		grep -qE "$1" <<<"$output" || { echo "$2: $output"; return 1; }
	}
	want 'not a pinned Debian slim' 's/^FROM debian:12\.[0-9]*-slim AS build/FROM debian:latest AS build/'
	want 'not a pinned Debian slim' '0,/^FROM debian:[0-9.]*-slim$/s//FROM debian:bookworm/'
	want 'where the package is built on Debian' 's/debian:12\.\([0-9]*\)-slim/debian:11.\1-slim/g'
	want 'not on the same image' '0,/^FROM debian:\([0-9]*\)\.[0-9]*-slim$/s//FROM debian:\1.1-slim/'
	want 'runs as root: no USER' '/^USER /d'
	want 'USER 0:0: root' 's/^USER .*/USER 0:0/'
	want 'not numeric' 's/^USER .*/USER nobody/'
	want 'ADD .*fetches a URL' 's|^COPY . .$|ADD https://example.org/src.tar.gz /src/|'
	want 'without --no-install-recommends' 's/ --no-install-recommends//'
	want 'apt lists are left' 's|rm -rf /var/lib/apt/lists/\*|true|'
	want 'the build stage installs' 's/ libyaml-dev / /'
	want 'the final stage installs' 's/ libyaml-0-2 / /'
	want 'make install PREFIX=/usr DESTDIR=/out' 's|make install PREFIX=/usr DESTDIR=/out|make install DESTDIR=/out|'
	want 'make install does not make it' 's|/out/usr/bin/ |/out/usr/sbin/ |'
	want 'no such program' 's|\["/usr/bin/cloudwatchlogsbeat"\]|["/usr/bin/cwlbeat"]|'
	want 'not the exec' 's|^ENTRYPOINT .*|ENTRYPOINT /usr/bin/cloudwatchlogsbeat|'
	want 'no name' 's/ AS build$//'
}

@test "the image the manifest runs is the one the Containerfile and README build" {
	image=$(sed -n 's/^ *image: *//p' "$REPO/deploy/kubernetes/cloudwatchlogsbeat.yaml")
	[ "$image" = "cloudwatchlogsbeat:$VERSION" ]
	grep -qF "build -t $image -f Containerfile ." "$REPO/README.md"
	grep -qF "build -t $image -f Containerfile ." "$REPO/Containerfile"
}
