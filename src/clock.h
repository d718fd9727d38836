/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the library's one clock: CLOCK_MONOTONIC in nanoseconds
 *
 * Every time the library takes (I/O latency, rates, phase lengths,
 * deadlines, progress) comes from here, so all of them can be compared
 * and subtracted; dgen_now_ns() (dgen/sample.h) hands the same clock to
 * callers. Inline: the writer reads it once per submitted batch.
 */
#ifndef DGEN_CLOCK_H
#define DGEN_CLOCK_H

#include <stdint.h>
#include <time.h>

/* dgen_clock_ns - nanoseconds on CLOCK_MONOTONIC (never goes back). */
static inline uint64_t dgen_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif /* DGEN_CLOCK_H */
