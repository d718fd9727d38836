// SPDX-License-Identifier: MIT
/*
 * test_keep.c - the keep-lowest-N mismatch keeper and the shared rate cap
 *
 * The keeper must keep exactly the N lowest (target, offset) of any
 * number offered in any order from any number of threads; the rate cap
 * must space bookings by bytes / rate on one clock and give up its wait
 * when asked to stop.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <time.h>

#include <dgen/mismatch.h>
#include <dgen/rate.h>

#include "testutil.h"

#define OFFERED		5000u
#define THREADS		4u

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Record i of the test: target i % 7, offset (i / 7 + 1) * 4096. */
static struct dgen_verify_mismatch rec(unsigned int i)
{
	return (struct dgen_verify_mismatch) {
		.target = i % 7, .offset = (uint64_t)(i / 7 + 1) * 4096,
		.len = 4096, .bad_sectors = i % 8 + 1,
	};
}

struct offer {
	struct dgen_mismatch_keep *k;
	const unsigned int *order;
	unsigned int from, to;
};

static void *offer_main(void *arg)
{
	struct offer *o = arg;

	for (unsigned int i = o->from; i < o->to; i++) {
		struct dgen_verify_mismatch m = rec(o->order[i]);

		dgen_mismatch_keep_add(o->k, &m);
	}
	return NULL;
}

/* The lowest @n keys of rec(0 .. OFFERED-1), sorted, by brute force. */
static int key_cmp(const void *a, const void *b)
{
	const struct dgen_verify_mismatch *x = a, *y = b;

	if (x->target != y->target)
		return x->target < y->target ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

Test(keep, lowest_n_from_threads_in_any_order)
{
	static const unsigned int ns[] = { 1, 20, 777, OFFERED, OFFERED + 10 };
	static unsigned int order[OFFERED];
	static struct dgen_verify_mismatch all[OFFERED];
	struct test_rng rng;

	test_rng_init(&rng, 13);
	for (unsigned int i = 0; i < OFFERED; i++) {
		order[i] = i;
		all[i] = rec(i);
	}
	qsort(all, OFFERED, sizeof(all[0]), key_cmp);
	for (unsigned int c = 0; c < sizeof(ns) / sizeof(ns[0]); c++) {
		const struct dgen_verify_mismatch *got;
		struct dgen_mismatch_keep *k;
		struct offer o[THREADS];
		pthread_t tid[THREADS];
		unsigned int n, want = ns[c] < OFFERED ? ns[c] : OFFERED;

		for (unsigned int i = OFFERED - 1; i > 0; i--) {
			unsigned int j = (unsigned int)test_rng_below(&rng, i + 1), t = order[i];

			order[i] = order[j];
			order[j] = t;
		}
		cr_assert_eq(dgen_mismatch_keep_new(&k, ns[c]), 0);
		for (unsigned int t = 0; t < THREADS; t++) {
			o[t] = (struct offer) { k, order, t * OFFERED / THREADS,
						(t + 1) * OFFERED / THREADS };
			cr_assert_eq(pthread_create(&tid[t], NULL, offer_main, &o[t]), 0);
		}
		for (unsigned int t = 0; t < THREADS; t++)
			pthread_join(tid[t], NULL);
		n = dgen_mismatch_keep_sorted(k, &got);
		cr_assert_eq(n, want, "kept %u of %u", n, ns[c]);
		for (unsigned int i = 0; i < n; i++)
			cr_assert(got[i].target == all[i].target &&
				  got[i].offset == all[i].offset &&
				  got[i].bad_sectors == all[i].bad_sectors,
				  "n %u: entry %u is (%u, %llu), want (%u, %llu)",
				  ns[c], i, got[i].target,
				  (unsigned long long)got[i].offset, all[i].target,
				  (unsigned long long)all[i].offset);
		/* Adding after a sorted read still keeps the lowest. */
		if (n) {
			struct dgen_verify_mismatch low = { .target = 0, .offset = 0,
							    .len = 1, .bad_sectors = 99 };

			dgen_mismatch_keep_add(k, &low);
			n = dgen_mismatch_keep_sorted(k, &got);
			cr_assert_eq(got[0].bad_sectors, 99);
			cr_assert_eq(n, ns[c] > OFFERED ? want + 1 : want);
		}
		dgen_mismatch_keep_free(k);
	}
}

Test(keep, zero_keeps_nothing)
{
	struct dgen_mismatch_keep *k;
	const struct dgen_verify_mismatch *got;
	struct dgen_verify_mismatch m = rec(3);

	cr_assert_eq(dgen_mismatch_keep_new(&k, 0), 0);
	dgen_mismatch_keep_add(k, &m);
	cr_assert_eq(dgen_mismatch_keep_sorted(k, &got), 0);
	dgen_mismatch_keep_free(k);
	dgen_mismatch_keep_free(NULL);
}

Test(rate, bookings_follow_one_clock)
{
	struct dgen_rate r;
	uint64_t now = 1000000000ull, s1, s2, s3;

	dgen_rate_init(&r, 1000000);		/* 1 MB/s: 1 ns per byte... x1000 */
	s1 = dgen_rate_take(&r, 1000, now);	/* 1 ms */
	s2 = dgen_rate_take(&r, 2000, now);
	s3 = dgen_rate_take(&r, 1, now);
	cr_assert_eq(s1, now);
	cr_assert_eq(s2, now + 1000000);
	cr_assert_eq(s3, now + 3000000);
	/* An idle clock gives no credit: a booking long after starts then. */
	cr_assert_eq(dgen_rate_take(&r, 1000, now + 10000000000ull),
		     now + 10000000000ull);
	dgen_rate_init(&r, 0);
	cr_assert_eq(dgen_rate_take(&r, 1u << 30, now), now);
}

Test(rate, wait_sleeps_and_stops)
{
	struct dgen_rate r;
	int stop = 0;
	uint64_t t0, ns;

	/* 10 MB/s: 1 MB booked then 0.5 MB waits about 0.1 s. */
	dgen_rate_init(&r, 10000000);
	t0 = mono_ns();
	cr_assert_eq(dgen_rate_wait(&r, 1000000, &stop), 0);
	cr_assert_eq(dgen_rate_wait(&r, 500000, &stop), 0);
	ns = mono_ns() - t0;
	cr_assert(ns >= 100000000ull, "waited %llu ns", (unsigned long long)ns);
	/* A stop ends a wait of 1000 s at once. */
	stop = 1;
	t0 = mono_ns();
	cr_assert_eq(dgen_rate_wait(&r, 10000000000ull, &stop), 1);
	cr_assert(mono_ns() - t0 < 60000000000ull);
}
