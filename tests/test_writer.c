// SPDX-License-Identifier: MIT
/*
 * test_writer.c - the io_uring writer writes exactly the stream's bytes
 *
 * Real io_uring, real O_DIRECT files on tmpfs and loop devices: what lands
 * on the target is read back and compared with the generator byte for
 * byte, for layouts (threads, depth, I/O size, order) that must not change
 * the data.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "writer_helpers.h"

struct combo {
	uint32_t threads, qd, bs;
	enum dgen_write_pattern pattern;
	double dedup, compress;
};

/* Open, write and close: the library's whole cycle for @n targets. */
static int write_targets(const char *const *paths, unsigned int n,
			 uint64_t offset, uint64_t size,
			 const struct dgen_writer_opts *o,
			 struct dgen_stream **streams,
			 struct dgen_writer_result *res)
{
	struct dgen_target *t[8] = { 0 };
	struct dgen_writer *w = NULL;
	char msg[512] = "";
	int r;

	for (unsigned int k = 0; k < n; k++) {
		r = dgen_target_open(&t[k], paths[k], offset, size, 0, msg,
				     sizeof(msg));
		cr_assert_eq(r, 0, "open %s: %s", paths[k], msg);
	}
	r = dgen_writer_new(&w, o, t, (const struct dgen_stream *const *)streams,
			    n, msg, sizeof(msg));
	cr_assert_eq(r, 0, "writer_new: %s", msg);
	r = dgen_writer_start(w, msg, sizeof(msg));
	cr_assert_eq(r, 0, "start: %s", msg);
	r = dgen_writer_wait(w, res);
	dgen_writer_free(w);
	for (unsigned int k = 0; k < n; k++)
		dgen_target_close(t[k]);
	return r;
}

static void opts_from(struct dgen_writer_opts *o, const struct combo *c)
{
	dgen_writer_opts_init(o);
	o->threads = c->threads;
	o->queue_depth = c->qd;
	o->io_size = c->bs;
	o->pattern = c->pattern;
	o->order_seed = 7;
}

/*
 * The layouts: one thread at depth 1, several threads with random order,
 * an I/O size that is not a power of two, more threads than units on the
 * tail; the size leaves a partial last unit in each.
 */
static struct combo combos[] = {
	{ 1, 1, 4096, DGEN_PATTERN_SEQ, 1.0, 1.0 },
	{ 2, 4, 65536, DGEN_PATTERN_RAND, 1.0, 1.0 },
	{ 3, 8, 1 << 20, DGEN_PATTERN_SEQ, 2.5, 2.0 },
	{ 4, 32, 128 << 10, DGEN_PATTERN_RAND, 3.0, 3.0 },
	{ 2, 2, 12 << 10, DGEN_PATTERN_SEQ, 1.0, 1.5 },
	{ 1, 16, 512 << 10, DGEN_PATTERN_RAND, 1.0, 1.0 },
	{ 2, 8, 512, DGEN_PATTERN_RAND, 1.5, 1.0 },	/* sector-sized writes */
};

#define REGION_OFFSET	(8u << 10)
#define REGION_SIZE	((5u << 20) + (12u << 10))
#define GUARD		(64u << 10)

ParameterizedTestParameters(writer, file_bytes_exact)
{
	return cr_make_param_array(struct combo, combos,
				   sizeof(combos) / sizeof(combos[0]));
}

/* A file pre-filled with 0xA5: the region gets the stream, the rest stays. */
ParameterizedTest(struct combo *c, writer, file_bytes_exact)
{
	const char *path = scratch_path("file");
	struct dgen_stream *s = stream_make(11, 3, REGION_SIZE, c->dedup,
					    c->compress);
	struct dgen_writer_opts o;
	struct dgen_writer_result res;

	cr_assert(s);
	cr_assert_eq(file_make(path, REGION_OFFSET + REGION_SIZE + GUARD, 0xa5), 0);
	opts_from(&o, c);
	cr_assert_eq(write_targets(&path, 1, REGION_OFFSET, REGION_SIZE, &o,
				   &s, &res), 0);
	cr_assert_eq(res.bytes, REGION_SIZE);
	cr_assert_eq(res.ops, (REGION_SIZE + c->bs - 1) / c->bs);
	cr_assert_eq(path_compare(path, REGION_OFFSET, REGION_SIZE, s), 0,
		     "threads %u qd %u bs %u: bytes differ from the stream",
		     c->threads, c->qd, c->bs);
	cr_assert(path_all(path, 0, REGION_OFFSET, 0xa5), "bytes before the offset changed");
	cr_assert(path_all(path, REGION_OFFSET + REGION_SIZE, GUARD, 0xa5),
		  "bytes after the region changed");
	cr_assert_eq(res.latency.count, res.ops);
	unlink(path);
	dgen_stream_free(s);
}

