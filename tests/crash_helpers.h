/* SPDX-License-Identifier: MIT */
/*
 * crash_helpers.h - a journaled writer to kill, a filesystem to cut, and
 * what the tests made, undone even when an assertion ends a test early
 *
 * The writer here is what the engine will do once flushes are part of it
 * (the second phase of power-loss verify): threads write the stream's
 * units with pwrite(2) (O_DIRECT), each acknowledgement goes to the
 * library's tracker (dgen/acked.h), and a flusher thread, woken when the
 * tracker says flush_every bytes were acknowledged, takes a snapshot,
 * fsyncs the target and journals what became durable (dgen/journal.h),
 * while the writes go on. It runs in a forked child, which a test kills
 * with SIGKILL or whose filesystem it cuts (tests/cutfs.c).
 */
#ifndef DGEN_TESTS_CRASH_HELPERS_H
#define DGEN_TESTS_CRASH_HELPERS_H

#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "writer_helpers.h"

#define MiB	(1ull << 20)
#define KiB	(1ull << 10)

/* ===== The tests' own random choices (DGEN_TEST_SEED replays them) ===== */

static uint64_t rng_x;

static inline uint64_t rng_next(void)
{
	uint64_t z = (rng_x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void rng_seed(uint64_t salt)
{
	const char *env = getenv("DGEN_TEST_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 1;

	cr_log_info("test seed %llu (DGEN_TEST_SEED), salt %llu",
		    (unsigned long long)seed, (unsigned long long)salt);
	rng_x = seed * 0x2545f4914f6cdd1dull ^ salt;
}

static inline void nap_us(uint64_t us)
{
	struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* ===== What a test made, undone by crash_teardown ===== */

static struct {
	pid_t child;			/* a writer still running */
	pid_t fs;			/* cutfs */
	char mnt[64];			/* its mount point */
	char loop[64];			/* a loop device */
	char files[6][256];		/* scratch files */
} made;

static inline void made_file(const char *path)
{
	for (int i = 0; i < 6; i++)
		if (!made.files[i][0]) {
			snprintf(made.files[i], sizeof(made.files[i]), "%s", path);
			return;
		}
}

/* Unmount cutfs (a ring or loop may hold it a moment longer), reap it. */
static inline void cutfs_stop(void)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	int status, i;

	if (!made.fs)
		return;
	kill(made.fs, SIGUSR2);		/* powered, so nothing waits on EIO */
	for (i = 0; i < 250 && umount(made.mnt); i++)
		nanosleep(&tick, NULL);
	if (i == 250)
		umount2(made.mnt, MNT_DETACH);
	for (i = 0; i < 250 && waitpid(made.fs, &status, WNOHANG) != made.fs; i++)
		nanosleep(&tick, NULL);
	if (i == 250) {
		kill(made.fs, SIGKILL);
		waitpid(made.fs, &status, 0);
	}
	rmdir(made.mnt);
	made.fs = 0;
}

static inline void crash_teardown(void)
{
	int status;

	if (made.child) {
		kill(made.child, SIGKILL);
		waitpid(made.child, &status, 0);
		made.child = 0;
	}
	if (made.loop[0]) {
		loop_detach(made.loop);
		made.loop[0] = 0;
	}
	cutfs_stop();
	for (int i = 0; i < 6; i++)
		if (made.files[i][0]) {
			unlink(made.files[i]);
			made.files[i][0] = 0;
		}
}

/*
 * Skip the test, undoing what it made first: Criterion runs a suite's
 * .fini after a failed test but not after a skipped one.
 */
#define crash_skip(...) do {						\
		crash_teardown();					\
		cr_skip_test(__VA_ARGS__);				\
	} while (0)

/* A journal path off the targets' devices: /var/tmp, not /dev/shm. */
static inline const char *journal_path(const char *tag)
{
	static char path[2][256];
	static int next;
	char *p = path[next++ % 2];

	snprintf(p, 256, "/var/tmp/dgen-test-%d-%s.jsonl", (int)getpid(), tag);
	unlink(p);
	made_file(p);
	return p;
}

/* ===== The journaled writer ===== */

struct drive {
	const char *target;		/* a file or block device, made already */
	const char *journal;
	uint64_t offset, size;
	uint32_t unit;
	unsigned int threads;
	int random;			/* each thread's units in a shuffled order */
	uint64_t flush_every;
	uint64_t passes;
	uint32_t delay_us;		/* after each unit of the last pass */
	enum dgen_journal_previous initial;
	uint64_t seed;
	double dedup, compress;
};

struct drv {
	const struct drive *d;
	int fd;
	struct dgen_journal *j;
	struct dgen_acked *a;
	struct dgen_stream *s;
	uint64_t pass;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int want, done, error;
};

struct drv_worker {
	struct drv *v;
	unsigned int t;
};

static inline struct dgen_stream_params drive_params(const struct drive *d,
						     uint64_t pass)
{
	struct dgen_stream_params p;

	dgen_stream_params_init(&p);
	p.seed = dgen_pass_seed(d->seed, pass);
	p.stream_id = 0;
	p.size = d->size;
	p.dedup_ratio = d->dedup;
	p.compress_ratio = d->compress;
	return p;
}

/* One flush: snapshot, fsync, journal (dgen/acked.h's order). */
static inline int drv_flush(struct drv *v)
{
	struct timespec t0, t1;
	uint64_t ticket;
	int r = dgen_acked_snapshot(v->a, 0, &ticket);

	if (r)
		return r;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (fsync(v->fd)) {
		r = -errno;
		dgen_acked_discard(v->a, 0, ticket);
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return dgen_journal_flushed(v->j, v->a, 0, v->pass, ticket,
				    (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll +
					       (t1.tv_nsec - t0.tv_nsec)) + 1);
}

static inline void *drv_flusher(void *arg)
{
	struct drv *v = arg;

	for (;;) {
		pthread_mutex_lock(&v->lock);
		while (!v->want && !v->done)
			pthread_cond_wait(&v->cond, &v->lock);
		if (!v->want && v->done) {
			pthread_mutex_unlock(&v->lock);
			return NULL;
		}
		v->want = 0;
		pthread_mutex_unlock(&v->lock);
		if (drv_flush(v)) {
			v->error = 1;
			return NULL;
		}
	}
}

static inline void *drv_worker(void *arg)
{
	struct drv_worker *w = arg;
	struct drv *v = w->v;
	const struct drive *d = v->d;
	uint64_t units = (d->size + d->unit - 1) / d->unit, n = 0;
	uint64_t *mine = calloc(units / d->threads + 1, sizeof(*mine));
	uint8_t *buf = NULL;

	if (!mine || posix_memalign((void **)&buf, 4096, d->unit))
		goto fail;
	/* The writer's split: thread t owns units t, t + T, t + 2T, ... */
	for (uint64_t u = w->t; u < units; u += d->threads)
		mine[n++] = u;
	for (uint64_t i = n; d->random && i > 1; i--) {
		uint64_t k = (w->t * 0x9e3779b97f4a7c15ull + i * 0xbf58476d1ce4e5b9ull) % i;
		uint64_t x = mine[i - 1];

		mine[i - 1] = mine[k];
		mine[k] = x;
	}
	for (uint64_t i = 0; i < n && !v->error; i++) {
		uint64_t pos = mine[i] * d->unit, len = d->size - pos;

		if (len > d->unit)
			len = d->unit;
		dgen_stream_fill(v->s, buf, pos, len);
		for (uint64_t done = 0; done < len;) {
			ssize_t r = pwrite(v->fd, buf + done, len - done,
					   (off_t)(d->offset + pos + done));

			if (r <= 0)
				goto fail;
			done += (uint64_t)r;
		}
		if (dgen_acked_add(v->a, 0, d->offset + pos, len) == 1) {
			pthread_mutex_lock(&v->lock);
			v->want = 1;
			pthread_cond_signal(&v->cond);
			pthread_mutex_unlock(&v->lock);
		}
		if (v->pass == d->passes && d->delay_us)
			nap_us(d->delay_us);
	}
	free(mine);
	free(buf);
	return NULL;
fail:
	v->error = 1;
	free(mine);
	free(buf);
	return NULL;
}

/* One pass: begin, the workers and the flusher, a last flush, end. */
static inline int drv_pass(struct drv *v)
{
	const struct drive *d = v->d;
	struct dgen_stream_params p = drive_params(d, v->pass);
	struct drv_worker w[8];
	pthread_t tw[8], tf;
	int r;

	if (dgen_stream_new(&v->s, &p, NULL, 0))
		return -EINVAL;
	r = dgen_journal_pass_begin(v->j, 0, v->pass,
				    v->pass == 1 ? d->initial : DGEN_JOURNAL_PREV_PASS);
	if (r)
		return r;
	dgen_acked_reset(v->a, 0);
	v->want = v->done = 0;
	pthread_create(&tf, NULL, drv_flusher, v);
	for (unsigned int t = 0; t < d->threads; t++) {
		w[t] = (struct drv_worker) { v, t };
		pthread_create(&tw[t], NULL, drv_worker, &w[t]);
	}
	for (unsigned int t = 0; t < d->threads; t++)
		pthread_join(tw[t], NULL);
	pthread_mutex_lock(&v->lock);
	v->done = 1;
	pthread_cond_signal(&v->cond);
	pthread_mutex_unlock(&v->lock);
	pthread_join(tf, NULL);
	r = v->error ? -EIO : drv_flush(v);
	r = r ? r : dgen_journal_pass_end(v->j, 0, v->pass);
	dgen_stream_free(v->s);
	return r;
}

/* The whole run, in the calling process. 0 or -errno. */
static inline int drive_run(const struct drive *d)
{
	struct dgen_stream_params p = drive_params(d, 1);
	struct dgen_journal_target jt = {
		.path = d->target, .offset = d->offset, .size = d->size,
		.unit = d->unit, .stream = p,
	};
	struct dgen_journal_run run = {
		.tool = "test_powercut", .targets = &jt, .ntargets = 1,
		.initial = d->initial, .flush_every = d->flush_every,
		.options = "{\"threads\": 2}",
	};
	struct dgen_acked_target at = {
		.offset = d->offset, .size = d->size, .unit = d->unit,
		.flush_every = d->flush_every,
	};
	struct drv v = { .d = d, .fd = -1 };
	char msg[512] = "";
	int r;

	jt.stream.seed = d->seed;
	pthread_mutex_init(&v.lock, NULL);
	pthread_cond_init(&v.cond, NULL);
	r = dgen_journal_open(&v.j, d->journal, &run, 0, msg, sizeof(msg));
	if (!r)
		r = dgen_acked_new(&v.a, &at, 1, msg, sizeof(msg));
	if (!r) {
		v.fd = open(d->target, O_RDWR | O_DIRECT | O_CLOEXEC);
		r = v.fd < 0 ? -errno : 0;
	}
	for (v.pass = 1; !r && v.pass <= d->passes; v.pass++)
		r = drv_pass(&v);
	if (r)
		fprintf(stderr, "drive_run: %s (%s)\n", strerror(-r), msg);
	if (v.fd >= 0)
		close(v.fd);
	dgen_acked_free(v.a);
	dgen_journal_close(v.j);
	return r;
}

/* drive_run in a child, its pid in made.child. */
static inline pid_t drive_fork(const struct drive *d)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0)
		_exit(drive_run(d) ? 1 : 0);
	made.child = pid;
	return pid;
}

/*
 * Wait until the journal says pass @pass took at least @flushes durable
 * records (read as any reader would, while it grows), or the child ended
 * (a failure: it was to be killed mid-pass). 120 s sanity bound.
 */
static inline void drive_wait(const char *journal, uint64_t pass,
			      uint64_t flushes)
{
	for (int i = 0; i < 60000; i++) {
		struct dgen_journal_view *v = NULL;
		int status, ready = 0;

		if (!dgen_journal_read(&v, journal, NULL, 0)) {
			ready = v->targets[0].last.pass == pass &&
				v->targets[0].last.flushes >= flushes;
			dgen_journal_view_free(v);
		}
		if (ready)
			return;
		if (waitpid(made.child, &status, WNOHANG) == made.child) {
			made.child = 0;
			cr_assert_fail("the writer ended (status %d) before pass %llu took %llu flushes",
				       status, (unsigned long long)pass,
				       (unsigned long long)flushes);
		}
		nap_us(2000);
	}
	cr_assert_fail("pass %llu took no %llu flushes in 120 s",
		       (unsigned long long)pass, (unsigned long long)flushes);
}

/*
 * SIGKILL the writer and reap it. After a power cut it may have ended by
 * itself first (its I/O failed with EIO): @cut allows that.
 */
static inline void drive_kill(int cut)
{
	int status;

	kill(made.child, SIGKILL);
	cr_assert_eq(waitpid(made.child, &status, 0), made.child);
	made.child = 0;
	cr_assert((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
		  (cut && WIFEXITED(status) && WEXITSTATUS(status) == 1),
		  "the writer ended (status %d) before it was killed", status);
}

/* ===== cutfs ===== */

#ifdef DGEN_CUTFS_PATH
/* The start of file @path as a string (empty when unreadable). */
static inline void text_of(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, len - 1) : 0;

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
}

/*
 * Mount cutfs over @backing ("honest" or "lie"), its dropped ranges
 * logged to @droplog; returns the path of its disk. Skips only where
 * FUSE cannot be used.
 */
static inline const char *cutfs_start(const char *backing, const char *mode,
				      const char *droplog)
{
	static char disk[128];
	char cmd[1024], log[256];
	char *argv[] = { "sh", "-c", cmd, NULL };
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	extern char **environ;
	struct stat st, parent;
	int fd, status;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0 && system("modprobe fuse 2>/dev/null") == 0)
		fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		crash_skip("cannot open /dev/fuse: %s", strerror(errno));
	close(fd);
	snprintf(made.mnt, sizeof(made.mnt), "/tmp/dgen-cutfs-XXXXXX");
	cr_assert(mkdtemp(made.mnt));
	snprintf(disk, sizeof(disk), "%s/disk", made.mnt);
	snprintf(log, sizeof(log), "%s", scratch_path("cutfs-log"));
	made_file(log);
	snprintf(cmd, sizeof(cmd), "exec %s %s %s %s %s 2>%s", DGEN_CUTFS_PATH,
		 made.mnt, backing, mode, droplog, log);
	cr_assert_eq(stat(made.mnt, &parent), 0);
	cr_assert_eq(posix_spawn(&made.fs, "/bin/sh", NULL, NULL, argv, environ), 0);
	for (int i = 0; i < 6000; i++) {
		if (!stat(disk, &st) && st.st_dev != parent.st_dev)
			return disk;
		if (waitpid(made.fs, &status, WNOHANG) == made.fs) {
			char err[4096];

			made.fs = 0;
			rmdir(made.mnt);
			text_of(log, err, sizeof(err));
			cr_assert_fail("cutfs exited (%d) before mounting: %s",
				       status, err);
		}
		nanosleep(&tick, NULL);
	}
	cr_assert_fail("cutfs did not mount %s in 60 s", made.mnt);
	return NULL;
}

