// SPDX-License-Identifier: MIT
/*
 * sample.c - a running writer's per-target figures (dgen/sample.h): its
 * samples, the oldest I/O in flight on each target, and the abandon that
 * reports from them without waiting
 *
 * The counters themselves are wstats.c's; these are the calls a monitor
 * makes while the workers write.
 */
#include <errno.h>
#include <string.h>

#include <dgen/sample.h>

#include "clock.h"
#include "writer_impl.h"

uint64_t dgen_now_ns(void)
{
	return dgen_clock_ns();
}

int dgen_writer_sample(const struct dgen_writer *w, unsigned int k,
		       struct dgen_target_sample *out)
{
	if (k >= w->n)
		return -ENOENT;
	if (!w->stats)
		return -ENODATA;
	wstats_sample(w->stats, k, out);
	return 0;
}

int dgen_writer_outstanding(const struct dgen_writer *w,
			    struct dgen_io_outstanding *out)
{
	if (!w->stats)
		return -ENODATA;
	wstats_outstanding(w->stats, out);
	return 0;
}

void dgen_writer_abandon(struct dgen_writer *w, struct dgen_writer_result *res)
{
	struct dgen_target_sample ts;

	dgen_writer_stop(w);
	memset(res, 0, sizeof(*res));
	dgen_latency_init(&res->latency);
	res->error_target = -1;
	if (w->stats) {
		wstats_wake(w->stats);
		for (unsigned int k = 0; k < w->n; k++) {
			wstats_sample(w->stats, k, &ts);
			res->bytes += ts.bytes;
			res->ops += ts.ios;
			dgen_latency_merge(&res->latency, &ts.lat);
		}
	} else {
		res->bytes = dgen_writer_bytes(w);
	}
	res->seconds = (double)(dgen_clock_ns() - w->t0) / 1e9;
	if (w->started)
		res->ring_features = __atomic_load_n(&w->workers[0].features,
						     __ATOMIC_RELAXED);
	res->stopped = 1;
}
