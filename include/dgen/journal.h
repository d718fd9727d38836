/* SPDX-License-Identifier: MIT */
/*
 * dgen/journal.h - the crash journal: what a run had made durable, kept
 * on another device, so a power cut can be judged afterwards
 *
 * While a run writes, the journal (a file of JSON lines, doc/power-loss.md)
 * receives the run's parameters, one record per target as each pass
 * begins, one record per completed flush naming the ranges of that target
 * that had been acknowledged before the flush was issued (dgen/acked.h),
 * and one as each pass ends. Every append is made durable (fdatasync)
 * before the call returns: a record counts only once it is itself
 * durable. After a crash, dgen_journal_read rebuilds from it alone what
 * each target must hold (dgen/crash.h judges it).
 *
 * The journal must outlive what it describes, so it is refused on the
 * device of any target: the same filesystem, the same disk under a
 * partition, a loop device's backing file, a stacked device's members,
 * or the same NVMe controller.
 */
#ifndef DGEN_JOURNAL_H
#define DGEN_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/acked.h>
#include <dgen/stream.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The journal's format; every record carries it as "v". */
#define DGEN_JOURNAL_VERSION	1

/* What a target's region held before a pass began. */
enum dgen_journal_previous {
	DGEN_JOURNAL_PREV_UNKNOWN,	/* anything: old sectors cannot be told */
	DGEN_JOURNAL_PREV_ZERO,		/* zeros (a discard that reads back zero) */
	DGEN_JOURNAL_PREV_PASS,		/* the previous pass's stream, written
					   whole and flushed */
};

/* dgen_journal_previous_name - "unknown", "zero", "pass"; NULL otherwise. */
const char *dgen_journal_previous_name(enum dgen_journal_previous p);

/* One target of a run, as the journal records it. */
struct dgen_journal_target {
	const char *path;		/* as the run opened it */
	uint64_t offset, size;		/* the region each pass writes */
	uint32_t unit;			/* the engine's write unit there */
	struct dgen_stream_params stream; /* pass 1's stream (seed: the run's;
					   pass p uses dgen_pass_seed) */
	uint64_t stream_origin;		/* the region is bytes [origin, origin +
					   size) of the stream; 0: from its start */
};

/* A run, as its journal's first records describe it. */
struct dgen_journal_run {
	const char *tool;		/* who writes ("dgen-uring 0.1.0"); NULL */
	const struct dgen_journal_target *targets;
	unsigned int ntargets;
	enum dgen_journal_previous initial; /* what pass 1 writes over */
	uint64_t flush_every;		/* bytes acknowledged between flushes */
	int fua;			/* writes were durable when acknowledged */
	const char *options;		/* the tool's own options, a JSON object
					   copied into the header; NULL */
};

/*
 * Open an existing journal to start the next cycle of a power-cycle loop
 * in it: its last line, when a crash cut it short, is cut off, and the new
 * run's header gets the next cycle number. Without it an existing
 * non-empty journal is refused.
 */
#define DGEN_JOURNAL_CYCLE	(1u << 0)

struct dgen_journal;

/*
 * dgen_journal_open - create the journal at @path for @run (copied) and
 * append its header and one record per target, durable before it
 * returns; with DGEN_JOURNAL_CYCLE in @flags, continue an existing one.
 *
 * Returns 0 and sets *@out, or a negative errno with a sentence in @msg:
 * -EXDEV when @path is on the device of a target (named), -EEXIST when it
 * exists and is not empty (without DGEN_JOURNAL_CYCLE), -EINVAL for bad
 * parameters or options that are not a JSON object, an existing journal
 * that cannot be read, or what open(2), write(2) or fdatasync(2) returned.
 */
int dgen_journal_open(struct dgen_journal **out, const char *path,
		      const struct dgen_journal_run *run, unsigned int flags,
		      char *msg, size_t msglen);

/*
 * dgen_journal_check_device - whether @journal_path (a file, made or not)
 * would share a device with the target @target_path. Returns 0 when they
 * are apart, -EXDEV with a sentence naming the device when they share one,
 * or -errno when neither the path nor its directory can be found.
 */
int dgen_journal_check_device(const char *journal_path,
			      const char *target_path, char *msg,
			      size_t msglen);

/*
 * dgen_journal_pass_begin - pass @pass (>= 1, increasing) begins on
 * target @k over what @prev says the region holds. Call before the pass's
 * first write to @k is submitted: when it returns the record is durable.
 * DGEN_JOURNAL_PREV_PASS needs @pass >= 2 and the previous pass ended
 * (dgen_journal_pass_end). Returns 0, -EINVAL, or the write's -errno
 * (which also fails every later append).
 */
int dgen_journal_pass_begin(struct dgen_journal *j, unsigned int k,
			    uint64_t pass, enum dgen_journal_previous prev);

/*
 * dgen_journal_durable - a flush of target @k in pass @pass completed in
 * @flush_ns nanoseconds (0: writes durable when acknowledged, --fua):
 * append the ranges @r[0, @n) it made durable (target byte offsets, in
 * the region). A long list is split over several records; all are
 * durable when it returns. @n == 0 appends nothing. Returns 0, -EINVAL
 * (a range outside the region, a pass not begun), or the write's -errno.
 */
