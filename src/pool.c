// SPDX-License-Identifier: MIT
/*
 * pool.c - device queue limits, and the I/O size and queue depth they give
 *
 * Why the rule in dgen/pool.h:
 *
 * - I/O size. Each I/O costs a submission, a completion and a fill call,
 *   about a microsecond in all; at 1 MiB that is under 1% of the time a
 *   core needs to generate the bytes, and NVMe and SAS devices reach their
 *   sequential bandwidth well below 1 MiB. Larger I/Os only save more of
 *   that 1% while holding more memory. A stated optimal_io_size (a RAID
 *   stripe) is honoured in whole stripes so no write is a partial-stripe
 *   read-modify-write. Past max_sectors_kb the block layer splits the I/O
 *   anyway, so the size is capped there.
 * - Queue depth. The generator writes every byte with the CPU, so a buffer
 *   submitted while its bytes are still in the core's L2/L3 is read by the
 *   device's DMA from the cache (DDIO on Intel, the same snoop path on AMD)
 *   instead of costing a write-back and a read of DRAM. A thread's in-flight
 *   bytes therefore aim at a quarter of its share of L2 + L3
 *   (POOL_CACHE_FRACTION): the share is nominal, since the L3 also holds
 *   what the device (or the loop worker) is reading, the rings, the
 *   kernel's data and the other threads' (and, on a VM, other guests'),
 *   and on AMD it is a victim cache filled only by L2 evictions. Measured
 *   by bench/sweep.sh on the development machine (1 MiB L2 + 16 MiB L3 per
 *   core, bench/RESULTS.md): at 1 MiB I/Os and 2 threads, 4 MiB in flight
 *   per thread ran the null target at ~195 GB/s against ~107 GB/s with the
 *   whole 17 MiB share (16 MiB), and the loop device at 11.9 against
 *   10.3 GB/s; the sweep's best points all sat at or below a quarter of
 *   the share. But a flash device needs
 *   several large writes in flight to keep all its dies busy, so all
 *   threads together keep at least DGEN_POOL_DEVICE_BYTES_MIN (8 MiB: eight
 *   1 MiB writes, where NVMe sequential writes reach their plateau) in
 *   flight whatever the caches say. More than nr_requests in flight only
 *   waits in the block layer holding buffers, so that is the ceiling.
 *   io_uring rounds rings up to powers of two; a power-of-two depth fills
 *   its ring exactly.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/pool.h>

#include "refuse.h"
#include "sysfs.h"
#include "units.h"

#define QUEUE_DEPTH_USER_MAX	4096u
/* The part of a thread's L2 + L3 share its in-flight buffers aim at. */
#define POOL_CACHE_FRACTION	4
#define STR_(x)			#x
#define STR(x)			STR_(x)

void dgen_device_limits_default(struct dgen_device_limits *out)
{
	*out = (struct dgen_device_limits) {
		.logical_block_size = DGEN_FILE_BLOCK_SIZE,
		.minimum_io_size = DGEN_FILE_BLOCK_SIZE,
		.queue_depth = DGEN_FILE_QUEUE_DEPTH,
	};
}

/* One queue/ value, or @dflt when it cannot be read or is out of range. */
static uint32_t queue_value(const char *sysfs, const char *name, uint64_t scale,
			    uint32_t dflt)
{
	char path[4200];
	long v;

	if (dgen_pathf(path, sizeof(path), "%s/queue/%s", sysfs, name) < 0 ||
	    dgen_sysfs_read_long(path, &v) < 0 || v < 0 ||
	    (uint64_t)v > UINT32_MAX / scale)
		return dflt;
	return (uint32_t)((uint64_t)v * scale);
}

int dgen_device_limits_read(const struct dgen_device *dev,
			    struct dgen_device_limits *out)
{
	struct dgen_device_limits d;

	dgen_device_limits_default(&d);
	*out = d;
	if (dev->kind != DGEN_DEVICE_BLOCK || !dev->sysfs[0])
		return 0;
	out->logical_block_size = queue_value(dev->sysfs, "logical_block_size",
					      1, d.logical_block_size);
	out->minimum_io_size = queue_value(dev->sysfs, "minimum_io_size", 1,
					   d.minimum_io_size);
	out->optimal_io_size = queue_value(dev->sysfs, "optimal_io_size", 1, 0);
	out->max_io_size = queue_value(dev->sysfs, "max_sectors_kb", 1024, 0);
	out->queue_depth = queue_value(dev->sysfs, "nr_requests", 1,
				       d.queue_depth);
	out->max_segments = queue_value(dev->sysfs, "max_segments", 1, 0);
	if (!out->logical_block_size)
		out->logical_block_size = d.logical_block_size;
	if (!out->queue_depth)
		out->queue_depth = d.queue_depth;
	out->from_device = 1;
	return 0;
}

static uint64_t round_down(uint64_t x, uint64_t m)
{
	return x - x % m;
}

