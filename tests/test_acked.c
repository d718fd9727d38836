// SPDX-License-Identifier: MIT
/*
 * test_acked.c - the acknowledged-range tracker
 *
 * Units marked from whole acknowledgements only; snapshots take exactly
 * what was acknowledged since the previous one; a flush's completion
 * makes its ticket and every earlier one durable, a failed flush makes
 * its tickets never durable; the flush_every signal fires once per
 * multiple. Then threads acknowledge units in the writer's split (thread
 * t: units t, t + T, ...) in random order while another thread snapshots
 * without pause, and every snapshot is checked against what the adders
 * had begun and finished around it: no unit taken before its add began,
 * none missed that finished before the snapshot began, none taken twice.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>

#include <dgen/dgen.h>

#define KiB	1024ull
#define MiB	(1024ull * KiB)

static struct dgen_acked *tracker(uint64_t off, uint64_t size, uint32_t unit,
				  uint64_t every)
{
	struct dgen_acked_target t = { off, size, unit, every };
	struct dgen_acked *a = NULL;
	char msg[256] = "";

	cr_assert_eq(dgen_acked_new(&a, &t, 1, msg, sizeof(msg)), 0, "%s", msg);
	return a;
}

/* Flush ticket @ticket and expect exactly @n ranges @want back. */
static void expect_flushed(struct dgen_acked *a, uint64_t ticket,
			   const struct dgen_range *want, size_t n)
{
	const struct dgen_range *r;
	size_t got;

	cr_assert_eq(dgen_acked_flushed(a, 0, ticket, 1000, &r, &got), 0);
	cr_assert_eq(got, n, "ticket %llu: %zu ranges, expected %zu",
		     (unsigned long long)ticket, got, n);
	for (size_t i = 0; i < n; i++)
		cr_assert(r[i].offset == want[i].offset && r[i].length == want[i].length,
			  "range %zu: [%llu, +%llu), expected [%llu, +%llu)", i,
			  (unsigned long long)r[i].offset, (unsigned long long)r[i].length,
			  (unsigned long long)want[i].offset,
			  (unsigned long long)want[i].length);
}

Test(acked, whole_units_and_tickets)
{
	/* 10 units of 64 KiB from 1 MiB, the last one 32 KiB. */
	const uint64_t off = MiB, unit = 64 * KiB, size = 9 * unit + 32 * KiB;
	struct dgen_acked *a = tracker(off, size, (uint32_t)unit, 0);
	struct dgen_acked_stats st;
	const struct dgen_range *r;
	uint64_t t1, t2, t3;
	size_t n;

	cr_assert_eq(dgen_acked_add(a, 0, off, unit), 0);
	cr_assert_eq(dgen_acked_add(a, 0, off + unit, unit / 2), 0,
		     "half a unit is acknowledged, and not marked");
	cr_assert_eq(dgen_acked_add(a, 0, off + 3 * unit, 2 * unit), 0);
	cr_assert_eq(dgen_acked_add(a, 0, off + 9 * unit, 32 * KiB), 0,
		     "the short last unit is whole");
	cr_assert_eq(dgen_acked_add(a, 0, off - 512, 512), -EINVAL);
	cr_assert_eq(dgen_acked_add(a, 0, off + size, 512), -EINVAL);
	cr_assert_eq(dgen_acked_add(a, 1, off, unit), -EINVAL);
	cr_assert_eq(dgen_acked_snapshot(a, 0, &t1), 0);
	cr_assert_eq(t1, 1);

	/* After the first snapshot: acknowledged, not yet taken. */
	cr_assert_eq(dgen_acked_add(a, 0, off + 2 * unit, unit), 0);
	cr_assert_eq(dgen_acked_snapshot(a, 0, &t2), 0);
	cr_assert_eq(dgen_acked_add(a, 0, off + 6 * unit, unit), 0);
	cr_assert_eq(dgen_acked_snapshot(a, 0, &t3), 0);
	cr_assert(t1 < t2 && t2 < t3);

	/* Completing ticket 2 makes 1 and 2 durable, coalesced. */
	expect_flushed(a, t2, (struct dgen_range[]) {
		{ off, unit }, { off + 2 * unit, 3 * unit },
		{ off + 9 * unit, 32 * KiB } }, 3);
	/* A late completion of ticket 1 finds nothing left to give. */
	expect_flushed(a, t1, NULL, 0);
	/* Ticket 3's flush failed: unit 6 is never durable, even later. */
	dgen_acked_discard(a, 0, t3);
	cr_assert_eq(dgen_acked_snapshot(a, 0, &t3), 0);
	expect_flushed(a, t3, NULL, 0);

	dgen_acked_stats_get(a, 0, &st);
	cr_assert_eq(st.acked_bytes, unit + unit / 2 + 2 * unit + 32 * KiB + 2 * unit);
	cr_assert_eq(st.durable_bytes, 4 * unit + 32 * KiB);
	cr_assert_eq(st.flushes, 3);
	cr_assert_eq(st.discarded, 1);
	cr_assert_eq(st.flush_latency.count, 3);
	cr_assert_eq(dgen_acked_durable(a, 0, &r, &n), 0);
	cr_assert_eq(n, 3);
	cr_assert(r[1].offset == off + 2 * unit && r[1].length == 3 * unit);

	/* A new pass forgets everything. */
	dgen_acked_reset(a, 0);
	cr_assert_eq(dgen_acked_durable(a, 0, &r, &n), 0);
	cr_assert_eq(n, 0);
	dgen_acked_stats_get(a, 0, &st);
	cr_assert_eq(st.acked_bytes + st.durable_bytes + st.flushes, 0);
	cr_assert_eq(dgen_acked_snapshot(a, 0, &t1), 0);
	cr_assert_eq(t1, 1);
	dgen_acked_free(a);
}

