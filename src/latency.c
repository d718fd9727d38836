// SPDX-License-Identifier: MIT
/*
 * latency.c - latency histogram with bounded relative error
 *
 * HdrHistogram's log-linear layout (as fio's clat_plat buckets): a value v
 * with its top bit at position m >= SUB_BITS + 1 keeps its SUB_BITS + 1 top
 * bits, so bucket (m - SUB_BITS) * 2^SUB_BITS + (v >> (m - SUB_BITS)); values
 * below 2^(SUB_BITS + 1) get a bucket each. Adding is a few instructions
 * with no division, and merging per-thread histograms is a sum.
 */
#include <string.h>

#include <dgen/latency.h>

#define SUB	(1u << DGEN_LAT_SUB_BITS)

static unsigned int bucket_of(uint64_t v)
{
	unsigned int m, shift;

	if (v >= (1ull << DGEN_LAT_MAX_BITS))
		v = (1ull << DGEN_LAT_MAX_BITS) - 1;
	if (v < 2 * SUB)
		return (unsigned int)v;
	m = 63 - __builtin_clzll(v);
	shift = m - DGEN_LAT_SUB_BITS;
	return shift * SUB + (unsigned int)(v >> shift);
}

/* The middle of bucket @b, whose values share their top bits. */
static uint64_t bucket_mid(unsigned int b)
{
	unsigned int shift;

	if (b < 2 * SUB)
		return b;
	shift = b / SUB - 1;
	return ((uint64_t)(b % SUB + SUB) << shift) + (1ull << shift) / 2;
}

void dgen_latency_init(struct dgen_latency *l)
{
	memset(l, 0, sizeof(*l));
	l->min_ns = UINT64_MAX;
}

void dgen_latency_add(struct dgen_latency *l, uint64_t ns)
{
	l->buckets[bucket_of(ns)]++;
	l->count++;
	l->sum_ns += ns;
	if (ns < l->min_ns)
		l->min_ns = ns;
	if (ns > l->max_ns)
		l->max_ns = ns;
}

void dgen_latency_merge(struct dgen_latency *dst,
			const struct dgen_latency *src)
{
	for (unsigned int i = 0; i < DGEN_LAT_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->min_ns < dst->min_ns)
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

uint64_t dgen_latency_percentile(const struct dgen_latency *l, double pct)
{
	uint64_t rank, seen = 0, v;

	if (!l->count)
		return 0;
	/* The nearest-rank definition: the smallest value with rank >= p N. */
	rank = (uint64_t)(pct / 100.0 * (double)l->count + 0.999999);
	/* The extremes are known exactly, not just to a bucket. */
	if (rank <= 1)
		return l->min_ns;
	if (rank >= l->count)
		return l->max_ns;
	for (unsigned int b = 0; b < DGEN_LAT_BUCKETS; b++) {
		seen += l->buckets[b];
		if (seen >= rank) {
			v = bucket_mid(b);
			if (v < l->min_ns)
				v = l->min_ns;
			if (v > l->max_ns)
				v = l->max_ns;
			return v;
		}
	}
	return l->max_ns;
}

uint64_t dgen_latency_bucket_value(unsigned int b)
{
	return b < DGEN_LAT_BUCKETS ? bucket_mid(b) : 0;
}
