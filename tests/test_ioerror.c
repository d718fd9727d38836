// SPDX-License-Identifier: MIT
/*
 * test_ioerror.c - a target that fails with EIO mid-run
 *
 * tests/eiofs.c is a FUSE filesystem whose one file fails reads or writes
 * that touch a chosen byte range with EIO, as a disk with bad sectors
 * does. The built tool (DGEN_URING_PATH) writes and verifies through it
 * with O_DIRECT and io_uring: a write run stops with exit 3 and a report
 * naming the target and offset, a second target's bytes are still
 * counted, and a verify run names the read that failed.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "writer_helpers.h"
#include "toolrun.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif
#ifndef DGEN_EIOFS_PATH
#error "meson passes the path of the built FUSE filesystem"
#endif

#define MiB	(1ull << 20)

/* A number that follows @key (a JSON member name with its quotes) after
 * @from in @json. */
static uint64_t json_num_after(const char *json, const char *from,
			       const char *key)
{
	const char *p = from ? strstr(json, from) : json;

	cr_assert(p, "no %s in the report:\n%s", from, json);
	p = strstr(p, key);
	cr_assert(p, "no %s after %s in the report:\n%s", key,
		  from ? from : "the start", json);
	return strtoull(p + strlen(key), NULL, 10);
}

struct eiofs {
	char dir[64];
	char disk[96];
	char log[96];
	pid_t pid;
};

/*
 * Mount eiofs with a @size-byte disk whose @mode ("read", "write") I/O to
 * [@bad, @bad + @len) fails, and wait until its file is there. With @gate
 * (else NULL), the failing I/O waits until the file @gate holds data.
 * Skips only when FUSE cannot be used here.
 */
static void eiofs_mount(struct eiofs *m, uint64_t size, uint64_t bad,
			uint64_t len, const char *mode, const char *gate)
{
	char a_size[32], a_bad[32], a_len[32], cmd[512];
	char *argv[] = { "sh", "-c", cmd, NULL };
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	extern char **environ;
	struct stat st, parent;
	int fd, status, i;

	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0 && system("modprobe fuse 2>/dev/null") == 0)
		fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		cr_skip_test("cannot open /dev/fuse: %s", strerror(errno));
	close(fd);

	snprintf(m->dir, sizeof(m->dir), "/tmp/dgen-eiofs-XXXXXX");
	cr_assert(mkdtemp(m->dir));
	snprintf(m->disk, sizeof(m->disk), "%s/disk", m->dir);
	snprintf(m->log, sizeof(m->log), "%s", scratch_path("eiofs-log"));
	snprintf(a_size, sizeof(a_size), "%llu", (unsigned long long)size);
	snprintf(a_bad, sizeof(a_bad), "%llu", (unsigned long long)bad);
	snprintf(a_len, sizeof(a_len), "%llu", (unsigned long long)len);
	snprintf(cmd, sizeof(cmd), "exec %s %s %s %s %s %s %s 2>%s",
		 DGEN_EIOFS_PATH, m->dir, a_size, a_bad, a_len, mode,
		 gate ? gate : "", m->log);
	cr_assert_eq(stat(m->dir, &parent), 0);
	cr_assert_eq(posix_spawn(&m->pid, "/bin/sh", NULL, NULL, argv, environ), 0);
	/* Mounted once the directory is another filesystem holding the disk. */
	for (i = 0; i < 6000; i++) {
		if (!stat(m->disk, &st) && st.st_dev != parent.st_dev &&
		    (uint64_t)st.st_size == size)
			return;
		if (waitpid(m->pid, &status, WNOHANG) == m->pid) {
			char err[4096];

			slurp(m->log, err, sizeof(err));
			rmdir(m->dir);
			cr_assert_fail("eiofs exited (%d) before mounting: %s",
				       code_of(status), err);
		}
		nanosleep(&tick, NULL);
	}
	kill(m->pid, SIGKILL);
	waitpid(m->pid, &status, 0);
	umount2(m->dir, MNT_DETACH);
	rmdir(m->dir);
	cr_assert_fail("eiofs did not mount %s in 60 s", m->dir);
}

/*
 * Unmount (a ring's files are released by kernel work that may run just
 * after the tool exits, so the first umount can meet EBUSY), then reap.
 */
static void eiofs_unmount(struct eiofs *m)
{
	const struct timespec tick = { 0, 20 * 1000 * 1000 };
	int status, i;

	for (i = 0; i < 250 && umount(m->dir); i++)
		nanosleep(&tick, NULL);
	if (i == 250)
		umount2(m->dir, MNT_DETACH);
	for (i = 0; i < 500 && waitpid(m->pid, &status, WNOHANG) != m->pid; i++)
		nanosleep(&tick, NULL);
	if (i == 500) {
		kill(m->pid, SIGKILL);
		waitpid(m->pid, &status, 0);
	}
	rmdir(m->dir);
	unlink(m->log);
}

/*
 * A write that touches the bad range fails with EIO: the run stops, exits
 * 3, and the report names the target and the offset of the failed write;
 * the bytes a second target took are counted, in its own line and in the
 * total, and they are exactly the bytes of its stream on it.
 *
 * Each target has its own thread, so the second one could be still
 * setting up when the FUSE target reaches the bad range: eiofs holds the
 * failing write until the second target's file holds data, and a write
 * that landed is reaped and counted however soon the run stops after it.
 */
