// SPDX-License-Identifier: MIT
/*
 * journal_dev.c - is the journal on a device a target's power cut takes
 * down with it?
 *
 * A path is reduced to the set of devices it lives on, from stat(2) and
 * sysfs alone (nothing is opened):
 *
 *	a file or directory	its filesystem's device (st_dev); a file
 *				not made yet, its directory's;
 *	a block device		itself (st_rdev);
 *	an NVMe generic device	its namespace's block device;
 *
 * and each device in the set adds what it stands on: a partition its
 * whole disk, a loop device its backing file's devices, a stacked device
 * (dm, md) the members listed in its slaves/, and a disk the hardware
 * device sysfs links it to (an NVMe namespace its controller, so two
 * namespaces of one drive are one device). Two paths share a device when
 * their sets meet. A filesystem with no block device of its own (tmpfs,
 * FUSE, NFS) is its st_dev alone: two paths on one such mount meet there.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dirent.h>

#include <dgen/journal.h>
#include <dgen/nvme.h>
#include <dgen/target.h>
#include <dgen/topology.h>

#include "refuse.h"
#include "sysfs.h"

#define IDS_MAX		32
#define DEPTH_MAX	8

/* A device number ("dev 8:0") or a hardware node ("hw /sys/devices/..."). */
struct ids {
	char id[IDS_MAX][PATH_MAX + 8];
	unsigned int n;
};

static void ids_add(struct ids *s, const char *id)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (!strcmp(s->id[i], id))
			return;
	if (s->n < IDS_MAX)
		snprintf(s->id[s->n++], sizeof(s->id[0]), "%s", id);
}

/* The first line of a small sysfs file into @buf, without its newline. */
static int read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return -EIO;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* The device number in the sysfs file @path ("8:1"). */
static int read_devno(const char *path, dev_t *dev)
{
	char line[64];
	unsigned int ma, mi;

	if (read_line(path, line, sizeof(line)) ||
	    sscanf(line, "%u:%u", &ma, &mi) != 2)
		return -ENOENT;
	*dev = makedev(ma, mi);
	return 0;
}

static void dev_ids(struct ids *s, dev_t dev, unsigned int depth);

/* sysfs, or the tree DGEN_SYSFS_ROOT names (tests build one). */
static const char *sysfs_root(void)
{
	const char *root = getenv(DGEN_ENV_SYSFS_ROOT);

	return root && *root ? root : "/sys";
}

/* A loop device's backing file (sysfs loop/backing_file), if any. */
static void loop_ids(struct ids *s, const char *dir, unsigned int depth)
{
	char path[PATH_MAX + 32], file[PATH_MAX];
	struct stat st;
	size_t n;

	if (dgen_pathf(path, sizeof(path), "%s/loop/backing_file", dir) ||
	    read_line(path, file, sizeof(file)))
		return;
	n = strlen(file);
	if (n > 10 && !strcmp(file + n - 10, " (deleted)"))
		file[n - 10] = 0;
	if (!stat(file, &st))
		dev_ids(s, st.st_dev, depth + 1);
}

/* The members of a stacked device (sysfs slaves/). */
static void slave_ids(struct ids *s, const char *dir, unsigned int depth)
{
	char path[PATH_MAX + 32];
	struct dirent *e;
	DIR *d;
	dev_t dev;

	if (dgen_pathf(path, sizeof(path), "%s/slaves", dir) ||
	    !(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		/* Each entry links to its member's directory. */
		if (!dgen_pathf(path, sizeof(path), "%s/slaves/%s/dev", dir,
				e->d_name) && !read_devno(path, &dev))
			dev_ids(s, dev, depth + 1);
	}
	closedir(d);
}

/* Add @dev and everything it stands on (see the file's comment). */
static void dev_ids(struct ids *s, dev_t dev, unsigned int depth)
{
	char link[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 32], hw[PATH_MAX];
	char id[PATH_MAX + 8];
	struct stat st;
	dev_t parent;

	snprintf(id, sizeof(id), "dev %u:%u", major(dev), minor(dev));
	ids_add(s, id);
	if (depth >= DEPTH_MAX || major(dev) == 0)
		return;
	if (dgen_pathf(link, sizeof(link), "%s/dev/block/%u:%u", sysfs_root(),
		       major(dev), minor(dev)) || !realpath(link, dir))
		return;
	/* A partition: its disk is the directory above. */
	if (!dgen_pathf(path, sizeof(path), "%s/partition", dir) &&
	    !stat(path, &st) && !dgen_pathf(path, sizeof(path), "%s/../dev", dir) &&
	    !read_devno(path, &parent))
		dev_ids(s, parent, depth + 1);
	loop_ids(s, dir, depth);
	slave_ids(s, dir, depth);
	if (!dgen_pathf(path, sizeof(path), "%s/device", dir) &&
	    realpath(path, hw)) {
		snprintf(id, sizeof(id), "hw %s", hw);
		ids_add(s, id);
	}
}

/* The devices @path lives on (see the file's comment). */
static int path_ids(struct ids *s, const char *path)
{
	char dir[PATH_MAX], blk[PATH_MAX];
	struct stat st;

	s->n = 0;
	if (!strcmp(path, DGEN_TARGET_NULL_PATH))
		return 0;
	if (stat(path, &st)) {
		int e = errno;
		char *slash;

		if (e != ENOENT)
			return -e;
		if (dgen_pathf(dir, sizeof(dir), "%s", path))
			return -ENAMETOOLONG;
		slash = strrchr(dir, '/');
		if (!slash)
			snprintf(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = 0;
		else
			*slash = 0;
		if (stat(dir, &st))
			return -errno;
	}
	/* An NVMe generic device stands for its namespace's block device. */
	if (S_ISCHR(st.st_mode) &&
	    !dgen_nvme_generic_block(path, blk, sizeof(blk)) && stat(blk, &st))
		return -errno;
	if (S_ISBLK(st.st_mode))
		dev_ids(s, st.st_rdev, 0);
	else if (S_ISCHR(st.st_mode))
		snprintf(s->id[s->n++], sizeof(s->id[0]), "chr %u:%u",
			 major(st.st_rdev), minor(st.st_rdev));
	else
		dev_ids(s, st.st_dev, 0);
	return 0;
}

int dgen_journal_check_device(const char *journal_path,
			      const char *target_path, char *msg,
			      size_t msglen)
{
	struct ids *a = malloc(2 * sizeof(*a)), *b = a + 1;
	int r;

	if (!a)
		return -ENOMEM;
	r = path_ids(a, journal_path);
	if (r) {
		dgen_refuse(r, msg, msglen, "cannot find the device of journal %s: %s",
			    journal_path, strerror(-r));
		goto out;
	}
	r = path_ids(b, target_path);
	if (r) {
		dgen_refuse(r, msg, msglen, "cannot find the device of target %s: %s",
			    target_path, strerror(-r));
		goto out;
	}
	for (unsigned int i = 0; i < a->n; i++)
		for (unsigned int j = 0; j < b->n; j++) {
			if (strcmp(a->id[i], b->id[j]))
				continue;
			r = dgen_refuse(-EXDEV, msg, msglen,
					"the journal %s is on the device of target %s (%s): a power cut of the target would take the journal's records with it; keep the journal on another drive",
					journal_path, target_path, a->id[i]);
			goto out;
		}
out:
	free(a);
	return r;
}
