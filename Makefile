# minipoll: the eventpoll core as a loadable module, with its library,
# LD_PRELOAD shim, tests and tools. `make help` lists the targets.
#
# Everything built goes under build/. The module is only ever loaded inside
# a QEMU guest (scripts/vm-run), never into this machine's kernel.

KVER ?= $(notdir $(firstword $(wildcard /lib/modules/6.1.*-amd64)))
KDIR ?= /lib/modules/$(KVER)/build

TOP := $(CURDIR)
BUILD := $(TOP)/build
SRC := $(BUILD)/src/linux-source-6.1
KSFT_DIR := $(SRC)/tools/testing/selftests
VMRUN := $(TOP)/scripts/vm-run
VMRUN_FLAGS ?=

all: module user tests

help:
	@echo 'make            build the module, library, shim, tools and tests'
	@echo 'make demo       boot the guest and show minipoll at work'
	@echo 'make check      run the test suite in the guest (ends "N passed, N failed")'
	@echo 'make check-debug  the suite on a KASAN/lockdep/kmemleak kernel (built once)'
	@echo 'make lint       checkpatch --strict and sparse on kmod/, -Werror on user code'
	@echo 'make deps       install missing Debian packages'
	@echo 'make clean      remove build/'
	@echo 'KVER=, KDIR=    build against another kernel (see README)'

deps:
	@$(TOP)/scripts/deps

# The parts of Debian's linux-source-6.1 the build uses: the kselftest
# harness and lib.mk, checkpatch, and fs/eventpoll.c for reference.
$(SRC)/.extracted:
	@$(TOP)/scripts/deps
	@mkdir -p $(BUILD)/src
	tar -C $(BUILD)/src -xf /usr/src/linux-source-6.1.tar.xz \
		linux-source-6.1/tools linux-source-6.1/scripts \
		linux-source-6.1/fs/eventpoll.c
	@touch $@

source: $(SRC)/.extracted

module:
	$(MAKE) -C kmod KVER=$(KVER) KDIR=$(KDIR) BUILD_DIR=$(BUILD)/kmod modules
	@cp $(BUILD)/kmod/minipoll.ko $(BUILD)/minipoll.ko

user:
	$(MAKE) -C user BUILD=$(BUILD)

tests: user source
	$(MAKE) -C tests OUTPUT=$(BUILD)/bin/tests KSFT_DIR=$(KSFT_DIR) MP_BUILD=$(BUILD)

demo: deps all
	$(VMRUN) $(VMRUN_FLAGS) -- $(BUILD)/bin/minipoll-demo

check: deps all
	@$(TOP)/scripts/check

check-debug: deps all
	@$(TOP)/scripts/check --debug

lint: source
	@$(TOP)/scripts/lint

clean:
	rm -rf $(BUILD)

.PHONY: all help deps source module user tests demo check check-debug lint clean
