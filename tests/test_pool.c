// SPDX-License-Identifier: MIT
/*
 * test_pool.c - device queue limits from sysfs, and the I/O size and queue
 * depth the sizing rule derives from them and from the caches
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include <dgen/pool.h>

#define MiB	(1u << 20)
#define KiB	(1u << 10)

/* The virtio disk of the development machine: 4 MiB max, 256 requests. */
static const struct dgen_device_limits virtio = {
	.logical_block_size = 512,
	.minimum_io_size = 4096,
	.optimal_io_size = 0,
	.max_io_size = 4 * MiB,
	.queue_depth = 256,
	.from_device = 1,
};

static struct dgen_pool_sizing size(const struct dgen_device_limits *l,
				    uint64_t cache, unsigned int threads,
				    unsigned int per_thread)
{
	struct dgen_pool_request req = {
		.limits = l,
		.cache_share = cache,
		.threads = threads,
		.targets_per_thread = per_thread,
	};
	struct dgen_pool_sizing s;
	char msg[256] = "";

	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(s.thread_bytes, (uint64_t)s.io_size * s.queue_depth);
	cr_assert_eq(s.target_bytes, s.thread_bytes * threads);
	cr_assert_neq(s.reason[0], '\0');
	return s;
}

Test(pool, cache_share_sets_depth)
{
	/* 1 MiB L2 + 16 MiB of L3 per core, 8 threads (device floor 1):
	 * a quarter of 17 MiB -> 4 x 1 MiB. */
	struct dgen_pool_sizing s = size(&virtio, 17 * MiB, 8, 1);

	cr_assert_eq(s.io_size, MiB);
	cr_assert_eq(s.queue_depth, 4);
	cr_assert_eq(s.target_bytes, 32 * MiB);
	cr_assert(strstr(s.reason, "17 MiB cache share / 4 / 1 MiB = 4"), "%s",
		  s.reason);
	/* A 64 MiB share: 16. */
	cr_assert_eq(size(&virtio, 64 * MiB, 8, 1).queue_depth, 16);
}

Test(pool, targets_split_the_cache)
{
	/* A quarter of 68 MiB over two targets: 8 each. */
	cr_assert_eq(size(&virtio, 68 * MiB, 8, 2).queue_depth, 8);
}

Test(pool, device_floor_beats_small_cache)
{
	/* 2 MiB of cache would give 2; one thread must keep 8 MiB in flight. */
	struct dgen_pool_sizing s = size(&virtio, 2 * MiB, 1, 1);

	cr_assert_eq(s.queue_depth, 8);
	cr_assert_geq(s.target_bytes, DGEN_POOL_DEVICE_BYTES_MIN);
}

Test(pool, device_ceiling)
{
	/* 32 requests over 8 threads: never more than 4 each. */
	struct dgen_device_limits l = virtio;

	l.queue_depth = 32;
	cr_assert_eq(size(&l, 64 * MiB, 8, 1).queue_depth, 4);
	/* More threads than requests: one each, not zero. */
	cr_assert_eq(size(&l, 17 * MiB, 64, 1).queue_depth, 1);
}

Test(pool, depth_within_bounds)
{
	struct dgen_device_limits l = virtio;

	l.queue_depth = 100000;
	l.max_io_size = 4 * KiB;
	/* A quarter of 17 MiB / 4 KiB = 1088, bounded to 128. */
	cr_assert_eq(size(&l, 17 * MiB, 1, 1).queue_depth,
		     DGEN_POOL_QUEUE_DEPTH_MAX);
}

