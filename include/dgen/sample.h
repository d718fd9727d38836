/* SPDX-License-Identifier: MIT */
/*
 * dgen/sample.h - per-target figures of a running writer, read while it runs
 *
 * With dgen_writer_opts.target_stats set, each worker thread keeps, per
 * target, the bytes and I/Os it completed, a latency histogram, and the
 * submission time of each I/O it has in flight. Only the owning thread
 * writes them (plain stores, no shared atomics per I/O); a sampler sums
 * the threads' copies whenever it likes, e.g. once per log interval.
 */
#ifndef DGEN_SAMPLE_H
#define DGEN_SAMPLE_H

#include <stdint.h>

#include <dgen/writer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What target k has seen so far, all threads summed. */
struct dgen_target_sample {
	uint64_t bytes;			/* bytes completed */
	uint64_t ios;			/* I/Os completed in full */
	uint64_t first_ns;		/* CLOCK_MONOTONIC of its first
					   submission; 0: none yet */
	uint64_t last_ns;		/* of its last completion; 0: none */
	struct dgen_latency lat;	/* submit to completion, per I/O */
};

/*
 * dgen_writer_sample - the figures of target @k so far. Safe while the
 * workers run (a sample may lag a completion or two). Returns 0, -ENOENT
 * when @k is not a target of @w, -ENODATA without target_stats.
 */
int dgen_writer_sample(const struct dgen_writer *w, unsigned int k,
		       struct dgen_target_sample *out);

/* One I/O in flight: where, and since when. */
struct dgen_io_outstanding {
	uint64_t since_ns;		/* CLOCK_MONOTONIC of its submission;
					   0: the target has none in flight */
	uint64_t offset;		/* target byte offset */
	uint32_t len;			/* bytes */
};

/*
 * dgen_writer_outstanding - for each of the writer's targets, its oldest
 * I/O in flight (@out has one entry per target). For a watchdog: a write
 * outstanding for minutes is a device that stopped answering. Returns 0 or
 * -ENODATA without target_stats.
 */
int dgen_writer_outstanding(const struct dgen_writer *w,
			    struct dgen_io_outstanding *out);

/*
 * dgen_writer_abandon - stop @w without waiting for its I/O: for a device
 * that no longer completes, when the caller must report and exit while
 * the kernel still holds the writes. Sets the stop flag, asks each worker
 * to cancel what it has in flight (IORING_OP_ASYNC_CANCEL; block writes a
 * device holds usually cannot be), and fills @res from the counters as
 * they are now (ops and latency from the per-target figures; seconds up
 * to now; stopped set). @w must not be waited for or freed afterwards:
 * its threads may stay blocked until the kernel lets go.
 */
void dgen_writer_abandon(struct dgen_writer *w, struct dgen_writer_result *res);

/* dgen_now_ns - CLOCK_MONOTONIC in nanoseconds, the clock of the samples. */
uint64_t dgen_now_ns(void);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_SAMPLE_H */
