// SPDX-License-Identifier: MIT
/*
 * noring.c - run a command where io_uring is blocked as in a container
 *
 * usage: noring [-n] COMMAND [ARG...]
 *
 * Installs a seccomp filter that answers io_uring_setup, io_uring_enter
 * and io_uring_register with EPERM, as Docker's default profile (since
 * 25.0) and containerd's do, then execs COMMAND, which inherits it. -n
 * answers ENOSYS instead, as on a kernel built without io_uring. Plain
 * prctl and classic BPF: no libseccomp.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define ARCH	AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH	AUDIT_ARCH_AARCH64
#else
#error "noring knows x86_64 and aarch64"
#endif

int main(int argc, char **argv)
{
	const int nosys = argc > 1 && !strcmp(argv[1], "-n");
	const unsigned int err = nosys ? ENOSYS : EPERM;
	struct sock_filter f[] = {
		/* Another ABI's numbers mean other calls: let it be. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_enter, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_register, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (err & SECCOMP_RET_DATA)),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(f) / sizeof(f[0])),
		.filter = f,
	};
	char **cmd = argv + 1 + nosys;

	if (!*cmd) {
		fprintf(stderr, "usage: noring [-n] COMMAND [ARG...]\n");
		return 2;
	}
	/* Without privileges a filter needs no_new_privs, as Docker sets. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog)) {
		fprintf(stderr, "noring: cannot install the filter: %s\n", strerror(errno));
		return 126;
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, "noring: %s: %s\n", cmd[0], strerror(errno));
	return 127;
}