Test(ioerror, write_error_stops_run)
{
	const uint64_t size = 64 * MiB, bs = MiB, bad = 40 * MiB + 12288;
	const char *shm = scratch_path("other");
	char key[256], line[512];
	uint64_t off, fuse_bytes, shm_bytes, total, on_shm;
	struct dgen_stream *s;
	struct eiofs m;
	struct run r;

	unlink(shm);
	eiofs_mount(&m, size, bad, 4096, "write", shm);
	tool(&r, "--dev %s --dev %s --size 64M --bs 1M --qd 4 --threads 2 --seed 3 --json",
	     m.disk, shm);
	eiofs_unmount(&m);
	/* The second target's stream: --seed 3, stream 1 (targets count from 0). */
	s = stream_make(3, 1, size, 1.0, 1.0);
	cr_assert(s);
	on_shm = path_matching(shm, size, s);
	dgen_stream_free(s);
	unlink(shm);

	cr_assert_eq(r.code, 3, "exit %d\n%s%s", r.code, r.out, r.err);
	cr_assert(strstr(r.out, "\"status\": \"error\""), "%s", r.out);
	snprintf(key, sizeof(key),
		 "\"error\": { \"errno\": 5, \"message\": \"Input/output error\", \"target\": \"%s\", \"offset\": ",
		 m.disk);
	off = json_num_after(r.out, key, "\"offset\": ");
	cr_assert(off <= bad && bad < off + bs && off % 4096 == 0,
		  "failed write at %llu does not hold the bad byte %llu",
		  (unsigned long long)off, (unsigned long long)bad);
	snprintf(line, sizeof(line), "write to %s at offset %llu failed: Input/output error",
		 m.disk, (unsigned long long)off);
	cr_assert(strstr(r.err, line), "%s", r.err);

	snprintf(key, sizeof(key), "{ \"path\": \"%s\"", m.disk);
	fuse_bytes = json_num_after(r.out, key, "\"bytes\": ");
	snprintf(key, sizeof(key), "{ \"path\": \"%s\"", shm);
	shm_bytes = json_num_after(r.out, key, "\"bytes\": ");
	total = json_num_after(r.out, "\n  \"bytes\": ", "\"bytes\": ");
	cr_assert_lt(fuse_bytes, size, "the bad write was counted");
	cr_assert_gt(shm_bytes, 0, "the other target's bytes were not counted");
	cr_assert_eq(shm_bytes, on_shm, "the report says %llu B on %s, it holds %llu B of its stream",
		     (unsigned long long)shm_bytes, shm,
		     (unsigned long long)on_shm);
	cr_assert_eq(fuse_bytes + shm_bytes, total, "%llu + %llu != %llu",
		     (unsigned long long)fuse_bytes,
		     (unsigned long long)shm_bytes, (unsigned long long)total);
}

/*
 * Data written, then read back through a range that fails reads: the
 * verify run exits 3 (an error outranks a clean compare), names the read
 * phase, the target and the offset of the failed read, and finds no
 * mismatch in what it could read. The same holds inside a burn-in pass.
 */
Test(ioerror, verify_names_failed_read)
{
	const uint64_t size = 32 * MiB, bs = MiB, bad = 24 * MiB + 8192;
	char key[256], line[512];
	uint64_t off, verified;
	struct eiofs m;
	struct run r, v, b;

	eiofs_mount(&m, size, bad, 4096, "read", NULL);
	tool(&r, "--dev %s --size 32M --bs 1M --seed 7 --json", m.disk);
	tool(&v, "--dev %s --size 32M --bs 1M --seed 7 --verify-only --json", m.disk);
	tool(&b, "--dev %s --size 32M --bs 1M --seed 8 --verify --passes 1 --json", m.disk);
	eiofs_unmount(&m);

	cr_assert_eq(r.code, 0, "the write, away from no bad range: %s", r.err);
	cr_assert_eq(json_num_after(r.out, "\n  \"bytes\": ", "\"bytes\": "), size);

	cr_assert_eq(v.code, 3, "exit %d\n%s%s", v.code, v.out, v.err);
	snprintf(key, sizeof(key),
		 "\"error\": { \"errno\": 5, \"message\": \"Input/output error\", \"phase\": \"read\", \"target\": \"%s\", \"offset\": ",
		 m.disk);
	off = json_num_after(v.out, key, "\"offset\": ");
	cr_assert(off <= bad && bad < off + bs,
		  "failed read at %llu does not hold the bad byte %llu",
		  (unsigned long long)off, (unsigned long long)bad);
	snprintf(line, sizeof(line), "read of %s at offset %llu failed: Input/output error",
		 m.disk, (unsigned long long)off);
	cr_assert(strstr(v.err, line), "%s", v.err);
	cr_assert(strstr(v.out, "\n  \"mismatches\": 0,"), "%s", v.out);
	verified = json_num_after(v.out, "\n  \"bytes_verified\": ", ": ");
	cr_assert_leq(verified, size - bs, "the failed read was counted as verified");

	/* A burn-in pass: written whole, then the same read fails. */
	cr_assert_eq(b.code, 3, "exit %d\n%s%s", b.code, b.out, b.err);
	cr_assert_eq(json_num_after(b.out, "\n  \"bytes_written\": ", ": "), size);
	cr_assert(strstr(b.out, key), "%s", b.out);
	cr_assert(strstr(b.out, "\n  \"mismatches\": 0,"), "%s", b.out);
}
