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
 *   writer_io.c     a worker's I/O on its engine (engine.h: io_uring or
 *                   libaio): units as engine I/Os (NVMe passthrough on
 *                   io_uring too), completions, the cancel after a wake-up
 *   writer_fault.h  test-only faults in completions (DGEN_FAULT_*)
 *   writer_place.c  a placement plan's part (writer_place.h)
 *
 * Calls go one way: sample.c uses writer.c's API, writer.c starts and
 * frees the workers of writer_loop.c, which takes its units from
 * writer_split.c and does its I/O through writer_io.c's wio_* calls,
 * which put it on the worker's engine (engine.h); nothing calls back up.
 * The engine is the run's choice, made once (dgen_engine_pick): every
 * worker of every phase has the same kind.
 */
#ifndef DGEN_WRITER_IMPL_H
#define DGEN_WRITER_IMPL_H

#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>

#include <dgen/rate.h>
#include <dgen/writer.h>

#include "engine.h"
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
	struct wflush *next;		/* waiting for an entry: the next */
};

/* A flush's completion data: its pointer with the low bit set (slots and
 * flushes, aligned, never have it). */
#define WIO_FLUSH_TAG	((uintptr_t)1)

/* Flushes one worker keeps in flight at most, beside its qd units: its
 * engine has that many entries more (libaio's are a fixed set, and a unit
 * queued again must always find one). A crossing past them waits, in
 * order, until one of them completes (writer_flush_next). */
#define WIO_FLUSHES	2u

struct worker {
	_Alignas(CACHE_LINE) struct dgen_writer *w;
	unsigned int id;
	pthread_t tid;
	/* Its engine's (writer_io.c): */
	struct dgen_eng eng;
	unsigned int features;		/* DGEN_RING_* in use (atomic: read by
					   dgen_writer_abandon) */
	int *file_index;		/* per target: the fixed file index or
					   the fd; -1: null target */
	uint8_t *mem;
	size_t mem_len;
	struct slot *slots;
	unsigned int *free;
	unsigned int nfree, inflight;
	unsigned int *pending;		/* new units queued, not yet submitted */
	unsigned int npending;
	struct eng_done *done;		/* one reap's completions: slots */
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
	struct wflush *waiting, *waiting_last;	/* flushes not yet queued */
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

/* ===== Its I/O on the engine (writer_io.c) ===== */

/*
 * wio_init - @wk's engine, of the writer's kind, for @qd I/Os in flight,
 * with the ring flags the options ask for. Run on the worker's own
 * thread. Returns 0 or -errno.
 */
int wio_init(struct worker *wk, unsigned int qd);

/*
 * wio_register - register the @qd buffers @iov and the @nfd target
 * files @fds where the engine can (a memlock limit may not let io_uring;
 * libaio has nothing to register), and set wk->file_index from the
 * per-target indexes into @fds (-1: null) to what the engine names
 * files by.
 */
void wio_register(struct worker *wk, const struct iovec *iov,
		  unsigned int qd, const int *fds, unsigned int nfd);

/* wio_queue - queue the rest of @s's unit, from s->done to s->len. */
void wio_queue(struct worker *wk, struct slot *s);

/* wio_submit - hand what is queued to the kernel, waiting for @wait_nr
 * completions. Returns >= 0, or -errno when the engine failed. */
int wio_submit(struct worker *wk, unsigned int wait_nr);

/*
 * wio_reap - move up to @max completions ready to @out, as bytes done or
 * -errno; a wake-up (dgen_writer_abandon) is answered here with a
 * cancel. Returns the count.
 */
unsigned int wio_reap(struct worker *wk, struct eng_done *out,
		      unsigned int max);

/* wio_fd - the fd for dgen_writer_abandon's wake-up; -1: none (libaio
 * wakes by itself every second). */
int wio_fd(const struct worker *wk);

/* wio_exit - tear the engine down (if made), files first. */
void wio_exit(struct worker *wk);

/*
 * wio_flush - queue a flush of target @k for @f and hand it to the kernel:
 * fdatasync of its file or block device, an NVMe Flush on passthrough, a
 * NOP on null. Its completion comes back from wio_reap with data @f
 * tagged WIO_FLUSH_TAG. Returns 0 or -EBUSY when no entry is free even
 * after a submit.
 */
int wio_flush(struct worker *wk, unsigned int k, struct wflush *f);

/* ===== Flushes for power-loss verify (writer_flush.c) ===== */

/*
 * writer_acked - @s's unit was acknowledged in full: mark it in the
 * tracker and, when its target is due, snapshot and issue a flush (with
 * --fua, record the snapshot as durable at once). Returns 0, or -errno
 * (a journal that cannot be written): the writer stops with it.
 */
int writer_acked(struct worker *wk, const struct slot *s);

/* writer_flush_drop - free the flushes still waiting for an entry (the
 * worker stops; the run's last flush covers their snapshots). */
void writer_flush_drop(struct worker *wk);

/*
 * writer_flush_done - the flush @f completed with @res (0 or -errno): its
 * snapshot is durable and journaled, or, failed, forgotten. Frees @f.
 * Returns 0, or -errno with the target in *@target (-1: the journal).
 */
int writer_flush_done(struct worker *wk, struct wflush *f, int res,
		      int *target);

#endif /* DGEN_WRITER_IMPL_H */
