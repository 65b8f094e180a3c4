# libFuzzer targets for the parsers of the library and of the programs
# (tests/fuzz/README.md). Included by the Makefile. The library, and the
# files of cmd/ a target links, are compiled again with clang and the
# fuzzer's coverage and the sanitizers, into build/fuzz; the gcc objects
# are never reused. The warnings are the Makefile's, less clang's
# -Wformat-nonliteral on buf_vprintf's va_list, which gcc does not raise.
#
#   make fuzz-bin     builds every target in build/fuzz/bin
#   make fuzz-short   runs each for FUZZ_SHORT_SECONDS (5), as make check
#                     does (there with the seed 1)
#   make fuzz         runs each for FUZZ_SECONDS (600)
#   make fuzz-NAME    runs one (fuzz-timex, fuzz-config, ...) FUZZ_SECONDS
#
# New inputs go to build/fuzz/corpus/NAME, crashes to
# build/fuzz/artifacts/NAME; the seeds in tests/fuzz/corpus are only read.

FUZZ_CC ?= clang
FUZZ_SECONDS ?= 600
FUZZ_SHORT_SECONDS ?= 5
FUZZ_O = build/fuzz
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer
# -iquote lib, as in the Makefile: lib/sched.h is not <sched.h>
FUZZ_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-Wall -Wextra -Wno-unused-parameter -Wformat=2 -Wshadow -Wvla \
	-Werror=implicit-function-declaration -DCWL_VERSION='"$(VERSION)"' \
	-iquote lib -Itests/fuzz $(PKG_CFLAGS) -g -O1 $(FUZZ_SAN) \
	-Wno-format-nonliteral
FUZZ_NAMES = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS = $(FUZZ_NAMES:%=$(FUZZ_O)/bin/fuzz_%)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_O)/%.o)
FUZZ_LIB_A = $(FUZZ_O)/libcwl.a

# Says plainly what is missing, rather than a wall of link errors.
$(FUZZ_O)/toolchain.ok:
	@mkdir -p $(@D)
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "fuzz: error: \
	$(FUZZ_CC) not found: install clang and libclang-rt-14-dev \
	(make deps)" >&2; exit 1; }
	@printf '%s\n' 'int LLVMFuzzerTestOneInput(const char *p, long n)' \
	    '{ return 0; }' >$(@D)/toolchain.c
	@$(FUZZ_CC) -fsanitize=fuzzer,address,undefined -o $(@D)/toolchain \
	    $(@D)/toolchain.c >$(@D)/toolchain.log 2>&1 || { \
	    echo "fuzz: error: $(FUZZ_CC) cannot build a libFuzzer target \
	(the fuzzer runtime is missing: install libclang-rt-14-dev):" >&2; \
	    sed 's/^/  /' $(@D)/toolchain.log >&2; exit 1; }
	@touch $@

$(FUZZ_O)/lib/%.o: lib/%.c $(wildcard lib/*.h) tests/fuzz/fuzz.mk \
    $(FUZZ_O)/toolchain.ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_LIB_A): $(FUZZ_LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIB_OBJ)

# The files of cmd/ that a target links beside the library: the very
# code the program runs, with no main.
FUZZ_CMD_list = cwl-list/describe cwl-list/output
FUZZ_CMD_page = cwl-tail/page cwl-tail/output
FUZZ_CMD_kinesis_record = cwl-kinesis/record
FUZZ_CMD_bulk = cwl-ship/bulk cwl-ship/scan
FUZZ_CMD_lumberjack = cwl-ship/lumberjack
FUZZ_CMD_ship_line = cwl-ship/scan cwl-ship/index

$(FUZZ_O)/cmd/%.o: cmd/%.c $(wildcard lib/*.h cmd/*/*.h) tests/fuzz/fuzz.mk \
    $(FUZZ_O)/toolchain.ok
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icmd/$(*D) -fsanitize=fuzzer-no-link -c \
	    -o $@ $<

$(foreach n,$(FUZZ_NAMES),$(eval $(FUZZ_O)/bin/fuzz_$(n): \
    $(FUZZ_CMD_$(n):%=$(FUZZ_O)/cmd/%.o)))

$(FUZZ_O)/bin/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h \
    tests/fuzz/json_oracle.h $(FUZZ_LIB_A) $(wildcard cmd/*/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Icmd -D_GNU_SOURCE -fsanitize=fuzzer -o $@ \
	    $< $(filter %.o,$^) $(FUZZ_LIB_A) \
	    $(PKG_LIBS) -lm

fuzz-bin: $(FUZZ_BINS)

fuzz-short: fuzz-bin
	FUZZ_BIN=$(FUZZ_O)/bin FUZZ_OUT=$(FUZZ_O) sh tests/fuzz/run \
	    $(FUZZ_SHORT_SECONDS)

fuzz: fuzz-bin
	FUZZ_BIN=$(FUZZ_O)/bin FUZZ_OUT=$(FUZZ_O) sh tests/fuzz/run \
	    $(FUZZ_SECONDS)

$(FUZZ_NAMES:%=fuzz-%): fuzz-%: $(FUZZ_O)/bin/fuzz_%
	FUZZ_BIN=$(FUZZ_O)/bin FUZZ_OUT=$(FUZZ_O) sh tests/fuzz/run \
	    $(FUZZ_SECONDS) $*

.PHONY: fuzz fuzz-bin fuzz-short $(FUZZ_NAMES:%=fuzz-%)
