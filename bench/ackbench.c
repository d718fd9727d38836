// SPDX-License-Identifier: MIT
/*
 * ackbench.c - what the acknowledged-range tracker costs an engine
 *
 * usage: dgen-ackbench [SECONDS]
 *
 * An engine will call dgen_acked_add once per completed write, from each
 * of its threads, on a target they share. This measures, in one run and
 * side by side:
 *
 *	add	 ns per dgen_acked_add of one unit, 1 and 2 threads, the
 *		 threads taking units t, t + T, ... of one target (the
 *		 writer's split: neighbours share bitmap words and the byte
 *		 counter's cache line, the worst case for contention);
 *	fill	 ns to generate one 4 KiB unit (dgen_stream_fill), what the
 *		 engine does for every write anyway, and memset of 4 KiB;
 *	snap	 ns per dgen_acked_snapshot + dgen_acked_flushed of a 1 TiB
 *		 target at 1 MiB units after 1024 new units, the cost at each
 *		 flush.
 *
 * One line per figure; the ratio add / fill says what share of a 4 KiB
 * write's CPU the tracker takes (units of 1 MiB make it 256 times less).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dgen/dgen.h>

#define UNIT		4096u
#define UNITS		(1u << 24)	/* 64 GiB of 4 KiB units */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

struct job {
	struct dgen_acked *a;
	unsigned int t, threads;
	double seconds;
	uint64_t adds;
};

/* Add this thread's units over and over (resetting is the main thread's
 * job only between runs; re-adding a set bit costs the same OR). */
static void *adder(void *arg)
{
	struct job *j = arg;
	double t0 = now(), t1;
	uint64_t n = 0;

	do {
		for (uint32_t u = j->t; u < UNITS; u += j->threads) {
			dgen_acked_add(j->a, 0, (uint64_t)u * UNIT, UNIT);
			n++;
		}
		t1 = now();
	} while (t1 - t0 < j->seconds);
	j->adds = n;
	j->seconds = t1 - t0;
	return NULL;
}

static double add_ns(unsigned int threads, double seconds)
{
	struct dgen_acked_target tg = { 0, (uint64_t)UNITS * UNIT, UNIT, 1ull << 30 };
	struct dgen_acked *a;
	struct job j[2];
	pthread_t tid[2];
	double ns = 0;

	if (dgen_acked_new(&a, &tg, 1, NULL, 0))
		exit(1);
	for (unsigned int t = 0; t < threads; t++) {
		j[t] = (struct job) { a, t, threads, seconds, 0 };
		pthread_create(&tid[t], NULL, adder, &j[t]);
	}
	for (unsigned int t = 0; t < threads; t++) {
		pthread_join(tid[t], NULL);
		ns += j[t].seconds * 1e9 / (double)j[t].adds;
	}
	dgen_acked_free(a);
	return ns / threads;
}

static double fill_ns(double seconds, int use_memset)
{
	struct dgen_stream_params p;
	struct dgen_stream *s;
	static uint8_t buf[UNIT];
	double t0 = now(), t1;
	uint64_t n = 0, x = 0;

	dgen_stream_params_init(&p);
	p.size = 1ull << 40;
	if (dgen_stream_new(&s, &p, NULL, 0))
		exit(1);
	do {
		for (int i = 0; i < 1024; i++, n++, x += UNIT) {
			if (use_memset)
				memset(buf, (int)n, UNIT);
			else
				dgen_stream_fill(s, buf, x % (p.size - UNIT), UNIT);
			__asm__ volatile("" : : "r"(buf) : "memory");
		}
		t1 = now();
	} while (t1 - t0 < seconds);
	dgen_stream_free(s);
	return (t1 - t0) * 1e9 / (double)n;
}

static double snap_ns(double seconds)
{
	const uint64_t unit = 1 << 20, units = 1 << 20;	/* 1 TiB */
	struct dgen_acked_target tg = { 0, unit * units, (uint32_t)unit, 0 };
	const struct dgen_range *r;
	struct dgen_acked *a;
	double t0, spent = 0;
	uint64_t n = 0, next = 0, ticket;
	size_t nr;

	if (dgen_acked_new(&a, &tg, 1, NULL, 0))
		exit(1);
	while (spent < seconds) {
		for (int i = 0; i < 1024; i++, next = (next + 1) % units)
			dgen_acked_add(a, 0, next * unit, unit);
		t0 = now();
		dgen_acked_snapshot(a, 0, &ticket);
		dgen_acked_flushed(a, 0, ticket, 1, &r, &nr);
		spent += now() - t0;
		n++;
		if (!next)
			dgen_acked_reset(a, 0);
	}
	dgen_acked_free(a);
	return spent * 1e9 / (double)n;
}

int main(int argc, char **argv)
{
	double s = argc > 1 ? atof(argv[1]) : 1.0;
	double a1 = add_ns(1, s), a2 = add_ns(2, s);
	double f = fill_ns(s, 0), m = fill_ns(s, 1), sn = snap_ns(s);

	printf("# dgen-ackbench (libdgen %s): the tracker's cost, %.1f s per figure\n",
	       DGEN_VERSION_STRING, s);
	printf("add, 1 thread:        %8.1f ns per unit\n", a1);
	printf("add, 2 threads:       %8.1f ns per unit (each thread)\n", a2);
	printf("fill 4 KiB:           %8.1f ns per unit\n", f);
	printf("memset 4 KiB:         %8.1f ns per unit\n", m);
	printf("snapshot + flushed:   %8.1f ns per flush (1 TiB at 1 MiB units, 1024 new)\n", sn);
	printf("add / fill 4 KiB:     %8.3f (1 thread), %.3f (2 threads)\n", a1 / f, a2 / f);
	return 0;
}
