/* SPDX-License-Identifier: MIT */
/*
 * writer_impl.h - the writer's state, shared by the files that make it up
 *
 *   writer.c        the API: options, checks, threads, results (dgen/writer.h)
 *   sample.c        per-target figures while it runs (dgen/sample.h)
 *   writer_loop.c   one worker: its buffers, and the cycle of fill, queue,
 *                   submit, complete (short writes, retries, accounting)
 *   writer_split.c  the work split: which units each thread writes, in
 *                   which order
 *   writer_uring.c  the io_uring engine: the ring and its registrations,
 *                   SQEs (NVMe passthrough too), CQEs, the cancel after a
 *                   wake-up
 *   writer_fault.h  test-only faults in completions (DGEN_FAULT_*)
 *   writer_place.c  a placement plan's part (writer_place.h)
 *
 * Calls go one way: sample.c uses writer.c's API, writer.c starts and
 * frees the workers of writer_loop.c, which takes its units from
 * writer_split.c and does its I/O through writer_uring.c's uring_* calls;
 * nothing calls back up. Those uring_* calls are the whole engine, and
 * all it needs to know of a worker is its slots: another engine (libaio)
 * would offer the same calls (set up and register, queue a unit's rest,
 * submit, reap completions as bytes or -errno, tear down) over state of
 * its own in the worker.
 */
#ifndef DGEN_WRITER_IMPL_H
#define DGEN_WRITER_IMPL_H

#include <liburing.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>

#include <dgen/rate.h>
#include <dgen/writer.h>

#include "verify_impl.h"
#include "wstats.h"
#include "writer_place.h"

/*
 * Submit once this much is queued for a device: large writes go out one by
 * one, as soon as each buffer is full, so the device starts early; small
 * ones are batched so the syscall cost is shared. The null target has no
 * device to start: its NOPs wait for the one io_uring_enter per round that
 * also reaps them (bench/RESULTS.md, "Engine": an enter costs about as
 * much as generating 128 KiB on the development VM).
 */
#define SUBMIT_BYTES	(256u << 10)
#define HUGE_PAGE	(2u << 20)
/* Counters written by one worker on every completion are kept off the
 * cache lines of other workers. */
#define CACHE_LINE	64u

struct slot {
	uint8_t *buf;
	uint64_t pos;			/* stream offset of the unit */
	uint64_t t_submit;		/* ns, first io_uring_enter carrying it */
	uint32_t len;			/* unit length */
	uint32_t done;			/* bytes of it the kernel wrote */
	uint32_t tries;			/* completions seen, for DGEN_FAULT_EAGAIN */
	unsigned int target;
	unsigned int index;		/* registered buffer index */
};

/* One thread's units on one target: m -> unit t + T m, m < count. */
struct walk {
	uint64_t count;
	uint64_t emitted;
	uint64_t x, mask, inc;		/* random: LCG state over 2^p >= count */
	uint64_t first, step;		/* m -> unit first + step m (a plan may
					   give a target only some threads) */
	uint32_t io;			/* the target's unit size */
};

/* A flush in flight (writer_flush.c): its target and snapshot. */
struct wflush {
	unsigned int target;
	uint64_t ticket;
	uint64_t t_submit;		/* ns */
};

/* A completion as the engine hands it over: bytes done, or -errno; or,
 * with s NULL, the flush f's 0 or -errno. */
struct wdone {
	struct slot *s;
	int res;
	struct wflush *f;
};

struct worker {
	_Alignas(CACHE_LINE) struct dgen_writer *w;
	unsigned int id;
	pthread_t tid;
	/* The io_uring engine's (writer_uring.c): */
	struct io_uring ring;
	int ring_ok;
	unsigned int features;		/* DGEN_RING_* in use */
	int *file_index;		/* per target: the fixed file index or
					   the fd; -1: null target */
	uint8_t *mem;
	size_t mem_len;
	struct slot *slots;
	unsigned int *free;
	unsigned int nfree, inflight;
	unsigned int *pending;		/* new units queued, not yet submitted */
	unsigned int npending;
	struct wdone *done;		/* one reap's completions */
	struct walk *walks;
	unsigned int next_target;
	struct dgen_latency lat;
	uint64_t bytes;			/* atomic: read for progress */
	uint64_t *target_bytes;		/* atomic, per target, own lines */
	uint64_t ops, short_writes, retries;
	int error, error_target;
	uint64_t error_offset;
	uint64_t t_end;			/* ns, when this thread finished */
	struct dgen_verify_counts vc;	/* verify mode: what it found */
	struct place_state place;	/* with a plan: where it ran, its buffers */
	struct wstats_thread *ws;	/* target_stats: its counters (wstats.h) */
	unsigned int flushing;		/* flushes in flight (writer_flush.c) */
};