ParameterizedTestParameters(writer, loop_bytes_exact)
{
	return cr_make_param_array(struct combo, combos,
				   sizeof(combos) / sizeof(combos[0]));
}

ParameterizedTest(struct combo *c, writer, loop_bytes_exact)
{
	const char *backing = scratch_path("loop");
	const uint64_t dev_size = REGION_OFFSET + REGION_SIZE + GUARD;
	struct dgen_stream *s = stream_make(12, 0, REGION_SIZE, c->dedup,
					    c->compress);
	struct dgen_writer_opts o;
	struct dgen_writer_result res;
	const char *dev;
	int r;

	cr_assert_eq(file_make(backing, dev_size, 0x5a), 0);
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here (needs root and the loop driver)");
	}
	opts_from(&o, c);
	r = write_targets(&dev, 1, REGION_OFFSET, REGION_SIZE, &o, &s, &res);
	cr_expect_eq(r, 0);
	cr_expect_eq(res.bytes, REGION_SIZE);
	cr_expect_eq(path_compare(dev, REGION_OFFSET, REGION_SIZE, s), 0,
		     "threads %u qd %u bs %u: device bytes differ from the stream",
		     c->threads, c->qd, c->bs);
	cr_expect(path_all(dev, 0, REGION_OFFSET, 0x5a));
	cr_expect(path_all(dev, REGION_OFFSET + REGION_SIZE, GUARD, 0x5a));
	loop_detach(dev);
	unlink(backing);
	dgen_stream_free(s);
}

struct ring_case {
	unsigned int flags;		/* asked for */
	char disable[64];		/* DGEN_DISABLE_RING_FEATURES */
	unsigned int absent;		/* features that must not be used */
};

