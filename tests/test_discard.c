// SPDX-License-Identifier: MIT
/*
 * test_discard.c - dgen_target_discard on a tmpfs file, a loop device and
 * a file system that cannot punch holes (vfat on a loop device)
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/dgen.h>

#include "writer_helpers.h"

#define LEN	(1u << 20)

/* Fill @path with 0xa5 bytes, LEN of them. */
static void fill(const char *path)
{
	static uint8_t buf[LEN];
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	memset(buf, 0xa5, sizeof(buf));
	cr_assert_eq(pwrite(fd, buf, LEN, 0), (ssize_t)LEN);
	fsync(fd);
	close(fd);
}

/* Bytes of [off, off + len) of @path that are not zero. */
static size_t nonzero(const char *path, off_t off, size_t len)
{
	static uint8_t buf[LEN];
	int fd = open(path, O_RDONLY);
	size_t n = 0;

	cr_assert_geq(fd, 0);
	cr_assert_eq(pread(fd, buf, len, off), (ssize_t)len);
	close(fd);
	for (size_t i = 0; i < len; i++)
		n += buf[i] != 0;
	return n;
}

static void discard_range(const char *path, uint64_t off, uint64_t size,
			  const char *how)
{
	struct dgen_discard_result res;
	struct dgen_target *t;
	char msg[512];

	cr_assert_eq(dgen_target_open(&t, path, off, size, DGEN_TARGET_FORCE,
				      msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_target_discard_check(t, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_target_discard(t, &res, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_str_eq(res.how, how);
	cr_assert_eq(res.bytes, size);
	cr_assert_geq(res.seconds, 0);
	dgen_target_close(t);
}

Test(discard, tmpfs_file_punches_only_the_range)
{
	char path[] = "/dev/shm/dgen-discard-XXXXXX";
	int fd = mkstemp(path);
	struct stat st;

	cr_assert_geq(fd, 0);
	close(fd);
	fill(path);
	discard_range(path, 256u << 10, 512u << 10, "punch hole");
	cr_assert_eq(nonzero(path, 0, 256u << 10), 256u << 10);
	cr_assert_eq(nonzero(path, 256u << 10, 512u << 10), 0);
	cr_assert_eq(nonzero(path, 768u << 10, 256u << 10), 256u << 10);
	/* The check's probe past the end changed neither size nor data. */
	cr_assert_eq(stat(path, &st), 0);
	cr_assert_eq(st.st_size, LEN);
	unlink(path);
}

Test(discard, loop_device_blkdiscard)
{
	char path[] = "/dev/shm/dgen-discard-XXXXXX";
	int fd = mkstemp(path);
	char *dev;

	cr_assert_geq(fd, 0);
	close(fd);
	fill(path);
	dev = loop_attach(path, 0);
	if (!dev) {
		unlink(path);
		cr_skip_test("no loop device here (not root?)");
	}
	discard_range(dev, 0, 512u << 10, "BLKDISCARD");
	cr_assert_eq(nonzero(path, 0, 512u << 10), 0);
	cr_assert_eq(nonzero(path, 512u << 10, 512u << 10), 512u << 10);
	loop_detach(dev);
	unlink(path);
}

Test(discard, null_target_refused)
{
	struct dgen_target *t;
	char msg[512];

	cr_assert_eq(dgen_target_open(&t, DGEN_TARGET_NULL_PATH, 0, LEN, 0,
				      msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_target_discard_check(t, msg, sizeof(msg)), -EOPNOTSUPP);
	cr_assert_not_null(strstr(msg, "nothing to discard"), "%s", msg);
	dgen_target_close(t);
}

/* vfat takes O_DIRECT but cannot punch holes (fat_fallocate keeps only
 * FALLOC_FL_KEEP_SIZE): the check refuses, and the file is left as it
 * was. busybox-static (the VM tests' package) makes the file system. */
Test(discard, no_hole_punching_refused)
{
	char dir[] = "/tmp/dgen-discard-XXXXXX", img[64], file[96], cmd[1024];
	struct dgen_target *t;
	char msg[512];
	char *dev;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(img, sizeof(img), "/dev/shm/%s.img", dir + 5);
	snprintf(cmd, sizeof(cmd), "truncate -s 16M %s && busybox mkdosfs %s >/dev/null 2>&1",
		 img, img);
	if (system(cmd)) {
		rmdir(dir);
		unlink(img);
		cr_skip_test("busybox mkdosfs cannot run (busybox-static)");
	}
	dev = loop_attach(img, 0);
	snprintf(cmd, sizeof(cmd), "mount -t vfat %s %s 2>/dev/null", dev ? dev : "none", dir);
	if (!dev || system(cmd)) {
		if (dev)
			loop_detach(dev);
		rmdir(dir);
		unlink(img);
		cr_skip_test("cannot mount vfat here (not in this kernel, or not root): the VM test checks it");
	}
	snprintf(file, sizeof(file), "%s/f", dir);
	fill(file);
	cr_assert_eq(dgen_target_open(&t, file, 0, LEN, 0, msg, sizeof(msg)), 0,
		     "%s", msg);
	cr_assert_eq(dgen_target_discard_check(t, msg, sizeof(msg)), -EOPNOTSUPP,
		     "%s", msg);
	cr_assert_not_null(strstr(msg, "cannot punch holes"), "%s", msg);
	dgen_target_close(t);
	cr_assert_eq(nonzero(file, 0, LEN), LEN);
	snprintf(cmd, sizeof(cmd), "umount %s", dir);
	cr_assert_eq(system(cmd), 0);
	loop_detach(dev);
	rmdir(dir);
	unlink(img);
}
