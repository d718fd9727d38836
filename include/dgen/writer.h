/* SPDX-License-Identifier: MIT */
/*
 * dgen/writer.h - write streams to block devices and files with io_uring
 *
 * A writer runs worker threads; each owns one ring, a pool of aligned
 * buffers registered with the ring, and the targets' files registered with
 * it. A worker fills a free buffer in place with the stream bytes for the
 * offset it is about to write, submits the write, and refills buffers as
 * earlier writes complete, so generation overlaps I/O and memory stays at
 * threads x queue depth x I/O size.
 *
 * Target k receives stream k: the byte at target offset (offset + x) is
 * stream byte x. Each offset is written exactly once whatever the thread
 * count, queue depth, I/O size or order, so the bytes on the target never
 * depend on them (doc/data-contract.md section 1).
 */
#ifndef DGEN_WRITER_H
#define DGEN_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/latency.h>
#include <dgen/mismatch.h>
#include <dgen/numa.h>
#include <dgen/stream.h>
#include <dgen/target.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dgen_write_pattern {
	DGEN_PATTERN_SEQ,		/* each thread walks its units upwards */
	DGEN_PATTERN_RAND,		/* a seeded permutation of them */
};

/* Ring features: the first two are asked for, all are reported as used. */
#define DGEN_RING_SQPOLL		(1u << 0)
#define DGEN_RING_IOPOLL		(1u << 1)
#define DGEN_RING_SINGLE_ISSUER		(1u << 2)
#define DGEN_RING_DEFER_TASKRUN		(1u << 3)
#define DGEN_RING_COOP_TASKRUN		(1u << 4)
#define DGEN_RING_REGISTERED_RING	(1u << 5)
#define DGEN_RING_FIXED_BUFFERS		(1u << 6)
#define DGEN_RING_FIXED_FILES		(1u << 7)
#define DGEN_RING_URING_CMD		(1u << 8)	/* 128-byte SQEs, 32-byte
							   CQEs: NVMe passthrough */

/*
 * dgen_ring_feature_name - the name of one DGEN_RING_* bit ("sqpoll",
 * "defer_taskrun", ...), NULL for anything else. The same names, comma
 * separated (or "all"), in the environment variable
 * DGEN_DISABLE_RING_FEATURES make the writer do without those features,
 * as on a kernel that lacks them (for tests).
 */
const char *dgen_ring_feature_name(unsigned int feature);

/*
 * The engine under the writer: io_uring, or libaio (io_submit and
 * io_getevents on O_DIRECT files) where io_uring is blocked (a seccomp
 * filter such as Docker's default profile, kernel.io_uring_disabled, a
 * kernel without it). DGEN_ENGINE_AUTO takes io_uring when a ring can be
 * made and libaio otherwise.
 */
enum dgen_engine {
	DGEN_ENGINE_AUTO,
	DGEN_ENGINE_IO_URING,
	DGEN_ENGINE_LIBAIO,
};

/* dgen_engine_name - "auto", "io_uring" or "libaio"; NULL for others. */
const char *dgen_engine_name(enum dgen_engine e);

/*
 * dgen_engine_pick - the engine to run for @want, decided once: AUTO
 * makes a small ring and takes io_uring if it can, libaio if the kernel
 * refuses it (EPERM, EACCES, ENOSYS). @why gets a sentence without a
 * newline: why this engine, and when io_uring cannot start, the cause
 * found (a seccomp filter, the sysctl kernel.io_uring_disabled and its
 * value, a kernel without io_uring). Returns DGEN_ENGINE_IO_URING or
 * DGEN_ENGINE_LIBAIO; for @want IO_URING that cannot start, the negative
 * errno of the ring's setup (the run then fails with @why as its cause).
 */
int dgen_engine_pick(enum dgen_engine want, char *why, size_t whylen);

#define DGEN_IO_SIZE_DEFAULT		(1u << 20)
#define DGEN_IO_SIZE_MAX		(1u << 30)
#define DGEN_QUEUE_DEPTH_DEFAULT	32u
#define DGEN_QUEUE_DEPTH_MAX		4096u
#define DGEN_THREADS_MAX		1024u

