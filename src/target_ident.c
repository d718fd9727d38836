// SPDX-License-Identifier: MIT
/*
 * target_ident.c - two names for one target, found by identity
 *
 * Paths are compared by what they name, not by how they are spelled
 * (opts_check.c already resolves links and dots): a file is its st_dev
 * and st_ino, which a hard link or a bind mount shares; a block device
 * is its st_rdev (a partition overlaps its disk: sysfs names the disk),
 * and a loop device is also the file under it, read from
 * the driver (LOOP_GET_STATUS64's lo_device and lo_inode, which hold
 * even when that file was renamed) or, where the device cannot be
 * opened, from sysfs (/sys/dev/block/M:m/loop/backing_file). Two
 * streams written to one place would leave neither, and verify would
 * then find the other's blocks "foreign".
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <dgen/target.h>

#include "refuse.h"
#include "sysfs.h"
#include "target_ident.h"

struct ident {
	int kind;			/* 0: none, 'f': file, 'b': block */
	dev_t dev;			/* a file's, or a loop's backing file's */
	ino_t ino;
	int backed;			/* a block device with a backing file */
	dev_t rdev;			/* a block device's */
	dev_t disk;			/* a partition's whole disk; 0 */
};

/* The whole disk of partition @rdev (sysfs: its parent's dev), or 0. */
static dev_t part_disk(dev_t rdev)
{
	char path[128], line[32];
	unsigned int ma, mi;
	FILE *f;

	if (dgen_pathf(path, sizeof(path), "/sys/dev/block/%u:%u/partition",
		       major(rdev), minor(rdev)) || access(path, F_OK) ||
	    dgen_pathf(path, sizeof(path), "/sys/dev/block/%u:%u/../dev",
		       major(rdev), minor(rdev)))
		return 0;
	f = fopen(path, "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f) || sscanf(line, "%u:%u", &ma, &mi) != 2)
		ma = mi = 0;
	fclose(f);
	return ma || mi ? makedev(ma, mi) : 0;
}

/* The kernel's new_encode_dev(), as LOOP_GET_STATUS64 gives lo_device. */
static dev_t loop_dev_decode(uint64_t d)
{
	return makedev((unsigned int)((d & 0xfff00) >> 8),
		       (unsigned int)((d & 0xff) | ((d >> 12) & 0xfff00)));
}

/* The file a loop device @path (@rdev) reads and writes, into @id. */
static void loop_backing(const char *path, dev_t rdev, struct ident *id)
{
	struct loop_info64 li;
	char sys[128], file[4096];
	struct stat st;
	ssize_t n;
	int fd, r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		r = ioctl(fd, LOOP_GET_STATUS64, &li);
		close(fd);
		if (!r) {
			id->dev = loop_dev_decode(li.lo_device);
			id->ino = (ino_t)li.lo_inode;
			id->backed = 1;
			return;
		}
		if (errno == ENXIO || errno == ENOTTY || errno == EINVAL)
			return;		/* an unbound loop, or no loop */
	}
	if (dgen_pathf(sys, sizeof(sys), "/sys/dev/block/%u:%u/loop/backing_file",
		       major(rdev), minor(rdev)))
		return;
	fd = open(sys, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, file, sizeof(file) - 1);
	close(fd);
	if (n <= 0)
		return;
	file[n] = 0;
	file[strcspn(file, "\n")] = 0;
	if (!stat(file, &st)) {
		id->dev = st.st_dev;
		id->ino = st.st_ino;
		id->backed = 1;
	}
}

static void ident_get(const char *path, struct ident *id)
{
	struct stat st;

	memset(id, 0, sizeof(*id));
	if (!strcmp(path, DGEN_TARGET_NULL_PATH) || stat(path, &st))
		return;
	if (S_ISBLK(st.st_mode)) {
		id->kind = 'b';
		id->rdev = st.st_rdev;
		id->disk = part_disk(st.st_rdev);
		loop_backing(path, st.st_rdev, id);
	} else if (S_ISREG(st.st_mode)) {
		id->kind = 'f';
		id->dev = st.st_dev;
		id->ino = st.st_ino;
	}
}

/* Why @a and @b are one target, or NULL when they are not. */
static const char *ident_same(const struct ident *a, const struct ident *b)
{
	const int fa = a->kind == 'f' || a->backed;
	const int fb = b->kind == 'f' || b->backed;

	if (a->kind == 'b' && b->kind == 'b' && a->rdev == b->rdev)
		return "one block device";
	/* A disk and its partition overlap: two streams on the same bytes. */
	if (a->kind == 'b' && b->kind == 'b' &&
	    ((a->disk && a->disk == b->rdev) || (b->disk && b->disk == a->rdev)))
		return "a disk and a partition of it";
	if (!fa || !fb || a->dev != b->dev || a->ino != b->ino)
		return NULL;
	if (a->kind == 'f' && b->kind == 'f')
		return "one file: a hard link or a bind mount of it";
	if (a->kind == 'b' && b->kind == 'b')
		return "two loop devices over one file";
	return "a loop device and the file under it";
}

int dgen_target_ident_check(const char *const *paths, unsigned int n,
			    char *msg, size_t msglen)
{
	struct ident *id = calloc(n + 1, sizeof(*id));
	const char *why;
	int err = 0;

	if (!id)
		return dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
	for (unsigned int k = 0; k < n; k++)
		ident_get(paths[k], &id[k]);
	for (unsigned int k = 0; k < n && !err; k++)
		for (unsigned int j = 0; j < k && !err; j++)
			if (id[j].kind && id[k].kind &&
			    (why = ident_same(&id[j], &id[k])))
				err = dgen_refuse(-EINVAL, msg, msglen,
						  "--dev %s and --dev %s are the same target (%s): give each once",
						  paths[j], paths[k], why);
	free(id);
	return err;
}