ParameterizedTestParameters(writer, ring_flags_bytes_exact)
{
	static struct ring_case cases[] = {
		{ 0, "", 0 },
		{ DGEN_RING_SQPOLL, "", 0 },
		/* The fallbacks a 5.19 or 5.x kernel forces. */
		{ 0, "defer_taskrun", DGEN_RING_DEFER_TASKRUN },
		{ 0, "defer_taskrun,single_issuer",
		  DGEN_RING_DEFER_TASKRUN | DGEN_RING_SINGLE_ISSUER },
		{ 0, "fixed_buffers,fixed_files,registered_ring",
		  DGEN_RING_FIXED_BUFFERS | DGEN_RING_FIXED_FILES |
		  DGEN_RING_REGISTERED_RING },
		{ 0, "all", ~0u },
	};

	return cr_make_param_array(struct ring_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

/*
 * Asked-for ring flags, and the fallbacks for features a kernel lacks,
 * change how writes are issued, never the bytes.
 */
ParameterizedTest(struct ring_case *c, writer, ring_flags_bytes_exact)
{
	const char *path = scratch_path("ring");
	struct dgen_stream *s = stream_make(21, 1, REGION_SIZE, 1.0, 2.0);
	struct dgen_writer_opts o;
	struct dgen_writer_result res;

	dgen_writer_opts_init(&o);
	o.threads = 2;
	o.queue_depth = 8;
	o.io_size = 256 << 10;
	o.ring_flags = c->flags;
	setenv("DGEN_DISABLE_RING_FEATURES", c->disable, 1);
	cr_assert_eq(write_targets(&path, 1, 0, REGION_SIZE, &o, &s, &res), 0);
	cr_assert_eq(res.ring_features & c->flags, c->flags,
		     "asked for %#x, used %#x", c->flags, res.ring_features);
	cr_assert_eq(res.ring_features & c->absent, 0, "'%s' still used: %#x",
		     c->disable, res.ring_features);
	cr_assert_eq(path_compare(path, 0, REGION_SIZE, s), 0);
	unlink(path);
	dgen_stream_free(s);
}

/* Target k gets stream k: two files and a null target in one run. */
Test(writer, several_targets_own_streams)
{
	const char *paths[3] = { scratch_path("a"), DGEN_TARGET_NULL_PATH,
				 scratch_path("b") };
	const uint64_t size = 3u << 20;
	struct dgen_stream *s[3];
	struct dgen_writer_opts o;
	struct dgen_writer_result res;

	for (unsigned int k = 0; k < 3; k++)
		s[k] = stream_make(5, 40 + k, size, 1.0, 1.0);
	dgen_writer_opts_init(&o);
	o.threads = 2;
	o.io_size = 256 << 10;
	cr_assert_eq(write_targets(paths, 3, 0, size, &o, s, &res), 0);
	cr_assert_eq(res.bytes, 3 * size);
	cr_assert_eq(path_compare(paths[0], 0, size, s[0]), 0);
	cr_assert_eq(path_compare(paths[2], 0, size, s[2]), 0);
	/* Every block of file b differs from stream 40's: own stream, not a copy. */
	cr_assert_eq(path_compare(paths[2], 0, size, s[0]), size / 4096);
	unlink(paths[0]);
	unlink(paths[2]);
	for (unsigned int k = 0; k < 3; k++)
		dgen_stream_free(s[k]);
}

/* A completion that wrote less is followed by a write of the rest. */
Test(writer, short_write_completed)
{
	const char *path = scratch_path("short");
	const uint64_t size = (2u << 20) + 4096;
	struct dgen_stream *s = stream_make(9, 0, size, 2.0, 2.0);
	struct dgen_writer_opts o;
	struct dgen_writer_result res;

	dgen_writer_opts_init(&o);
	o.io_size = 64 << 10;
	o.queue_depth = 4;
	setenv("DGEN_FAULT_SHORT_WRITES", "1", 1);
	cr_assert_eq(write_targets(&path, 1, 0, size, &o, &s, &res), 0);
	unsetenv("DGEN_FAULT_SHORT_WRITES");
	cr_assert_eq(res.short_writes, res.ops, "every write was cut short once");
	cr_assert_eq(res.ops, (size + o.io_size - 1) / o.io_size);
	cr_assert_eq(path_compare(path, 0, size, s), 0);
	unlink(path);
	dgen_stream_free(s);
}

/* A write that reports -EAGAIN is submitted again, and counted once. */
Test(writer, eagain_retried)
{
	const char *path = scratch_path("again");
	const uint64_t size = (3u << 20) + 8192;
	struct dgen_stream *s = stream_make(10, 2, size, 1.0, 3.0);
	struct dgen_writer_opts o;
	struct dgen_writer_result res;

	dgen_writer_opts_init(&o);
	o.io_size = 128 << 10;
	o.queue_depth = 8;
	o.threads = 2;
	setenv("DGEN_FAULT_EAGAIN", "1", 1);
	cr_assert_eq(write_targets(&path, 1, 0, size, &o, &s, &res), 0);
	unsetenv("DGEN_FAULT_EAGAIN");
	cr_assert_eq(res.ops, (size + o.io_size - 1) / o.io_size);
	cr_assert_eq(res.retries, res.ops, "every write was retried once");
	cr_assert_eq(res.bytes, size);
	cr_assert_eq(path_compare(path, 0, size, s), 0);
	unlink(path);
	dgen_stream_free(s);
}

/* A stop before the end leaves a truthful count and only whole prefixes. */
Test(writer, stop_counts_what_was_written)
{
	const char *path = scratch_path("stop");
	const uint64_t size = 1ull << 30;
	struct dgen_stream *s = stream_make(3, 0, size, 1.0, 1.0);
	struct dgen_target *t;
	struct dgen_writer *w;
	struct dgen_writer_opts o;
	struct dgen_writer_result res;
	const struct timespec pause = { 0, 20 * 1000 * 1000 };

	dgen_writer_opts_init(&o);
	o.io_size = 1 << 20;
	o.queue_depth = 4;
	cr_assert_eq(dgen_target_open(&t, path, 0, size, 0, NULL, 0), 0);
	cr_assert_eq(dgen_writer_new(&w, &o, &t,
				     (const struct dgen_stream *const *)&s, 1,
				     NULL, 0), 0);
	cr_assert_eq(dgen_writer_start(w, NULL, 0), 0);
	nanosleep(&pause, NULL);
	dgen_writer_stop(w);
	cr_assert_eq(dgen_writer_wait(w, &res), 0);
	cr_assert(res.stopped);
	cr_assert_lt(res.bytes, size);
	cr_assert_eq(res.bytes % o.io_size, 0);
	cr_assert_eq(dgen_writer_target_bytes(w, 0), res.bytes);
	cr_assert_eq(path_compare(path, 0, res.bytes, s), 0);
	cr_assert(path_all(path, res.bytes, o.io_size, 0), "a write beyond the count landed");
	dgen_writer_free(w);
	dgen_target_close(t);
	unlink(path);
	dgen_stream_free(s);
}

/*
 * Writes are stamped once per io_uring_enter, for a whole batch: every
 * write of a null target and of a file in one run (threads, random order,
 * small I/Os, a partial last unit) is counted once, with a latency inside
 * the run. A write missed by the stamp would carry its slot's old stamp
 * or none (0), a latency of the whole uptime.
 */
Test(writer, latency_stamped_per_batch)
{
	const char *paths[2] = { DGEN_TARGET_NULL_PATH, scratch_path("lat") };
	const uint64_t size = (3u << 20) + (12u << 10);
	const uint32_t bs = 16 << 10;
	struct dgen_stream *s[2];
	struct dgen_writer_opts o;
	struct dgen_writer_result res;

	for (unsigned int k = 0; k < 2; k++)
		s[k] = stream_make(9, k, size, 1.0, 1.0);
	dgen_writer_opts_init(&o);
	o.threads = 2;
	o.queue_depth = 32;
	o.io_size = bs;
	o.pattern = DGEN_PATTERN_RAND;
	o.order_seed = 3;
	cr_assert_eq(write_targets(paths, 2, 0, size, &o, s, &res), 0);
	cr_assert_eq(res.bytes, 2 * size);
	cr_assert_eq(res.ops, 2 * ((size + bs - 1) / bs));
	cr_assert_eq(res.latency.count, res.ops);
	cr_assert_gt(res.latency.min_ns, 0);
	cr_assert_leq(res.latency.max_ns, (uint64_t)(res.seconds * 1e9),
		      "a write's latency (%llu ns) outlasts the run (%.6f s)",
		      (unsigned long long)res.latency.max_ns, res.seconds);
	cr_assert_eq(path_compare(paths[1], 0, size, s[1]), 0);
	unlink(paths[1]);
	for (unsigned int k = 0; k < 2; k++)
		dgen_stream_free(s[k]);
}

/* ===== Targets ===== */

Test(target, refuses_unaligned_and_missing_size)
{
	const char *path = scratch_path("align");
	struct dgen_target *t = NULL;
	char msg[256];

	cr_assert_eq(dgen_target_open(&t, path, 100, 1 << 20, 0, msg, sizeof(msg)),
		     -EINVAL);
	cr_assert(strstr(msg, "multiple"), "%s", msg);
	cr_assert_eq(access(path, F_OK), -1, "a refused new file is left behind");
	cr_assert_eq(dgen_target_open(&t, DGEN_TARGET_NULL_PATH, 0, 0, 0, msg,
				      sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "size"), "%s", msg);
}

/*
 * devtmpfs holds device nodes only: a missing name there is a device that
 * is not there, and a regular file there is not one either. Both are
 * refused with -ENODEV and a sentence naming the path, and nothing is
 * made; a new file on another tmpfs (/dev/shm) is still made.
 */
Test(target, no_file_in_devtmpfs)
{
	const char *path = devtmpfs_missing_path("nvme9n1");
	const char *shm = scratch_path("devtmpfs-shm");
	struct dgen_target *t = NULL;
	struct stat st;
	char msg[256] = "";
	int fd, r, made;

	if (!path)
		cr_skip_test("/dev is not devtmpfs here");
	unlink(path);
	r = dgen_target_open(&t, path, 0, 1 << 20, 0, msg, sizeof(msg));
	made = access(path, F_OK) == 0;
	unlink(path);
	cr_assert_eq(r, -ENODEV, "%d: %s", r, msg);
	cr_assert(!made, "a file was made in devtmpfs");
	cr_assert(strstr(msg, path) && strstr(msg, "no such device"), "%s", msg);
	r = dgen_target_open(&t, path, 0, 1 << 20, DGEN_TARGET_READ, msg,
			     sizeof(msg));
	cr_assert_eq(r, -ENODEV, "read: %d: %s", r, msg);

	/* A regular file an older version left there. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0, "cannot make %s: %s", path, strerror(errno));
	close(fd);
	r = dgen_target_open(&t, path, 0, 1 << 20, 0, msg, sizeof(msg));
	cr_assert_eq(stat(path, &st), 0);
	unlink(path);
	cr_assert_eq(r, -ENODEV, "regular file: %d: %s", r, msg);
	cr_assert(strstr(msg, path) && strstr(msg, "no such device"), "%s", msg);
	cr_assert_eq(st.st_size, 0, "the file in devtmpfs was extended");

	unlink(shm);
	cr_assert_eq(dgen_target_open(&t, shm, 0, 1 << 20, 0, msg, sizeof(msg)),
		     0, "%s: %s", shm, msg);
	cr_assert_eq(access(shm, F_OK), 0);
	dgen_target_close(t);
	unlink(shm);
}

Test(target, io_size_must_be_aligned)
{
	const char *path = scratch_path("bs");
	struct dgen_stream *s = stream_make(1, 0, 1 << 20, 1.0, 1.0);
	struct dgen_target *t;
	struct dgen_writer *w;
	struct dgen_writer_opts o;
	char msg[256];

	cr_assert_eq(dgen_target_open(&t, path, 0, 1 << 20, 0, msg, sizeof(msg)), 0);
	dgen_writer_opts_init(&o);
	o.io_size = 1000;
	cr_assert_eq(dgen_writer_new(&w, &o, &t,
				     (const struct dgen_stream *const *)&s, 1,
				     msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "I/O size 1000"), "%s", msg);
	dgen_target_close(t);
	cr_assert_eq(access(path, F_OK), -1);
	dgen_stream_free(s);
}

/*
 * A real swap area (util-linux's mkswap, always there) and a DOS table
 * (sfdisk) are both listed, each with its magic's offset, as wipefs
 * lists them; tests/test_signature.sh runs every mkfs it can.
 */
Test(target, probe_lists_every_signature)
{
	const char *path = scratch_path("sig");
	char found[256], cmd[512];
	int fd;

	cr_assert_eq(file_make(path, 4 << 20, 0), 0);
	snprintf(cmd, sizeof(cmd), "mkswap %s >/dev/null 2>&1 && "
		 "echo 'start=2048, type=83' | sfdisk -q --wipe never %s >/dev/null 2>&1",
		 path, path);
	if (system(cmd)) {
		unlink(path);
		cr_skip_test("mkswap or sfdisk is missing");
	}
	fd = open(path, O_RDWR | O_DIRECT);
	cr_assert_geq(fd, 0);
	cr_assert_eq(dgen_target_probe(fd, found, sizeof(found)), 2, "%s", found);
	cr_assert(strstr(found, "swap at offset 0xff6"), "%s", found);
	cr_assert(strstr(found, "dos at offset 0x1fe (partition table)"), "%s", found);
	close(fd);
	unlink(path);
}

/* Generated data never looks like a signature, at any ratio. */
Test(target, probe_ignores_stream_data)
{
	static const double ratio[][2] = { { 1, 1 }, { 1, 4 }, { 3, 2 } };
	const char *path = scratch_path("nosig");
	void *buf = malloc(8 << 20);
	char found[256];
	int fd;

	for (unsigned int k = 0; k < 3; k++) {
		struct dgen_stream *s = stream_make(77 + k, 0, 8 << 20,
						    ratio[k][0], ratio[k][1]);

		dgen_stream_fill(s, buf, 0, 8 << 20);
		fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
		cr_assert_eq(write(fd, buf, 8 << 20), 8 << 20);
		cr_assert_eq(dgen_target_probe(fd, found, sizeof(found)), 0,
			     "%s", found);
		close(fd);
		dgen_stream_free(s);
	}
	unlink(path);
	free(buf);
}

/* ===== Latency ===== */

Test(latency, percentiles_within_bucket_error)
{
	struct dgen_latency l;

	dgen_latency_init(&l);
	for (uint64_t v = 1; v <= 100000; v++)
		dgen_latency_add(&l, v * 1000);	/* 1 us .. 100 ms, uniform */
	cr_assert_eq(l.count, 100000);
	cr_assert_eq(l.min_ns, 1000);
	cr_assert_eq(l.max_ns, 100000000);
	cr_assert_float_eq((double)dgen_latency_percentile(&l, 50), 50e6, 50e6 / 32);
	cr_assert_float_eq((double)dgen_latency_percentile(&l, 99), 99e6, 99e6 / 32);
	cr_assert_float_eq((double)dgen_latency_percentile(&l, 99.9), 99.9e6, 99.9e6 / 32);
	cr_assert_eq(dgen_latency_percentile(&l, 100), l.max_ns);
	cr_assert_eq(dgen_latency_percentile(&l, 0), l.min_ns);
}
