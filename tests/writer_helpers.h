/* SPDX-License-Identifier: MIT */
/*
 * writer_helpers.h - loop devices, scratch files and stream checks for the
 * writer and command-line tests
 */
#ifndef DGEN_TESTS_WRITER_HELPERS_H
#define DGEN_TESTS_WRITER_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <dgen/dgen.h>

/*
 * Scratch space that takes O_DIRECT: /dev/shm is fast, but tmpfs has
 * O_DIRECT only since Linux 6.6; /var/tmp (usually ext4 or XFS) otherwise.
 */
static inline const char *scratch_dir(void)
{
	static const char *dir;
	char probe[64];
	int fd;

	if (dir)
		return dir;
	snprintf(probe, sizeof(probe), "/dev/shm/dgen-test-%d-probe", (int)getpid());
	fd = open(probe, O_RDWR | O_CREAT | O_DIRECT, 0644);
	dir = fd >= 0 ? "/dev/shm" : "/var/tmp";
	if (fd >= 0)
		close(fd);
	unlink(probe);
	return dir;
}

/* A scratch path unique to this process: <dir>/dgen-test-<pid>-<tag>. */
static inline char *scratch_path(const char *tag)
{
	static char paths[16][256];
	static unsigned int next;
	char *p = paths[next++ % 16];

	snprintf(p, 256, "%s/dgen-test-%d-%s", scratch_dir(), (int)getpid(), tag);
	return p;
}

/* Create @path as @size bytes of @fill (so untouched bytes are visible). */
static inline int file_make(const char *path, uint64_t size, int fill)
{
	char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -errno;
	memset(buf, fill, sizeof(buf));
	for (uint64_t done = 0; done < size;) {
		size_t n = size - done < sizeof(buf) ? size - done : sizeof(buf);

		if (write(fd, buf, n) != (ssize_t)n) {
			close(fd);
			return -EIO;
		}
		done += n;
	}
	close(fd);
	return 0;
}

/* Run a shell command, return its output's first line (static) or NULL. */
static inline char *shell_line(const char *cmd)
{
	static char line[512];
	FILE *f = popen(cmd, "r");
	int ok;

	if (!f)
		return NULL;
	ok = fgets(line, sizeof(line), f) != NULL;
	if (pclose(f) != 0 || !ok)
		return NULL;
	line[strcspn(line, "\n")] = 0;
	return line;
}

/*
 * Run the Python @script on the JSON @report (its argv[1]) and @arg (argv[2],
 * NULL: none); the script prints "ok" when its asserts hold. Returns its
 * first line of output (static), "(failed)" when there is none. The files
 * are scratch ones, removed after.
 */
static inline const char *py_check(const char *script, const char *report,
				   const char *arg)
{
	const char *json = scratch_path("pyjson"), *py = scratch_path("pycheck");
	const char *files[2][2] = { { json, report }, { py, script } };
	char cmd[1024];
	const char *out;

	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(files[i][0], "w");

		if (!f)
			return "(failed)";
		fputs(files[i][1], f);
		fclose(f);
	}
	snprintf(cmd, sizeof(cmd), "python3 %s %s %s 2>&1", py, json, arg ? arg : "");
	out = shell_line(cmd);
	unlink(json);
	unlink(py);
	return out ? out : "(failed)";
}

/*
 * A path in /dev, unique to this process, that names no device; NULL when
 * /dev is not devtmpfs here (a container's tmpfs /dev). The test's own
 * reading of the mount table: findmnt, not the library's code.
 */
static inline const char *devtmpfs_missing_path(const char *tag)
{
	static char path[128];
	const char *type = shell_line("findmnt -n -o FSTYPE --target /dev");

	if (!type || strcmp(type, "devtmpfs"))
		return NULL;
	snprintf(path, sizeof(path), "/dev/dgen-test-%d-%s", (int)getpid(), tag);
	return path;
}

/*
 * Attach @backing to a free loop device with direct I/O (read-only when
 * @ro); returns its path (static) or NULL when this system cannot.
 */
static inline char *loop_attach(const char *backing, int ro)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "(modprobe loop; true) 2>/dev/null; losetup --direct-io=on -f --show %s%s 2>/dev/null",
		 ro ? "-r " : "", backing);
	return shell_line(cmd);
}

static inline void loop_detach(const char *dev)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "losetup -d %s 2>/dev/null", dev);
	if (system(cmd)) {
		/* Detach is lazy: a still-open device is freed on last close. */
	}
}

/* A stream with the given parameters; aborts the test on refusal. */
static inline struct dgen_stream *stream_make(uint64_t seed, uint64_t id,
					      uint64_t size, double dedup,
					      double compress)
{
	struct dgen_stream_params p;
	struct dgen_stream *s = NULL;

	dgen_stream_params_init(&p);
	p.seed = seed;
	p.stream_id = id;
	p.size = size;
	p.dedup_ratio = dedup;
	p.compress_ratio = compress;
	if (dgen_stream_new(&s, &p, NULL, 0))
		return NULL;
	return s;
}

/*
 * Blocks of @path in [@at, @at + @len) that differ from stream bytes
 * [0, len) of @s; -1 when the file cannot be read.
 */
static inline int64_t path_compare(const char *path, uint64_t at, uint64_t len,
				   const struct dgen_stream *s)
{
	const size_t chunk = 1 << 20;
	int64_t bad = 0, r;
	uint8_t *buf = malloc(chunk);
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (uint64_t x = 0; x < len; x += chunk) {
		size_t n = len - x < chunk ? len - x : chunk;

		if (pread(fd, buf, n, (off_t)(at + x)) != (ssize_t)n) {
			bad = -1;
			break;
		}
		r = dgen_stream_compare(s, buf, x, n, NULL, NULL);
		if (r < 0) {
			bad = -1;
			break;
		}
		bad += r;
	}
	close(fd);
	free(buf);
	return bad;
}

/*
 * Bytes of the first @size of @path that hold @s's bytes at their offset,
 * counted in 4 KiB blocks (the stream's compare unit); a missing or short
 * file holds none. Needs Criterion included first.
 */
static inline uint64_t path_matching(const char *path, uint64_t size,
				     const struct dgen_stream *s)
{
	struct stat st;
	int64_t bad;

	if (stat(path, &st) || (uint64_t)st.st_size < size)
		return 0;
	bad = path_compare(path, 0, size, s);
	cr_assert_geq(bad, 0, "%s unreadable", path);
	return size - (uint64_t)bad * 4096;
}

/* 1 when every byte of @path in [@at, @at + @len) equals @v. */
static inline int path_all(const char *path, uint64_t at, uint64_t len, int v)
{
	uint8_t buf[1 << 16];
	int fd = open(path, O_RDONLY), ok = fd >= 0;

	for (uint64_t x = 0; ok && x < len; x += sizeof(buf)) {
		size_t n = len - x < sizeof(buf) ? len - x : sizeof(buf);

		ok = pread(fd, buf, n, (off_t)(at + x)) == (ssize_t)n;
		for (size_t i = 0; ok && i < n; i++)
			ok = buf[i] == v;
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/* FNV-1a of a whole file: to show a refused target was left untouched. */
static inline uint64_t path_hash(const char *path)
{
	uint8_t buf[1 << 16];
	uint64_t h = 0xcbf29ce484222325ull;
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 0x100000001b3ull;
	close(fd);
	return h;
}

#endif /* DGEN_TESTS_WRITER_HELPERS_H */
