// SPDX-License-Identifier: MIT
/*
 * target_probe.c - signatures of filesystems, volumes and partition tables
 *
 * Before a block device, an NVMe namespace (nvme_pt.c) or an existing
 * regular file is written, libblkid looks for every signature it knows,
 * the way wipefs(8) lists them: superblocks (filesystems, swap, RAID and
 * LVM members, LUKS, bluestore, ZFS, ...) with bad checksums too, and
 * partition tables, each with its magic's offset. After each find the
 * magic is hidden in libblkid's buffer and the prober steps back (as
 * `wipefs --no-act` does), so that a second copy of one kind (GPT's
 * backup header) and whatever lies under it are listed too.
 *
 * A read error stops libblkid: a run goes ahead where the first 68 KiB
 * can be read, so that a drive's bad sector is the run's I/O error.
 *
 * libblkid reads through the page cache at any offset and length, which
 * an O_DIRECT descriptor refuses: it gets a descriptor of its own of the
 * same open file (/proc/self/fd), so a device held O_EXCL is not opened
 * by name a second time.
 */
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/target.h>

/* The first bytes, as far as btrfs's superblock (64 KiB in): all but a
 * few signatures (GPT's backup, md 0.90, ZFS labels) are in them. */
#define PROBE_HEAD	(68u << 10)

/* Append "TYPE at offset 0xOFF (USAGE)" to @out, comma-separated. */
static void found_add(char *out, size_t outlen, size_t *at, int n,
		      const char *type, const char *off, const char *usage)
{
	int w;

	if (!out || *at >= outlen)
		return;
	w = snprintf(out + *at, outlen - *at, "%s%s at offset 0x%" PRIx64 "%s%s%s",
		     n ? ", " : "", type, (uint64_t)strtoull(off, NULL, 10),
		     usage ? " (" : "", usage ? usage : "", usage ? ")" : "");
	if (w > 0)
		*at += (size_t)w;
}

/* The signature libblkid just found, as type, magic offset and usage. */
static int found_one(blkid_probe pr, const char **type, const char **off,
		     const char **usage)
{
	*usage = NULL;
	if (!blkid_probe_lookup_value(pr, "TYPE", type, NULL)) {
		if (blkid_probe_lookup_value(pr, "SBMAGIC_OFFSET", off, NULL))
			*off = "0";
		if (blkid_probe_lookup_value(pr, "USAGE", usage, NULL))
			*usage = NULL;
		return 1;
	}
	if (!blkid_probe_lookup_value(pr, "PTTYPE", type, NULL)) {
		if (blkid_probe_lookup_value(pr, "PTMAGIC_OFFSET", off, NULL))
			*off = "0";
		*usage = "partition table";
		return 1;
	}
	return 0;
}

/*
 * libblkid stops at a read that fails, anywhere it looks (the end of a
 * device, 1 MiB in). A drive under test may well have bad sectors: what
 * a run would meet there is its I/O error to report (exit 3), not a
 * refusal. Only a device whose first sectors, where nearly every
 * signature lives, cannot be read is refused: nothing can be said of it.
 */
static int head_readable(int fd)
{
	char *buf = malloc(PROBE_HEAD);
	ssize_t got;
	int err;

	if (!buf)
		return -ENOMEM;
	got = pread(fd, buf, PROBE_HEAD, 0);
	err = got < 0 ? -errno : 0;
	free(buf);
	return err;
}

/* The probe, as wipefs sets it up; 0, or -1 when @fd cannot be probed. */
static int probe_setup(blkid_probe pr, int fd)
{
	if (blkid_probe_set_device(pr, fd, 0, 0))
		return -1;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_MAGIC |
		BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE | BLKID_SUBLKS_BADCSUM);
	blkid_probe_enable_partitions(pr, 1);
	blkid_probe_set_partitions_flags(pr, BLKID_PARTS_MAGIC |
					 BLKID_PARTS_FORCE_GPT);
	return 0;
}

int dgen_target_probe(int fd, char *found, size_t foundlen)
{
	const char *type, *off, *usage;
	blkid_probe pr;
	char self[64];
	size_t at = 0;
	int rfd, n = 0, r;

	if (found && foundlen)
		*found = 0;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	rfd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (rfd < 0)
		return -errno;
	pr = blkid_new_probe();
	if (!pr) {
		close(rfd);
		return -ENOMEM;
	}
	/* Not probed at all (libblkid refused the descriptor): as a read
	 * error, refused only when the first sectors cannot be read. */
	r = probe_setup(pr, rfd);
	while (!r && (r = blkid_do_probe(pr)) == 0) {
		if (!found_one(pr, &type, &off, &usage))
			continue;
		found_add(found, foundlen, &at, n++, type, off, usage);
		/* Hidden in memory only (dryrun): nothing is written. */
		if (blkid_do_wipe(pr, 1))
			break;
	}
	blkid_free_probe(pr);
	/* 1: no more signatures; -1: a read failed (errno, or EIO). */
	if (r < 0 && !n)
		n = head_readable(rfd);
	close(rfd);
	return n;
}
