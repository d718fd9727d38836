// SPDX-License-Identifier: MIT
/*
 * devtmpfs.c - tell devtmpfs (/dev) from other filesystems
 *
 * A name in /dev that is not there is a device that is missing, and a file
 * created in its place lives in RAM: a run "passes" a drive that does not
 * exist. statfs() cannot tell devtmpfs from tmpfs (both report
 * TMPFS_MAGIC, and /dev/shm, a tmpfs, must keep taking files), so the
 * filesystem type comes from the mount table: the line of
 * /proc/self/mountinfo whose device number is the directory's names it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "devtmpfs.h"

int dgen_dev_on_devtmpfs(dev_t dev)
{
	char *line = NULL, fstype[64];
	size_t cap = 0;
	int found = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return 0;
	/* "36 35 0:6 / /dev rw,nosuid - devtmpfs udev rw,size=..." */
	while (!found && getline(&line, &cap, f) > 0) {
		unsigned int maj, min;
		const char *sep;

		if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 ||
		    makedev(maj, min) != dev)
			continue;
		/* Optional fields come before " - "; the type follows it. */
		sep = strstr(line, " - ");
		found = sep && sscanf(sep + 3, "%63s", fstype) == 1 &&
			!strcmp(fstype, "devtmpfs");
	}
	free(line);
	fclose(f);
	return found;
}

int dgen_path_in_devtmpfs(const char *path)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	char *dir;
	int r;

	if (!slash)
		return stat(".", &st) == 0 && dgen_dev_on_devtmpfs(st.st_dev);
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return 0;
	r = stat(dir, &st) == 0 && dgen_dev_on_devtmpfs(st.st_dev);
	free(dir);
	return r;
}
