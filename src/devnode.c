// SPDX-License-Identifier: MIT
/*
 * devnode.c - the NUMA node of a target, from sysfs
 *
 * The kernel gives numa_node to the devices that sit on a bus (PCI functions,
 * NVMe controllers), not to the block devices made from them. So the walk
 * starts at the block device's own sysfs directory and climbs the resolved
 * path until a numa_node holds a real node. Everything the walk reads is
 * under one root, so a test can build a fake tree in /tmp.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <dgen/topology.h>

#include "sysfs.h"

/* dm on md on a partition on a loop on a file: deeper stacks are unusual. */
#define STACK_DEPTH_MAX		8

struct walk {
	char root[PATH_MAX];		/* realpath of the sysfs root */
	size_t rootlen;
};

static int read_long(const char *dir, const char *name, long *v)
{
	char path[PATH_MAX];

	if (dgen_pathf(path, sizeof(path), "%s/%s", dir, name) < 0)
		return -ENAMETOOLONG;
	return dgen_sysfs_read_long(path, v);
}

static int exists(const char *dir, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return dgen_pathf(path, sizeof(path), "%s/%s", dir, name) == 0 &&
	       stat(path, &st) == 0;
}

/* Climb from @dir to the root; the first numa_node >= 0 wins. */
static int climb(const struct walk *w, char *dir)
{
	char *slash;
	long v;

	while (strlen(dir) > w->rootlen) {
		if (read_long(dir, "numa_node", &v) == 0 && v >= 0 && v <= INT_MAX)
			return (int)v;
		slash = strrchr(dir, '/');
		if (!slash)
			break;
		*slash = '\0';
	}
	return -1;
}

/*
 * Resolve @link (a sysfs symlink such as dev/block/8:1) to a block device
 * directory, replacing a partition by its disk, whose queue/ holds the
 * limits. Returns 0 or -errno.
 */
static int resolve_disk(const char *link, char *dir)
{
	char *slash;

	if (!realpath(link, dir))
		return -errno;
	if (exists(dir, "partition")) {
		slash = strrchr(dir, '/');
		if (slash)
			*slash = '\0';
	}
	return 0;
}

static int devnum_node(const struct walk *w, dev_t dev, int depth);

/*
 * The node of the block device at sysfs directory @dir: a stacked device
 * (dm, md) takes the node all its slaves agree on, a loop device the node of
 * its backing file, anything else what climbing finds.
 */
static int disk_node(const struct walk *w, const char *dir, int depth)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct dirent *de;
	struct stat st;
	DIR *d;
	FILE *f;
	int node = -2, n;

	if (depth > STACK_DEPTH_MAX)
		return -1;

	d = dgen_pathf(path, sizeof(path), "%s/slaves", dir) ? NULL : opendir(path);
	if (d) {
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (dgen_pathf(path, sizeof(path), "%s/slaves/%s", dir,
				  de->d_name) < 0 || resolve_disk(path, sub) < 0) {
				node = -1;
				break;
			}
			n = disk_node(w, sub, depth + 1);
			if (node == -2)
				node = n;
			else if (node != n)
				node = -1;	/* spread over nodes */
		}
		closedir(d);
		if (node != -2)
			return node;
	}

	f = dgen_pathf(path, sizeof(path), "%s/loop/backing_file", dir) ? NULL :
	    fopen(path, "re");
	if (f) {
		char *nl;

		node = -1;
		if (fgets(sub, sizeof(sub), f)) {
			nl = strchr(sub, '\n');
			if (nl)
				*nl = '\0';
			if (stat(sub, &st) == 0)
				node = devnum_node(w, st.st_dev, depth + 1);
		}
		fclose(f);
		return node;
	}

	if (dgen_pathf(sub, sizeof(sub), "%s", dir) < 0)
		return -1;
	return climb(w, sub);
}

static int devnum_node(const struct walk *w, dev_t dev, int depth)
{
	char link[PATH_MAX], dir[PATH_MAX];

	if (major(dev) == 0)		/* tmpfs, overlay, btrfs subvolumes */
		return -1;
	if (dgen_pathf(link, sizeof(link), "%s/dev/block/%u:%u", w->root,
		  major(dev), minor(dev)) < 0 || resolve_disk(link, dir) < 0)
		return -1;
	return disk_node(w, dir, depth);
}

int dgen_device_probe(const char *path, const char *sysfs_root,
		      struct dgen_device *out)
{
	char link[PATH_MAX], dir[PATH_MAX];
	struct walk w;
	struct stat st;
	dev_t dev;

	memset(out, 0, sizeof(*out));
	out->node = -1;
	if (!sysfs_root)
		sysfs_root = getenv(DGEN_ENV_SYSFS_ROOT);
	if (!sysfs_root || !*sysfs_root)
		sysfs_root = "/sys";
	if (stat(path, &st) < 0)
		return -errno;

	if (S_ISBLK(st.st_mode)) {
		out->kind = DGEN_DEVICE_BLOCK;
		dev = st.st_rdev;
	} else if (S_ISCHR(st.st_mode)) {
		out->kind = DGEN_DEVICE_CHAR;
		dev = st.st_rdev;
	} else if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
		out->kind = DGEN_DEVICE_FILE;
		dev = st.st_dev;
	} else {
		return -EINVAL;
	}
	out->major = major(dev);
	out->minor = minor(dev);

	/* Without a readable sysfs the node is simply not known. */
	if (!realpath(sysfs_root, w.root))
		return 0;
	w.rootlen = strlen(w.root);

	if (out->kind == DGEN_DEVICE_CHAR) {
		if (dgen_pathf(link, sizeof(link), "%s/dev/char/%u:%u", w.root,
			  out->major, out->minor) == 0 && realpath(link, dir))
			out->node = climb(&w, dir);
		return 0;
	}
	if (out->major == 0)
		return 0;
	if (dgen_pathf(link, sizeof(link), "%s/dev/block/%u:%u", w.root,
		  out->major, out->minor) < 0 || resolve_disk(link, dir) < 0)
		return 0;
	memcpy(out->sysfs, dir, sizeof(out->sysfs));
	out->node = disk_node(&w, dir, 0);
	return 0;
}
