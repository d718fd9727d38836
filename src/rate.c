// SPDX-License-Identifier: MIT
/*
 * rate.c - a throughput cap shared by the writer's threads
 *
 * GCRA (the generic cell rate algorithm, ITU-T I.371), i.e. a token bucket
 * without tokens: one shared clock says when the next byte may go. Each
 * I/O books its own length's worth of time on it with a compare-and-swap,
 * so threads share the cap without a lock and the bytes that started in
 * any interval T are at most rate x T plus one I/O per thread.
 */
#include "verify_impl.h"

uint64_t dgen_rate_take(struct dgen_rate *r, uint64_t bytes, uint64_t now)
{
	uint64_t cost = (uint64_t)((unsigned __int128)bytes * 1000000000u /
				   r->rate);
	uint64_t old = __atomic_load_n(&r->next_ns, __ATOMIC_RELAXED), start;

	do {
		/* An idle clock restarts at now: no credit for idle time. */
		start = old > now ? old : now;
	} while (!__atomic_compare_exchange_n(&r->next_ns, &old, start + cost,
					      0, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return start;
}
