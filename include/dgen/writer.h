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
 * depend on them (SPEC section 1).
 */
#ifndef DGEN_WRITER_H
#define DGEN_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/numa.h>
#include <dgen/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Targets ===== */

/* The path that names the null target: all the work but no device I/O. */
#define DGEN_TARGET_NULL_PATH	"null"

enum dgen_target_type {
	DGEN_TARGET_NULL,
	DGEN_TARGET_FILE,
	DGEN_TARGET_BLOCK,
	DGEN_TARGET_NVME,		/* an NVMe generic device (/dev/ngXnY):
					   NVMe commands through io_uring
					   passthrough (IORING_OP_URING_CMD) */
};

/* Write to a block device even if it carries a known signature. */
#define DGEN_TARGET_FORCE	(1u << 0)
/*
 * Open to read back only (verify): read-only, never created or extended,
 * a signature does not refuse it; a writer in write mode fails on it.
 */
#define DGEN_TARGET_READ	(1u << 1)

struct dgen_target;

struct dgen_target_info {
	const char *path;
	enum dgen_target_type type;
	uint64_t offset;		/* first byte written */
	uint64_t size;			/* bytes written from there */
	uint64_t dev_size;		/* device or file size at open; 0: null */
	uint32_t logical_block_size;	/* block devices; 0 otherwise */
	uint32_t dio_offset_align;	/* offsets and lengths must be multiples */
	uint32_t dio_mem_align;		/* buffer addresses must be multiples */
};

/*
 * dgen_target_open - open and validate the target at @path for writing
 * @size bytes from @offset. Nothing is written: a missing regular file is
 * created empty (and removed again by dgen_target_close if no writer ever
 * started on it); extending it to offset + size waits for the writer.
 *
 * @path is a block device, a regular file (created when missing), or
 * DGEN_TARGET_NULL_PATH. @size 0 means up to the end of an existing device
 * or file. Block devices are opened O_EXCL, so a mounted or otherwise held
 * device is refused, and one whose first sectors carry a filesystem or
 * partition table signature is refused unless @flags has
 * DGEN_TARGET_FORCE. @offset and @size must be multiples of the target's
 * O_DIRECT alignment.
 *
 * Returns 0 and sets *@out, or a negative errno with a sentence for a user
 * in @msg (at most @msglen bytes): -EBUSY (in use), -EROFS (read-only),
 * -EEXIST (signature found), -ENOSPC (smaller than offset + size),
 * -EINVAL (unaligned, zero size, unsupported file type or no O_DIRECT),
 * -ENOMEM, or what open(2) returned.
 */
int dgen_target_open(struct dgen_target **out, const char *path,
		     uint64_t offset, uint64_t size, unsigned int flags,
		     char *msg, size_t msglen);

/* dgen_target_close - close @t; NULL is allowed. */
void dgen_target_close(struct dgen_target *t);

/* dgen_target_info_get - what dgen_target_open found out about @t. */
void dgen_target_info_get(const struct dgen_target *t,
			  struct dgen_target_info *out);

/*
 * dgen_target_probe - look for a filesystem, volume or partition table
 * signature in the first 68 KiB of the open file descriptor @fd (read with
 * an O_DIRECT-safe buffer, @len bytes of device at most).
 *
 * Returns the name of the signature found ("ext2/3/4", "GPT partition
 * table", ...), NULL when there is none, and sets *@err to 0 or to the
 * negative errno of a failed read.
 */
const char *dgen_target_probe(int fd, uint64_t len, int *err);

/* ===== Latency ===== */

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

/* ===== Writer ===== */

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

/* What a block that reads back wrong holds instead (SPEC section 5). */
enum dgen_mismatch_kind {
	DGEN_MISMATCH_ZEROED,		/* all zero bytes */
	DGEN_MISMATCH_STALE,		/* the previous pass's bytes there */
	DGEN_MISMATCH_FOREIGN,		/* anything else */
	DGEN_MISMATCH_KINDS
};

#define DGEN_MAX_REPORT_DEFAULT		20u
#define DGEN_BLOCK_SECTOR_WORDS		(DGEN_UNIT_MAX / DGEN_SECTOR_SIZE / 64)

/* One block that read back wrong, as verify reports it. */
struct dgen_verify_mismatch {
	unsigned int target;		/* target index */
	enum dgen_mismatch_kind kind;
	uint64_t offset;		/* target byte offset of the block */
	uint32_t len;			/* bytes of the block compared */
	uint32_t bad_sectors;		/* 512-byte sectors that differ */
	uint64_t sector_map[DGEN_BLOCK_SECTOR_WORDS]; /* bit k: the sector at
					   offset + 512 k differs */
};

/* dgen_mismatch_kind_name - "zeroed", "stale", "foreign"; NULL otherwise. */
const char *dgen_mismatch_kind_name(enum dgen_mismatch_kind kind);

struct dgen_plan;

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