Test(acked, refuses_bad_targets)
{
	struct dgen_acked_target t[] = {
		{ 0, 0, 4096, 0 },
		{ 0, MiB, 0, 0 },
		{ UINT64_MAX - 4096, 8192, 4096, 0 },
		{ 0, 1ull << 50, 512, 0 },	/* 2^41 units */
	};

	for (unsigned int i = 0; i < 4; i++) {
		struct dgen_acked *a = NULL;
		char msg[256] = "";

		cr_assert_eq(dgen_acked_new(&a, &t[i], 1, msg, sizeof(msg)), -EINVAL,
			     "case %u", i);
		cr_assert(msg[0], "case %u: no sentence", i);
		cr_assert_null(a);
	}
}

/* The flush signal: one per multiple of flush_every crossed. */
Test(acked, flush_every_signals)
{
	const uint32_t unit = 48 * KiB;
	struct dgen_acked *a = tracker(0, 100 * unit, unit, 200 * KiB);
	unsigned int signals = 0;

	for (unsigned int u = 0; u < 100; u++)
		signals += (unsigned int)dgen_acked_add(a, 0, (uint64_t)u * unit, unit);
	cr_assert_eq(signals, 100 * unit / (200 * KiB));
	dgen_acked_free(a);
}

/* ===== Threads against snapshots ===== */

#define T		4
#define UNITS		(1u << 15)
#define TUNIT		(64u << 10)

struct race {
	struct dgen_acked *a;
	struct dgen_stream *s;
	uint8_t begun[UNITS], finished[UNITS];	/* atomic */
	uint32_t taken[UNITS];			/* ticket that took it */
	unsigned int done;			/* atomic: adders finished */
};

struct adder {
	struct race *r;
	unsigned int t;
};

/*
 * Thread t acknowledges its units (t, t + T, ...) in a shuffled order,
 * each after generating its bytes, as the engine's threads do.
 */