Test(pool, io_size_from_device)
{
	struct dgen_device_limits l = virtio;
	struct dgen_pool_sizing s;

	/* A 3 x 256 KiB RAID stripe: whole stripes, 1.5 MiB. */
	l.optimal_io_size = 768 * KiB;
	cr_assert_eq(size(&l, 17 * MiB, 1, 1).io_size, 1536 * KiB);
	/* An old HBA's 128 KiB max_sectors_kb caps the size. */
	l = virtio;
	l.max_io_size = 128 * KiB;
	s = size(&l, 17 * MiB, 1, 1);
	cr_assert_eq(s.io_size, 128 * KiB);
	cr_assert(strstr(s.reason, "capped at max 128 KiB"), "%s", s.reason);
	/* 1280 KiB is said as such, not rounded to "1.2 MiB". */
	l.max_io_size = 1280 * KiB;
	cr_assert(strstr(size(&l, 17 * MiB, 1, 1).reason, "device max 1280 KiB"));
	/* A 16 KiB minimum I/O (a 16K-page SSD): whole 16 KiB units. */
	l = virtio;
	l.minimum_io_size = 16 * KiB;
	l.max_io_size = 1000 * KiB;
	cr_assert_eq(size(&l, 17 * MiB, 1, 1).io_size, 992 * KiB);
}

Test(pool, file_defaults)
{
	struct dgen_device_limits l;
	struct dgen_pool_sizing s;

	dgen_device_limits_default(&l);
	cr_assert_eq(l.from_device, 0);
	cr_assert_eq(l.queue_depth, DGEN_FILE_QUEUE_DEPTH);
	s = size(NULL, 0, 2, 1);
	cr_assert_eq(s.io_size, DGEN_POOL_IO_SIZE_DEFAULT);
	/* 4 MiB assumed cache -> 1, floor 4 (8 MiB over 2), ceiling 16. */
	cr_assert_eq(s.queue_depth, 4);
	cr_assert(strstr(s.reason, "assumed"), "%s", s.reason);
}

Test(pool, user_choices_kept)
{
	struct dgen_pool_request req = {
		.limits = &virtio, .cache_share = 17 * MiB,
		.threads = 2, .targets_per_thread = 1,
		.io_size = 64 * KiB, .queue_depth = 3,
	};
	struct dgen_pool_sizing s;
	char msg[256] = "";

	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0);
	cr_assert_eq(s.io_size, 64 * KiB);
	cr_assert_eq(s.queue_depth, 3);
	cr_assert(strstr(s.reason, "as asked"), "%s", s.reason);

	req.io_size = 1000;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "1000") && strstr(msg, "512"), "%s", msg);
	req.io_size = 0;
	req.queue_depth = 100000;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), -EINVAL);
	req.queue_depth = 0;
	req.threads = 0;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), -EINVAL);
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/queue/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

