// SPDX-License-Identifier: MIT
/*
 * test_engine.c - the per-thread I/O engine (src/engine.h) on both
 * backends, io_uring and libaio, against real O_DIRECT files and loop
 * devices: what is written is there, a read past the end and a write past
 * a device's end come back short, a bad fd and a misaligned O_DIRECT
 * request come back as their errors, a NOP and a data sync complete,
 * a cancel takes back what it can, the pool refuses more than its
 * entries, several threads with an engine each write one file, and
 * libaio's io_setup past fs.aio-max-nr names the sysctl.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <sys/mman.h>

#include "engine.h"
#include "writer_helpers.h"

#define KiB	1024u
#define MiB	(1024u * 1024u)

static const enum dgen_engine kinds[] = {
	DGEN_ENGINE_IO_URING, DGEN_ENGINE_LIBAIO,
};

ParameterizedTestParameters(engine, write_read_back)
{
	return cr_make_param_array(enum dgen_engine, kinds, 2);
}

/* Init @e of @kind, skipping where io_uring is blocked on this host. */
static void eng_make(struct dgen_eng *e, enum dgen_engine kind,
		     unsigned int entries)
{
	int r;

	memset(e, 0, sizeof(*e));
	r = eng_init(e, kind, entries, 0);
	if (kind == DGEN_ENGINE_IO_URING && (r == -EPERM || r == -ENOSYS))
		cr_skip_test("io_uring is blocked here: %s", strerror(-r));
	cr_assert_eq(r, 0, "%s: eng_init: %s", dgen_engine_name(kind), strerror(-r));
}

/* Reap until @want completions are in @out (a wide bound on the wait). */
static unsigned int reap_n(struct dgen_eng *e, struct eng_done *out,
			   unsigned int want)
{
	unsigned int n = 0;

	for (int spins = 0; n < want && spins < 200; spins++) {
		int r = eng_submit(e, want - n);

		cr_assert_geq(r, 0, "eng_submit: %s", strerror(-r));
		n += eng_reap(e, out + n, want - n);
	}
	return n;
}

static uint8_t *aligned(size_t len, int fill)
{
	uint8_t *p = NULL;

	cr_assert_eq(posix_memalign((void **)&p, 4096, len), 0);
	memset(p, fill, len);
	return p;
}

static int dio_open(const char *path, size_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT, 0644);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(ftruncate(fd, (off_t)size), 0);
	return fd;
}

/* Eight 64 KiB writes at scattered offsets, each buffer its own byte;
 * every completion has its pointer and full length; read back with
 * pread and with the engine, the bytes are those written. */
ParameterizedTest(enum dgen_engine *kind, engine, write_read_back)
{
	const char *path = scratch_path("eng-wr");
	struct eng_done done[8];
	struct dgen_eng e;
	uint8_t *buf[8], *back;
	int fd = dio_open(path, MiB), seen = 0;

	eng_make(&e, *kind, 8);
	for (int i = 0; i < 8; i++) {
		buf[i] = aligned(64 * KiB, 'a' + i);
		cr_assert_eq(eng_prep(&e, ENG_WRITE, fd, buf[i], 64 * KiB,
				      (uint64_t)(7 - i) * 128 * KiB, i, buf[i]), 0);
	}
	cr_assert_eq(reap_n(&e, done, 8), 8);
	for (int j = 0; j < 8; j++) {
		cr_expect_eq(done[j].res, (int)(64 * KiB), "res %d", done[j].res);
		for (int i = 0; i < 8; i++)
			seen |= (done[j].data == buf[i]) << i;
	}
	cr_expect_eq(seen, 0xff, "pointers back: %#x", seen);
	back = aligned(64 * KiB, 0);
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(pread(fd, back, 64 * KiB, (off_t)(7 - i) * 128 * KiB),
			     (ssize_t)(64 * KiB));
		cr_expect_eq(memcmp(back, buf[i], 64 * KiB), 0, "block %d", i);
		memset(back, 0, 64 * KiB);
		cr_assert_eq(eng_prep(&e, ENG_READ, fd, back, 64 * KiB,
				      (uint64_t)(7 - i) * 128 * KiB, -1, back), 0);
		cr_assert_eq(reap_n(&e, done, 1), 1);
		cr_expect_eq(done[0].res, (int)(64 * KiB));
		cr_expect_eq(memcmp(back, buf[i], 64 * KiB), 0, "read back %d", i);
	}
	eng_exit(&e);
	close(fd);
	unlink(path);
	for (int i = 0; i < 8; i++)
		free(buf[i]);
	free(back);
}

