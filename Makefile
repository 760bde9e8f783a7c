# vmsim build. `make` builds bin/vmsim; `make test` runs the Check suites;
# `make bench` runs the hold benchmark against the C++ reference; `make asan`
# builds and tests under AddressSanitizer + UndefinedBehaviorSanitizer.
# Every directory's *.c is picked up, so adding a module touches no rule here.
# `make MPI=1` builds an MPI-enabled vmsim (sweeps over mpirun ranks,
# docs/scaling-out.md) with mpicc into build-mpi/ and build-mpi/bin/.

PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKGS      = gsl jansson
OPT      ?= -O2
WERROR   ?= -Werror
CFLAGS   ?= $(OPT) -g
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-format-truncation $(WERROR) -I. \
            -DVMSIM_VERSION='"$(VERSION)"'
# No install path is compiled in: vmsim finds its data relative to its own
# executable ($ORIGIN/../share/vmsim installed, $ORIGIN/../scenarios in a
# checkout; config/datadir.h), so PREFIX and DESTDIR matter only to install.
DATADIR   = $(PREFIX)/share/vmsim
VERSION   = 0.1.0
ifeq ($(MPI),1)
MPICC    ?= mpicc
CC        = $(MPICC)
override CFLAGS += -DVMSIM_MPI
BUILD    ?= build-mpi
BIN      ?= build-mpi/bin
endif
BUILD    ?= build
BIN      ?= bin

# The targets a new user starts with set the machine up first: .ci/deps.sh
# installs the missing Debian packages (through sudo when not root) and says
# which. It runs while make reads this file, before pkg-config is asked for
# the flags below, so `make demo` and `make test` work from zero in one go.
SETUP_GOALS = demo demo-quick test check asan valgrind bench
ifneq ($(filter $(SETUP_GOALS),$(MAKECMDGOALS)),)
ifneq ($(shell sh .ci/deps.sh >&2 && echo ok),ok)
$(error vmsim: could not install the packages the build needs (see the messages above))
endif
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
LDLIBS   += $(PKG_LIBS) -lm

