// SPDX-License-Identifier: MIT
/*
 * writer_split.c - the work split: which units of which target each
 * worker writes, and in which order
 *
 * Target k is cut into units of the I/O size; thread t of T owns units
 * t, t + T, t + 2T, ... of every target, so each offset is written by
 * exactly one thread, once. A thread visits its units in order
 * (sequential) or in a seeded permutation (random), taking targets in
 * turn so that all of them are busy at once. A placement plan narrows a
 * target to the threads it gives it (place_walk, writer_place.c).
 */
#include <stdint.h>

#include "prng.h"
#include "target_impl.h"
#include "writer_impl.h"

/* Seeds the random order: splitmix64's Weyl step, then the library's fmix64. */
static uint64_t mix64(uint64_t z)
{
	return dgen_fmix64(z + 0x9e3779b97f4a7c15ull);
}

void split_init(struct worker *wk, unsigned int k)
{
	const struct dgen_writer *w = wk->w;
	const struct dgen_target_info *i = &w->targets[k]->info;
	struct walk *wa = &wk->walks[k];
	uint64_t units, T = w->o.threads, seed;

	wa->first = wk->id;
	wa->io = w->o.io_size;
	if (w->o.plan && !place_walk(w->o.plan, wk->id, k, &wa->first, &T,
				     &wa->io))
		return;			/* none of this target's units */
	/*
	 * Thread j of the target's T threads (the plan's, or all) starts it at
	 * unit (j + k) mod T: still a partition of each target's units, but
	 * targets of a single unit (a tree of small files) are spread over all
	 * threads instead of all landing on the first.
	 */
	wa->first = (wa->first + k) % T;
	wa->step = T;
	units = (i->size + wa->io - 1) / wa->io;
	wa->count = units > wa->first ? (units - wa->first + T - 1) / T : 0;
	if (w->o.pattern != DGEN_PATTERN_RAND || wa->count < 2)
		return;
	/*
	 * A full-period LCG modulo 2^p (Hull-Dobell: odd increment, multiplier
	 * = 1 mod 4) visits every value below 2^p once per period; values at
	 * or above count are skipped (cycle walking), which costs under two
	 * steps per unit on average since 2^p < 2 count.
	 */
	wa->mask = ~0ull >> __builtin_clzll(wa->count - 1);
	seed = mix64(w->o.order_seed ^ mix64(((uint64_t)wk->id << 32) | k));
	wa->x = seed & wa->mask;
	wa->inc = mix64(seed) | 1;
}

static uint64_t walk_next(struct walk *wa)
{
	if (!wa->mask)
		return wa->emitted++;
	wa->emitted++;
	do
		wa->x = (wa->x * 0x5851f42d4c957f2dull + wa->inc) & wa->mask;
	while (wa->x >= wa->count);
	return wa->x;
}

int split_next(struct worker *wk, unsigned int *target, uint64_t *pos)
{
	const struct dgen_writer *w = wk->w;

	for (unsigned int tries = 0; tries < w->n; tries++) {
		unsigned int k = wk->next_target;
		struct walk *wa = &wk->walks[k];

		if (++wk->next_target == w->n)
			wk->next_target = 0;
		if (wa->emitted < wa->count) {
			uint64_t m = walk_next(wa);

			*target = k;
			*pos = (wa->first + m * wa->step) * wa->io;
			return 1;
		}
	}
	return 0;
}
