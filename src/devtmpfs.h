/* SPDX-License-Identifier: MIT */
/*
 * devtmpfs.h - whether a path lies on devtmpfs, where only device nodes belong
 */
#ifndef DGEN_DEVTMPFS_H
#define DGEN_DEVTMPFS_H

#include <sys/types.h>

/*
 * dgen_dev_on_devtmpfs - 1 when the filesystem with device number @dev is
 * devtmpfs, 0 when it is not or when /proc/self/mountinfo cannot be read.
 */
int dgen_dev_on_devtmpfs(dev_t dev);

/*
 * dgen_path_in_devtmpfs - 1 when the directory that holds (or would hold)
 * @path is on devtmpfs, else 0. @path itself need not exist.
 */
int dgen_path_in_devtmpfs(const char *path);

#endif /* DGEN_DEVTMPFS_H */
