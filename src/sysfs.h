/* SPDX-License-Identifier: MIT */
/*
 * sysfs.h - reading one number from a sysfs or procfs file
 */
#ifndef DGEN_SRC_SYSFS_H
#define DGEN_SRC_SYSFS_H

#include <stddef.h>

/*
 * dgen_pathf - snprintf() for paths: returns 0, or -ENAMETOOLONG when the
 * path does not fit (a cut path would name another file).
 */
__attribute__((format(printf, 3, 4)))
int dgen_pathf(char *buf, size_t len, const char *fmt, ...);

/*
 * dgen_sysfs_read_long - the decimal number at the start of file @path
 * (sysfs values such as numa_node may be -1). Returns 0, -errno from
 * opening it, -EIO when it is empty, -EINVAL when it holds no number.
 */
int dgen_sysfs_read_long(const char *path, long *v);

#endif /* DGEN_SRC_SYSFS_H */
