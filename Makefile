# scar — build, test, benchmark, demo.
#
#   make            build build/scar and build/libscar.a
#   make test       build and run the whole test suite (closing line: N passed, N failed, N skipped)
#   make test-asan  the suite under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
#   make test-valgrind  the suite under valgrind's memcheck (build-valgrind/, no AVX-512)
#   make bench      engine benchmark: one training step in C against the same step in PyTorch
#   make demo       the main job on the embedded synthetic data (scar demo: baseline vs SCAR)
#   make fuzz       run every libFuzzer target for FUZZ_SECONDS each (clang)
#   V=1             show the full compiler command lines
#
# Every target first makes sure the Debian packages it needs are installed (scripts/deps.sh).

BUILD    ?= build
Q        := $(if $(V),,@)
CC       ?= gcc
ARCH     ?= -march=native
OPT      ?= -O3 $(ARCH)
SAN      ?=
CFLAGS   += $(OPT) $(SAN) -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -fopenmp -Isrc \
            -I/usr/include/x86_64-linux-gnu/openblas-pthread -MMD -MP
LDLIBS   += -lopenblas -lcjson -lutf8proc -lm -fopenmp
LDFLAGS  += $(SAN)

# The library: every layer below the command line. Sub-folders are picked up automatically.
LIB_SRC  := $(sort $(shell find src/core src/data src/model src/train src/eval -name '*.c' 2>/dev/null))
CLI_SRC  := $(sort $(wildcard src/cli/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)

# The core compiled a second time in double precision, only for finite-difference checks.
CORE_SRC := $(sort $(shell find src/core -name '*.c'))
F64_OBJ  := $(CORE_SRC:%.c=$(BUILD)/f64/%.o)

# Tests: tests/<layer>/test_*.c, one cmocka program each; *_f64.c link the double-precision core.
TEST_SRC := $(sort $(shell find tests -name 'test_*.c' 2>/dev/null))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TESTUTIL := $(BUILD)/tests/testutil.o

.PHONY: all deps test test-asan test-valgrind bench demo fuzz fuzz-run clean
all: deps $(BUILD)/scar

deps:
	@scripts/deps.sh build

$(BUILD)/libscar.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo '  AR     $@'
	$(Q)$(AR) rcs $@ $^

$(BUILD)/libscar_core_f64.a: $(F64_OBJ)
	@mkdir -p $(@D)
	@echo '  AR     $@'
	$(Q)$(AR) rcs $@ $^

$(BUILD)/scar: $(CLI_OBJ) $(BUILD)/libscar.a
	@echo '  LD     $@'
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	@echo '  CC     $@'
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/f64/%.o: %.c
	@mkdir -p $(@D)
	@echo '  CC64   $@'
	$(Q)$(CC) $(CFLAGS) -DSCAR_F64 -c -o $@ $<

$(TESTUTIL): tests/testutil.c
	@mkdir -p $(@D)
	@echo '  CC     $@'
	$(Q)$(CC) $(CFLAGS) -Itests -c -o $@ $<

$(BUILD)/tests/%_f64: tests/%_f64.c $(TESTUTIL) $(BUILD)/libscar_core_f64.a
	@mkdir -p $(@D)
	@echo '  TEST64 $@'
	$(Q)$(CC) $(CFLAGS) -DSCAR_F64 -Itests $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(TESTUTIL) $(BUILD)/libscar.a
	@mkdir -p $(@D)
	@echo '  TEST   $@'
	$(Q)$(CC) $(CFLAGS) -Itests $(LDFLAGS) -o $@ $^ -lcmocka $(LDLIBS)

test: deps $(BUILD)/scar $(TEST_BIN)
	@SCAR_BIN=$(BUILD)/scar tests/run.sh $(TEST_BIN)

test-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" test

# valgrind 3.19 cannot execute AVX-512: this build targets x86-64-v3 (AVX2 + FMA).
test-valgrind:
	@$(MAKE) --no-print-directory BUILD=build-valgrind ARCH=-march=x86-64-v3 deps build-valgrind/scar \
	    $(TEST_BIN:$(BUILD)/%=build-valgrind/%)
	@SCAR_BIN=build-valgrind/scar SCAR_TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite --child-silent-after-fork=yes" \
	    tests/run.sh $(TEST_BIN:$(BUILD)/%=build-valgrind/%)

# Fuzzing: every fuzz/fuzz_*.c is a libFuzzer target linked against the library built by clang
# with AddressSanitizer and UndefinedBehaviorSanitizer (objects in build-fuzz/). Each runs for
# FUZZ_SECONDS; new inputs go to build-fuzz/corpus/<target>/, seeds come from fuzz/corpus/<target>/.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_BUILD   := build-fuzz
FUZZ_CFLAGS  := -O1 -g -std=c11 -D_GNU_SOURCE -fopenmp -Isrc -I/usr/include/x86_64-linux-gnu/openblas-pthread \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -MMD -MP
FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN     := $(FUZZ_SRC:fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_OBJ     := $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)

$(FUZZ_BUILD)/src/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libscar.a: $(FUZZ_OBJ)
	$(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(FUZZ_BUILD)/libscar.a
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
	  n=$$(basename $$f); mkdir -p $(FUZZ_BUILD)/corpus/$$n; \
	  seeds=; if [ -d fuzz/corpus/$$n ]; then seeds=fuzz/corpus/$$n; fi; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s (log: $(FUZZ_BUILD)/$$n.log)"; \
	  if ! $$f -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048 -timeout=10 -artifact_prefix=$(FUZZ_BUILD)/$$n- \
	       $(FUZZ_BUILD)/corpus/$$n $$seeds > $(FUZZ_BUILD)/$$n.log 2>&1; then \
	    tail -n 40 $(FUZZ_BUILD)/$$n.log; echo "fuzz: $$n FAILED (reproducer: $(FUZZ_BUILD)/$$n-*)"; exit 1; \
	  fi; \
	  grep -E '^#[0-9]+' $(FUZZ_BUILD)/$$n.log | tail -n 1; \
	done; echo "fuzz: every target ran $(FUZZ_SECONDS) s without a failure"

bench: deps $(BUILD)/scar
	@scripts/deps.sh torch
	$(BUILD)/scar bench engine

demo: deps $(BUILD)/scar
	$(BUILD)/scar demo

clean:
	rm -rf build build-asan build-valgrind build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(F64_OBJ:.o=.d) $(TEST_BIN:=.d) $(FUZZ_OBJ:.o=.d)
