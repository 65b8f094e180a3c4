#!/usr/bin/env bats
# The fuzzing driver: tests/fuzz/run (how it runs a target, counts and
# reports) and the toolchain check of tests/fuzz/fuzz.mk. The targets
# themselves are run by `make fuzz-short`; here stand-ins play them, so
# that every way a run can end is seen.

load helpers

RUN="$REPO/tests/fuzz/run"

setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	mkdir -p bin
	export FUZZ_BIN="$BATS_TEST_TMPDIR/bin" FUZZ_OUT="$BATS_TEST_TMPDIR/out"
}

# fake NAME BODY: a stand-in target bin/fuzz_NAME running BODY (sh),
# which records its arguments in NAME.args.
fake() {
	printf '#!/bin/sh\necho "$@" >"%s/%s.args"\n%s\n' "$BATS_TEST_TMPDIR" \
	    "$1" "$2" >"bin/fuzz_$1"
	chmod +x "bin/fuzz_$1"
}

@test "fuzz run: SECONDS that is not a number is a usage error" {
	run sh "$RUN" 5s
	[ "$status" -eq 2 ]
	[ "$output" = "fuzz: error: SECONDS: not a number: '5s'" ]
}

@test "fuzz run: SECONDS comes from FUZZ_SECONDS when not given" {
	FUZZ_SECONDS=often run sh "$RUN"
	[ "$status" -eq 2 ]
	[ "$output" = "fuzz: error: SECONDS: not a number: 'often'" ]
	fake timex 'echo "stat::number_of_executed_units: 1"'
	FUZZ_SECONDS=7 run sh "$RUN" "" timex
	[ "$status" -eq 0 ]
	[[ "$(cat timex.args)" == "-max_total_time=7 "* ]]
}

@test "fuzz run: SECONDS of 0 is a usage error" {
	run sh "$RUN" 0 timex
	[ "$status" -eq 2 ]
	[ "$output" = "fuzz: error: SECONDS must be at least 1" ]
}

@test "fuzz run: a target that is not built fails and is counted" {
	run sh "$RUN" 1 timex
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "fuzz_timex: FAILED: $FUZZ_BIN/fuzz_timex is not built (make fuzz-bin)" ]
	[ "${lines[1]}" = "fuzz: 0 passed, 1 failed" ]
}

@test "fuzz run: a clean run reports its executions, on a copy of the seeds" {
	fake timex 'echo "stat::number_of_executed_units: 4242"; exit 0'
	seeds=$(ls "$REPO/tests/fuzz/corpus/timex" | wc -l)
	run sh "$RUN" 3 timex
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "fuzz_timex: ok: 4242 executions in 3s, corpus "* ]]
	[ "${lines[1]}" = "fuzz: 1 passed, 0 failed" ]
	# the options, the dictionary, and the build's corpus, not the repository's
	args=$(cat timex.args)
	[[ "$args" == *"-max_total_time=3 -max_len=64 -timeout=5 -rss_limit_mb=2048"* ]]
	[[ "$args" == *"-dict=tests/fuzz/timex.dict"* ]]
	[[ "$args" == *"-artifact_prefix=$FUZZ_OUT/artifacts/timex/ $FUZZ_OUT/corpus/timex" ]]
	[ "$(ls "$FUZZ_OUT/corpus/timex" | wc -l)" -eq "$seeds" ]
	[ "$(ls "$REPO/tests/fuzz/corpus/timex" | wc -l)" -eq "$seeds" ]
}

@test "fuzz run: a crash fails with the error, the input and the stack" {
	fake jsonx 'echo "INFO: Seed: 1"
echo "==77==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1"
echo "    #0 0x55 in jsonx_str /src/lib/jsonx.c:60:5"
echo "    #1 0x56 in LLVMFuzzerTestOneInput /src/tests/fuzz/fuzz_jsonx.c:70:2"
echo "    #2 0x57 in fuzzer::Fuzzer::ExecuteCallback(unsigned char const*, unsigned long)"
echo "artifact_prefix='"'"'out/'"'"'; Test unit written to out/crash-0a1b"
echo "stat::number_of_executed_units: 17"
exit 1'
	run sh "$RUN" 1 jsonx
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "fuzz_jsonx: FAILED (exit 1) after 17 executions: ==77==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x1" ]
	[ "${lines[1]}" = "  input: out/crash-0a1b" ]
	[ "${lines[2]}" = "      #0 0x55 in jsonx_str /src/lib/jsonx.c:60:5" ]
	[ "${lines[3]}" = "      #1 0x56 in LLVMFuzzerTestOneInput /src/tests/fuzz/fuzz_jsonx.c:70:2" ]
	[ "${lines[4]}" = "  log: $FUZZ_OUT/logs/jsonx.log" ]
	[ "${lines[5]}" = "fuzz: 0 passed, 1 failed" ]
}

@test "fuzz run: a broken check and a timeout fail; the others still run" {
	fake cursor 'echo "fuzz: tests/fuzz/fuzz_cursor.c:9: assertion failed: x: y" >&2; exit 77'
	fake redact 'echo "ALARM: working on the last Unit for 6 seconds"; exit 70'
	fake timex 'echo "stat::number_of_executed_units: 5"'
	run sh "$RUN" 1 cursor redact timex
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "fuzz_cursor: FAILED (exit 77) after ? executions: fuzz: tests/fuzz/fuzz_cursor.c:9: assertion failed: x: y" ]
	[ "${lines[2]}" = "fuzz_redact: FAILED (exit 70) after ? executions: ALARM: working on the last Unit for 6 seconds" ]
	[[ "${lines[4]}" == "fuzz_timex: ok: 5 executions in 1s, corpus "* ]]
	[ "${lines[5]}" = "fuzz: 1 passed, 2 failed" ]
}

@test "fuzz run: a run that exits 0 without its statistics fails" {
	fake timex 'exit 0'
	run sh "$RUN" 1 timex
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "fuzz_timex: FAILED (exit 0) after ? executions: see $FUZZ_OUT/logs/timex.log" ]
	[ "${lines[2]}" = "fuzz: 0 passed, 1 failed" ]
}

@test "fuzz build: no clang says what to install" {
	run make -s -C "$REPO" fuzz-bin FUZZ_CC=/nonexistent/clang \
	    FUZZ_O="$BATS_TEST_TMPDIR/fz"
	[ "$status" -ne 0 ]
	[[ "$output" == *"fuzz: error: /nonexistent/clang not found: install clang and libclang-rt-14-dev (make deps)"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/fz/toolchain.ok" ]
}

@test "fuzz build: a compiler without the fuzzer runtime says what to install" {
	printf '#!/bin/sh\necho "clang: error: unsupported option -fsanitize=fuzzer" >&2\nexit 1\n' >cc
	chmod +x cc
	run make -s -C "$REPO" fuzz-bin FUZZ_CC="$BATS_TEST_TMPDIR/cc" \
	    FUZZ_O="$BATS_TEST_TMPDIR/fz"
	[ "$status" -ne 0 ]
	[[ "$output" == *"fuzz: error: $BATS_TEST_TMPDIR/cc cannot build a libFuzzer target (the fuzzer runtime is missing: install libclang-rt-14-dev):"* ]]
	[[ "$output" == *"  clang: error: unsupported option -fsanitize=fuzzer"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/fz/toolchain.ok" ]
}
