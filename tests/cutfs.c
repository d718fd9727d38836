// SPDX-License-Identifier: MIT
/*
 * cutfs.c - a FUSE filesystem whose one file loses what was not fsync'd
 * when its power is cut
 *
 * usage: cutfs MOUNTPOINT BACKING {honest|lie} [DROPLOG]
 *
 * The mount holds two files. "disk" is the file BACKING (its size fixed)
 * behind a volatile write cache, as a drive has: a write lands in memory
 * and is acknowledged; reads see it; fsync(2) (and a loop device's flush,
 * which the loop driver turns into an fsync of its file) writes what is
 * cached to BACKING and returns. "status" reads back one line of figures
 * (see status_line).
 *
 *	SIGUSR1	 cut the power: every cached write not yet fsync'd is
 *		 dropped, and every later read, write or fsync of "disk"
 *		 fails with EIO, as I/O to a drive without power does. When
 *		 nothing is cached at that moment (an fsync just emptied the
 *		 cache), the cut waits for the next write and falls right
 *		 after it is cached, so a cut always drops at least one
 *		 acknowledged write;
 *	SIGUSR2	 power on again: "disk" reads BACKING.
 *
 * In "lie" mode fsync acknowledges but writes nothing to BACKING, as a
 * drive that lies about its flushes: a cut drops everything since the
 * last cut, fsync'd or not. With DROPLOG, each cut appends the byte
 * ranges it dropped there, one "OFFSET LENGTH" line each.
 *
 * "disk" is opened direct_io, so no page cache keeps bytes the cut
 * dropped, and O_DIRECT I/O reaches this process as issued. Runs in the
 * foreground until unmounted. One lock orders every operation and the
 * cuts, so a cut falls between two writes, never inside one.
 */
#define FUSE_USE_VERSION 31

#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR		512u

static const char disk_path[] = "/disk", status_path[] = "/status";

static struct {
	pthread_mutex_t lock;
	int fd;				/* BACKING */
	uint64_t size, sectors;
	uint8_t *cache;			/* the volatile copy of every sector */
	uint64_t *dirty;		/* bit per sector: cached, not on BACKING */
	int lie;
	int off;			/* power cut, not on again yet */
	int pending;			/* a cut waits for the next write */
	const char *droplog;
	uint64_t cuts, syncs, dropped, written;
} fs;

static int is_dirty(uint64_t s)
{
	return fs.dirty[s / 64] >> (s % 64) & 1;
}

/* The status file's one line. */
static int status_line(char *buf, size_t len)
{
	uint64_t dirty = 0;

	for (uint64_t w = 0; w < (fs.sectors + 63) / 64; w++)
		dirty += (uint64_t)__builtin_popcountll(fs.dirty[w]);
	return snprintf(buf, len,
			"cuts %llu powered %d syncs %llu dropped %llu dirty %llu written %llu lie %d\n",
			(unsigned long long)fs.cuts, !fs.off,
			(unsigned long long)fs.syncs,
			(unsigned long long)fs.dropped,
			(unsigned long long)(dirty * SECTOR),
			(unsigned long long)fs.written, fs.lie);
}

/* Write the cached sectors to BACKING; under the lock. */
static int sync_cache(void)
{
	for (uint64_t s = 0; s < fs.sectors; s++) {
		uint64_t e = s;

		if (!is_dirty(s))
			continue;
		while (e < fs.sectors && is_dirty(e))
			e++;
		if (pwrite(fs.fd, fs.cache + s * SECTOR, (e - s) * SECTOR,
			   (off_t)(s * SECTOR)) != (ssize_t)((e - s) * SECTOR))
			return -EIO;
		for (uint64_t x = s; x < e; x++)
			fs.dirty[x / 64] &= ~(1ull << (x % 64));
		s = e;
	}
	return fsync(fs.fd) ? -EIO : 0;
}

/* Does the cache hold a write not yet on BACKING? */
static int cached(void)
{
	for (uint64_t w = 0; w < (fs.sectors + 63) / 64; w++)
		if (fs.dirty[w])
			return 1;
	return 0;
}

/* The power cut: drop the cache (logging what it held), refuse I/O. */
static void cut(void)
{
	FILE *log = fs.droplog ? fopen(fs.droplog, "a") : NULL;

	for (uint64_t s = 0; s < fs.sectors; s++) {
		uint64_t e = s;

		if (!is_dirty(s))
			continue;
		while (e < fs.sectors && is_dirty(e))
			e++;
		if (log)
			fprintf(log, "%llu %llu\n", (unsigned long long)(s * SECTOR),
				(unsigned long long)((e - s) * SECTOR));
		fs.dropped += (e - s) * SECTOR;
		s = e;
	}
	if (log)
		fclose(log);
	memset(fs.dirty, 0, (fs.sectors + 63) / 64 * sizeof(uint64_t));
	/* What a read returns is BACKING's again. */
	if (pread(fs.fd, fs.cache, fs.size, 0) != (ssize_t)fs.size)
		fprintf(stderr, "cutfs: cannot reread the backing file\n");
	fs.off = 1;
	fs.pending = 0;
	fs.cuts++;
}

/* Signals arrive here, not in FUSE's threads (they block them). */
static void *signal_thread(void *arg)
{
	sigset_t *set = arg;
	int sig;

	for (;;) {
		if (sigwait(set, &sig))
			continue;
		pthread_mutex_lock(&fs.lock);
		if (sig == SIGUSR1 && !fs.off) {
			if (cached())
				cut();
			else
				fs.pending = 1;
		} else if (sig == SIGUSR2) {
			fs.off = 0;
		}
		pthread_mutex_unlock(&fs.lock);
	}
	return NULL;
}

