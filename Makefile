# SPDX-License-Identifier: GPL-2.0
#
# Live update overlay on Debian's linux-source-6.12.
#
# Quick start: `make demo` and `make check`. Every target installs what it
# needs (see `deps`), so both work on a bare Debian 12 machine.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
SRC := $(BUILD)/linux
OBJ := $(BUILD)/obj
JOBS ?= $(shell nproc)

export CCACHE_DIR ?= $(HOME)/.cache/ccache
# Paths below the clone are hashed relative to it, so another clone (CI's,
# a worktree) hits the same cache entries.
export CCACHE_BASEDIR ?= $(TOP)
export CCACHE_NOHASHDIR ?= 1
# Fixed build identity so ccache hits across clones and rebuilds.
KMAKE = $(MAKE) -s -C $(SRC) ARCH=x86_64 -j$(JOBS) \
	CC="ccache gcc" HOSTCC="ccache gcc" \
	KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=liveupdate \
	KBUILD_BUILD_HOST=liveupdate

.PHONY: all deps base overlay kernel kernel-debug kernel-nov2 initramfs initramfs-debug \
	lib-tests tools fuzz fuzz-merge fuzz-guest bench-lib bench-scale bench \
	bench-docs check check-debug demo vm clean distclean

all: kernel initramfs

deps:
	@tools/build/deps.sh

base: deps
	@tools/build/base.sh "$(SRC)"

# Links are refreshed on every build: new files in the repo appear in the
# tree, removed ones disappear, edited ones rebuild incrementally.
overlay: base
	@tools/build/overlay.sh "$(TOP)" "$(SRC)"

$(OBJ)/.config: patches/kernel.config | overlay
	@mkdir -p $(OBJ)
	@tools/build/config.sh "$(SRC)" "$(OBJ)" patches/kernel.config

kernel: overlay $(OBJ)/.config
	@echo "  KERNEL  build/bzImage"
	@tools/build/config.sh --verify "$(SRC)" "$(OBJ)" patches/kernel.config
	@$(KMAKE) O=$(OBJ) bzImage modules
	@ln -sf obj/arch/x86/boot/bzImage $(BUILD)/bzImage
	@ln -sf obj/vmlinux $(BUILD)/vmlinux

# Other kernel flavors: patches/kernel-F.config on top of kernel.config,
# objects in build/obj-F, kernel build/bzImage-F. debug: KASAN, lockdep
# and friends. nov2: cannot read memfd format 2 (compiled out), the
# target of version negotiation. nov2 differs from the default kernel in
# two options, so its first build starts from a copy of the default
# kernel's objects: Kbuild then recompiles only the few files that use
# them (a minute, against ten for a build of every file through ccache).
SEED_nov2 := kernel
define kernel_flavor
FRAGS_$(1) := patches/kernel.config patches/kernel-$(1).config
$(BUILD)/obj-$(1)/.config: $$(FRAGS_$(1)) | overlay $(SEED_$(1))
	@[ -z "$(SEED_$(1))" ] || [ -e $(BUILD)/obj-$(1) ] || \
		tools/build/seed-obj.sh $(OBJ) $(BUILD)/obj-$(1)
	@mkdir -p $(BUILD)/obj-$(1)
	@tools/build/config.sh "$(SRC)" "$(BUILD)/obj-$(1)" $$(FRAGS_$(1))

kernel-$(1): overlay $(BUILD)/obj-$(1)/.config
	@echo "  KERNEL  build/bzImage-$(1)"
	@tools/build/config.sh --verify "$(SRC)" "$(BUILD)/obj-$(1)" $$(FRAGS_$(1))
	@$$(KMAKE) O=$(BUILD)/obj-$(1) bzImage modules
	@ln -sf obj-$(1)/arch/x86/boot/bzImage $(BUILD)/bzImage-$(1)
endef
$(foreach f,debug nov2,$(eval $(call kernel_flavor,$(f))))