Test(pool, limits_from_sysfs)
{
	struct dgen_device dev = { .kind = DGEN_DEVICE_BLOCK };
	struct dgen_device_limits l;
	char dir[] = "/tmp/dgen-queue-XXXXXX", cmd[128];

	cr_assert_not_null(mkdtemp(dir));
	snprintf(dev.sysfs, sizeof(dev.sysfs), "%s", dir);
	snprintf(cmd, sizeof(cmd), "%s/queue", dir);
	cr_assert_eq(mkdir(cmd, 0755), 0);
	put(dir, "logical_block_size", "4096\n");
	put(dir, "minimum_io_size", "4096\n");
	put(dir, "optimal_io_size", "131072\n");
	put(dir, "max_sectors_kb", "1280\n");
	put(dir, "nr_requests", "1023\n");
	cr_assert_eq(dgen_device_limits_read(&dev, &l), 0);
	cr_assert_eq(l.from_device, 1);
	cr_assert_eq(l.logical_block_size, 4096);
	cr_assert_eq(l.optimal_io_size, 128 * KiB);
	cr_assert_eq(l.max_io_size, 1280 * KiB);
	cr_assert_eq(l.queue_depth, 1023);

	/* A file gets the defaults whatever disk holds it. */
	dev.kind = DGEN_DEVICE_FILE;
	cr_assert_eq(dgen_device_limits_read(&dev, &l), 0);
	cr_assert_eq(l.from_device, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(pool, this_machine)
{
	struct dgen_device_limits l;
	struct dgen_device dev;
	struct dgen_pool_sizing s;

	cr_assert_eq(dgen_device_probe("/", NULL, &dev), 0);
	if (!dev.sysfs[0])
		cr_skip_test("the root filesystem is on no block device");
	dev.kind = DGEN_DEVICE_BLOCK;	/* read the disk holding "/" */
	cr_assert_eq(dgen_device_limits_read(&dev, &l), 0);
	cr_assert_eq(l.from_device, 1);
	cr_assert_geq(l.logical_block_size, 512);
	s = size(&l, 17 * MiB, 2, 1);
	cr_assert_eq(s.io_size % l.logical_block_size, 0);
	cr_assert_geq(s.queue_depth, 1);
}

/* The null target feeds no device: no floor, the pool within the L2. */
Test(pool, no_device_stays_in_l2)
{
	struct dgen_device_limits l;
	struct dgen_pool_request req = {
		.limits = &l, .cache_share = 17 * MiB, .l2_share = MiB,
		.threads = 2, .targets_per_thread = 1,
	};
	struct dgen_pool_sizing s;
	char msg[256] = "";

	dgen_device_limits_default(&l);
	l.no_device = 1;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0, "%s", msg);
	/* 1 MiB of L2 over 4 buffers: 4 x 256 KiB, below the 8 MiB floor. */
	cr_assert_eq(s.io_size, 256 * KiB);
	cr_assert_eq(s.queue_depth, 4);
	cr_assert(strstr(s.reason, "no device floor"), "%s", s.reason);
	/* A user's I/O size is kept; the depth still fits the L2 (at least 2). */
	req.io_size = MiB;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(s.io_size, MiB);
	cr_assert_eq(s.queue_depth, 2);
	/* No L2 known: a quarter of the cache share, 64 KiB I/Os at least. */
	req.io_size = 0;
	req.l2_share = 0;
	req.cache_share = 512 * KiB;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(s.io_size, 64 * KiB);
	cr_assert_eq(s.queue_depth, 2);
}

/* Polled I/O: one request must carry each I/O (Linux 6.1's NVMe driver
 * allows 127 segments, 508 KiB, under a 512 KiB max_sectors_kb). */
Test(pool, polled_io_fits_one_request)
{
	struct dgen_device_limits l = {
		.logical_block_size = 512, .minimum_io_size = 512,
		.max_io_size = 512u << 10, .queue_depth = 1023,
		.max_segments = 127, .from_device = 1,
	};
	struct dgen_pool_request req = {
		.limits = &l, .threads = 1, .targets_per_thread = 1,
		.cache_share = 16u << 20, .one_request = 1,
	};
	struct dgen_pool_sizing s;
	char msg[512];
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);

	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(s.one_request_max, 127 * page < l.max_io_size ?
		     127 * page : l.max_io_size);
	cr_assert_leq(s.io_size, s.one_request_max);
	cr_assert_eq(s.io_size % 4096, 0);
	cr_assert_not_null(strstr(s.reason, "one request carries"), "%s", s.reason);
	/* Not polled: the usual 512 KiB, the block layer may split it. */
	req.one_request = 0;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0);
	cr_assert_eq(s.io_size, 512u << 10);
	cr_assert_eq(s.one_request_max, 0);
	/* A user's --bs past the limit is refused, not split. */
	req.one_request = 1;
	req.io_size = 512u << 10;
	if (127 * page < (512u << 10)) {
		cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), -EINVAL);
		cr_assert_not_null(strstr(msg, "split polled I/O can hang"), "%s", msg);
	}
	req.io_size = 256u << 10;
	cr_assert_eq(dgen_pool_size(&req, &s, msg, sizeof(msg)), 0);
	cr_assert_eq(s.io_size, 256u << 10);
}