static void *add_units(void *arg)
{
	struct adder *ad = arg;
	static __thread uint32_t mine[UNITS / T];
	static __thread uint8_t buf[TUNIT];
	uint64_t x = 0x9e3779b97f4a7c15ull * (ad->t + 1);
	uint32_t n = 0;

	for (uint32_t u = ad->t; u < UNITS; u += T)
		mine[n++] = u;
	for (uint32_t i = n; i > 1; i--) {
		uint32_t k, tmp;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		k = (uint32_t)(x % i);
		tmp = mine[i - 1], mine[i - 1] = mine[k], mine[k] = tmp;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t u = mine[i];

		dgen_stream_fill(ad->r->s, buf, (uint64_t)u * TUNIT, TUNIT);
		__atomic_store_n(&ad->r->begun[u], 1, __ATOMIC_SEQ_CST);
		dgen_acked_add(ad->r->a, 0, (uint64_t)u * TUNIT, TUNIT);
		__atomic_store_n(&ad->r->finished[u], 1, __ATOMIC_SEQ_CST);
		if (i % 256 == 255)
			sched_yield();	/* let the snapshots in, on 2 cores */
	}
	__atomic_fetch_add(&ad->r->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Take one snapshot and flush it; check it against the adders. */
static unsigned int snap_check(struct race *r, uint8_t *before)
{
	const struct dgen_range *g;
	uint64_t ticket;
	size_t n;
	unsigned int units = 0;

	for (uint32_t u = 0; u < UNITS; u++)
		before[u] = __atomic_load_n(&r->finished[u], __ATOMIC_SEQ_CST);
	cr_assert_eq(dgen_acked_snapshot(r->a, 0, &ticket), 0);
	cr_assert_eq(dgen_acked_flushed(r->a, 0, ticket, 1, &g, &n), 0);
	for (size_t i = 0; i < n; i++)
		for (uint64_t u = g[i].offset / TUNIT;
		     u < (g[i].offset + g[i].length) / TUNIT; u++, units++) {
			if (!__atomic_load_n(&r->begun[u], __ATOMIC_SEQ_CST))
				cr_assert_fail("unit %llu taken before its add began",
					       (unsigned long long)u);
			if (r->taken[u])
				cr_assert_fail("unit %llu taken twice",
					       (unsigned long long)u);
			r->taken[u] = (uint32_t)ticket;
		}
	for (uint32_t u = 0; u < UNITS; u++)
		if (before[u] && !r->taken[u])
			cr_assert_fail("unit %u finished before snapshot %llu and is in none",
				       u, (unsigned long long)ticket);
	return units;
}

Test(acked, threads_against_snapshots)
{
	struct race *r = calloc(1, sizeof(*r));
	uint8_t *before = malloc(UNITS);
	struct adder ad[T];
	pthread_t tid[T];
	unsigned int snaps = 0, units = 0, mid = 0;

	struct dgen_stream_params p;

	cr_assert(r && before);
	r->a = tracker(0, (uint64_t)UNITS * TUNIT, TUNIT, 0);
	dgen_stream_params_init(&p);
	p.size = (uint64_t)UNITS * TUNIT;
	cr_assert_eq(dgen_stream_new(&r->s, &p, NULL, 0), 0);
	for (unsigned int t = 0; t < T; t++) {
		ad[t] = (struct adder) { r, t };
		cr_assert_eq(pthread_create(&tid[t], NULL, add_units, &ad[t]), 0);
	}
	/* Snapshots while the adders run, then one after they are done. */
	while (__atomic_load_n(&r->done, __ATOMIC_SEQ_CST) < T) {
		unsigned int got = snap_check(r, before);

		units += got;
		mid += got > 0;
		snaps++;
	}
	for (unsigned int t = 0; t < T; t++)
		pthread_join(tid[t], NULL);
	units += snap_check(r, before);
	cr_assert_eq(units, UNITS, "%u units taken of %u", units, UNITS);
	cr_log_info("%u snapshots, %u of them took units mid-run", snaps, mid);
	cr_assert_geq(mid, 2, "the snapshots never met the adders");
	dgen_acked_free(r->a);
	dgen_stream_free(r->s);
	free(before);
	free(r);
}
