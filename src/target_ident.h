/* SPDX-License-Identifier: MIT */
/*
 * target_ident.h - two names for one target, found by identity
 */
#ifndef DGEN_TARGET_IDENT_H
#define DGEN_TARGET_IDENT_H

#include <stddef.h>

/*
 * dgen_target_ident_check - refuse when two of the @n @paths are one
 * target under two names: one file (st_dev and st_ino: a hard link, a
 * bind mount), one block device (st_rdev: two nodes), or a loop device
 * and its backing file (or two loop devices over one file). Paths that do
 * not exist yet and the null target have no identity and pass. A disk
 * and a partition of it overlap, and are refused too.
 *
 * Returns 0, or -EINVAL with both names and why in @msg.
 */
int dgen_target_ident_check(const char *const *paths, unsigned int n,
			    char *msg, size_t msglen);

#endif /* DGEN_TARGET_IDENT_H */
