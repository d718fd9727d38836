// SPDX-License-Identifier: MIT
/*
 * rate.c - a throughput cap shared by threads
 *
 * Each booking moves the one shared clock with a compare-and-swap, so
 * threads share the cap without a lock and the bytes that started in any
 * interval T are at most rate x T plus one booking per thread.
 */
#include <time.h>

#include <dgen/rate.h>

#include "clock.h"

#define SLICE_NS	10000000ull	/* a stop is seen within this */

void dgen_rate_init(struct dgen_rate *r, uint64_t bytes_per_s)
{
	r->rate = bytes_per_s;
	r->next_ns = 0;
}

uint64_t dgen_rate_take(struct dgen_rate *r, uint64_t bytes, uint64_t now)
{
	uint64_t cost, old, start;

	if (!r->rate)
		return now;
	cost = (uint64_t)((unsigned __int128)bytes * 1000000000u / r->rate);
	old = __atomic_load_n(&r->next_ns, __ATOMIC_RELAXED);
	do {
		/* An idle clock restarts at now: no credit for idle time. */
		start = old > now ? old : now;
	} while (!__atomic_compare_exchange_n(&r->next_ns, &old, start + cost,
					      0, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return start;
}

int dgen_rate_wait(struct dgen_rate *r, uint64_t bytes, const int *stop)
{
	uint64_t start, now;

	if (!r->rate)
		return 0;
	start = dgen_rate_take(r, bytes, dgen_clock_ns());
	while ((now = dgen_clock_ns()) < start) {
		uint64_t ns = start - now < SLICE_NS ? start - now : SLICE_NS;
		struct timespec ts = { (time_t)(ns / 1000000000u),
				       (long)(ns % 1000000000u) };

		if (stop && __atomic_load_n(stop, __ATOMIC_RELAXED))
			return 1;
		nanosleep(&ts, NULL);
	}
	return 0;
}