/* A figure of cutfs's status line ("dropped", "cuts", ...). */
static inline uint64_t cutfs_status(const char *key)
{
	char path[128], line[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/status", made.mnt);
	f = fopen(path, "re");
	cr_assert(f, "cannot open %s", path);
	cr_assert(fgets(line, sizeof(line), f), "cannot read %s", path);
	fclose(f);
	p = strstr(line, key);
	cr_assert(p, "no %s in %s", key, line);
	return strtoull(p + strlen(key) + 1, NULL, 10);
}

/* Cut cutfs's power (SIGUSR1) and wait until it says so. */
static inline void cutfs_cut(void)
{
	uint64_t cuts = cutfs_status("cuts");

	kill(made.fs, SIGUSR1);
	for (int i = 0; i < 6000 && cutfs_status("cuts") == cuts; i++)
		nap_us(1000);
	cr_assert_eq(cutfs_status("cuts"), cuts + 1, "cutfs did not cut");
}

/* Power it on again (SIGUSR2) and wait until it says so. */
static inline void cutfs_power_on(void)
{
	kill(made.fs, SIGUSR2);
	for (int i = 0; i < 6000 && !cutfs_status("powered"); i++)
		nap_us(1000);
	cr_assert_eq(cutfs_status("powered"), 1, "cutfs did not power on");
}
#endif

/* ===== Judging ===== */

/* Read the journal and check its target 0 (@path: read it instead). */
static inline struct dgen_journal_view *check_target(const char *journal,
						     const char *path,
						     dgen_crash_block_fn fn,
						     void *arg,
						     struct dgen_crash_result *res)
{
	struct dgen_journal_view *v = NULL;
	struct dgen_crash_opts o;
	char msg[512] = "";
	int r = dgen_journal_read(&v, journal, msg, sizeof(msg));

	cr_assert_eq(r, 0, "reading %s: %s", journal, msg);
	dgen_crash_opts_init(&o);
	o.max_report = 1000;
	o.path = path;
	o.block = fn;
	o.arg = arg;
	r = dgen_crash_check(v, 0, &o, res, msg, sizeof(msg));
	cr_assert_eq(r, 0, "checking %s: %s", path ? path : v->targets[0].path, msg);
	cr_log_info("pass %llu: durable %llu B, new %llu, old %llu, unknown %llu, torn %llu, lost %llu, corrupt %llu",
		    (unsigned long long)res->pass,
		    (unsigned long long)res->durable_bytes,
		    (unsigned long long)res->counts[DGEN_CRASH_NEW],
		    (unsigned long long)res->counts[DGEN_CRASH_OLD],
		    (unsigned long long)res->counts[DGEN_CRASH_UNKNOWN],
		    (unsigned long long)res->counts[DGEN_CRASH_TORN],
		    (unsigned long long)res->counts[DGEN_CRASH_LOST],
		    (unsigned long long)res->counts[DGEN_CRASH_CORRUPT]);
	return v;
}

#endif /* DGEN_TESTS_CRASH_HELPERS_H */
