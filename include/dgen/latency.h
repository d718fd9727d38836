/* SPDX-License-Identifier: MIT */
/*
 * dgen/latency.h - a latency histogram with 1.6% buckets
 */
#ifndef DGEN_LATENCY_H
#define DGEN_LATENCY_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Log-linear histogram (HdrHistogram's layout, as fio's clat buckets):
 * values below 64 ns have their own bucket, above that each power of two is
 * cut into 32 buckets, so a percentile is within 1/64 (1.6%) of the truth.
 */
#define DGEN_LAT_SUB_BITS	5
#define DGEN_LAT_MAX_BITS	41	/* 2^41 ns = 36 min; longer clamps */
#define DGEN_LAT_BUCKETS	((DGEN_LAT_MAX_BITS - DGEN_LAT_SUB_BITS + 1) << \
				 DGEN_LAT_SUB_BITS)

struct dgen_latency {
	uint64_t count;
	uint64_t min_ns;
	uint64_t max_ns;
	uint64_t sum_ns;
	uint64_t buckets[DGEN_LAT_BUCKETS];
};

/* dgen_latency_init - empty @l. */
void dgen_latency_init(struct dgen_latency *l);

/* dgen_latency_add - count one sample of @ns nanoseconds. */
void dgen_latency_add(struct dgen_latency *l, uint64_t ns);

/* dgen_latency_merge - add the samples of @src to @dst. */
void dgen_latency_merge(struct dgen_latency *dst,
			const struct dgen_latency *src);

/*
 * dgen_latency_percentile - the value below which @pct percent (0..100) of
 * the samples lie, in nanoseconds (the middle of its bucket, clamped to
 * [min, max]); 0 when there are no samples.
 */
uint64_t dgen_latency_percentile(const struct dgen_latency *l, double pct);

/* dgen_latency_bucket_value - the middle of bucket @b, in nanoseconds. */
uint64_t dgen_latency_bucket_value(unsigned int b);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_LATENCY_H */
