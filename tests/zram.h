/* SPDX-License-Identifier: MIT */
/*
 * zram.h - a zram device of the test's own, for the tests that measure a
 * stream on a real compressing block device (test_compress, test_mix)
 */
#ifndef DGEN_TEST_ZRAM_H
#define DGEN_TEST_ZRAM_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	int ok;

	if (!f)
		return -errno;
	ok = fputs(text, f) >= 0;
	ok &= fclose(f) == 0;
	return ok ? 0 : -EIO;
}

static inline int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return 0;
}

/*
 * A zram device of our own (hot_add, so another user's zram0 is left
 * alone) with lz4, its node made if devtmpfs has none; -1 if zram cannot
 * be set up here, with the reason in @why.
 */
static inline int zram_add(char *why, size_t whylen)
{
	char buf[64];
	int id;

	if (access("/sys/class/zram-control/hot_add", R_OK) &&
	    system("modprobe zram num_devices=0 >/dev/null 2>&1") != 0) {
		snprintf(why, whylen, "no zram in this kernel and modprobe zram failed");
		return -1;
	}
	if (read_text("/sys/class/zram-control/hot_add", buf, sizeof(buf)) ||
	    sscanf(buf, "%d", &id) != 1) {
		snprintf(why, whylen, "zram hot_add failed: %s", strerror(errno));
		return -1;
	}
	return id;
}

static inline void zram_remove(int id)
{
	char path[96], num[16];

	snprintf(path, sizeof(path), "/sys/block/zram%d/reset", id);
	write_text(path, "1");
	snprintf(num, sizeof(num), "%d", id);
	write_text("/sys/class/zram-control/hot_remove", num);
}

#endif /* DGEN_TEST_ZRAM_H */
