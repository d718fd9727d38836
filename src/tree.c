// SPDX-License-Identifier: MIT
/*
 * tree.c - names and fresh directories for a tree of files
 *
 * The names fix the order of the files, and with it their stream ids
 * (first id + i for file i), so a tree can be checked from the report
 * alone: DIR/d<i / fanout>/f<i>, numbers zero-padded so that a plain sort
 * of the names is the order of i for the first million files.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/tree.h>

#include "refuse.h"

int dgen_tree_path(char *buf, size_t len, const char *dir, uint32_t fanout,
		   uint64_t i, const char *suffix)
{
	int n;

	if (!fanout)
		fanout = DGEN_TREE_FANOUT_DEFAULT;
	n = snprintf(buf, len, "%s/d%03llu/f%06llu%s", dir,
		     (unsigned long long)(i / fanout), (unsigned long long)i,
		     suffix ? suffix : "");
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

/* mkdir that takes an existing directory as success. */
static int mkdir_ok(const char *path)
{
	struct stat st;

	if (!mkdir(path, 0755))
		return 0;
	if (errno != EEXIST)
		return -errno;
	if (stat(path, &st))
		return -errno;
	return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int dgen_tree_prepare(const char *dir, uint64_t nfiles, uint32_t fanout,
		      const char *suffix, unsigned int flags,
		      char *msg, size_t msglen)
{
	char path[4096];
	struct stat st;
	int r;

	if (!fanout)
		fanout = DGEN_TREE_FANOUT_DEFAULT;
	if (!nfiles)
		return dgen_refuse(-EINVAL, msg, msglen, "a tree needs at least one file");
	/*
	 * Look at every file before changing anything: a refused run leaves
	 * an existing tree exactly as it was.
	 */
	if (!(flags & DGEN_TREE_FORCE))
		for (uint64_t i = 0; i < nfiles; i++) {
			r = dgen_tree_path(path, sizeof(path), dir, fanout, i, suffix);
			if (r < 0)
				return dgen_refuse(r, msg, msglen, "%s: path too long", dir);
			if (!lstat(path, &st))
				return dgen_refuse(-EEXIST, msg, msglen,
						   "%s exists: a tree is written fresh (a forced run replaces it)",
						   path);
		}
	r = mkdir_ok(dir);
	if (r)
		return dgen_refuse(r, msg, msglen, "cannot make directory %s: %s",
				   dir, strerror(-r));
	for (uint64_t i = 0; i < nfiles; i++) {
		r = dgen_tree_path(path, sizeof(path), dir, fanout, i, suffix);
		if (r < 0)
			return dgen_refuse(r, msg, msglen, "%s: path too long", dir);
		if (i % fanout == 0) {
			char *slash = strrchr(path, '/');

			*slash = 0;
			r = mkdir_ok(path);
			if (r)
				return dgen_refuse(r, msg, msglen,
						   "cannot make directory %s: %s",
						   path, strerror(-r));
			*slash = '/';
		}
		/* Forced: remove the old file, so no stale tail outlives a
		 * smaller new one and each file is created, not reused. */
		if ((flags & DGEN_TREE_FORCE) && unlink(path) && errno != ENOENT) {
			r = -errno;
			return dgen_refuse(r, msg, msglen, "cannot replace %s: %s",
					   path, strerror(-r));
		}
	}
	return 0;
}
