// SPDX-License-Identifier: MIT
/*
 * placement_paths.c - the plan for targets named by path: where each one
 * lives, its queue limits and its bytes, then dgen_plan_new()
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/nvme.h>
#include <dgen/placement.h>
#include <dgen/target.h>

/*
 * Where @path lives, for the plan. null has no device (node not known); a
 * file not made yet lives where its directory does. Only stat() and sysfs:
 * nothing is opened for writing.
 */
static int place_probe(const char *path, struct dgen_device *dev)
{
	char *dup, *dir, blk[4096];
	int r;

	if (!strcmp(path, DGEN_TARGET_NULL_PATH)) {
		memset(dev, 0, sizeof(*dev));
		dev->kind = DGEN_DEVICE_FILE;
		dev->node = -1;
		return 0;
	}
	/* An NVMe generic device is planned as its namespace's block
	 * device: the same node, the same queue limits. */
	if (dgen_nvme_generic_block(path, blk, sizeof(blk)) == 0)
		path = blk;
	r = dgen_device_probe(path, NULL, dev);
	if (r != -ENOENT || !(dup = strdup(path)))
		return r;
	dir = dirname(dup);
	r = dgen_device_probe(dir, NULL, dev);
	free(dup);
	return r;
}

/* Bytes a dry run would write to @path: @p->size, else its size past
 * @p->offset, else 1. */
static uint64_t dry_weight(const struct dgen_plan_paths *p, const char *path)
{
	char blk[4096];
	uint64_t bytes = 0;
	struct stat st;
	int fd;

	if (p->size)
		return p->size;
	if (stat(path, &st) < 0)
		return 1;
	if (S_ISREG(st.st_mode))
		return (uint64_t)st.st_size > p->offset ?
		       (uint64_t)st.st_size - p->offset : 1;
	/* A block device's size needs an open; read-only, no O_EXCL. */
	if (dgen_nvme_generic_block(path, blk, sizeof(blk)) == 0)
		path = blk;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &bytes) == 0 && bytes > p->offset)
		bytes -= p->offset;
	else
		bytes = 1;
	if (fd >= 0)
		close(fd);
	return bytes;
}

int dgen_plan_new_paths(struct dgen_plan **out, const struct dgen_topology *t,
			const struct dgen_plan_paths *p,
			const struct dgen_plan_opts *opts, char *msg,
			size_t msglen)
{
	struct dgen_plan_target_spec *ts;
	struct dgen_device_limits *lim;
	struct dgen_plan_opts po;
	struct dgen_device dev;
	char blk[4096];
	int r = -ENOMEM;

	if (!p || !p->paths || !p->n || !opts) {
		snprintf(msg, msglen, "no targets to plan for");
		return -EINVAL;
	}
	/* Passthrough commands, like polled I/O, are never split: each must
	 * fit one request. */
	po = *opts;
	for (unsigned int k = 0; k < p->n; k++)
		if (dgen_nvme_generic_block(p->paths[k], blk, sizeof(blk)) == 0)
			po.one_request = 1;
	ts = calloc(p->n, sizeof(*ts));
	lim = calloc(p->n, sizeof(*lim));
	if (!ts || !lim) {
		snprintf(msg, msglen, "out of memory");
		goto out;
	}
	for (unsigned int k = 0; k < p->n; k++) {
		const char *path = p->paths[k];
		struct dgen_target_info i;

		r = place_probe(path, &dev);
		if (r < 0) {
			snprintf(msg, msglen, "%s: cannot find its device: %s",
				 path, strerror(-r));
			goto out;
		}
		dgen_device_limits_read(&dev, &lim[k]);
		ts[k] = (struct dgen_plan_target_spec) {
			.name = path, .node = dev.node, .limits = &lim[k],
		};
		/* null feeds no device: its pool only has to suit the
		 * generator (dgen_pool_size). */
		if (!strcmp(path, DGEN_TARGET_NULL_PATH))
			lim[k].no_device = 1;
		if (!p->targets) {
			ts[k].weight = dry_weight(p, path);
			if (lim[k].no_device)
				lim[k].logical_block_size = 1;
			continue;
		}
		dgen_target_info_get(p->targets[k], &i);
		ts[k].weight = i.size;
		lim[k].logical_block_size = i.dio_offset_align;
	}
	r = dgen_plan_new(out, t, ts, p->n, &po, msg, msglen);
out:
	free(ts);
	free(lim);
	return r;
}
