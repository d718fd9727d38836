// SPDX-License-Identifier: MIT
/*
 * target_deny.c - why a target could not be opened, in the user's terms
 *
 * open(2) says EROFS for a read-only filesystem, EACCES when the mode
 * bits do not let this user in, EPERM when even root may not (an
 * immutable or append-only file, a security module): three causes with
 * three remedies, so each is named as such. A read-back (verify-only)
 * was refused reading, never writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refuse.h"
#include "target_impl.h"

/* chattr's attributes that refuse a write even to root, or NULL. */
static const char *attr_refusal(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), fl = 0, r;

	if (fd < 0)
		return NULL;
	r = ioctl(fd, FS_IOC_GETFLAGS, &fl);
	close(fd);
	if (r)
		return NULL;
	if (fl & FS_IMMUTABLE_FL)
		return "it is immutable: chattr +i, which chattr -i lifts";
	if (fl & FS_APPEND_FL)
		return "it is append-only: chattr +a, which chattr -a lifts";
	return NULL;
}

/* Why this user may not @verb @path (EACCES or EPERM), into @why. */
static void permission_cause(const char *path, int err, const char *verb,
			     char *why, size_t len)
{
	const char *attr = err == -EPERM ? attr_refusal(path) : NULL;
	struct stat st;

	if (attr) {
		snprintf(why, len, "%s", attr);
	} else if (geteuid() != 0 && !stat(path, &st)) {
		snprintf(why, len, "uid %u may not %s it: mode %04o, owner uid %u, group %u%s",
			 (unsigned int)geteuid(), verb,
			 (unsigned int)(st.st_mode & 07777),
			 (unsigned int)st.st_uid, (unsigned int)st.st_gid,
			 S_ISBLK(st.st_mode) ? " (a device needs root, or its group)" : "");
	} else if (geteuid() != 0) {
		snprintf(why, len, "uid %u may not %s it", (unsigned int)geteuid(), verb);
	} else {
		snprintf(why, len, "refused to root: a security module (SELinux, AppArmor), a sealed file or the filesystem's own rules");
	}
}

int dgen_target_open_refusal(const struct dgen_target *t, int err,
			     unsigned int flags, char *msg, size_t msglen)
{
	const char *verb = flags & DGEN_TARGET_READ ? "read" : "write";
	char why[200];

	switch (err) {
	case -EROFS:
		return dgen_refuse(err, msg, msglen,
				   "%s is read-only (its filesystem or device is mounted or set read-only): cannot write to it",
				   t->path);
	case -ETXTBSY:
		return dgen_refuse(err, msg, msglen,
				   "%s is the file of a running program (%s): cannot write to it",
				   t->path, strerror(-err));
	case -EACCES:
	case -EPERM:
		permission_cause(t->path, err, verb, why, sizeof(why));
		return dgen_refuse(err, msg, msglen,
				   "%s: permission denied (%s)", t->path, why);
	}
	return dgen_refuse(err, msg, msglen, "cannot open %s: %s", t->path,
			   strerror(-err));
}
