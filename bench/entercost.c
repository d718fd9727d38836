// SPDX-License-Identifier: MIT
/*
 * entercost.c - what one system call and one io_uring_enter cost here
 *
 * The null target submits one round of NOPs per io_uring_enter, so the
 * enter's CPU cost bounds how near the generator alone it can come:
 * gen_time / (gen_time + enter_cost) per round. On a bare machine a
 * system call costs a few tens of nanoseconds; inside some virtual
 * machines (paravirtualised guests) it costs a microsecond or more, and
 * that bound falls with it. bench/null.sh prints this program's figures
 * next to its own.
 *
 *   dgen-entercost [NOPS [LOOPS]]
 *
 * Prints one JSON line: CPU microseconds per getppid() and per
 * io_uring_enter carrying NOPS NOPs (default 4, the null target's round)
 * and reaping them, on a ring set up as the writer sets it up.
 */
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

static double cpu_s(void)
{
	struct rusage u;

	getrusage(RUSAGE_SELF, &u);
	return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
	       (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv)
{
	unsigned int nops = argc > 1 ? (unsigned int)atoi(argv[1]) : 4;
	long loops = argc > 2 ? atol(argv[2]) : 200000;
	struct io_uring_params p = { 0 };
	struct io_uring ring;
	double c0, c1, c2;
	long i;

	if (!nops || nops > 64 || loops <= 0) {
		fprintf(stderr, "usage: dgen-entercost [NOPS (1-64) [LOOPS]]\n");
		return 2;
	}
	/* As src/ring.c's first choice; older kernels fall back to none. */
	p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	if (io_uring_queue_init_params(64, &ring, &p) &&
	    io_uring_queue_init(64, &ring, 0)) {
		fprintf(stderr, "dgen-entercost: no io_uring here\n");
		return 1;
	}
	io_uring_register_ring_fd(&ring);

	c0 = cpu_s();
	for (i = 0; i < loops; i++)
		syscall(SYS_getppid);
	c1 = cpu_s();
	for (i = 0; i < loops; i++) {
		struct io_uring_cqe *cqe;
		unsigned int head, seen = 0, j;

		for (j = 0; j < nops; j++)
			io_uring_prep_nop(io_uring_get_sqe(&ring));
		io_uring_submit_and_wait(&ring, nops);
		io_uring_for_each_cqe(&ring, head, cqe)
			seen++;
		io_uring_cq_advance(&ring, seen);
	}
	c2 = cpu_s();
	io_uring_queue_exit(&ring);
	printf("{\"nops\": %u, \"syscall_us\": %.3f, \"enter_us\": %.3f}\n",
	       nops, (c1 - c0) / (double)loops * 1e6,
	       (c2 - c1) / (double)loops * 1e6);
	return 0;
}
