// SPDX-License-Identifier: MIT
/*
 * ring.c - io_uring setup: the best flags the kernel takes
 *
 * Each worker thread creates and alone uses its ring, which is exactly what
 * IORING_SETUP_SINGLE_ISSUER (6.0) promises and what DEFER_TASKRUN (6.1)
 * needs: completions are then processed only when the worker asks for
 * them, never by interrupting it mid-fill. Older kernels reject unknown
 * flags with -EINVAL, so flags are dropped one at a time, newest first,
 * as fio's t/io_uring.c does; COOP_TASKRUN (5.19) is the lesser
 * substitute for DEFER_TASKRUN.
 */
#include <errno.h>
#include <string.h>

#include <dgen/writer.h>

#include "ring_impl.h"

struct flag_map {
	unsigned int setup;
	unsigned int feature;
};

static const struct flag_map flag_map[] = {
	{ IORING_SETUP_SQPOLL, DGEN_RING_SQPOLL },
	{ IORING_SETUP_IOPOLL, DGEN_RING_IOPOLL },
	{ IORING_SETUP_SINGLE_ISSUER, DGEN_RING_SINGLE_ISSUER },
	{ IORING_SETUP_DEFER_TASKRUN, DGEN_RING_DEFER_TASKRUN },
	{ IORING_SETUP_COOP_TASKRUN, DGEN_RING_COOP_TASKRUN },
};

static unsigned int features_of(unsigned int setup)
{
	unsigned int f = 0;

	for (size_t i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
		if (setup & flag_map[i].setup)
			f |= flag_map[i].feature;
	return f;
}

static int try_init(struct io_uring *ring, unsigned int entries,
		    unsigned int flags)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	p.flags = flags;
	if (flags & IORING_SETUP_SQPOLL)
		p.sq_thread_idle = 1000;	/* ms before the poller sleeps */
	return io_uring_queue_init_params(entries, ring, &p);
}

int dgen_ring_init(struct io_uring *ring, unsigned int entries,
		   unsigned int want)
{
	/* Each row is tried in turn while the kernel answers -EINVAL. */
	static const unsigned int tries[] = {
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN,
		IORING_SETUP_COOP_TASKRUN,
		0,
	};
	unsigned int base = 0, flags = 0;
	int r = -EINVAL;

	if (want & DGEN_RING_SQPOLL)
		base |= IORING_SETUP_SQPOLL;
	if (want & DGEN_RING_IOPOLL)
		base |= IORING_SETUP_IOPOLL;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		flags = base | tries[i];
		/* The SQ poller thread does the issuing: no task work to defer. */
		if (base & IORING_SETUP_SQPOLL)
			flags &= ~(IORING_SETUP_DEFER_TASKRUN |
				   IORING_SETUP_COOP_TASKRUN);
		r = try_init(ring, entries, flags);
		if (r != -EINVAL)
			break;
	}
	if (r < 0)
		return r;
	r = (int)features_of(flags);
	/* Saves the fd lookup on every io_uring_enter (5.18). */
	if (io_uring_register_ring_fd(ring) == 1)
		r |= DGEN_RING_REGISTERED_RING;
	return r;
}