/*
 * DGEN_MODE_VERIFY reads each unit back (READ_FIXED into the same
 * registered buffers, same units and threads as writing) and compares it
 * with the regenerated stream on the thread that read it.
 */
enum dgen_writer_mode {
	DGEN_MODE_WRITE,
	DGEN_MODE_VERIFY,
};

struct dgen_plan;
struct dgen_acked;
struct dgen_journal;

struct dgen_writer_opts {
	uint32_t io_size;		/* bytes per write */
	uint32_t queue_depth;		/* writes in flight per thread */
	uint32_t threads;		/* worker threads, one ring each */
	enum dgen_write_pattern pattern;
	unsigned int ring_flags;	/* DGEN_RING_SQPOLL | DGEN_RING_IOPOLL */
	uint64_t order_seed;		/* seeds the random order */
	/* Verify and burn-in: zero (write, no cap) unless asked for. */
	enum dgen_writer_mode mode;	/* write the streams, or read them back */
	const struct dgen_stream *const *prev_streams; /* verify: the previous
					   pass's streams, to tell stale blocks;
					   NULL: no previous pass */
	uint32_t max_report;		/* verify: mismatches kept in detail */
	uint64_t rate;			/* bytes per second, all threads; 0: no cap */
	/* Placement (dgen/placement.h): NULL runs threads x queue_depth x
	   io_size, unpinned, as above. With a plan, thread t runs on
	   plan->threads[t].cpu with its ring and buffers on its node, target
	   k's units go only to the plan's threads for k, at the plan's I/O
	   size and depth for k; threads, io_size and queue_depth are then
	   ignored. The plan must outlive the writer. */
	const struct dgen_plan *plan;
	unsigned int mem_flags;		/* DGEN_MEM_NO_* for the plan's buffers */
	unsigned int target_stats;	/* 1: keep per-target figures and the
					   I/O in flight (dgen/sample.h) */
	enum dgen_engine engine;	/* AUTO: dgen_engine_pick's, per writer */
	/* Power-loss verify (doc/power-loss.md), write mode only. Each unit
	   acknowledged in full is marked in @acked (target k is the
	   tracker's target k, its unit the engine's for k); when the bytes a
	   target acknowledged cross its flush_every, the worker that crossed
	   it takes a snapshot and flushes the target through its own ring
	   (IORING_OP_FSYNC with DATASYNC; an NVMe Flush on passthrough; a
	   NOP on null), and its completion makes the snapshot durable and,
	   with @journal, records it for pass @pass. A failed flush forgets
	   the snapshot and is an I/O error of its target. @fua: every write
	   is RWF_DSYNC (FUA on passthrough), durable when acknowledged: the
	   snapshots are recorded without a device flush. NULL: none. */
	struct dgen_acked *acked;
	struct dgen_journal *journal;
	uint64_t pass;
	unsigned int fua;
};

/* dgen_writer_opts_init - defaults: 1 MiB, depth 32, 1 thread, seq,
 * write mode, 20 mismatches in detail, no rate cap. */
void dgen_writer_opts_init(struct dgen_writer_opts *o);

struct dgen_writer;

/*
 * dgen_writer_new - prepare to write stream @streams[k] to target
 * @targets[k] for k < @n. The targets and streams must outlive the writer;
 * stream k must be at least as long as target k's size.
 *
 * In DGEN_MODE_VERIFY it reads the same units back instead and compares
 * them with the streams (a null target compares freshly generated bytes:
 * the compare's own cost); the I/O size must then be a multiple of every
 * stream's dedup unit, so each block is judged whole by one thread, and
 * prev_streams, when given, has @n entries like @streams.
 *
 * Returns 0 and sets *@out, -EINVAL with a sentence in @msg when an option
 * is out of range or the I/O size is not a multiple of a target's O_DIRECT
 * alignment (or, verifying, of a dedup unit), or -ENOMEM.
 */
int dgen_writer_new(struct dgen_writer **out,
		    const struct dgen_writer_opts *o,
		    struct dgen_target *const *targets,
		    const struct dgen_stream *const *streams, unsigned int n,
		    char *msg, size_t msglen);

/*
 * dgen_writer_start - extend files to offset + size and start the worker
 * threads (with every signal blocked, so the caller's thread gets them).
 * Returns 0, or a negative errno with a sentence in @msg (which target).
 */