int dgen_journal_durable(struct dgen_journal *j, unsigned int k,
			 uint64_t pass, const struct dgen_range *r, size_t n,
			 uint64_t flush_ns);

/*
 * dgen_journal_flushed - the flush of @k issued after snapshot @ticket of
 * @a (dgen_acked_snapshot) completed in @flush_ns: dgen_acked_flushed,
 * then dgen_journal_durable of what it returned. 0 or -errno.
 */
int dgen_journal_flushed(struct dgen_journal *j, struct dgen_acked *a,
			 unsigned int k, uint64_t pass, uint64_t ticket,
			 uint64_t flush_ns);

/*
 * dgen_journal_pass_end - pass @pass of @k is over: its writes completed,
 * and a last flush made all it acknowledged durable (its durable records
 * say what: the whole region, or what a cut-short pass reached). The next
 * pass may then name it as what it writes over. 0, -EINVAL (not the
 * current pass), or the write's -errno.
 */
int dgen_journal_pass_end(struct dgen_journal *j, unsigned int k,
			  uint64_t pass);

/*
 * The most ranges a journal keeps in memory per target and pass for
 * dgen_journal_durable_get (16 MiB); past it only their bytes are counted.
 */
#define DGEN_JOURNAL_KEEP_MAX	(1u << 20)

/*
 * dgen_journal_durable_get - what the durable records of @k's current pass
 * named so far: coalesced ascending ranges in *@r and *@n (valid until the
 * next append for @k) and their bytes in *@bytes, for a report. Returns
 * 0, -E2BIG when the set outgrew DGEN_JOURNAL_KEEP_MAX (only *@bytes is
 * set), or -EINVAL for a target that is not there.
 */
int dgen_journal_durable_get(struct dgen_journal *j, unsigned int k,
			     const struct dgen_range **r, size_t *n,
			     uint64_t *bytes);

/* dgen_journal_cycle - the cycle number of this run in its journal (1..). */
uint64_t dgen_journal_cycle(const struct dgen_journal *j);

/* dgen_journal_close - close @j (every record is already durable);
 * NULL is allowed. */
void dgen_journal_close(struct dgen_journal *j);

/* ===== Reading ===== */

/* One pass of one target, as the journal tells it. */
struct dgen_journal_pass {
	uint64_t pass;			/* 0: no such pass in the journal */
	enum dgen_journal_previous previous;
	int ended;			/* its end record is there */
	uint64_t flushes;		/* durable records */
	uint64_t flush_ns_max;		/* their slowest flush */
	const struct dgen_range *durable; /* coalesced, ascending */
	size_t ndurable;
	uint64_t durable_bytes;
};

struct dgen_journal_target_view {
	char *path;
	uint64_t offset, size;
	uint32_t unit;
	struct dgen_stream_params stream; /* pass 1's; kernel NULL */
	uint64_t stream_origin;
	uint64_t passes;		/* pass records of this target */
	struct dgen_journal_pass last;	/* the last pass begun */
	struct dgen_journal_pass prev;	/* the one before it */
};

/* The last run (cycle) of a journal. */
struct dgen_journal_view {
	unsigned int version;		/* of its records */
	uint64_t cycle;			/* the run's cycle number */
	uint64_t runs;			/* header records in the file */
	char tool[64];
	uint64_t time;			/* the run's start, seconds since 1970 */
	enum dgen_journal_previous initial;
	uint64_t flush_every;
	int fua;
	unsigned int ntargets;
	struct dgen_journal_target_view *targets;
	uint64_t lines;			/* lines read, a torn one included */
	int torn_tail;			/* the last line was cut short (a crash
					   while it was appended): ignored */
	uint64_t torn_line;		/* its number */
	uint64_t good_bytes;		/* the file's bytes before it */
};

/*
 * The longest line a reader accepts (a durable record holds at most
 * DGEN_JOURNAL_RANGES_PER_RECORD ranges, far below).
 */
#define DGEN_JOURNAL_LINE_MAX		(1u << 20)
#define DGEN_JOURNAL_RANGES_PER_RECORD	4096u

/*
 * dgen_journal_parse - rebuild the view of the last run in @buf[0, @len),
 * a journal's bytes. Tolerates a last line cut short (or NUL bytes after
 * the last line), which it ignores and reports in torn_tail; refuses
 * anything else that is not a journal of this version: each record is
 * checked (JSON, fields, types, targets, ranges inside their region,
 * passes in order). Never reads past @len.
 *
 * Returns 0 and sets *@out, -EINVAL with a sentence naming the line in
 * @msg, or -ENOMEM.
 */
int dgen_journal_parse(struct dgen_journal_view **out, const char *buf,
		       size_t len, char *msg, size_t msglen);

/* dgen_journal_read - dgen_journal_parse of the file at @path. 0 or
 * -errno (-EINVAL: as above), with a sentence in @msg. */
int dgen_journal_read(struct dgen_journal_view **out, const char *path,
		      char *msg, size_t msglen);

/* dgen_journal_view_free - release @v; NULL is allowed. */
void dgen_journal_view_free(struct dgen_journal_view *v);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_JOURNAL_H */
