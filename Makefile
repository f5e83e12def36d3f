# minipoll: the eventpoll core as a loadable module, with its library,
# LD_PRELOAD shim, tests and tools. `make help` lists the targets.
#
# Everything built goes under build/. The module is only ever loaded inside
# a QEMU guest (scripts/vm-run), never into this machine's kernel.

# The kernel the module is built for and the guest boots: Debian's 6.1
# unless KVER names another installed Debian release (README, "Another
# kernel"), or a series such as 6.12 for the newest installed release of
# it. (Recursive: on a fresh machine the kernel is there only after deps.)
KVER_DEFAULT = $(notdir $(firstword $(wildcard /lib/modules/6.1.*-amd64)))
ifneq ($(filter command line environment,$(origin KVER)),)
ifneq ($(shell echo '$(KVER)' | grep -Ex '[0-9]+\.[0-9]+'),)
# (deps first: with nothing of the series installed there is nothing to name)
override KVER := $(shell $(CURDIR)/scripts/deps --kver $(KVER) >&2; \
	ls -d /lib/modules/$(KVER).*-amd64 2>/dev/null | sort -V | tail -n1 | xargs -r basename)
$(if $(KVER),,$(error no Debian kernel of that series is installed))
endif
endif
KVER ?= $(KVER_DEFAULT)
KDIR ?= /lib/modules/$(KVER)/build
# The series, 6.1 or 6.12: which linux-source package goes with the kernel.
kver_words = $(subst ., ,$(KVER))
KSERIES = $(word 1,$(kver_words)).$(word 2,$(kver_words))

TOP := $(CURDIR)
# Everything built for the default kernel goes under build/, for another
# kernel under build/KVER/ (the same layout), so that both can be built and
# tested side by side. The extracted sources are shared.
BUILD = $(if $(filter-out $(KVER_DEFAULT),$(KVER)),$(TOP)/build/$(KVER),$(TOP)/build)
SRCDIR := $(TOP)/build/src
# linux-source-6.1 gives the kselftest harness, lib.mk and runner that the
# tests are written against, and checkpatch; whatever the kernel.
SRC := $(SRCDIR)/linux-source-6.1
KSFT_DIR := $(SRC)/tools/testing/selftests
# The kernel's own source: its epoll selftest, fs/eventpoll.c, extract-vmlinux.
KSRC = $(SRCDIR)/linux-source-$(KSERIES)
VMRUN = $(TOP)/scripts/vm-run $(if $(filter-out $(KVER_DEFAULT),$(KVER)),--kver $(KVER))
VMRUN_FLAGS ?=

# The package version, kept in one place (the library, dkms.conf, man pages).
VERSION := $(shell cat $(CURDIR)/VERSION)

# Installation directories (user/Makefile has LIBDIR, INCLUDEDIR, BINDIR;
# command-line values reach it). The module is not part of `install`.
PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
DKMS_SRC ?= /usr/src/minipoll-$(VERSION)
# A relative DESTDIR means relative to here, also for make -C user.
ifneq ($(DESTDIR),)
override DESTDIR := $(abspath $(DESTDIR))
endif

all: module user tests

help:
	@echo 'make            build the module, library, shim, tools and tests'
	@echo 'make demo       boot the guest: the step-by-step tour, then an echo server on'
	@echo '                epoll and on minipoll side by side under mptrace (pictures: build/demo)'
	@echo 'make check      run the test suite in the guest (ends "N passed, N failed")'
	@echo 'make check-debug  the suite on a KASAN/lockdep/kmemleak kernel (built once)'
	@echo 'make fuzz SECONDS=N  differential fuzzing in the guest (default 60 s)'
	@echo 'make pictures   Documentation/pictures/ from minipoll-inspect runs in the guest'
	@echo 'make bench      mpbench in the guest (icount): build/bench/results.json,'
	@echo '                the table, cost.png (BENCH_ARGS="--wall" for wall clock)'
	@echo 'make lint       checkpatch --strict and sparse on kmod/, -Werror on user code'
	@echo 'make deps       install missing Debian packages'
	@echo 'make install    library, headers, libminipoll.pc, tools, man pages'
	@echo '                (PREFIX=/usr/local, DESTDIR, LIBDIR, INCLUDEDIR, BINDIR, MANDIR)'
	@echo 'make modules_install  minipoll.ko to /lib/modules/$$KVER/extra, depmod'
	@echo 'make dkms-install     sources to $(DKMS_SRC), dkms add/build/install'
	@echo 'make install-all      install, modules_install and dkms-install'
	@echo 'make install-check    all of it in the guest, with a program built by pkg-config'
	@echo 'make man-lint   groff -man -ww -z on every man page (part of make lint)'
	@echo 'make clean      remove build/'
	@echo 'KVER=6.12       build, check or demo another Debian kernel, in build/KVER/'
	@echo 'KDIR=           build against a kernel tree (see README)'

