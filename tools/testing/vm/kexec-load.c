// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: load a kernel with kexec_file_load(2) and optionally boot it.
 *
 *   kexec-load [-e] KERNEL INITRD CMDLINE
 *   kexec-load -c [-j] [-e]
 *
 * -e reboots into the loaded image (reboot(LINUX_REBOOT_CMD_KEXEC)).
 * -c loads a classic kexec_load(2) image instead: one page at 16 MiB
 * holding an invalid instruction, its entry point. It can only be used to
 * check that such a kexec is refused: if it ran, the machine would reset.
 * -j makes it a kexec jump (KEXEC_PRESERVE_CONTEXT).
 * Built static for the test initramfs; exits 1 with a message on error
 * (for -e, "reboot(KEXEC): " and the error of the refused kexec).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kexec.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CLASSIC_DEST	0x1000000UL
#define PAGE		4096

static int load_classic(int jump)
{
	static unsigned char page[PAGE] __attribute__((aligned(PAGE)));
	struct kexec_segment seg = {
		.buf = page, .bufsz = PAGE,
		.mem = (void *)CLASSIC_DEST, .memsz = PAGE,
	};

	/* ud2: a triple fault without an IDT. */
	page[0] = 0x0f;
	page[1] = 0x0b;
	if (syscall(SYS_kexec_load, CLASSIC_DEST, 1UL, &seg,
		    KEXEC_ARCH_DEFAULT | (jump ? KEXEC_PRESERVE_CONTEXT : 0UL))) {
		fprintf(stderr, "kexec-load: kexec_load: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

static int load_file(char **argv)
{
	const char *cmdline = argv[2];
	int kfd = open(argv[0], O_RDONLY);
	int ifd = open(argv[1], O_RDONLY);

	if (kfd < 0 || ifd < 0) {
		fprintf(stderr, "kexec-load: open: %s\n", strerror(errno));
		return 1;
	}
	if (syscall(SYS_kexec_file_load, kfd, ifd, strlen(cmdline) + 1,
		    cmdline, 0UL)) {
		fprintf(stderr, "kexec-load: kexec_file_load: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int exec = 0, classic = 0, jump = 0;

	for (; argc > 1 && argv[1][0] == '-'; argv++, argc--) {
		if (!strcmp(argv[1], "-e"))
			exec = 1;
		else if (!strcmp(argv[1], "-c"))
			classic = 1;
		else if (!strcmp(argv[1], "-j"))
			jump = 1;
		else
			break;
	}
	if (argc != (classic ? 1 : 4)) {
		fprintf(stderr, "usage: kexec-load [-e] KERNEL INITRD CMDLINE\n"
				"       kexec-load -c [-j] [-e]\n");
		return 2;
	}
	if (classic ? load_classic(jump) : load_file(argv + 1))
		return 1;
	if (!exec)
		return 0;
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "kexec-load: reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}
