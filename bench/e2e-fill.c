// SPDX-License-Identifier: MIT
/*
 * e2e-fill.c - the generator alone, with the writer's buffer footprint
 *
 * The end-to-end benchmark compares the null target (generation and ring
 * work, no device I/O) with generation alone. A writer thread reuses QD
 * buffers of BS bytes, the one freed last first, so the fair baseline has
 * each of THREADS threads fill such a set of buffers in that order,
 * walking forward through its own part of the stream, and reports GB/s
 * and CPU seconds per GB (getrusage of the whole process). With "memset"
 * as a fifth argument the buffers are
 * memset instead, a byte that changes every pass: the memory's own ceiling
 * on the same footprint. Filler i runs pinned to the i-th CPU the process
 * may use, as dgen-uring pins its threads: an unpinned thread on a busy
 * machine migrates and leaves its buffers in another core's L2.
 *
 *   dgen-e2e-fill BS QD SECONDS THREADS [memset]
 */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <dgen/dgen.h>

#define STREAM_SIZE	(1ull << 40)

struct filler {
	pthread_t tid;
	const struct dgen_stream *s;
	uint64_t bs, qd, start, bytes;
	double secs;
	int memset;
	int cpu;			/* -1: not pinned */
};

/* The @i-th CPU of the process's affinity mask, or -1. */
static int nth_cpu(unsigned int i)
{
	cpu_set_t set;
	unsigned int n = 0;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set) && n++ == i % (unsigned int)CPU_COUNT(&set))
			return c;
	return -1;
}

/* Seconds on the library's clock (dgen_now_ns). */
static double now_s(void)
{
	return (double)dgen_now_ns() / 1e9;
}

static void *fill_main(void *arg)
{
	struct filler *f = arg;
	uint64_t off = f->start, pass = 0;
	uint8_t *mem;
	double t0;

	if (f->cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(f->cpu, &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	t0 = now_s();

	if (posix_memalign((void **)&mem, 2 << 20, f->bs * f->qd))
		return NULL;
	do {
		for (uint64_t j = 0; j < f->qd; j++, off += f->bs) {
			/* Every other pass backwards: the writer reuses the
			 * buffer freed last first, the likeliest to be still
			 * in the L2 (a plain cycle through a footprint as
			 * large as the L2 refills the least recent one). */
			uint64_t b = pass % 2 ? f->qd - 1 - j : j;

			if (f->memset)
				memset(mem + b * f->bs, (int)(off >> 20), f->bs);
			else
				dgen_stream_fill(f->s, mem + b * f->bs,
						 off % (STREAM_SIZE - f->bs), f->bs);
		}
		pass++;
	} while (now_s() - t0 < f->secs);
	f->bytes = off - f->start;
	free(mem);
	return NULL;
}

int main(int argc, char **argv)
{
	struct dgen_stream_params p;
	struct dgen_stream *s;
	struct filler *f;
	struct rusage ru;
	unsigned int n;
	uint64_t bytes = 0;
	double t0, t;

	if (argc != 5 && !(argc == 6 && !strcmp(argv[5], "memset"))) {
		fprintf(stderr, "usage: %s BS QD SECONDS THREADS [memset]\n", argv[0]);
		return 2;
	}
	n = (unsigned int)strtoul(argv[4], NULL, 0);
	dgen_stream_params_init(&p);
	p.seed = 1;
	p.size = STREAM_SIZE;
	f = calloc(n, sizeof(*f));
	if (!n || !f || dgen_stream_new(&s, &p, NULL, 0))
		return 1;
	t0 = now_s();
	for (unsigned int i = 0; i < n; i++) {
		f[i] = (struct filler) {
			.s = s, .bs = strtoull(argv[1], NULL, 0),
			.qd = strtoull(argv[2], NULL, 0),
			.secs = strtod(argv[3], NULL),
			.start = STREAM_SIZE / n * i,
			.memset = argc == 6,
			.cpu = nth_cpu(i),
		};
		pthread_create(&f[i].tid, NULL, fill_main, &f[i]);
	}
	for (unsigned int i = 0; i < n; i++) {
		pthread_join(f[i].tid, NULL);
		bytes += f[i].bytes;
	}
	t = now_s() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("{ \"bytes\": %llu, \"seconds\": %.6f, \"gbps\": %.4f, \"cpu_s\": %.6f }\n",
	       (unsigned long long)bytes, t, (double)bytes / t / 1e9,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	free(f);
	dgen_stream_free(s);
	return 0;
}