# (the kernel's packages only when KVER was asked for: a 6.1 run needs
# nothing of 6.12)
DEPS_KVER = $(if $(filter-out $(KVER_DEFAULT),$(KVER)),--kver $(KVER))
deps:
	@$(TOP)/scripts/deps $(DEPS_KVER)

# The parts of a Debian linux-source-X.Y the build uses: the kselftest
# harness, lib.mk and runner, checkpatch, extract-vmlinux, the epoll
# selftest and fs/eventpoll.c for reference.
$(SRCDIR)/linux-source-%/.extracted:
	@$(TOP)/scripts/deps $(DEPS_KVER)
	@mkdir -p $(SRCDIR)
	tar -C $(SRCDIR) -xf /usr/src/linux-source-$*.tar.xz \
		linux-source-$*/tools linux-source-$*/scripts \
		linux-source-$*/fs/eventpoll.c
	@touch $@

source: $(SRC)/.extracted $(KSRC)/.extracted

module:
	$(MAKE) -C kmod KVER=$(KVER) KDIR=$(KDIR) BUILD_DIR=$(BUILD)/kmod modules
	@cp $(BUILD)/kmod/minipoll.ko $(BUILD)/minipoll.ko

# (source: mptrace takes its vmlinux.h from the guest kernel's image with
# the kernel tree's scripts/extract-vmlinux)
user: source
	$(MAKE) -C user BUILD=$(BUILD) KSRC=$(KSRC) KVER=$(KVER)

# The kernel's own epoll selftest comes from its own source (UPSTREAM_KSFT_DIR).
tests: user source
	$(MAKE) -C tests OUTPUT=$(BUILD)/bin/tests KSFT_DIR=$(KSFT_DIR) MP_BUILD=$(BUILD) \
		UPSTREAM_KSFT_DIR=$(KSRC)/tools/testing/selftests

# The step-by-step tour (minipoll-demo), then the showcase: an echo server
# on epoll and on minipoll under mptrace, and a picture in build/demo/.
# (one line: vm-run quotes a command holding a newline for bash, not sh)
DEMO_CMD = $(BUILD)/bin/minipoll-demo && \
	sh $(TOP)/user/tools/mptrace-showcase.sh $(BUILD)/bin $(BUILD)/demo
demo: deps all
	$(VMRUN) $(VMRUN_FLAGS) -- sh -c '$(DEMO_CMD)'

check: deps all
	@KVER=$(KVER) MP_BUILD=$(BUILD) $(TOP)/scripts/check

check-debug: deps all
	@$(TOP)/scripts/check --debug

# Differential fuzzing, epoll against minipoll, for SECONDS from SEED (a
# fresh seed from the clock unless given). A difference prints the seed and a
# minimized reproducer (Documentation/reliability.md).
SECONDS ?= 60
fuzz: deps all
	$(VMRUN) $(VMRUN_FLAGS) -- $(BUILD)/bin/tests/fuzz_test --seconds $(SECONDS) \
		$(if $(SEED),--seed $(SEED)) --minimize

# The walkthrough's pictures, from minipoll-inspect runs in the guest
# (scripts/make-pictures; Documentation/walkthrough.md).
pictures: all
	@$(TOP)/scripts/make-pictures

# mpbench in the guest, in instructions (Documentation/performance.md).
bench: deps all
	@$(TOP)/scripts/bench $(BENCH_ARGS)

lint: source
	@$(TOP)/scripts/lint

clean:
	rm -rf $(BUILD)

# ---- Installing (Documentation/install.md) ----

