/* SPDX-License-Identifier: MIT */
/*
 * dgen/target.h - the devices and files a writer writes to
 *
 * A target is opened and checked before anything is written: its type,
 * size and O_DIRECT alignment, and for a block device that it is not in
 * use and carries no signature.
 */
#ifndef DGEN_TARGET_H
#define DGEN_TARGET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The path that names the null target: all the work but no device I/O. */
#define DGEN_TARGET_NULL_PATH	"null"

enum dgen_target_type {
	DGEN_TARGET_NULL,
	DGEN_TARGET_FILE,
	DGEN_TARGET_BLOCK,
	DGEN_TARGET_NVME,		/* an NVMe generic device (/dev/ngXnY):
					   NVMe commands through io_uring
					   passthrough (IORING_OP_URING_CMD) */
};

/* Write to a block device or file even if it carries a known signature. */
#define DGEN_TARGET_FORCE	(1u << 0)
/*
 * Open to read back only (verify): read-only, never created or extended,
 * a signature does not refuse it; a writer in write mode fails on it.
 */
#define DGEN_TARGET_READ	(1u << 1)

struct dgen_target;

struct dgen_target_info {
	const char *path;
	enum dgen_target_type type;
	uint64_t offset;		/* first byte written */
	uint64_t size;			/* bytes written from there */
	uint64_t dev_size;		/* device or file size at open; 0: null */
	uint32_t logical_block_size;	/* block devices; 0 otherwise */
	uint32_t dio_offset_align;	/* offsets and lengths must be multiples */
	uint32_t dio_mem_align;		/* buffer addresses must be multiples */
};

/*
 * dgen_target_open - open and validate the target at @path for writing
 * @size bytes from @offset. Nothing is written: a missing regular file is
 * created empty (and removed again by dgen_target_close if no writer ever
 * started on it); extending it to offset + size waits for the writer.
 *
 * @path is a block device, a regular file (created when missing), or
 * DGEN_TARGET_NULL_PATH. @size 0 means up to the end of an existing device
 * or file. Block devices are opened O_EXCL, so a mounted or otherwise held
 * device is refused, and one whose first sectors carry a filesystem or
 * partition table signature is refused unless @flags has
 * DGEN_TARGET_FORCE. @offset and @size must be multiples of the target's
 * O_DIRECT alignment.
 *
 * Returns 0 and sets *@out, or a negative errno with a sentence for a user
 * in @msg (at most @msglen bytes): -EBUSY (in use), -EROFS (read-only),
 * -EACCES or -EPERM (permission denied, its cause named), -ETXTBSY,
 * -EEXIST (signature found), -ENOSPC (smaller than offset + size),
 * -EINVAL (unaligned, zero size, unsupported file type or no O_DIRECT),
 * -ENODEV (a missing name, or a regular file, in devtmpfs such as /dev:
 * a device that is not there), -ENOMEM, or what open(2) returned.
 */
int dgen_target_open(struct dgen_target **out, const char *path,
		     uint64_t offset, uint64_t size, unsigned int flags,
		     char *msg, size_t msglen);

/* dgen_target_close - close @t; NULL is allowed. */
void dgen_target_close(struct dgen_target *t);

/* dgen_target_info_get - what dgen_target_open found out about @t. */
void dgen_target_info_get(const struct dgen_target *t,
			  struct dgen_target_info *out);

/*
 * dgen_target_probe - list the signatures libblkid finds in the open file
 * or block device @fd (which may be O_DIRECT: it is read through a
 * descriptor of its own): every filesystem, swap area, RAID, LVM or LUKS
 * member, bluestore label and partition table, as wipefs(8) lists them.
 *
 * Writes "TYPE at offset 0xOFF (USAGE)" for each, comma-separated, to
 * @found (at most @foundlen bytes; NULL allowed). Returns the number of
 * signatures found (0: none), or a negative errno when its first 68 KiB
 * cannot be read (a read error further in ends the probe with what it
 * found: a bad sector there is a run's I/O error, not a refusal).
 */
int dgen_target_probe(int fd, char *found, size_t foundlen);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_TARGET_H */
