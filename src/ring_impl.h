/* SPDX-License-Identifier: MIT */
/*
 * ring_impl.h - io_uring setup with fallback for older kernels
 */
#ifndef DGEN_RING_IMPL_H
#define DGEN_RING_IMPL_H

#include <liburing.h>

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

#endif /* DGEN_RING_IMPL_H */
