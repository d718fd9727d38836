/* SPDX-License-Identifier: MIT */
/*
 * dgen/rate.h - a throughput cap shared by threads
 *
 * GCRA (the generic cell rate algorithm, ITU-T I.371), the virtual-
 * scheduling form of a token bucket: each piece of work of b bytes books
 * the next b / rate seconds of one shared clock and may start when its
 * booking starts. An idle clock is pulled up to now, so idle time buys no
 * burst. The writer books each I/O on it, a run each formatted file.
 */
#ifndef DGEN_RATE_H
#define DGEN_RATE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dgen_rate {
	uint64_t rate;			/* bytes per second; 0: no cap */
	uint64_t next_ns;		/* atomic: the clock's first free time */
};

/* dgen_rate_init - a cap of @bytes_per_s (0: none), its clock idle. */
void dgen_rate_init(struct dgen_rate *r, uint64_t bytes_per_s);

/*
 * dgen_rate_take - book @bytes at time @now (ns, CLOCK_MONOTONIC); returns
 * when to start them, on that clock. Lock-free, from any thread. With no
 * cap it returns @now.
 */
uint64_t dgen_rate_take(struct dgen_rate *r, uint64_t bytes, uint64_t now);

/*
 * dgen_rate_wait - book @bytes and sleep until their start, in slices of
 * at most 10 ms, giving up early once *@stop (read atomically, may be
 * NULL) is non-zero. Returns 0, or 1 when @stop ended the wait.
 */
int dgen_rate_wait(struct dgen_rate *r, uint64_t bytes, const int *stop);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_RATE_H */
