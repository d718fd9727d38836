// SPDX-License-Identifier: MIT
/*
 * eiofs.c - a FUSE filesystem with one file that fails I/O in a chosen range
 *
 * usage: eiofs MOUNTPOINT SIZE BAD_OFFSET BAD_LENGTH {read|write|rw} [GATE]
 *
 * The mount holds one file, "disk", of SIZE bytes kept in memory (zeros at
 * first). A read or a write that touches [BAD_OFFSET, BAD_OFFSET +
 * BAD_LENGTH) fails with EIO when the last argument names its direction,
 * as a disk with bad sectors does; everything else reads and writes
 * normally. Files are opened direct_io, so O_DIRECT I/O reaches this
 * process as it was issued (split at the kernel's request size) and no page
 * cache hides an error. Runs in the foreground until unmounted.
 *
 * With GATE (a path), an I/O that is to fail first waits until the file
 * GATE holds data (allocated blocks), for at most a minute: a test that
 * writes another target in the same run thus knows that target took a
 * write before the error stopped the run, however the threads were
 * scheduled.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char disk_path[] = "/disk";

static struct {
	uint8_t *data;
	uint64_t size, bad_off, bad_len;
	int bad_read, bad_write;
	const char *gate;
	int gate_open;			/* the gate held data, or timed out */
} fs;

/* Hold an I/O about to fail until the gate file holds data (see above). */
static void gate_wait(void)
{
	const struct timespec tick = { 0, 1000 * 1000 };
	struct stat st;

	if (!fs.gate || __atomic_load_n(&fs.gate_open, __ATOMIC_ACQUIRE))
		return;
	for (int i = 0; i < 60 * 1000; i++) {
		if (!stat(fs.gate, &st) && st.st_blocks > 0) {
			__atomic_store_n(&fs.gate_open, 1, __ATOMIC_RELEASE);
			return;
		}
		nanosleep(&tick, NULL);
	}
	fprintf(stderr, "eiofs: %s held no data after 60 s; failing anyway\n",
		fs.gate);
	__atomic_store_n(&fs.gate_open, 1, __ATOMIC_RELEASE);
}

static int hits_bad(uint64_t off, uint64_t len)
{
	return len && off < fs.bad_off + fs.bad_len && fs.bad_off < off + len;
}

static int eio_getattr(const char *path, struct stat *st,
		       struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (strcmp(path, disk_path))
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	st->st_nlink = 1;
	st->st_size = (off_t)fs.size;
	st->st_blocks = (blkcnt_t)(fs.size / 512);
	return 0;
}

static int eio_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
		       off_t off, struct fuse_file_info *fi,
		       enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/"))
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, disk_path + 1, NULL, 0, 0);
	return 0;
}

static int eio_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, disk_path))
		return -ENOENT;
	fi->direct_io = 1;
	return 0;
}

static int eio_read(const char *path, char *buf, size_t len, off_t off,
		    struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if ((uint64_t)off >= fs.size)
		return 0;
	if (len > fs.size - (uint64_t)off)
		len = (size_t)(fs.size - (uint64_t)off);
	if (fs.bad_read && hits_bad((uint64_t)off, len)) {
		gate_wait();
		return -EIO;
	}
	memcpy(buf, fs.data + off, len);
	return (int)len;
}

static int eio_write(const char *path, const char *buf, size_t len,
		     off_t off, struct fuse_file_info *fi)
{
	(void)path;
	(void)fi;
	if ((uint64_t)off >= fs.size || len > fs.size - (uint64_t)off)
		return -ENOSPC;
	if (fs.bad_write && hits_bad((uint64_t)off, len)) {
		gate_wait();
		return -EIO;
	}
	memcpy(fs.data + off, buf, len);
	return (int)len;
}

/* The size is fixed: a truncate to it (or below, kept) is accepted. */
static int eio_truncate(const char *path, off_t size,
			struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, disk_path))
		return -ENOENT;
	return (uint64_t)size > fs.size ? -EFBIG : 0;
}

static const struct fuse_operations ops = {
	.getattr = eio_getattr,
	.readdir = eio_readdir,
	.open = eio_open,
	.read = eio_read,
	.write = eio_write,
	.truncate = eio_truncate,
};

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-f", argv[1], NULL };

	if (argc != 6 && argc != 7) {
		fprintf(stderr, "usage: eiofs MOUNTPOINT SIZE BAD_OFFSET BAD_LENGTH {read|write|rw} [GATE]\n");
		return 2;
	}
	fs.size = strtoull(argv[2], NULL, 0);
	fs.bad_off = strtoull(argv[3], NULL, 0);
	fs.bad_len = strtoull(argv[4], NULL, 0);
	fs.bad_read = !strcmp(argv[5], "read") || !strcmp(argv[5], "rw");
	fs.bad_write = !strcmp(argv[5], "write") || !strcmp(argv[5], "rw");
	fs.gate = argc == 7 ? argv[6] : NULL;
	fs.data = calloc(1, fs.size ? fs.size : 1);
	if (!fs.data) {
		fprintf(stderr, "eiofs: cannot hold %llu bytes\n",
			(unsigned long long)fs.size);
		return 1;
	}
	return fuse_main(3, fargv, &ops, NULL);
}