initramfs: kernel tools
	@tools/testing/vm/mkinitramfs.sh "$(TOP)" "$(SRC)" "$(BUILD)"

# The debug kernel's initramfs also holds the default and nov2 kernels,
# for kexec between different kernels.
initramfs-debug: kernel-debug kernel kernel-nov2 tools
	@tools/testing/vm/mkinitramfs.sh "$(TOP)" "$(SRC)" "$(BUILD)" debug

lib-tests: deps
	@$(MAKE) -s -C lib-tests O=$(BUILD)/lib-tests

# Userspace tools: kho-compat and kho-inspect, static too for the test
# initramfs.
tools: deps
	@$(MAKE) -s -C tools/kho O=$(BUILD)/tools

# Long libFuzzer runs of the restore paths (lib-tests/fuzz/): FUZZ_SECONDS
# per target, or FUZZ_RUNS executions; `make check` runs them for 20 s
# each. `make fuzz-merge` then adds what they found to the corpora.
FUZZ_SECONDS ?= 600
fuzz: deps
	@$(MAKE) -s -C lib-tests O=$(BUILD)/lib-tests fuzz \
		FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS)

fuzz-merge: deps
	@$(MAKE) -s -C lib-tests O=$(BUILD)/lib-tests fuzz-merge

# The uAPI fuzzer in the guest with fresh seeds for SECONDS (FUZZ_OPS
# operations per stage); a failing seed reproduces with
# tools/testing/vm/run-vm --append "lu.seed=S lu.ops=N" luo-fuzz.
SECONDS ?= 600
FUZZ_OPS ?= 20000
fuzz-guest: kernel initramfs
	@tools/testing/vm/fuzz-guest.sh "$(TOP)" "$(BUILD)" $(SECONDS) $(FUZZ_OPS)

# Userspace benchmark of kho_array against the kernel's XArray.
bench-lib: base
	@$(MAKE) -s -C lib-tests bench O=$(BUILD)/lib-tests

# Next-kernel boot time with 1M isolated preserved pages against the
# contiguous case (two 10 GiB guests, about 10 minutes under TCG).
bench-scale: kernel initramfs
	@tools/testing/vm/bench-scale.sh "$(BUILD)"

# The benchmarks side by side (issue 15): build/bench/report.md with the
# targets met or missed, and SVG plots. Not part of `make check`: about
# 35 minutes of TCG guests, one at a time (see bench.sh for knobs).
bench: kernel initramfs
	@tools/testing/vm/bench.sh "$(TOP)" "$(BUILD)"

# Copy the plots and report of the last `make bench` to the documentation.
BENCH_DOCS := Documentation/liveupdate/bench
bench-docs:
	@[ -f $(BUILD)/bench/report.md ] || { echo "run make bench first"; exit 1; }
	@mkdir -p $(BENCH_DOCS)
	@cp $(addprefix $(BUILD)/bench/,report.md time.svg boot.svg metadata.svg) \
		$(BENCH_DOCS)/
	@echo "  DOCS    $(BENCH_DOCS): report.md time.svg boot.svg metadata.svg"

# Every suite on the default kernel, then a subset of the guest scenarios
# (and the cross-kernel kexec) on the debug kernel; check-debug runs every
# guest scenario on the debug kernel.
check: kernel initramfs initramfs-debug
	@tools/testing/run-checks "$(TOP)" "$(BUILD)"

check-debug: kernel-debug initramfs-debug
	@tools/testing/run-checks --debug-all "$(TOP)" "$(BUILD)"

demo: kernel initramfs
	@tools/testing/vm/demo.sh "$(BUILD)"

vm: kernel initramfs
	@tools/testing/vm/run-vm --interactive shell

clean:
	rm -rf $(BUILD)/obj $(BUILD)/obj-* $(BUILD)/lib-tests $(BUILD)/tools $(BUILD)/check \
		$(BUILD)/vm $(BUILD)/initramfs*

distclean:
	rm -rf $(BUILD)