LIB_SRC  := $(wildcard sim/*.c config/*.c models/*.c models/*/*.c measure/*.c experiment/*.c analysis/*.c output/*.c cli/cmd_*.c cli/progress.c cli/args.c cli/help.c)
ifneq ($(MPI),1)
LIB_SRC  := $(filter-out experiment/sweep_mpi.c,$(LIB_SRC))
endif
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
MAIN_OBJ := $(BUILD)/cli/main.o
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPS     := $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d) $(TEST_SRC:tests/%.c=$(BUILD)/tests/%.d)

.PHONY: xval xval-fig1 xval-l6 xval-switch all test check bench bench-growth asan install uninstall clean deps demo demo-quick check-deps valgrind fmt man completion docs-img docs-tables trace-cost

all: check-deps $(BIN)/vmsim

check-deps:
	@command -v pkg-config >/dev/null && pkg-config --exists $(PKGS) || { echo "vmsim: missing libraries (gsl, jansson). Run 'make deps' (Debian: apt-get install libgsl-dev libjansson-dev check pkg-config), or 'make test' / 'make demo', which install them" >&2; exit 2; }

# Installs the Debian packages the build, the tests and the plots need (root or sudo).
deps:
	@sh .ci/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libvmsim.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/vmsim: $(MAIN_OBJ) $(BUILD)/libvmsim.a
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Test hooks (docs/robustness.md): the library sources holding code under
# VMSIM_TEST_HOOKS (fault injection) are compiled a second time with
# -DVMSIM_TEST_HOOKS into libvmsim-test.a, which only the tests link, and a
# vmsim built from it ($(BUILD)/tests/vmsim-hooks) serves the tests that
# inject faults. bin/vmsim never contains a hook.
HOOK_SRC := $(shell grep -l VMSIM_TEST_HOOKS $(LIB_SRC) 2>/dev/null)
HOOK_OBJ := $(HOOK_SRC:%.c=$(BUILD)/hooks/%.o)
TLIB_OBJ := $(filter-out $(HOOK_SRC:%.c=$(BUILD)/%.o),$(LIB_OBJ)) $(HOOK_OBJ)
HOOK_BIN := $(BUILD)/tests/vmsim-hooks
DEPS     += $(HOOK_OBJ:.o=.d) $(BUILD)/tests/harness.d

$(BUILD)/hooks/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DVMSIM_TEST_HOOKS $(PKG_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libvmsim-test.a: $(TLIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(HOOK_BIN): $(MAIN_OBJ) $(BUILD)/libvmsim-test.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/harness.o: tests/harness.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(BUILD)/tests/harness.o $(BUILD)/libvmsim-test.a tests/check_main.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/tests/harness.o $(BUILD)/libvmsim-test.a $(CHECK_LIBS) $(LDLIBS)

# Every suite runs even when one fails; the target fails if any did.
# `make check` is the GNU name of the same target.
check: test
test: all $(TEST_BIN) $(HOOK_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  VMSIM=$(CURDIR)/$(BIN)/vmsim VMSIM_HOOKS=$(CURDIR)/$(HOOK_BIN) VMSIM_SRC=$(CURDIR) $$t || fail=1; done; \
	  VMSIM=$(CURDIR)/$(BIN)/vmsim sh tests/cli_tests.sh || fail=1; \
	  if command -v python3 >/dev/null && command -v gnuplot >/dev/null; then \
	    VMSIM=$(CURDIR)/$(BIN)/vmsim python3 tests/doc_plots.py || fail=1; \
	  else echo "skip tests/doc_plots.py (needs python3 and gnuplot)"; fi; \
	  if command -v python3 >/dev/null; then VMSIM_SRC=$(CURDIR) python3 tests/doc_tools.py || fail=1; \
	  else echo "skip tests/doc_tools.py (needs python3)"; fi; \
	  VMSIM=$(CURDIR)/$(BIN)/vmsim MAKE="$(MAKE)" sh tests/install_test.sh || fail=1; \
	  if [ $$fail = 0 ]; then echo "ALL TESTS PASSED"; else echo "SOME TESTS FAILED"; exit 1; fi

asan:
	$(MAKE) BUILD=build-asan BIN=build-asan/bin \
	  OPT="-O1 -DVMSIM_CHECKS -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  LDFLAGS="-fsanitize=address,undefined" test

valgrind: all
	sh tests/valgrind.sh $(BIN)/vmsim

bench: all
	@sh bench/hold.sh $(BIN)/vmsim

# How wall time and memory grow with VMs, vCPUs and simulated time (docs/performance.md).
bench-growth: all
	@sh bench/growth.sh $(BIN)/vmsim

# What tracing costs with a small window, in instructions (bench/trace_cost.sh).
trace-cost: all
	@sh bench/trace_cost.sh $(BIN)/vmsim

# The main job: the paper's figure (docs/results.md). Resumes a killed run.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
demo: all
	$(BIN)/vmsim sweep scenarios/paper/fig1.json -o out/fig1 -j $(JOBS) --resume
	$(BIN)/vmsim plot out/fig1 --x cores --y throughput_per_vm_mean --curve kernel --panel vms -o out/fig1/fig1
	@echo "figure: out/fig1/fig1.png (and .svg); tables: out/fig1/results.csv, out/fig1/summary.csv"

# One seed of the same figure, about a third of the time.
demo-quick: all
	$(BIN)/vmsim sweep scenarios/paper/fig1.json -o out/fig1-quick -j $(JOBS) --resume --set 'sweep.seeds=[1]'
	$(BIN)/vmsim plot out/fig1-quick --x cores --y throughput_per_vm_mean --curve kernel --panel vms -o out/fig1-quick/fig1
	@echo "figure: out/fig1-quick/fig1.png"

# Every picture in docs/img, from the commands the documents show. fig1 is
# drawn from the table kept in docs/data (the sweep takes hours); the what-if
# sweeps and the LKML validation run here (minutes each on two cores; a
# killed run resumes). The scripts and data stay in $(DOCS_OUT), only the
# pictures are copied to docs/img.
DOCS_OUT ?= out/docs-img
WHATIF    = cosched ple credit pinning two-socket oticket
docs-img: all
	@mkdir -p $(DOCS_OUT)
	$(BIN)/vmsim plot docs/data/fig1-summary.csv --workload gmake --x cores --curve kernel --panel vms -o $(DOCS_OUT)/fig1
	cp $(DOCS_OUT)/fig1.png $(DOCS_OUT)/fig1.svg docs/img/
	for t in lhp-ticket lwp-ticket; do \
	  $(BIN)/vmsim run scenarios/teaching/$$t.json --trace $(DOCS_OUT)/$$t.json -o /dev/null -q && \
	  $(BIN)/vmsim timeline $(DOCS_OUT)/$$t.json -o $(DOCS_OUT)/$$t.png && cp $(DOCS_OUT)/$$t.png docs/img/ || exit 1; done
	$(BIN)/vmsim run scenarios/paper/fig1.json --set host.cores=60 --set vms.count=2 \
	  --series $(DOCS_OUT)/fig1-2vm-60.csv --interval 10ms -q -o /dev/null
	$(BIN)/vmsim plot --series $(DOCS_OUT)/fig1-2vm-60.csv -o $(DOCS_OUT)/fig1-2vm-60-series
	cp $(DOCS_OUT)/fig1-2vm-60-series.png docs/img/
	for w in $(WHATIF); do \
	  $(BIN)/vmsim sweep scenarios/whatif/$$w.json -o $(DOCS_OUT)/whatif-$$w -j $(JOBS) --resume -q || exit 1; done
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-cosched --x cores --curve scheduler --panel vms -o $(DOCS_OUT)/whatif-cosched
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-ple --x cores --curve ple --panel vms -o $(DOCS_OUT)/whatif-ple
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-credit --x cores --curve scheduler --panel vms -o $(DOCS_OUT)/whatif-credit
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-pinning --x cores --curve scheduler --panel vms --where lock=pv-ticket -o $(DOCS_OUT)/whatif-pinning-pvticket
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-pinning --x cores --curve scheduler --panel vms --where lock=pvqspinlock -o $(DOCS_OUT)/whatif-pinning-pvqspinlock
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-two-socket --x cores --curve kernel --panel vms -o $(DOCS_OUT)/whatif-two-socket
	$(BIN)/vmsim plot $(DOCS_OUT)/whatif-oticket --x window --curve kick_ahead --panel setup -o $(DOCS_OUT)/whatif-oticket
	for f in cosched ple credit pinning-pvticket pinning-pvqspinlock two-socket oticket; do \
	  cp $(DOCS_OUT)/whatif-$$f.png $(DOCS_OUT)/whatif-$$f.svg docs/img/ || exit 1; done
	$(BIN)/vmsim validate scenarios/paper/lkml-2015.json --measured scenarios/paper/lkml-2015-measured.csv \
	  --normalize first -o $(DOCS_OUT)/validation-lkml -j $(JOBS) -q
	cp $(DOCS_OUT)/validation-lkml/overlay.png docs/img/validation-lkml-2015.png
	@echo "docs-img: every picture in docs/img regenerated (scripts and data in $(DOCS_OUT))"

# The fig1 tables and finding ratios of docs/results.md, from the summary the
# figure is drawn from (docs/tools/fig1_tables.py fills the marked block).
docs-tables:
	python3 docs/tools/fig1_tables.py docs/data/fig1-summary.csv docs/results.md

# Cross-validation across datasets (docs/validation.md, "Cross-validation
# across datasets"): the same three costs fitted jointly on every dataset but
# one and the one left out predicted, for each; the table goes to
# docs/data/xval.txt and between the xval markers of docs/validation.md,
# calibration.json to docs/data/xval.json. The ebizzy dataset (L2/L5) joins
# as soon as its scenario and measured CSV exist. About 20 minutes on 2 cores
# (4 datasets, 5 fits of 30 evaluations).
XVAL_OUT     ?= out/xval
XVAL_ITER    ?= 30
XVAL_SEEDS   ?= 2
XVAL_VMSIM   ?= $(BIN)/vmsim
EBIZZY_SCENARIO ?= scenarios/paper/ebizzy-2019.json
EBIZZY_MEASURED ?= scenarios/paper/ebizzy-2019-measured.csv
EBIZZY_NORM  ?= first
XVAL_DATASETS = --dataset L1=scenarios/paper/lkml-2015.json:scenarios/paper/lkml-2015-measured.csv::first \
  --dataset L1u=scenarios/paper/lkml-2015-unfair.json:scenarios/paper/lkml-2015-unfair-measured.csv::first \
  --dataset dev-2cpu=scenarios/real/dev-2cpu/model.json:scenarios/real/dev-2cpu/measured.csv::none \
  $(if $(and $(wildcard $(EBIZZY_SCENARIO)),$(wildcard $(EBIZZY_MEASURED))),--dataset L2L5=$(EBIZZY_SCENARIO):$(EBIZZY_MEASURED)::$(EBIZZY_NORM))
XVAL_PARAMS = --param host.costs.wake_ns:1000:200000:log:10000 \
  --param hypervisor.background_burst_ns:10000:1000000:log:100000 \
  --param host.costs.coherence_ns:0:120:30
# $(call XVAL_FILL,NAME): docs/data/NAME.txt, fenced, between the NAME markers
# of docs/validation.md (docs/tools/xval_fig1.py's fill_block, written atomically).
XVAL_FILL = python3 -c 'import sys; sys.path.insert(0, "docs/tools"); import xval_fig1; \
  xval_fig1.fill_block("docs/validation.md", "<!-- $(1):begin -->", "<!-- $(1):end -->", \
  "```\n" + open("docs/data/$(1).txt").read() + "```\n")'
xval: all
	@mkdir -p $(XVAL_OUT) docs/data
	$(XVAL_VMSIM) calibrate $(XVAL_DATASETS) $(XVAL_PARAMS) --cv-datasets --max-iter $(XVAL_ITER) \
	  --seeds $(XVAL_SEEDS) -j $(JOBS) -o $(XVAL_OUT) > $(XVAL_OUT)/xval.txt
	cp $(XVAL_OUT)/xval.txt docs/data/xval.txt
	cp $(XVAL_OUT)/calibration.json docs/data/xval.json
	$(call XVAL_FILL,xval)
	@echo "xval: docs/data/xval.txt, docs/data/xval.json and the table in docs/validation.md"

# An experiment, not the adopted model (docs/validation.md, "A costlier vCPU
# switch"): the same cross-validation with a fourth cost, the host's switch
# between vCPU threads (host.costs.ctx_switch_ns, 2 us [est] in the presets),
# and the dbench rows (L6) as a fifth dataset. The table goes to
# docs/data/xval-switch.txt and between the xval-switch markers of
# docs/validation.md, calibration.json to docs/data/xval-switch.json. About
# 40 minutes on 2 cores.
XVAL_SWITCH_OUT ?= out/xval-ctx
xval-switch: all
	@mkdir -p $(XVAL_SWITCH_OUT) docs/data
	$(XVAL_VMSIM) calibrate $(XVAL_DATASETS) \
	  --dataset L6=scenarios/paper/dbench-2013.json:scenarios/paper/dbench-2013-measured.csv::first \
	  $(XVAL_PARAMS) --param host.costs.ctx_switch_ns:500:20000:log:2000 --cv-datasets \
	  --max-iter $(XVAL_ITER) --seeds $(XVAL_SEEDS) -j $(JOBS) -o $(XVAL_SWITCH_OUT) > $(XVAL_SWITCH_OUT)/xval.txt
	cp $(XVAL_SWITCH_OUT)/xval.txt docs/data/xval-switch.txt
	cp $(XVAL_SWITCH_OUT)/calibration.json docs/data/xval-switch.json
	$(call XVAL_FILL,xval-switch)

# The study's findings as the held-out dataset of every fold: the fig1 sweep
# at each fold's fitted vector of docs/data/xval.json (and at the fit on all),
# judged by the tests of docs/results.md; the table goes to
# docs/data/xval-fig1.txt and between the xval-fig1 markers of
# docs/validation.md. About 5 minutes a vector on 2 cores (5 vectors);
# sweeps resume.
xval-fig1: all
	python3 docs/tools/xval_fig1.py --vmsim $(BIN)/vmsim --jobs $(JOBS) --out out/xval-fig1 --doc docs/validation.md

# The dbench rows (L6) as a second dataset held out of every fold: vmsim
# validate at each fold's fitted vector of docs/data/xval.json (and at the fit
# on all, and the scenario as it stands); the table goes to
# docs/data/xval-L6.txt and between the xval-L6 markers of docs/validation.md.
# About 45 s on 2 cores.
xval-l6: all
	python3 docs/tools/xval_heldout.py --name L6 --scenario scenarios/paper/dbench-2013.json \
	  --measured scenarios/paper/dbench-2013-measured.csv --vmsim $(BIN)/vmsim --jobs $(JOBS) \
	  --out out/xval-L6 --text docs/data/xval-L6.txt --doc docs/validation.md

# GNU conventions: PREFIX (and DESTDIR for staging) are read here, at install
# time; the binary finds $(PREFIX)/share/vmsim relative to itself, so one
# build installs anywhere. The data tree is the scenarios/ folder.
BINDIR  = $(PREFIX)/bin
MANDIR  = $(PREFIX)/share/man/man1
DOCDIR  = $(PREFIX)/share/doc/vmsim
COMPDIR = $(PREFIX)/share/bash-completion/completions

# The man page and the bash completion are generated by vmsim itself from
# the commands' --help texts and option tables (cli/help.c), so they never
# drift from the program and need no tool beyond the build.
$(BUILD)/vmsim.1: $(BIN)/vmsim
	@mkdir -p $(dir $@)
	$(BIN)/vmsim help --man > $@.tmp && mv $@.tmp $@
$(BUILD)/vmsim.bash: $(BIN)/vmsim
	@mkdir -p $(dir $@)
	$(BIN)/vmsim help --bash-completion > $@.tmp && mv $@.tmp $@
man: $(BUILD)/vmsim.1
completion: $(BUILD)/vmsim.bash

install: all $(BUILD)/vmsim.1 $(BUILD)/vmsim.bash
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(COMPDIR) \
	  $(DESTDIR)$(DOCDIR)
	install -m 755 $(BIN)/vmsim $(DESTDIR)$(BINDIR)/vmsim
	cd scenarios && find . -type d -exec install -d '$(DESTDIR)$(DATADIR)/{}' \; \
	  && find . -type f -exec install -m 644 '{}' '$(DESTDIR)$(DATADIR)/{}' \;
	install -m 644 $(BUILD)/vmsim.1 $(DESTDIR)$(MANDIR)/vmsim.1
	install -m 644 $(BUILD)/vmsim.bash $(DESTDIR)$(COMPDIR)/vmsim
	install -m 644 README.md $(DESTDIR)$(DOCDIR)/README.md
	cd docs && find . -type d -exec install -d '$(DESTDIR)$(DOCDIR)/docs/{}' \; \
	  && find . -type f -exec install -m 644 '{}' '$(DESTDIR)$(DOCDIR)/docs/{}' \;

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vmsim $(DESTDIR)$(MANDIR)/vmsim.1 $(DESTDIR)$(COMPDIR)/vmsim
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

fmt:
	clang-format -i $(wildcard sim/*.[ch] config/*.[ch] measure/*.[ch] models/*.[ch] models/*/*.[ch] analysis/*.[ch] cli/*.[ch] tests/*.[ch])

clean:
	rm -rf build build-asan build-mpi bin

# Fuzzing (docs/robustness.md): builds the libFuzzer harnesses tests/fuzz/fuzz_*.c
# with clang against the sources (not the gcc-built library) and runs each for
# FUZZ_SECONDS, seeded from scenarios/ and tests/bad-inputs/. Not run by CI;
# needs clang and libFuzzer (Debian: clang libclang-rt-14-dev).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build/fuzz
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -Wall -Wextra $(WERROR) -I. \
                -fsanitize=address,undefined -fno-sanitize-recover=undefined $(PKG_CFLAGS) \
                -DVMSIM_VERSION='"$(VERSION)"' -DVMSIM_DATADIR='"$(PREFIX)/share/vmsim"'
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_BUILD)/%.o,$(filter-out cli/%,$(LIB_SRC)))
FUZZ_BIN     := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))
.PHONY: fuzz fuzz-build
.SECONDARY: $(FUZZ_OBJ)

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

-include $(FUZZ_OBJ:.o=.d)

-include $(DEPS)
