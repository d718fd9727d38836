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
 *
 * A ring blocked for a completion is woken from another thread with
 * IORING_OP_MSG_RING (dgen_ring_wake): a ring that allows a single issuer
 * takes no submission from any other thread, but a CQE posted into it
 * makes its owner look, and act, itself.
 */
#include <errno.h>
#include <stdlib.h>
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
	{ IORING_SETUP_SQE128, DGEN_RING_URING_CMD },
};

/* Indexed by bit number of the DGEN_RING_* feature. */
static const char *const feature_names[] = {
	"sqpoll", "iopoll", "single_issuer", "defer_taskrun", "coop_taskrun",
	"registered_ring", "fixed_buffers", "fixed_files", "uring_cmd",
};

const char *dgen_ring_feature_name(unsigned int feature)
{
	for (unsigned int b = 0; b < sizeof(feature_names) / sizeof(feature_names[0]); b++)
		if (feature == 1u << b)
			return feature_names[b];
	return NULL;
}

/*
 * DGEN_DISABLE_RING_FEATURES: a comma-separated list of feature names (or
 * "all") the writer must do without, so tests can take the fallbacks an
 * older kernel would force, as DGEN_DISABLE_CPU_FEATURES does for kernels.
 */
unsigned int dgen_ring_disabled(void)
{
	const char *env = getenv("DGEN_DISABLE_RING_FEATURES");
	unsigned int mask = 0;

	while (env && *env) {
		size_t n = strcspn(env, ",");

		if (n == 3 && !strncmp(env, "all", 3))
			mask = ~(DGEN_RING_SQPOLL | DGEN_RING_IOPOLL |
				 DGEN_RING_URING_CMD);
		for (unsigned int b = 0; b < sizeof(feature_names) / sizeof(feature_names[0]); b++)
			if (strlen(feature_names[b]) == n &&
			    !strncmp(env, feature_names[b], n))
				mask |= 1u << b;
		env += n + (env[n] == ',');
	}
	return mask;
}

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
	const unsigned int off = dgen_ring_disabled();
	unsigned int base = 0, flags = 0;
	int r = -EINVAL;

	if (want & DGEN_RING_SQPOLL)
		base |= IORING_SETUP_SQPOLL;
	if (want & DGEN_RING_IOPOLL)
		base |= IORING_SETUP_IOPOLL;
	/* NVMe passthrough commands fill 128-byte SQEs and answer in 32-byte
	 * CQEs (5.19). */
	if (want & DGEN_RING_URING_CMD)
		base |= IORING_SETUP_SQE128 | IORING_SETUP_CQE32;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		flags = base | tries[i];
		/* The SQ poller thread does the issuing: no task work to defer. */
		if (base & IORING_SETUP_SQPOLL)
			flags &= ~(IORING_SETUP_DEFER_TASKRUN |
				   IORING_SETUP_COOP_TASKRUN);
		if (features_of(flags) & off)
			continue;
		r = try_init(ring, entries, flags);
		if (r != -EINVAL)
			break;
	}
	if (r < 0)
		return r;
	r = (int)features_of(flags);
	/* Saves the fd lookup on every io_uring_enter (5.18). */
	if (!(off & DGEN_RING_REGISTERED_RING) &&
	    io_uring_register_ring_fd(ring) == 1)
		r |= DGEN_RING_REGISTERED_RING;
	return r;
}

int dgen_ring_wake(const int *ring_fds, unsigned int n, uint64_t tag)
{
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	unsigned int sent = 0;
	int r;

	r = dgen_ring_init(&ring, n < 8 ? 8 : n, 0);
	if (r < 0)
		return r;
	for (unsigned int t = 0; t < n; t++) {
		struct io_uring_sqe *sqe;

		if (ring_fds[t] < 0 || !(sqe = io_uring_get_sqe(&ring)))
			continue;
		io_uring_prep_msg_ring(sqe, ring_fds[t], 0, tag, 0);
		sqe->user_data = t;
		sent++;
	}
	r = 0;
	if (sent)
		r = io_uring_submit(&ring);
	/* MSG_RING completes at once: its answers only say sent. */
	for (unsigned int i = 0; r >= 0 && i < sent; i++) {
		r = io_uring_wait_cqe(&ring, &cqe);
		if (!r)
			io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	return r < 0 ? r : (int)sent;
}
