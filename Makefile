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
KMAKE = $(MAKE) -s -C $(SRC) O=$(OBJ) ARCH=x86_64 -j$(JOBS) \
	CC="ccache gcc" HOSTCC="ccache gcc" \
	KBUILD_BUILD_TIMESTAMP="2026-01-01" KBUILD_BUILD_USER=liveupdate \
	KBUILD_BUILD_HOST=liveupdate

.PHONY: all deps base overlay kernel initramfs lib-tests tools fuzz fuzz-guest \
	bench-lib bench-scale bench bench-docs check demo vm clean distclean

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
	@$(KMAKE) bzImage modules
	@ln -sf obj/arch/x86/boot/bzImage $(BUILD)/bzImage
	@ln -sf obj/vmlinux $(BUILD)/vmlinux

initramfs: kernel tools
	@tools/testing/vm/mkinitramfs.sh "$(TOP)" "$(SRC)" "$(BUILD)"

lib-tests: deps
	@$(MAKE) -s -C lib-tests O=$(BUILD)/lib-tests

# Userspace tools: kho-compat, static too for the test initramfs.
tools: deps
	@$(MAKE) -s -C tools/kho O=$(BUILD)/tools

# Long libFuzzer runs of the restore paths (lib-tests/fuzz/): FUZZ_SECONDS
# per target; `make check` runs them for 20 s each.
FUZZ_SECONDS ?= 600
fuzz: deps
	@$(MAKE) -s -C lib-tests O=$(BUILD)/lib-tests fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

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

check: kernel initramfs
	@tools/testing/run-checks "$(TOP)" "$(BUILD)"

demo: kernel initramfs
	@tools/testing/vm/demo.sh "$(BUILD)"

vm: kernel initramfs
	@tools/testing/vm/run-vm --interactive shell

clean:
	rm -rf $(BUILD)/obj $(BUILD)/lib-tests $(BUILD)/tools $(BUILD)/check \
		$(BUILD)/vm $(BUILD)/initramfs*

distclean:
	rm -rf $(BUILD)