ParameterizedTestParameters(engine, short_and_errors)
{
	return cr_make_param_array(enum dgen_engine, kinds, 2);
}

/*
 * A read across the end of a 12 KiB file returns 12 KiB; a write to an
 * fd never opened is -EBADF; a NOP is 0; a data sync is 0. Each comes back as a completion with its pointer
 * (libaio refuses some at io_submit: the engine turns them into theirs).
 */
ParameterizedTest(enum dgen_engine *kind, engine, short_and_errors)
{
	const char *path = scratch_path("eng-short");
	struct eng_done done[5];
	struct dgen_eng e;
	uint8_t *buf = aligned(64 * KiB, 'x'), *odd = aligned(8 * KiB, 'y');
	int fd = dio_open(path, 12 * KiB), bad = 1 << 20;	/* never open */
	int want[5] = { 12 * KiB, -EBADF, 4 * KiB, 0, 0 }, got[5];

	eng_make(&e, *kind, 8);
	cr_assert_eq(eng_prep(&e, ENG_READ, fd, buf, 64 * KiB, 0, -1, &got[0]), 0);
	cr_assert_eq(eng_prep(&e, ENG_WRITE, bad, buf, 4 * KiB, 0, -1, &got[1]), 0);
	/* tmpfs takes any alignment: this one only has to come back. */
	cr_assert_eq(eng_prep(&e, ENG_WRITE, fd, odd, 4 * KiB, 4 * KiB, -1, &got[2]), 0);
	cr_assert_eq(eng_prep(&e, ENG_NOP, -1, NULL, 0, 0, -1, &got[3]), 0);
	cr_assert_eq(eng_prep(&e, ENG_FSYNC, fd, NULL, 0, 0, -1, &got[4]), 0);
	cr_assert_eq(reap_n(&e, done, 5), 5);
	for (int j = 0; j < 5; j++)
		*(int *)done[j].data = done[j].res;
	for (int i = 0; i < 5; i++)
		cr_expect_eq(got[i], want[i], "%s: I/O %d: %d, not %d",
			     dgen_engine_name(*kind), i, got[i], want[i]);
	eng_exit(&e);
	close(fd);
	unlink(path);
	free(buf);
	free(odd);
}

ParameterizedTestParameters(engine, device_end)
{
	return cr_make_param_array(enum dgen_engine, kinds, 2);
}

/* A 64 KiB write at 4 KiB before a 1 MiB loop device's end does 4 KiB;
 * one from a buffer off the O_DIRECT alignment is -EINVAL (libaio: at
 * io_submit, turned into its completion). */
ParameterizedTest(enum dgen_engine *kind, engine, device_end)
{
	const char *backing = scratch_path("eng-loop");
	struct eng_done done[1];
	struct dgen_eng e;
	uint8_t *buf = aligned(64 * KiB, 'z');
	char *dev;
	int fd;

	if (geteuid())
		cr_skip_test("loop devices need root");
	cr_assert_eq(file_make(backing, MiB, 0), 0);
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("no loop device could be attached");
	}
	dev = strdup(dev);
	fd = open(dev, O_RDWR | O_DIRECT);
	cr_assert_geq(fd, 0, "open %s: %s", dev, strerror(errno));
	eng_make(&e, *kind, 2);
	cr_assert_eq(eng_prep(&e, ENG_WRITE, fd, buf, 64 * KiB, MiB - 4 * KiB, -1, buf), 0);
	cr_assert_eq(reap_n(&e, done, 1), 1);
	cr_expect_eq(done[0].res, (int)(4 * KiB), "%s: %d", dgen_engine_name(*kind), done[0].res);
	cr_assert_eq(eng_prep(&e, ENG_WRITE, fd, buf + 1, 4 * KiB, 0, -1, buf), 0);
	cr_assert_eq(reap_n(&e, done, 1), 1);
	cr_expect_eq(done[0].res, -EINVAL, "%s: misaligned: %d", dgen_engine_name(*kind), done[0].res);
	eng_exit(&e);
	close(fd);
	loop_detach(dev);
	free(dev);
	unlink(backing);
	free(buf);
}

ParameterizedTestParameters(engine, full_pool)
{
	return cr_make_param_array(enum dgen_engine, kinds, 2);
}

