// SPDX-License-Identifier: MIT
/*
 * target_probe.c - signatures of filesystems, volumes and partition tables
 *
 * Before a block device (or an NVMe namespace, nvme_pt.c) is written, its
 * first sectors are read and compared with the magic numbers libblkid
 * knows, so a disk that holds something is refused unless forced. Both
 * kinds of target call this one probe; it calls nothing of theirs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/stream.h>
#include <dgen/target.h>

/* btrfs keeps its superblock at 64 KiB: its magic is the farthest we read. */
#define PROBE_LEN	(68u << 10)
#define PROBE_ALIGN	4096u

static int has(const uint8_t *b, size_t blen, size_t at, const char *magic,
	       size_t mlen)
{
	return at + mlen <= blen && !memcmp(b + at, magic, mlen);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * An MBR (or a boot sector of a partitioned disk) ends in 55 AA and has a
 * partition table whose boot flags are 0x00 or 0x80 and with at least one
 * used entry: the test fdisk and libblkid apply, which random data passes
 * with odds of 2^-16 x (1/128)^4 only.
 */
static int is_mbr(const uint8_t *b, size_t blen)
{
	int used = 0;

	if (blen < 512 || b[510] != 0x55 || b[511] != 0xaa)
		return 0;
	for (int i = 0; i < 4; i++) {
		const uint8_t *e = b + 446 + 16 * i;

		if (e[0] != 0 && e[0] != 0x80)
			return 0;
		used |= e[4] != 0;
	}
	return used;
}

/* Signatures from libblkid's probers: (offset, magic), first match wins. */
static const char *probe_buf(const uint8_t *b, size_t len)
{
	static const struct {
		uint32_t at;
		const char *magic;
		uint8_t mlen;
		const char *name;
	} sig[] = {
		{ 0, "XFSB", 4, "XFS filesystem" },
		{ 0, "LUKS\xba\xbe", 6, "LUKS encrypted volume" },
		{ 3, "NTFS    ", 8, "NTFS filesystem" },
		{ 54, "FAT1", 4, "FAT filesystem" },
		{ 82, "FAT32   ", 8, "FAT filesystem" },
		{ 512, "EFI PART", 8, "GPT partition table" },
		{ 4096, "EFI PART", 8, "GPT partition table" },
		{ 512, "LABELONE", 8, "LVM physical volume" },
		{ 1024, "LABELONE", 8, "LVM physical volume" },
		{ 4086, "SWAPSPACE2", 10, "swap area" },
		{ 4086, "SWAP-SPACE", 10, "swap area" },
		{ 32769, "CD001", 5, "ISO 9660 filesystem" },
		{ 65600, "_BHRfS_M", 8, "btrfs filesystem" },
	};

	for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
		if (has(b, len, sig[i].at, sig[i].magic, sig[i].mlen))
			return sig[i].name;
	/* ext2/3/4: magic EF53 at 1080, and a sane s_log_block_size (<= 64K). */
	if (len >= 2048 && b[1080] == 0x53 && b[1081] == 0xef &&
	    le32(b + 1048) <= 6)
		return "ext2/3/4 filesystem";
	/* md RAID superblock 1.1 (at 0) or 1.2 (at 4 KiB). */
	if ((len >= 4 && le32(b) == 0xa92b4efc) ||
	    (len >= 4100 && le32(b + 4096) == 0xa92b4efc))
		return "Linux md RAID member";
	if (is_mbr(b, len))
		return "MBR partition table";
	return NULL;
}

const char *dgen_target_probe(int fd, uint64_t len, int *err)
{
	const char *name = NULL;
	uint8_t *b;
	ssize_t n;

	*err = 0;
	if (len > PROBE_LEN)
		len = PROBE_LEN;
	len &= ~(uint64_t)(DGEN_SECTOR_SIZE - 1);
	if (!len)
		return NULL;
	if (posix_memalign((void **)&b, PROBE_ALIGN, PROBE_LEN)) {
		*err = -ENOMEM;
		return NULL;
	}
	n = pread(fd, b, len, 0);
	if (n < 0)
		*err = -errno;
	else
		name = probe_buf(b, (size_t)n);
	free(b);
	return name;
}
