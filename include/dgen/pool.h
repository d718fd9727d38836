/* SPDX-License-Identifier: MIT */
/*
 * dgen/pool.h - I/O size and queue depth from the device and the caches
 *
 * Each generator thread owns a pool of queue_depth buffers of io_size bytes
 * per target it writes; all of them are in flight at steady state. The
 * defaults come from the device's queue limits and from the thread's share
 * of the caches, and the reasoning comes back as a sentence for --dry-run.
 */
#ifndef DGEN_POOL_H
#define DGEN_POOL_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/topology.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Device limits ===== */

struct dgen_device_limits {
	uint32_t logical_block_size;	/* O_DIRECT size and offset alignment */
	uint32_t minimum_io_size;	/* smallest I/O without read-modify-write */
	uint32_t optimal_io_size;	/* e.g. a RAID stripe; 0: none stated */
	uint32_t max_io_size;		/* max_sectors_kb: larger I/Os are split;
					   0: no limit known */
	uint32_t queue_depth;		/* nr_requests: requests the device's
					   queue takes before submitters wait */
	uint32_t max_segments;		/* scatter-gather entries per request;
					   0: not known */
	int from_device;		/* 1: read from sysfs; 0: file defaults */
	int no_device;			/* 1: writes go nowhere (the null
					   target): no device to feed */
};

/* Assumed for files, and for devices whose queue/ cannot be read. */
#define DGEN_FILE_BLOCK_SIZE		4096u
#define DGEN_FILE_QUEUE_DEPTH		32u

/* dgen_device_limits_default - the limits assumed for a file. */
void dgen_device_limits_default(struct dgen_device_limits *out);

/*
 * dgen_device_limits_read - the queue limits of @dev's disk, from
 * <dev->sysfs>/queue/. Files, char devices and devices without a sysfs
 * directory get dgen_device_limits_default(); so does any single value that
 * cannot be read. Returns 0.
 */
int dgen_device_limits_read(const struct dgen_device *dev,
			    struct dgen_device_limits *out);

/* ===== Pool sizing ===== */

#define DGEN_POOL_IO_SIZE_DEFAULT	(1u << 20)
#define DGEN_POOL_IO_SIZE_MAX		(64u << 20)
#define DGEN_POOL_CACHE_DEFAULT		(4u << 20)	/* no cache sizes known */
#define DGEN_POOL_DEVICE_BYTES_MIN	(8u << 20)
#define DGEN_POOL_QUEUE_DEPTH_MIN	2u
#define DGEN_POOL_QUEUE_DEPTH_MAX	128u

struct dgen_pool_request {
	const struct dgen_device_limits *limits;
	uint64_t cache_share;		/* L2 + L3 share of the thread's core;
					   0: not known */
	unsigned int threads;		/* threads writing this target, >= 1 */
	unsigned int targets_per_thread;/* targets one of them writes, >= 1 */
	uint32_t io_size;		/* user's choice (--bs), 0: derive */
	uint32_t queue_depth;		/* user's choice (--qd), 0: derive */
	uint64_t l2_share;		/* the L2 part of cache_share; 0: not
					   known */
	int one_request;		/* polled I/O (--iopoll): each I/O must
					   fit one request, unsplit */
};

struct dgen_pool_sizing {
	uint32_t io_size;		/* bytes per I/O */
	uint32_t queue_depth;		/* I/Os in flight per thread to this target */
	uint64_t thread_bytes;		/* io_size * queue_depth */
	uint64_t target_bytes;		/* thread_bytes * threads */
	uint32_t one_request_max;	/* one_request: the largest I/O one
					   request carries (0: no limit known) */
	char reason[512];		/* why, one line, for --dry-run */
};

/*
 * dgen_pool_size - the I/O size and queue depth of one thread's pool for one
 * target. The rule (pool.c says why):
 *
 *   io_size = 1 MiB, rounded up to whole optimal_io_size stripes, capped at
 *             max_io_size, in whole max(logical block, minimum I/O, 4 KiB);
 *   depth   = a quarter of the thread's cache share / io_size, so the
 *             bytes a thread generates are still in its caches when the
 *             device reads them (the rest of the share is others' data),
 *             raised so that all threads together keep at least
 *             DGEN_POOL_DEVICE_BYTES_MIN in flight, capped at the device's
 *             queue_depth / threads, within 2 .. 128, a power of two.
 *
 * With limits->no_device (the null target) there is no device to feed:
 * no device floor, and the pool is kept within the thread's L2 share
 * (a quarter of cache_share when the L2 is not known): io_size = that
 * budget / 4, a power of two from 64 KiB to 1 MiB, depth = budget /
 * io_size, within 2 .. 128.
 *
 * With one_request (polled I/O), io_size is also capped at what one request
 * carries: max_segments x the page size (buffer pages need not be
 * physically contiguous, so each may take a segment) and max_io_size.
 * The kernel must split a larger I/O, and a split polled I/O can wait for
 * ever (Linux 6.1: 127 segments, 508 KiB, against a 512 KiB I/O).
 *
 * A user's io_size or queue_depth is kept as given (and said so), except
 * that with one_request a larger io_size is refused.
 *
 * Returns 0, or -EINVAL with a sentence in @msg when a user's io_size is not
 * a multiple of the logical block size or exceeds DGEN_POOL_IO_SIZE_MAX, a
 * queue depth exceeds 4096, or threads / targets_per_thread is 0.
 */
int dgen_pool_size(const struct dgen_pool_request *req,
		   struct dgen_pool_sizing *out, char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_POOL_H */
