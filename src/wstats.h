/* SPDX-License-Identifier: MIT */
/*
 * wstats.h - the writer's per-thread, per-target counters (dgen/sample.h)
 *
 * Each worker owns one row of counters per target and one record per
 * buffer for the I/O it has in flight. Only the worker writes them, with
 * plain or relaxed stores into lines no other worker touches; samplers
 * read them (relaxed) and sum over the threads. The inline hooks below are
 * the writer's whole cost: a few stores per I/O.
 */
#ifndef DGEN_WSTATS_H
#define DGEN_WSTATS_H

#include <stdint.h>

#include <dgen/sample.h>

/* A CQE with this user_data is no I/O: a wake-up or a cancel's answer. */
#define WSTATS_WAKE	((uint64_t)-1)	/* engine.h's ENG_WAKE */

struct wstats_tgt {
	uint64_t bytes, ios, first_ns, last_ns;
	/* Made by the owner at its first I/O to the target (a plan gives a
	 * thread only some targets: 9 KiB each for all would add up). */
	struct dgen_latency *lat;
} __attribute__((aligned(64)));

struct wstats_io {
	uint64_t since;			/* 0: free */
	uint64_t off;
	uint32_t len;
	uint32_t target;
};

struct wstats_thread {
	struct wstats_tgt *tgt;		/* one per target */
	struct wstats_io *io;		/* one per buffer; published once set up */
	unsigned int nio;
	int ring_fd;			/* for dgen_writer_abandon's wake-up */
	int wake_seen;			/* the worker has cancelled after a wake */
};

struct wstats {
	unsigned int threads, n;
	struct wstats_thread *th;
};

int wstats_new(struct wstats **out, unsigned int threads, unsigned int n);
void wstats_free(struct wstats *s);

/* In worker @t, once its ring and @qd buffers exist: publish them. */
int wstats_thread_setup(struct wstats *s, unsigned int t, unsigned int qd,
			int ring_fd);

void wstats_sample(const struct wstats *s, unsigned int k,
		   struct dgen_target_sample *out);
void wstats_outstanding(const struct wstats *s, struct dgen_io_outstanding *out);

/* Wake every worker's ring with a CQE tagged WSTATS_WAKE (IORING_OP_MSG_RING). */
void wstats_wake(const struct wstats *s);

/* The target's first I/O from this thread: its histogram, its start. */
void wstats_first(struct wstats_tgt *tg, uint64_t now);

/* Submission of buffer @b's unit to @target at byte @off. */
static inline void wstats_submit(struct wstats_thread *th, unsigned int b,
				 unsigned int target, uint64_t off,
				 uint32_t len, uint64_t now)
{
	struct wstats_io *io = &th->io[b];
	struct wstats_tgt *tg = &th->tgt[target];

	if (!tg->first_ns)
		wstats_first(tg, now);
	io->off = off;
	io->len = len;
	io->target = target;
	/* Release: a sampler that sees the time sees where it went. */
	__atomic_store_n(&io->since, now, __ATOMIC_RELEASE);
}

/* @bytes of @target's I/O completed (part of a unit, or all of it). */
static inline void wstats_bytes(struct wstats_thread *th, unsigned int target,
				uint64_t bytes)
{
	struct wstats_tgt *tg = &th->tgt[target];

	__atomic_store_n(&tg->bytes, tg->bytes + bytes, __ATOMIC_RELAXED);
}

/* Buffer @b's unit to @target done in full after @lat_ns. */
static inline void wstats_done(struct wstats_thread *th, unsigned int target,
			       uint64_t lat_ns, uint64_t now)
{
	struct wstats_tgt *tg = &th->tgt[target];

	if (tg->lat)
		dgen_latency_add(tg->lat, lat_ns);
	__atomic_store_n(&tg->ios, tg->ios + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&tg->last_ns, now, __ATOMIC_RELAXED);
}

/* Buffer @b is free again (done, or failed). */
static inline void wstats_release(struct wstats_thread *th, unsigned int b)
{
	__atomic_store_n(&th->io[b].since, 0, __ATOMIC_RELAXED);
}

#endif /* DGEN_WSTATS_H */
