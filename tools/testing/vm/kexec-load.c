// SPDX-License-Identifier: GPL-2.0
/*
 * kexec-load: load a kernel with kexec_file_load(2) and optionally boot it.
 *
 *   kexec-load [-e] KERNEL INITRD CMDLINE
 *
 * -e reboots into the loaded kernel (reboot(LINUX_REBOOT_CMD_KEXEC)).
 * Built static for the test initramfs; exits 1 with a message on error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int exec = 0, kfd, ifd;
	const char *cmdline;

	if (argc > 1 && !strcmp(argv[1], "-e")) {
		exec = 1;
		argv++;
		argc--;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: kexec-load [-e] KERNEL INITRD CMDLINE\n");
		return 2;
	}
	cmdline = argv[3];
	kfd = open(argv[1], O_RDONLY);
	ifd = open(argv[2], O_RDONLY);
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
	if (!exec)
		return 0;
	sync();
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_KEXEC, NULL);
	fprintf(stderr, "kexec-load: reboot(KEXEC): %s\n", strerror(errno));
	return 1;
}