int dgen_writer_start(struct dgen_writer *w, char *msg, size_t msglen);

/*
 * dgen_writer_stop - ask the workers to submit nothing more and finish the
 * writes in flight. Async-signal-safe: call it from a signal handler.
 */
void dgen_writer_stop(struct dgen_writer *w);

/*
 * dgen_writer_running - worker threads still running; 0 once all have
 * finished, when dgen_writer_wait returns at once.
 */
unsigned int dgen_writer_running(const struct dgen_writer *w);

/* dgen_writer_bytes - bytes that reached the targets so far (progress). */
uint64_t dgen_writer_bytes(const struct dgen_writer *w);

/* dgen_writer_mismatches - verify mode: blocks found bad so far. */
uint64_t dgen_writer_mismatches(const struct dgen_writer *w);

struct dgen_writer_result {
	uint64_t bytes;			/* bytes the kernel reported written */
	uint64_t ops;			/* writes completed in full */
	uint64_t short_writes;		/* completions that wrote less */
	uint64_t retries;		/* resubmissions after -EAGAIN/-EINTR */
	double seconds;			/* from start to the last worker's end */
	int stopped;			/* dgen_writer_stop ended the run early */
	unsigned int ring_features;	/* DGEN_RING_* in use (thread 0) */
	struct dgen_latency latency;	/* submit to completion, per write */
	int error;			/* 0, or an error (-errno): the one of
					   the lowest-numbered failing thread */
	int error_target;		/* its target index, -1: not a target */
	uint64_t error_offset;		/* its target byte offset */
	/* Verify: blocks that differ, by kind, and the first in detail. */
	uint64_t mismatches;		/* blocks that differ */
	uint64_t kinds[DGEN_MISMATCH_KINDS]; /* of them, by kind */
	uint64_t bad_sectors;		/* sectors that differ, in all blocks */
	const struct dgen_verify_mismatch *report; /* the max_report lowest
					   (target, offset), in that order;
					   valid until dgen_writer_free */
	unsigned int reported;		/* entries in report */
};

/*
 * dgen_writer_wait - wait for the workers to finish and fill @res.
 * Returns 0, or the error in res->error. A write that fails
 * with anything but -EAGAIN or -EINTR stops every worker.
 */
int dgen_writer_wait(struct dgen_writer *w, struct dgen_writer_result *res);

/* dgen_writer_target_bytes - bytes written to target @k so far. */
uint64_t dgen_writer_target_bytes(const struct dgen_writer *w, unsigned int k);

/* What one worker thread of a planned run did, as read back from the kernel. */
struct dgen_writer_thread_info {
	int cpu;			/* the plan's CPU; -1: no plan, not pinned */
	int node;			/* the plan's node; -1: none */
	int cpu_seen;			/* sched_getcpu() once pinned; -1: unknown */
	unsigned int cpus_allowed;	/* CPUs in its affinity mask once pinned */
	int mem_node;			/* node of every buffer page checked (with
					   move_pages); -1: not known (no NUMA
					   support), -2: pages on several nodes */
	uint64_t pages_checked;		/* buffer pages asked about */
	uint64_t pages_off_node;	/* of those, pages not on @node */
	uint64_t bytes;			/* bytes it wrote, all its targets */
	uint32_t buffers;		/* registered buffers (its depth) */
	uint64_t mem_bytes;		/* its buffer mapping */
	enum dgen_mem_pages pages;
	char mem_how[160];		/* dgen_numa_buf.how, for the report */
};

/*
 * dgen_writer_thread_info - what worker @t did with its plan: where it ran
 * and where its buffers are. Valid once the thread has set up (after
 * dgen_writer_wait, always). Returns 0, -ENOENT when @t is not a thread of
 * @w, or -ENODATA when @w has no plan or the thread never set up.
 */
int dgen_writer_thread_info(const struct dgen_writer *w, unsigned int t,
			    struct dgen_writer_thread_info *out);

/* dgen_writer_free - release @w after dgen_writer_wait; NULL is allowed. */
void dgen_writer_free(struct dgen_writer *w);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_WRITER_H */
