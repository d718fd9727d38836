/* SPDX-License-Identifier: MIT */
/*
 * ring_impl.h - io_uring setup with fallback for older kernels, and the
 * wake-up of blocked rings
 *
 * Every ring of the library (the writer's, the inspector's readers', the
 * wake-up's own) is made by dgen_ring_init, so the flags tried, their
 * order and DGEN_DISABLE_RING_FEATURES apply to all of them alike.
 */
#ifndef DGEN_RING_IMPL_H
#define DGEN_RING_IMPL_H

#include <liburing.h>
#include <stdint.h>

/*
 * dgen_ring_init - set up @ring with @entries entries and the best flags
 * the kernel takes, plus DGEN_RING_SQPOLL / DGEN_RING_IOPOLL when @want asks.
 * Returns the DGEN_RING_* features in use (>= 0) or a negative errno.
 */
int dgen_ring_init(struct io_uring *ring, unsigned int entries,
		   unsigned int want);

/*
 * dgen_ring_disabled - the DGEN_RING_* features named in the environment
 * variable DGEN_DISABLE_RING_FEATURES, which the writer must not use.
 */
unsigned int dgen_ring_disabled(void);

/*
 * dgen_ring_wake - post a CQE whose user_data is @tag into each ring of
 * the @n ring fds @ring_fds (negative ones are skipped), with
 * IORING_OP_MSG_RING from a ring of its own, made and torn down here.
 * A thread blocked in io_uring_enter for a completion that never comes
 * then wakes. Returns the number of rings woken or a negative errno.
 */
int dgen_ring_wake(const int *ring_fds, unsigned int n, uint64_t tag);

#endif /* DGEN_RING_IMPL_H */
