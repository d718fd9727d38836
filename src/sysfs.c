// SPDX-License-Identifier: MIT
/*
 * sysfs.c - reading one number from a sysfs or procfs file
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "sysfs.h"

int dgen_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int dgen_sysfs_read_long(const char *path, long *v)
{
	char buf[64], *end;
	FILE *f = fopen(path, "re");
	int r = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, sizeof(buf), f))
		r = -EIO;
	fclose(f);
	if (r)
		return r;
	errno = 0;
	*v = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}