static uint32_t pow2_floor(uint32_t x)
{
	uint32_t p = 1;

	while (p <= x / 2)
		p *= 2;
	return p;
}

static uint32_t derive_io_size(const struct dgen_device_limits *l,
			       uint32_t granule, char *why, size_t len)
{
	char a[32], b[32], c[32];
	uint64_t io = DGEN_POOL_IO_SIZE_DEFAULT;
	int n;

	n = snprintf(why, len, "default %s",
		     dgen_bytes_str(a, sizeof(a), DGEN_POOL_IO_SIZE_DEFAULT));
	if (l->optimal_io_size) {
		io = (io + l->optimal_io_size - 1) / l->optimal_io_size *
		     l->optimal_io_size;
		n += snprintf(why + n, len - (size_t)n, ", whole %s optimal I/Os",
			      dgen_bytes_str(b, sizeof(b), l->optimal_io_size));
	}
	if (l->max_io_size && io > l->max_io_size) {
		io = l->max_io_size;
		n += snprintf(why + n, len - (size_t)n, ", capped at max %s",
			      dgen_bytes_str(b, sizeof(b), l->max_io_size));
	} else if (l->max_io_size) {
		n += snprintf(why + n, len - (size_t)n, ", device max %s",
			      dgen_bytes_str(b, sizeof(b), l->max_io_size));
	}
	if (io > DGEN_POOL_IO_SIZE_MAX)
		io = DGEN_POOL_IO_SIZE_MAX;
	io = round_down(io, granule);
	if (!io)
		io = granule;
	snprintf(why + n, len - (size_t)n, ", in %s units",
		 dgen_bytes_str(c, sizeof(c), granule));
	return (uint32_t)io;
}

/*
 * The largest I/O one request carries, for polled I/O: a split polled
 * I/O can wait for ever, so it must not be split. Buffer pages need not be
 * physically contiguous, so in the worst case each takes one segment.
 */
static uint32_t one_request_max(const struct dgen_device_limits *l,
				char *why, size_t len)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), m = 0;
	char a[16], b[16];

	if (l->max_segments) {
		m = (uint64_t)l->max_segments * page;
		snprintf(why, len, "%s: %u segments x %s",
			 dgen_bytes_str(a, sizeof(a), m), l->max_segments,
			 dgen_bytes_str(b, sizeof(b), page));
	}
	if (l->max_io_size && (!m || l->max_io_size < m)) {
		m = l->max_io_size;
		snprintf(why, len, "%s: max_sectors_kb",
			 dgen_bytes_str(a, sizeof(a), m));
	}
	return m > UINT32_MAX ? UINT32_MAX : (uint32_t)m;
}

/*
 * The null target: nothing to feed, so only the generator counts, and it is
 * fastest while a thread's buffers stay in its L2 (bench/RESULTS.md, the
 * sweep: 2 threads at 0.5-1 MiB per thread ran at 244-264 GB/s, at 4 MiB
 * 188, at 16 MiB 95). Four buffers of a quarter of the L2 share each keep
 * one filling while three are in flight; 64 KiB I/Os at the least keep the
 * per-I/O cost small.
 */
static void size_no_device(const struct dgen_pool_request *req,
			   uint32_t granule, uint32_t *io, uint64_t *q,
			   char *io_why, size_t io_len, char *qd_why,
			   size_t qd_len)
{
	char s1[16], s2[16];
	uint64_t budget = req->l2_share ? req->l2_share :
			  (req->cache_share ? req->cache_share :
			   DGEN_POOL_CACHE_DEFAULT) / POOL_CACHE_FRACTION;

	budget /= req->targets_per_thread;
	if (!req->io_size) {
		uint64_t x = budget / 4;

		if (x > DGEN_POOL_IO_SIZE_DEFAULT)
			x = DGEN_POOL_IO_SIZE_DEFAULT;
		if (x < (64u << 10))
			x = 64u << 10;
		x = pow2_floor((uint32_t)x);
		x = round_down(x, granule);
		*io = (uint32_t)(x ? x : granule);
		snprintf(io_why, io_len, "no device: %s %s share / 4 buffers",
			 dgen_bytes_str(s1, sizeof(s1), budget),
			 req->l2_share ? "L2" : "cache");
	}
	if (!req->queue_depth) {
		*q = budget / *io;
		if (*q < DGEN_POOL_QUEUE_DEPTH_MIN)
			*q = DGEN_POOL_QUEUE_DEPTH_MIN;
		if (*q > DGEN_POOL_QUEUE_DEPTH_MAX)
			*q = DGEN_POOL_QUEUE_DEPTH_MAX;
		*q = pow2_floor((uint32_t)*q);
		snprintf(qd_why, qd_len, "no device to feed: %s / %s, no device floor",
			 dgen_bytes_str(s1, sizeof(s1), budget),
			 dgen_bytes_str(s2, sizeof(s2), *io));
	}
}