struct dgen_writer {
	struct dgen_writer_opts o;
	unsigned int n;
	struct dgen_target **targets;
	const struct dgen_stream **streams;
	int stop;			/* atomic */
	unsigned int started;		/* threads created */
	int joined;			/* dgen_writer_wait has run */
	unsigned int running;		/* atomic: threads not yet finished */
	unsigned int faults;		/* WRITER_FAULT_* (writer_fault.h) */
	size_t buf_align;
	uint64_t t0;			/* ns, start */
	struct worker *workers;
	struct dgen_verify *verify;	/* verify mode */
	struct dgen_rate rate;
	struct wstats *stats;		/* target_stats: dgen/sample.h */
	unsigned int uring_cmd;		/* DGEN_RING_URING_CMD: an NVMe
					   passthrough target (nvme_pt.c) */
};

static inline int writer_stopping(const struct dgen_writer *w)
{
	return __atomic_load_n(&w->stop, __ATOMIC_RELAXED);
}

/* ===== A worker (writer_loop.c) ===== */

/* writer_worker_main - the thread of worker @arg: set up, write, finish. */
void *writer_worker_main(void *arg);

/* writer_worker_free - what the worker allocated; a zeroed one is allowed. */
void writer_worker_free(struct worker *wk);

/* ===== The work split (writer_split.c) ===== */

/* split_init - @wk's share of target @k and the order it takes it in. */
void split_init(struct worker *wk, unsigned int k);

/*
 * split_next - @wk's next unit, taking its targets in turn: the target in
 * *@target, the unit's stream offset in *@pos. Returns 0 once it has none.
 */
int split_next(struct worker *wk, unsigned int *target, uint64_t *pos);

/* ===== The io_uring engine (writer_uring.c) ===== */

/*
 * uring_init - @wk's ring for @qd writes in flight, with the best flags
 * the kernel takes (ring.c) and those the options ask for. Run on the
 * worker's own thread. Returns 0 or -errno.
 */
int uring_init(struct worker *wk, unsigned int qd);

/*
 * uring_register - register the @qd buffers @iov and the @nfd target
 * files @fds where the kernel lets it (a memlock limit may not), and
 * set wk->file_index from the per-target indexes into @fds (-1: null).
 */
void uring_register(struct worker *wk, const struct iovec *iov,
		    unsigned int qd, const int *fds, unsigned int nfd);

/* uring_queue - queue the rest of @s's unit, from s->done to s->len. */
void uring_queue(struct worker *wk, struct slot *s);

/* uring_submit - hand what is queued to the kernel, waiting for @wait_nr
 * completions. Returns what io_uring_submit(_and_wait) does. */
int uring_submit(struct worker *wk, unsigned int wait_nr);

/*
 * uring_reap - move up to @max completions ready in the ring to @out, as
 * bytes done or -errno; a wake-up (dgen_writer_abandon) is answered here.
 * Returns the count.
 */
unsigned int uring_reap(struct worker *wk, struct wdone *out,
			unsigned int max);

/* uring_fd - the ring's fd, for dgen_writer_abandon's wake-up. */
int uring_fd(const struct worker *wk);

/* uring_exit - tear the ring down (if made), files first. */
void uring_exit(struct worker *wk);

/*
 * uring_flush - queue a flush of target @k tagged @f: fdatasync of its
 * file or block device, an NVMe Flush on passthrough, a NOP on null. Its
 * completion comes back from uring_reap with s NULL and f set. Returns 0
 * or -EBUSY when no SQE is free even after a submit.
 */
int uring_flush(struct worker *wk, unsigned int k, struct wflush *f);

/* ===== Flushes for power-loss verify (writer_flush.c) ===== */

/*
 * writer_acked - @s's unit was acknowledged in full: mark it in the
 * tracker and, when its target is due, snapshot and issue a flush (with
 * --fua, record the snapshot as durable at once). Returns 0, or -errno
 * (a journal that cannot be written): the writer stops with it.
 */
int writer_acked(struct worker *wk, const struct slot *s);

/*
 * writer_flush_done - the flush @f completed with @res (0 or -errno): its
 * snapshot is durable and journaled, or, failed, forgotten. Frees @f.
 * Returns 0, or -errno with the target in *@target (-1: the journal).
 */
int writer_flush_done(struct worker *wk, struct wflush *f, int res,
		      int *target);

#endif /* DGEN_WRITER_IMPL_H */
