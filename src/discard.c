// SPDX-License-Identifier: MIT
/*
 * discard.c - discard a target's range before the first pass
 *
 * The check comes first for every target, and changes nothing, so a run
 * whose one target cannot discard is refused before any other target
 * lost its data: block devices say in sysfs whether they discard, and a
 * file's filesystem is asked to punch a hole past both the end of the
 * file and the range (a no-op where holes are supported; ext2/3-style
 * files without extents, vfat and the like answer EOPNOTSUPP first).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <dgen/discard.h>

#include "clock.h"
#include "nvme_pt.h"
#include "refuse.h"
#include "target_impl.h"

/* queue/discard_max_bytes of the disk (a partition's is its parent's);
 * -1 when sysfs does not say. */
static long long discard_max(int fd)
{
	static const char *const where[] = { "queue", "../queue" };
	char path[96];
	long long v = -1;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	for (unsigned int i = 0; i < 2 && v < 0; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/%s/discard_max_bytes",
			 major(st.st_rdev), minor(st.st_rdev), where[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

int dgen_target_discard_check(const struct dgen_target *t, char *msg,
			      size_t msglen)
{
	const struct dgen_target_info *i = &t->info;
	struct stat st;
	uint64_t past;

	switch (i->type) {
	case DGEN_TARGET_NULL:
		return dgen_refuse(-EOPNOTSUPP, msg, msglen,
				   "%s: the null target has nothing to discard (--trim)",
				   t->path);
	case DGEN_TARGET_BLOCK:
		if (discard_max(t->fd) == 0)
			return dgen_refuse(-EOPNOTSUPP, msg, msglen,
					   "%s does not support discard (its queue/discard_max_bytes is 0): cannot --trim it",
					   t->path);
		return 0;
	case DGEN_TARGET_NVME:
		/* The namespace's block device says whether it deallocates. */
		if (discard_max(t->hold_fd) == 0)
			return dgen_refuse(-EOPNOTSUPP, msg, msglen,
					   "%s does not support Dataset Management (deallocate): cannot --trim it",
					   t->path);
		return 0;
	case DGEN_TARGET_FILE:
		if (fstat(t->fd, &st) < 0)
			return dgen_refuse(-errno, msg, msglen, "cannot stat %s: %s",
					   t->path, strerror(errno));
		past = i->offset + i->size;
		if ((uint64_t)st.st_size > past)
			past = (uint64_t)st.st_size;
		past = (past + 4095) & ~4095ull;
		if (fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)past, 4096) < 0) {
			int r = -errno;

			return dgen_refuse(r == -ENOSYS ? -EOPNOTSUPP : r, msg, msglen,
					   "%s: its filesystem cannot punch holes (%s): cannot --trim it",
					   t->path, strerror(-r));
		}
		return 0;
	}
	return dgen_refuse(-EINVAL, msg, msglen, "%s: unknown target type",
			   t->path);
}

int dgen_target_discard(struct dgen_target *t,
			struct dgen_discard_result *res, char *msg,
			size_t msglen)
{
	const struct dgen_target_info *i = &t->info;
	uint64_t t0 = dgen_clock_ns();
	int r;

	memset(res, 0, sizeof(*res));
	r = dgen_target_discard_check(t, msg, msglen);
	if (r)
		return r;
	if (i->type == DGEN_TARGET_BLOCK) {
		uint64_t range[2] = { i->offset, i->size };

		res->how = "BLKDISCARD";
		r = ioctl(t->fd, BLKDISCARD, range) < 0 ? -errno : 0;
	} else if (i->type == DGEN_TARGET_NVME) {
		res->how = "Dataset Management";
		r = dgen_nvme_pt_discard(t);
	} else {
		res->how = "punch hole";
		r = fallocate(t->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)i->offset, (off_t)i->size) < 0 ? -errno : 0;
	}
	if (r)
		return dgen_refuse(r, msg, msglen, "cannot discard %s (%s, offset %llu, size %llu): %s",
				   t->path, res->how, (unsigned long long)i->offset,
				   (unsigned long long)i->size, strerror(-r));
	res->bytes = i->size;
	res->seconds = (double)(dgen_clock_ns() - t0) / 1e9;
	return 0;
}