int dgen_pool_size(const struct dgen_pool_request *req,
		   struct dgen_pool_sizing *out, char *msg, size_t msglen)
{
	const struct dgen_device_limits *l = req->limits;
	struct dgen_device_limits file;
	char io_why[320], qd_why[256], lim_why[96], s1[16], s2[16], s3[16];
	uint64_t cache, budget, floor_q, ceil_q, q, cache_q;
	uint32_t granule, io, limit;

	memset(out, 0, sizeof(*out));
	if (!l) {
		dgen_device_limits_default(&file);
		l = &file;
	}
	if (!req->threads || !req->targets_per_thread)
		return dgen_refuse(-EINVAL, msg, msglen,
				     "a pool needs at least one thread and one target");

	/* O_DIRECT needs whole logical blocks; 4 KiB keeps pages whole. */
	granule = l->logical_block_size;
	if (l->minimum_io_size > granule)
		granule = l->minimum_io_size;
	if (granule < 4096)
		granule = 4096;
	lim_why[0] = 0;
	limit = req->one_request ? one_request_max(l, lim_why, sizeof(lim_why)) : 0;

	if (req->io_size && limit && req->io_size > limit)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "I/O size %u is more than one request carries with polled I/O (%s): the kernel would split it, and a split polled I/O can hang; give --bs %u or less",
				   req->io_size, lim_why, limit);
	if (req->io_size) {
		if (req->io_size % l->logical_block_size ||
		    req->io_size > DGEN_POOL_IO_SIZE_MAX)
			return dgen_refuse(-EINVAL, msg, msglen,
					     "I/O size %u is not a multiple of the device's %u-byte logical block up to %u bytes",
					     req->io_size, l->logical_block_size,
					     DGEN_POOL_IO_SIZE_MAX);
		io = req->io_size;
		snprintf(io_why, sizeof(io_why), "as asked");
	} else {
		io = derive_io_size(l, granule, io_why, sizeof(io_why));
		if (limit && io > limit) {
			io = (uint32_t)round_down(limit, granule);
			snprintf(io_why + strlen(io_why), sizeof(io_why) - strlen(io_why),
				 ", unsplit (polled or passthrough): one request carries %s", lim_why);
		}
	}
	out->one_request_max = limit;
	q = 0;
	if (l->no_device)
		size_no_device(req, granule, &io, &q, io_why, sizeof(io_why),
			       qd_why, sizeof(qd_why));

	if (req->queue_depth) {
		if (req->queue_depth > QUEUE_DEPTH_USER_MAX)
			return dgen_refuse(-EINVAL, msg, msglen,
					     "queue depth %u is above %u",
					     req->queue_depth, QUEUE_DEPTH_USER_MAX);
		q = req->queue_depth;
		snprintf(qd_why, sizeof(qd_why), "as asked");
	} else if (l->no_device) {
		/* set by size_no_device() above */
	} else {
		cache = req->cache_share ? req->cache_share : DGEN_POOL_CACHE_DEFAULT;
		budget = cache / POOL_CACHE_FRACTION / req->targets_per_thread;
		cache_q = budget / io;
		floor_q = (DGEN_POOL_DEVICE_BYTES_MIN + (uint64_t)io * req->threads - 1) /
			  ((uint64_t)io * req->threads);
		ceil_q = l->queue_depth / req->threads;
		if (!ceil_q)
			ceil_q = 1;
		q = cache_q;
		if (q < floor_q)
			q = floor_q;
		if (q < DGEN_POOL_QUEUE_DEPTH_MIN)
			q = DGEN_POOL_QUEUE_DEPTH_MIN;
		if (q > DGEN_POOL_QUEUE_DEPTH_MAX)
			q = DGEN_POOL_QUEUE_DEPTH_MAX;
		if (q > ceil_q)
			q = ceil_q;
		q = pow2_floor((uint32_t)q);
		snprintf(qd_why, sizeof(qd_why),
			 "%s cache share%s / " STR(POOL_CACHE_FRACTION) "%s / %s = %llu, device floor %llu (%s over %u thread%s), ceiling %llu (%u requests / %u)",
			 dgen_bytes_str(s1, sizeof(s1), cache),
			 req->cache_share ? "" : " (assumed)",
			 req->targets_per_thread > 1 ? " / targets" : "",
			 dgen_bytes_str(s2, sizeof(s2), io),
			 (unsigned long long)cache_q,
			 (unsigned long long)floor_q,
			 dgen_bytes_str(s3, sizeof(s3), DGEN_POOL_DEVICE_BYTES_MIN),
			 req->threads, req->threads > 1 ? "s" : "",
			 (unsigned long long)ceil_q, l->queue_depth,
			 req->threads);
	}

	out->io_size = io;
	out->queue_depth = (uint32_t)q;
	out->thread_bytes = (uint64_t)io * q;
	out->target_bytes = out->thread_bytes * req->threads;
	snprintf(out->reason, sizeof(out->reason),
		 "I/O %s (%s); depth %u per thread (%s)",
		 dgen_bytes_str(s1, sizeof(s1), io), io_why, out->queue_depth,
		 qd_why);
	return 0;
}