/* Two entries: a third prep is refused until one completes. */
ParameterizedTest(enum dgen_engine *kind, engine, full_pool)
{
	struct eng_done done[2];
	struct dgen_eng e;

	eng_make(&e, *kind, 2);
	cr_assert_eq(eng_prep(&e, ENG_NOP, -1, NULL, 0, 0, -1, &e), 0);
	cr_assert_eq(eng_prep(&e, ENG_NOP, -1, NULL, 0, 0, -1, &e), 0);
	cr_expect_eq(eng_prep(&e, ENG_NOP, -1, NULL, 0, 0, -1, &e), -EBUSY);
	cr_assert_eq(reap_n(&e, done, 2), 2);
	cr_expect_eq(done[0].res, 0);
	cr_assert_eq(eng_prep(&e, ENG_NOP, -1, NULL, 0, 0, -1, &e), 0);
	cr_assert_eq(reap_n(&e, done, 1), 1);
	eng_exit(&e);
}

/*
 * io_uring: a read of an empty pipe waits until cancelled, then completes
 * with -ECANCELED, and the cancel's own answer is a wake-up, not an I/O.
 */
Test(engine, cancel_uring)
{
	struct eng_done done[2];
	struct dgen_eng e;
	char b[16];
	int p[2];

	cr_assert_eq(pipe(p), 0);
	eng_make(&e, DGEN_ENGINE_IO_URING, 4);
	cr_assert_eq(eng_prep(&e, ENG_READ, p[0], b, sizeof(b), 0, -1, b), 0);
	cr_assert_geq(eng_submit(&e, 0), 0);
	cr_expect_eq(eng_reap(&e, done, 2), 0, "a read of an empty pipe completed");
	cr_assert_eq(eng_cancel(&e), 0);
	cr_assert_eq(reap_n(&e, done, 1), 1);
	cr_expect_eq(done[0].data, b);
	cr_expect_eq(done[0].res, -ECANCELED, "res %d", done[0].res);
	cr_expect(eng_woken(&e), "the cancel's answer was not seen as a wake-up");
	eng_exit(&e);
	close(p[0]);
	close(p[1]);
}

/*
 * libaio: what is queued and not yet submitted is taken back (-ECANCELED);
 * what the kernel has completes as it will (files cannot be cancelled):
 * every I/O comes back exactly once, and a file write's in full.
 */
Test(engine, cancel_aio)
{
	const char *path = scratch_path("eng-cancel");
	struct eng_done done[6];
	struct dgen_eng e;
	uint8_t *buf = aligned(64 * KiB, 'c');
	int fd = dio_open(path, MiB), ids[6], cancelled = 0;

	eng_make(&e, DGEN_ENGINE_LIBAIO, 6);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(eng_prep(&e, ENG_WRITE, fd, buf, 64 * KiB,
				      (uint64_t)i * 64 * KiB, -1, &ids[i]), 0);
	cr_assert_geq(eng_submit(&e, 0), 0);
	for (int i = 3; i < 6; i++)
		cr_assert_eq(eng_prep(&e, ENG_WRITE, fd, buf, 64 * KiB,
				      (uint64_t)i * 64 * KiB, -1, &ids[i]), 0);
	cr_assert_eq(eng_cancel(&e), 0);
	memset(ids, 0, sizeof(ids));
	cr_assert_eq(reap_n(&e, done, 6), 6);
	for (int j = 0; j < 6; j++) {
		(*(int *)done[j].data)++;
		cancelled += done[j].res == -ECANCELED;
		cr_expect(done[j].res == (int)(64 * KiB) || done[j].res == -ECANCELED,
			  "res %d", done[j].res);
	}
	for (int i = 0; i < 6; i++)
		cr_expect_eq(ids[i], 1, "I/O %d came back %d times", i, ids[i]);
	cr_expect_geq(cancelled, 3, "the 3 queued ones were not taken back");
	eng_exit(&e);
	close(fd);
	unlink(path);
	free(buf);
}

struct thread_arg {
	enum dgen_engine kind;
	int fd, id, err;
};