static int cut_getattr(const char *path, struct stat *st,
		       struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (!strcmp(path, "/")) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	st->st_nlink = 1;
	if (!strcmp(path, status_path)) {
		st->st_mode = S_IFREG | 0444;
		st->st_size = 4096;
		return 0;
	}
	if (strcmp(path, disk_path))
		return -ENOENT;
	st->st_mode = S_IFREG | 0644;
	st->st_size = (off_t)fs.size;
	st->st_blocks = (blkcnt_t)(fs.size / 512);
	return 0;
}

static int cut_readdir(const char *path, void *buf, fuse_fill_dir_t fill,
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
	fill(buf, status_path + 1, NULL, 0, 0);
	return 0;
}

static int cut_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, disk_path) && strcmp(path, status_path))
		return -ENOENT;
	fi->direct_io = 1;
	return 0;
}

static int cut_read(const char *path, char *buf, size_t len, off_t off,
		    struct fuse_file_info *fi)
{
	char line[256];
	int n, r;

	(void)fi;
	pthread_mutex_lock(&fs.lock);
	if (!strcmp(path, status_path)) {
		n = status_line(line, sizeof(line));
		r = off >= n ? 0 : (int)((size_t)(n - off) < len ? (size_t)(n - off) : len);
		memcpy(buf, line + (off < n ? off : 0), (size_t)r);
	} else if (fs.off) {
		r = -EIO;
	} else if ((uint64_t)off >= fs.size) {
		r = 0;
	} else {
		if (len > fs.size - (uint64_t)off)
			len = (size_t)(fs.size - (uint64_t)off);
		memcpy(buf, fs.cache + off, len);
		r = (int)len;
	}
	pthread_mutex_unlock(&fs.lock);
	return r;
}

/* Writes are cached whole sectors at a time: O_DIRECT I/O is sectors. */
static int cut_write(const char *path, const char *buf, size_t len,
		     off_t off, struct fuse_file_info *fi)
{
	int r = (int)len;

	(void)fi;
	if (strcmp(path, disk_path))
		return -EACCES;
	pthread_mutex_lock(&fs.lock);
	if (fs.off) {
		r = -EIO;
	} else if ((uint64_t)off >= fs.size || len > fs.size - (uint64_t)off) {
		r = -ENOSPC;
	} else {
		memcpy(fs.cache + off, buf, len);
		for (uint64_t s = (uint64_t)off / SECTOR;
		     s < ((uint64_t)off + len + SECTOR - 1) / SECTOR; s++)
			fs.dirty[s / 64] |= 1ull << (s % 64);
		fs.written += len;
		if (fs.pending)
			cut();		/* this write is acknowledged, and lost */
	}
	pthread_mutex_unlock(&fs.lock);
	return r;
}

static int cut_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	int r = 0;

	(void)datasync;
	(void)fi;
	if (strcmp(path, disk_path))
		return 0;
	pthread_mutex_lock(&fs.lock);
	if (fs.off)
		r = -EIO;
	else if (!fs.lie)
		r = sync_cache();
	if (!r)
		fs.syncs++;
	pthread_mutex_unlock(&fs.lock);
	return r;
}

/* The size is fixed: a truncate to it (or below, kept) is accepted. */
static int cut_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	(void)fi;
	if (strcmp(path, disk_path))
		return -EACCES;
	return (uint64_t)size > fs.size ? -EFBIG : 0;
}

static const struct fuse_operations ops = {
	.getattr = cut_getattr,
	.readdir = cut_readdir,
	.open = cut_open,
	.read = cut_read,
	.write = cut_write,
	.fsync = cut_fsync,
	.truncate = cut_truncate,
};

int main(int argc, char **argv)
{
	char *fargv[] = { argv[0], "-f", argv[1], NULL };
	static sigset_t set;
	pthread_t tid;
	struct stat st;

	if ((argc != 4 && argc != 5) ||
	    (strcmp(argv[3], "honest") && strcmp(argv[3], "lie"))) {
		fprintf(stderr, "usage: cutfs MOUNTPOINT BACKING {honest|lie} [DROPLOG]\n");
		return 2;
	}
	fs.fd = open(argv[2], O_RDWR | O_CLOEXEC);
	if (fs.fd < 0 || fstat(fs.fd, &st) || st.st_size <= 0 ||
	    st.st_size % SECTOR) {
		fprintf(stderr, "cutfs: %s must be a file of whole sectors\n", argv[2]);
		return 1;
	}
	fs.size = (uint64_t)st.st_size;
	fs.sectors = fs.size / SECTOR;
	fs.lie = !strcmp(argv[3], "lie");
	fs.droplog = argc == 5 ? argv[4] : NULL;
	fs.cache = malloc(fs.size);
	fs.dirty = calloc((fs.sectors + 63) / 64, sizeof(uint64_t));
	if (!fs.cache || !fs.dirty ||
	    pread(fs.fd, fs.cache, fs.size, 0) != (ssize_t)fs.size) {
		fprintf(stderr, "cutfs: cannot hold %s in memory\n", argv[2]);
		return 1;
	}
	pthread_mutex_init(&fs.lock, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&tid, NULL, signal_thread, &set)) {
		fprintf(stderr, "cutfs: cannot start the signal thread\n");
		return 1;
	}
	return fuse_main(3, fargv, &ops, NULL);
}
