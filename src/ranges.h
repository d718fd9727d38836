/* SPDX-License-Identifier: MIT */
/*
 * ranges.h - a growable set of byte ranges, coalesced on demand
 *
 * The tracker, the journal's reader and the crash classifier all hold
 * sets of [offset, offset + length) ranges that arrive mostly in order
 * (sequential writes) but may come in any order (random writes, several
 * snapshots at once). Ranges are appended, merged at once with the last
 * one when they touch it, and sorted and merged in one pass when the
 * set is asked for whole: O(n log n) however they came, never a memmove
 * per insert.
 */
#ifndef DGEN_SRC_RANGES_H
#define DGEN_SRC_RANGES_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/acked.h>

struct dgen_ranges {
	struct dgen_range *r;
	size_t n, cap;
	size_t merged;			/* r[0, merged) is sorted and disjoint */
};

/* dgen_ranges_push - add [off, off + len) (len > 0). 0 or -ENOMEM. */
int dgen_ranges_push(struct dgen_ranges *s, uint64_t off, uint64_t len);

/* dgen_ranges_coalesce - sort and merge: ranges ascending, disjoint and
 * not touching. */
void dgen_ranges_coalesce(struct dgen_ranges *s);

/* dgen_ranges_bytes - the bytes the set covers (coalesce first). */
uint64_t dgen_ranges_bytes(const struct dgen_ranges *s);

/*
 * dgen_ranges_find - in a coalesced set, the index of the first range
 * that ends after @off (it holds @off or lies above it); s->n when none.
 */
size_t dgen_ranges_find(const struct dgen_ranges *s, uint64_t off);

/* dgen_ranges_clear - empty the set, keeping its memory. */
void dgen_ranges_clear(struct dgen_ranges *s);

/* dgen_ranges_free - release the memory; the set is empty after. */
void dgen_ranges_free(struct dgen_ranges *s);

#endif /* DGEN_SRC_RANGES_H */