/* One thread, one engine: 32 writes of 16 KiB, depth 4, its own region. */
static void *thread_main(void *arg)
{
	struct thread_arg *a = arg;
	struct eng_done done[4];
	struct dgen_eng e = { 0 };
	uint8_t *buf;
	unsigned int next = 0, inflight = 0;

	if (posix_memalign((void **)&buf, 4096, 4 * 16 * KiB))
		return (a->err = -ENOMEM), NULL;
	memset(buf, 'A' + a->id, 4 * 16 * KiB);
	a->err = eng_init(&e, a->kind, 4, 0);
	while (!a->err && (next < 32 || inflight)) {
		unsigned int n;

		while (next < 32 && inflight < 4) {
			a->err = eng_prep(&e, ENG_WRITE, a->fd, buf + (next % 4) * 16 * KiB,
					  16 * KiB, ((uint64_t)a->id * 32 + next) * 16 * KiB,
					  -1, NULL);
			next++;
			inflight++;
		}
		if (eng_submit(&e, 1) < 0)
			a->err = -EIO;
		n = eng_reap(&e, done, 4);
		for (unsigned int j = 0; j < n; j++)
			if (done[j].res != (int)(16 * KiB))
				a->err = done[j].res < 0 ? done[j].res : -EIO;
		inflight -= n;
	}
	eng_exit(&e);
	free(buf);
	return NULL;
}

ParameterizedTestParameters(engine, threads)
{
	return cr_make_param_array(enum dgen_engine, kinds, 2);
}

/* Four threads, an engine each, one file: each region holds its byte. */
ParameterizedTest(enum dgen_engine *kind, engine, threads)
{
	const char *path = scratch_path("eng-threads");
	struct thread_arg a[4];
	pthread_t t[4];
	uint8_t *back = aligned(512 * KiB, 0);
	int fd = dio_open(path, 4 * 512 * KiB);

	if (*kind == DGEN_ENGINE_IO_URING) {
		struct dgen_eng probe;

		eng_make(&probe, *kind, 2);
		eng_exit(&probe);
	}
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){ .kind = *kind, .fd = fd, .id = i };
		cr_assert_eq(pthread_create(&t[i], NULL, thread_main, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_expect_eq(a[i].err, 0, "thread %d: %s", i, strerror(-a[i].err));
	}
	for (int i = 0; i < 4; i++) {
		int good = 1;

		cr_assert_eq(pread(fd, back, 512 * KiB, (off_t)i * 512 * KiB),
			     (ssize_t)(512 * KiB));
		for (unsigned int b = 0; b < 512 * KiB; b++)
			good &= back[b] == 'A' + i;
		cr_expect(good, "region %d does not hold its thread's byte", i);
	}
	close(fd);
	unlink(path);
	free(back);
}

/* More events than fs.aio-max-nr allows: EAGAIN, explained by name. */
Test(engine, aio_max_nr)
{
	long max = 0;
	FILE *f = fopen("/proc/sys/fs/aio-max-nr", "r");
	struct dgen_eng e = { 0 };
	char why[512];
	int r;

	if (!f || fscanf(f, "%ld", &max) != 1 || max >= 1 << 24)
		cr_skip_test("fs.aio-max-nr not readable or too large to pass");
	fclose(f);
	r = eng_init(&e, DGEN_ENGINE_LIBAIO, (unsigned int)max + 1, 0);
	cr_assert_eq(r, -EAGAIN, "io_setup(%ld): %s", max + 1, strerror(-r));
	eng_explain(r, DGEN_ENGINE_LIBAIO, (uint64_t)max + 1, why, sizeof(why));
	cr_expect(strstr(why, "fs.aio-max-nr is") && strstr(why, "fs.aio-nr"), "%s", why);
}

/* The pick: libaio when asked; auto and io_uring agree with a probe. */
Test(engine, pick)
{
	struct dgen_eng e = { 0 };
	char why[512];
	int r, probe;

	cr_expect_eq(dgen_engine_pick(DGEN_ENGINE_LIBAIO, why, sizeof(why)), DGEN_ENGINE_LIBAIO);
	cr_expect(strstr(why, "asked for"), "%s", why);
	probe = eng_init(&e, DGEN_ENGINE_IO_URING, 2, 0);
	if (!probe)
		eng_exit(&e);
	r = dgen_engine_pick(DGEN_ENGINE_AUTO, why, sizeof(why));
	cr_expect_eq(r, probe ? DGEN_ENGINE_LIBAIO : DGEN_ENGINE_IO_URING, "%d: %s", r, why);
	cr_expect_eq(eng_init(&e, DGEN_ENGINE_LIBAIO, 2, DGEN_RING_SQPOLL), -EOPNOTSUPP);
	cr_expect_str_eq(dgen_engine_name(DGEN_ENGINE_LIBAIO), "libaio");
}