# The man pages as installed: build/man/manN/, @VERSION@ filled in.
MAN_PAGES := $(wildcard $(TOP)/man/*.[1-8])
MAN_STAGE := $(BUILD)/man
man_staged = $(MAN_STAGE)/man$(subst .,,$(suffix $(1)))/$(notdir $(1))
MAN_STAGED := $(foreach p,$(MAN_PAGES),$(call man_staged,$(p)))
define MAN_RULE
$(call man_staged,$(1)): $(1) $(TOP)/VERSION
	@mkdir -p $$(@D)
	@sed 's/@VERSION@/$(VERSION)/g' $$< > $$@.tmp && mv $$@.tmp $$@
endef
$(foreach p,$(MAN_PAGES),$(eval $(call MAN_RULE,$(p))))

man: $(MAN_STAGED)

man-lint: man
	@$(TOP)/scripts/man-lint $(MAN_STAGE)

install-man: man
	@for p in $(MAN_STAGED); do \
		d=$(DESTDIR)$(MANDIR)/$$(basename $$(dirname $$p)); \
		install -d $$d && install -m 0644 $$p $$d/ || exit 1; \
	done
	@echo "man pages installed in $(DESTDIR)$(MANDIR)"

install: user install-man
	$(MAKE) -C user BUILD=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) install

uninstall:
	$(MAKE) -C user BUILD=$(BUILD) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) uninstall
	@for p in $(notdir $(MAN_PAGES)); do \
		rm -f $(DESTDIR)$(MANDIR)/man$${p##*.}/$$p; \
	done

# The module, for KVER: /lib/modules/$(KVER)/extra/minipoll.ko, then depmod
# (Kbuild skips it with Debian's headers). INSTALL_MOD_PATH works as Kbuild's.
modules_install: module
	$(MAKE) -C kmod KVER=$(KVER) KDIR=$(KDIR) BUILD_DIR=$(BUILD)/kmod modules_install

# DKMS: the module's sources and dkms.conf in $(DESTDIR)$(DKMS_SRC); then,
# on the real system, dkms builds and installs it for KVER (an older
# registration of this version is removed first, so this can be rerun).
# Later Debian kernels of the series get it from dkms's autoinstall. DKMS
# will not install over an identical module elsewhere in the tree, so the
# copy modules_install put in extra/ goes: DKMS's replaces it.
DKMS_FILES := $(patsubst $(TOP)/%,%,$(wildcard $(TOP)/kmod/*.c $(TOP)/kmod/*.h)) \
	kmod/Kbuild kmod/Makefile kmod/include/uapi/linux/minipoll.h VERSION
dkms-source:
	@rm -rf $(DESTDIR)$(DKMS_SRC)
	@for f in $(DKMS_FILES); do \
		install -D -m 0644 $(TOP)/$$f $(DESTDIR)$(DKMS_SRC)/$$f || exit 1; \
	done
	sed 's/@VERSION@/$(VERSION)/g' $(TOP)/dkms.conf.in > $(DESTDIR)$(DKMS_SRC)/dkms.conf
	@echo "dkms sources in $(DESTDIR)$(DKMS_SRC)"

dkms-install: dkms-source
ifeq ($(DESTDIR),)
	@if [ -n "$$(dkms status minipoll/$(VERSION))" ]; then \
		echo "dkms remove minipoll/$(VERSION) --all"; \
		dkms remove minipoll/$(VERSION) --all; \
	fi
	@if [ -e /lib/modules/$(KVER)/extra/minipoll.ko ]; then \
		echo "rm /lib/modules/$(KVER)/extra/minipoll.ko (modules_install's; DKMS's replaces it)"; \
		rm -f /lib/modules/$(KVER)/extra/minipoll.ko; \
	fi
	dkms add minipoll/$(VERSION)
	dkms build minipoll/$(VERSION) -k $(KVER)
	dkms install minipoll/$(VERSION) -k $(KVER)
else
	@echo "DESTDIR set: sources staged, dkms not run"
endif

dkms-uninstall:
	dkms remove minipoll/$(VERSION) --all
	rm -rf $(DESTDIR)$(DKMS_SRC)

install-all: install modules_install dkms-install

# In the guest: make install, a program built with pkg-config on it, dkms,
# modprobe of the dkms module, the man pages (scripts/install-check).
install-check: all
	@$(TOP)/scripts/install-check

.PHONY: all help deps source module user tests demo check check-debug fuzz lint clean
.PHONY: pictures bench
.PHONY: man man-lint install-man install uninstall modules_install
.PHONY: dkms-source dkms-install dkms-uninstall install-all install-check
