// SPDX-License-Identifier: MIT
/*
 * ranges.c - a growable set of byte ranges, coalesced on demand
 */
#include <errno.h>
#include <stdlib.h>

#include "ranges.h"

int dgen_ranges_push(struct dgen_ranges *s, uint64_t off, uint64_t len)
{
	struct dgen_range *last = s->n ? &s->r[s->n - 1] : NULL;
	int above;

	/* In order and touching the last one: extend it (sequential writes
	 * keep the set at one range). */
	if (last && off >= last->offset && off <= last->offset + last->length) {
		if (off + len > last->offset + last->length)
			last->length = off + len - last->offset;
		return 0;
	}
	/* Above everything so far keeps a coalesced set coalesced. */
	above = !last || off > last->offset + last->length;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct dgen_range *r;

		if (cap > SIZE_MAX / sizeof(*r))
			return -ENOMEM;
		r = realloc(s->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		s->r = r;
		s->cap = cap;
	}
	if (s->merged == s->n && above)
		s->merged++;
	s->r[s->n++] = (struct dgen_range) { off, len };
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct dgen_range *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

void dgen_ranges_coalesce(struct dgen_ranges *s)
{
	size_t i, o = 0;

	if (s->merged == s->n)
		return;
	qsort(s->r, s->n, sizeof(*s->r), by_offset);
	for (i = 0; i < s->n; i++) {
		struct dgen_range *last = o ? &s->r[o - 1] : NULL;
		uint64_t end = s->r[i].offset + s->r[i].length;

		if (last && s->r[i].offset <= last->offset + last->length) {
			if (end > last->offset + last->length)
				last->length = end - last->offset;
		} else {
			s->r[o++] = s->r[i];
		}
	}
	s->n = s->merged = o;
}

uint64_t dgen_ranges_bytes(const struct dgen_ranges *s)
{
	uint64_t b = 0;

	for (size_t i = 0; i < s->n; i++)
		b += s->r[i].length;
	return b;
}

size_t dgen_ranges_find(const struct dgen_ranges *s, uint64_t off)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->r[mid].offset + s->r[mid].length <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void dgen_ranges_clear(struct dgen_ranges *s)
{
	s->n = s->merged = 0;
}

void dgen_ranges_free(struct dgen_ranges *s)
{
	free(s->r);
	*s = (struct dgen_ranges) { 0 };
}
