// SPDX-License-Identifier: MIT
/*
 * dgen-inspect.c - report what a storage system would see in a file, a
 * block device or stdin: dedup ratios from 512 B to 1 MiB, lz4 and zstd
 * ratios per 4 KiB and 64 KiB, all-zero and same-filled sectors
 *
 * Files and devices are read in 1 MiB blocks with O_DIRECT through
 * io_uring, one ring per thread; thread t reads blocks t, t + T, t + 2T...
 * with QD_DEFAULT reads in flight while it hashes and compresses the block
 * at hand, into an inspector of its own (all sharing one cache of
 * compressed sizes). The inspectors are merged in a binary tree at the end
 * (log2 T rounds, pairs in parallel). Stdin and other streams are read
 * with read(2) by one thread.
 *
 * DGEN_INSPECT_READ=fixed|plain|pread in the environment forces a way of
 * reading (registered buffers, plain io_uring reads, pread(2)), so the
 * tests can check that the fallbacks read the same bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include <dgen/dgen.h>
#include <dgen/inspect.h>
#include <dgen/stream.h>

#include "parse.h"
#include "util.h"

#define EXIT_FAIL	1	/* out of memory and the like */

const char *tool_name = "dgen-inspect";

#define BLOCK		DGEN_INSPECT_ALIGN	/* bytes per read */
/* Reads in flight per thread: one being hashed and compressed, the others
 * keep the device busy meanwhile. More buys nothing at 1 MiB a read. */
#define QD_DEFAULT	4u
/* O_DIRECT wants offsets and lengths aligned to the logical block size;
 * 4 KiB covers every device in use. */
#define DIRECT_ALIGN	4096u
#define THREADS_MAX	1024u
#define SAMPLE_MAX	(1u << 30)
/* Peak bytes of memory per byte inspected when nothing repeats, merge
 * included (measured 0.15 on one thread, 0.21 on two; rounded up). */
#define MEMORY_PER_BYTE	0.25

static const char *arg_path = "-";
static int arg_json;
static unsigned int arg_threads;
static uint64_t arg_size = UINT64_MAX;
static uint64_t arg_offset;
static uint32_t arg_sample;		/* 0: chosen to fit memory */

enum read_mode { READ_FIXED, READ_PLAIN, READ_PREAD, READ_STREAM };
static const char *const read_mode_name[] = {
	"io_uring READ_FIXED", "io_uring READ", "pread", "read",
};

struct source {
	const char *path;
	const char *kind;		/* "regular file", "block device"... */
	int fd;
	int direct;			/* opened with O_DIRECT */
	int seekable;			/* file or device: the threaded path */
	uint64_t start, len;		/* the inspected range */
	uint64_t blocks;		/* ceil(len / BLOCK) */
};

struct worker;

struct job {
	struct source *src;
	struct worker *w;
	unsigned int threads;
	atomic_int stop;		/* a worker failed: the others stop */
	atomic_uint_fast64_t bytes;	/* fed so far, for the progress line */
	atomic_uint finished;		/* workers done reading */
	enum read_mode force;		/* DGEN_INSPECT_READ, or READ_FIXED */
	pthread_barrier_t merge_bar;
};

struct worker {
	struct job *job;
	unsigned int id;
	pthread_t tid;
	struct dgen_inspect *in;
	enum read_mode mode;
	int err;			/* -errno of the failure, 0 if none */
	int read_err;			/* err came from a read (exit 3) */
	uint64_t err_off;		/* where the failed read was */
};

__attribute__((format(printf, 1, 2)))
static void note(const char *fmt, ...)
{
	va_list ap;

	fputs("dgen-inspect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

__attribute__((format(printf, 2, 3), noreturn))
static void die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("dgen-inspect: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: dgen-inspect [OPTION...] [PATH]\n"
"\n"
"Report what a storage system would see in PATH (a file, a block device,\n"
"or '-' / nothing for stdin): the dedup ratio of aligned chunks of every\n"
"power of two from 512 B to 1 MiB, the lz4 and zstd (level %d) ratios of\n"
"each 4 KiB and 64 KiB piece compressed alone, and the all-zero and\n"
"same-filled 512-byte sectors.\n"
"\n"
"  -s, --size SIZE     inspect only the first SIZE bytes (default: to the end)\n"
"  -o, --offset SIZE   start at byte SIZE of PATH (default 0); chunks are\n"
"                      aligned to this start\n"
"  -t, --threads N     reader threads, one io_uring each (default: online\n"
"                      CPUs; stdin always uses one)\n"
"      --sample N      count dedup on 1 in N contents (by hash; N a power of\n"
"                      two), for 1/N of the memory (default: 1, or what a\n"
"                      file or device too large for half the RAM needs)\n"
"  -j, --json          print the report as one JSON object\n"
"  -h, --help          show this help\n"
"  -V, --version       show the version\n"
"\n"
"Files and devices are read in %u MiB blocks with O_DIRECT (page cache when\n"
"the filesystem refuses it), %u reads in flight per thread.\n"
"Memory grows with the distinct data: 10 to 20%% of the bytes read when\n"
"nothing repeats, up to twice that while the threads' counts are merged.\n"
"SIZE takes K, M, G, T or KiB, MiB, GiB, TiB (powers of 1024).\n"
"Exit status: 0 done, 2 bad usage or PATH cannot be opened, 3 a read\n"
"failed, 1 out of memory.\n",
		DGEN_INSPECT_ZSTD_LEVEL_DEFAULT, BLOCK >> 20, QD_DEFAULT);
}

/* ===== Arguments ===== */

static uint64_t opt_size(const char *name, const char *v)
{
	uint64_t x;

	if (parse_size(v, &x))
		die_usage("--%s '%s' is not a size: give a whole number of bytes, optionally with K, M, G or T (e.g. 4K, 1GiB)",
		    name, v);
	return x;
}

enum { OPT_SAMPLE = 256 };

static void parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "offset", required_argument, NULL, 'o' },
		{ "threads", required_argument, NULL, 't' },
		{ "sample", required_argument, NULL, OPT_SAMPLE },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t x;
	int c;

	arg_threads = cpus > 0 ? (unsigned int)cpus : 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:o:t:jhV", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			arg_size = opt_size("size", optarg);
			break;
		case 'o':
			arg_offset = opt_size("offset", optarg);
			break;
		case 't':
			if (parse_u64(optarg, &x) || x < 1 || x > THREADS_MAX)
				die_usage("--threads '%s': give a whole number from 1 to %u",
				    optarg, THREADS_MAX);
			arg_threads = (unsigned int)x;
			break;
		case OPT_SAMPLE:
			if (parse_u64(optarg, &x) || x < 1 || x > SAMPLE_MAX ||
			    (x & (x - 1)))
				die_usage("--sample '%s': give a power of two from 1 to %u",
					  optarg, SAMPLE_MAX);
			arg_sample = (uint32_t)x;
			break;
		case 'j':
			arg_json = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("dgen-inspect %s\n", DGEN_VERSION_STRING);
			exit(0);
		case ':':
			die_usage("%s needs a value", argv[optind - 1]);
		default:
			die_usage("unknown option '%s'",
			    argv[optind - 1]);
		}
	}
	if (optind < argc)
		arg_path = argv[optind++];
	if (optind < argc)
		die_usage("one PATH at a time: '%s' is one too many",
		    argv[optind]);
}

/* ===== Opening ===== */

/*
 * Open @path (or stdin for "-"), find how many bytes it holds, and decide
 * how to read it: files and block devices with O_DIRECT at aligned
 * offsets, everything else (pipes, terminals, character devices) as a
 * stream. Exits with EXIT_USAGE when it cannot.
 */
static void source_open(struct source *src, const char *path)
{
	struct stat st;
	uint64_t total;
	int flags = O_RDONLY | O_CLOEXEC;

	memset(src, 0, sizeof(*src));
	src->path = path;
	if (!strcmp(path, "-")) {
		src->fd = STDIN_FILENO;
		src->kind = "stdin";
		goto stream;
	}
	if (stat(path, &st))
		die(EXIT_USAGE, "cannot open '%s': %s", path, strerror(errno));
	if (S_ISDIR(st.st_mode))
		die(EXIT_USAGE, "'%s' is a directory: give a file, a block device or - for stdin",
		    path);
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		src->seekable = 1;
		if (arg_offset % DIRECT_ALIGN == 0)
			flags |= O_DIRECT;
	}
	src->fd = open(path, flags);
	if (src->fd < 0 && errno == EINVAL && (flags & O_DIRECT)) {
		note("'%s' cannot be opened with O_DIRECT (%s); reading through the page cache",
		     path, strerror(errno));
		flags &= ~O_DIRECT;
		src->fd = open(path, flags);
	}
	if (src->fd < 0)
		die(EXIT_USAGE, "cannot open '%s': %s", path, strerror(errno));
	src->direct = !!(flags & O_DIRECT);
	if (!src->seekable) {
		src->kind = S_ISFIFO(st.st_mode) ? "pipe" : "stream";
		goto stream;
	}
	if (S_ISBLK(st.st_mode)) {
		src->kind = "block device";
		if (ioctl(src->fd, BLKGETSIZE64, &total))
			die(EXIT_USAGE, "cannot get the size of '%s': %s", path,
			    strerror(errno));
	} else {
		src->kind = "regular file";
		total = (uint64_t)st.st_size;
	}
	if (arg_offset > total)
		die(EXIT_USAGE, "--offset %" PRIu64 " is beyond the end of '%s' (%" PRIu64 " bytes)",
		    arg_offset, path, total);
	src->start = arg_offset;
	src->len = total - arg_offset < arg_size ? total - arg_offset : arg_size;
	src->blocks = (src->len + BLOCK - 1) / BLOCK;
	return;
stream:
	src->start = arg_offset;
	src->len = arg_size;
}

/*
 * Some filesystems accept O_DIRECT at open and refuse it at read time
 * (EINVAL). Find out with one aligned read before the threads start, and
 * reopen through the page cache if so.
 */
static void source_probe_direct(struct source *src)
{
	void *buf;
	ssize_t r;

	if (!src->direct || !src->len)
		return;
	if (posix_memalign(&buf, DIRECT_ALIGN, DIRECT_ALIGN))
		die(EXIT_FAIL, "out of memory");
	r = pread(src->fd, buf, DIRECT_ALIGN, (off_t)src->start);
	free(buf);
	if (r >= 0)
		return;
	if (errno != EINVAL)
		die(EXIT_IO, "read error on '%s' at offset %" PRIu64 ": %s",
		    src->path, src->start, strerror(errno));
	note("'%s' refuses O_DIRECT reads (%s); reading through the page cache",
	     src->path, strerror(EINVAL));
	close(src->fd);
	src->fd = open(src->path, O_RDONLY | O_CLOEXEC);
	if (src->fd < 0)
		die(EXIT_USAGE, "cannot open '%s': %s", src->path,
		    strerror(errno));
	src->direct = 0;
}

/* ===== Reading files and devices ===== */

/* The way of reading DGEN_INSPECT_READ asks for; READ_FIXED (the best the
 * kernel allows) when unset. */
static enum read_mode read_mode_forced(void)
{
	const char *e = getenv("DGEN_INSPECT_READ");

	if (!e || !*e || !strcmp(e, "fixed"))
		return READ_FIXED;
	if (!strcmp(e, "plain"))
		return READ_PLAIN;
	if (!strcmp(e, "pread"))
		return READ_PREAD;
	die_usage("DGEN_INSPECT_READ='%s': give fixed, plain or pread", e);
}

struct slot {
	uint64_t block;			/* block index in the range */
	uint32_t need;			/* bytes of the range in this block */
	uint32_t want;			/* bytes asked of the kernel (aligned) */
	uint32_t done;			/* bytes read so far */
	unsigned char *buf;
};

static void worker_fail(struct worker *w, int err, int read_err, uint64_t off)
{
	if (!w->err) {
		w->err = err;
		w->read_err = read_err;
		w->err_off = off;
	}
	atomic_store(&w->job->stop, 1);
}

static void slot_start(struct slot *s, const struct source *src,
		       uint64_t block)
{
	uint64_t left = src->len - block * BLOCK;

	s->block = block;
	s->need = left < BLOCK ? (uint32_t)left : BLOCK;
	s->want = src->direct ?
		  (s->need + DIRECT_ALIGN - 1) & ~(DIRECT_ALIGN - 1) : s->need;
	s->done = 0;
}

static uint64_t slot_pos(const struct slot *s, const struct source *src)
{
	return src->start + s->block * BLOCK + s->done;
}

/*
 * Account what a read of @res bytes (or -errno) brought into @s. Returns 1
 * when the block is complete and fed, 0 when more of it must be read, -1
 * after a failure (recorded in @w).
 */
static int slot_complete(struct worker *w, struct slot *s, int res)
{
	const struct source *src = w->job->src;
	int r;

	if (res < 0) {
		worker_fail(w, res, 1, slot_pos(s, src));
		return -1;
	}
	if (res == 0) {
		/* The file shrank under us: what we were told is not there. */
		worker_fail(w, -ENODATA, 1, slot_pos(s, src));
		return -1;
	}
	s->done += (uint32_t)res;
	if (s->done < s->need)
		return 0;
	r = dgen_inspect_feed(w->in, s->buf, s->block * BLOCK, s->need);
	if (r) {
		worker_fail(w, r, 0, 0);
		return -1;
	}
	atomic_fetch_add_explicit(&w->job->bytes, s->need,
				  memory_order_relaxed);
	return 1;
}

/* Set up a ring, dropping flags the kernel does not know (6.0, 6.1). */
static int ring_init(struct io_uring *ring, unsigned int entries)
{
	unsigned int flags = IORING_SETUP_SINGLE_ISSUER |
			     IORING_SETUP_DEFER_TASKRUN;
	int r;

	r = io_uring_queue_init(entries, ring, flags);
	if (r == -EINVAL)
		r = io_uring_queue_init(entries, ring, 0);
	return r;
}

static void prep_read(struct io_uring *ring, struct worker *w,
		      struct slot *s, unsigned int idx)
{
	const struct source *src = w->job->src;
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);

	/* The ring has an entry per slot, so there is always one free. */
	if (w->mode == READ_FIXED)
		io_uring_prep_read_fixed(sqe, src->fd, s->buf + s->done,
					 s->want - s->done,
					 slot_pos(s, src), (int)idx);
	else
		io_uring_prep_read(sqe, src->fd, s->buf + s->done,
				   s->want - s->done, slot_pos(s, src));
	io_uring_sqe_set_data64(sqe, idx);
}

/*
 * The blocks of worker @w through io_uring, QD_DEFAULT at a time. Returns 0
 * once nothing is in flight, or -1 when the ring broke with reads still in
 * flight: their buffers must then outlive the ring, so the caller leaks
 * them rather than let the kernel write into freed memory.
 */
static int read_uring(struct worker *w, struct io_uring *ring,
		      struct slot *slot)
{
	const struct job *job = w->job;
	uint64_t next = w->id;
	unsigned int inflight = 0, free_top = QD_DEFAULT, i;
	unsigned int free_idx[QD_DEFAULT];
	struct io_uring_cqe *cqe;
	int r, res;

	for (i = 0; i < QD_DEFAULT; i++)
		free_idx[i] = QD_DEFAULT - 1 - i;
	for (;;) {
		while (free_top && next < job->src->blocks &&
		       !atomic_load_explicit(&job->stop, memory_order_relaxed)) {
			i = free_idx[--free_top];
			slot_start(&slot[i], job->src, next);
			prep_read(ring, w, &slot[i], i);
			next += job->threads;
			inflight++;
		}
		if (!inflight)
			return 0;
		r = io_uring_submit_and_wait(ring, 1);
		if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
			worker_fail(w, r, 1, job->src->start);
			return -1;
		}
		r = io_uring_wait_cqe(ring, &cqe);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			worker_fail(w, r, 1, job->src->start);
			return -1;
		}
		i = (unsigned int)io_uring_cqe_get_data64(cqe);
		res = cqe->res;
		io_uring_cqe_seen(ring, cqe);
		inflight--;
		if (res == -EAGAIN || res == -EINTR) {
			prep_read(ring, w, &slot[i], i);	/* try again */
			inflight++;
		} else if (atomic_load(&job->stop)) {
			free_idx[free_top++] = i;	/* draining after a failure */
		} else if (slot_complete(w, &slot[i], res) == 0) {
			prep_read(ring, w, &slot[i], i);	/* short read: the rest */
			inflight++;
		} else {
			free_idx[free_top++] = i;
		}
	}
}

/* The same without io_uring, for kernels that have it switched off. */
static void read_pread(struct worker *w, struct slot *s)
{
	const struct job *job = w->job;
	uint64_t b;
	ssize_t n;

	for (b = w->id; b < job->src->blocks && !atomic_load(&job->stop);
	     b += job->threads) {
		slot_start(s, job->src, b);
		for (;;) {
			n = pread(job->src->fd, s->buf + s->done,
				  s->want - s->done,
				  (off_t)slot_pos(s, job->src));
			if (n < 0 && errno == EINTR)
				continue;
			if (slot_complete(w, s, n < 0 ? -errno : (int)n))
				break;		/* fed, or failed */
		}
		if (w->err)
			return;
	}
}

/*
 * Merge the workers' inspectors pairwise: in the round of step k, worker
 * i (a multiple of 2k) takes in worker i + k's, whose own merges ended at
 * the barrier before. Every worker waits at every barrier, failed or not.
 */
static void merge_tree(struct worker *w)
{
	struct job *job = w->job;
	unsigned int k;
	int r;

	for (k = 1; k < job->threads; k *= 2) {
		pthread_barrier_wait(&job->merge_bar);
		if (w->id % (2 * k) || w->id + k >= job->threads ||
		    atomic_load(&job->stop))
			continue;
		r = dgen_inspect_merge(w->in, job->w[w->id + k].in);
		if (r)
			worker_fail(w, r, 0, 0);
		/* Its sets are in ours now: give the memory back at once. */
		dgen_inspect_free(job->w[w->id + k].in);
		job->w[w->id + k].in = NULL;
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct slot slot[QD_DEFAULT];
	struct iovec iov[QD_DEFAULT];
	struct io_uring ring;
	unsigned char *mem = NULL;
	int have_ring = 0, r;
	unsigned int i;

	if (posix_memalign((void **)&mem, DIRECT_ALIGN,
			   (size_t)QD_DEFAULT * BLOCK)) {
		worker_fail(w, -ENOMEM, 0, 0);
		goto out;
	}
	for (i = 0; i < QD_DEFAULT; i++) {
		slot[i].buf = mem + (size_t)i * BLOCK;
		iov[i].iov_base = slot[i].buf;
		iov[i].iov_len = BLOCK;
	}
	r = w->job->force == READ_PREAD ? -ENOSYS : ring_init(&ring, QD_DEFAULT);
	if (r == 0) {
		have_ring = 1;
		/* Registered buffers spare the kernel pinning the pages for
		 * every read; without them (RLIMIT_MEMLOCK) plain reads. */
		w->mode = w->job->force == READ_PLAIN ||
			  io_uring_register_buffers(&ring, iov, QD_DEFAULT) ?
			  READ_PLAIN : READ_FIXED;
		if (read_uring(w, &ring, slot))
			mem = NULL;	/* see read_uring */
	} else {
		w->mode = READ_PREAD;
		read_pread(w, &slot[0]);
	}
out:
	if (have_ring)
		io_uring_queue_exit(&ring);
	free(mem);
	atomic_fetch_add(&w->job->finished, 1);
	merge_tree(w);
	return NULL;
}

/* ===== Reading streams ===== */

/* Fill @buf with up to @len bytes from @fd; returns the count (short only
 * at the end of the stream) or -errno. */
static ssize_t read_full(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* Read a stream to its end (or src->len), skipping src->start bytes. */
static void read_stream(struct worker *w)
{
	struct source *src = w->job->src;
	uint64_t skip = src->start, pos = 0;
	unsigned char *buf;
	ssize_t n;
	int r;

	w->mode = READ_STREAM;
	buf = malloc(BLOCK);
	if (!buf) {
		worker_fail(w, -ENOMEM, 0, 0);
		return;
	}
	if (skip && lseek(src->fd, (off_t)skip, SEEK_CUR) >= 0)
		skip = 0;
	while (skip) {
		n = read_full(src->fd, buf, skip < BLOCK ? skip : BLOCK);
		if (n <= 0) {
			if (n < 0)
				worker_fail(w, (int)n, 1, src->start - skip);
			goto out;
		}
		skip -= (uint64_t)n;
	}
	while (pos < src->len) {
		uint64_t want = src->len - pos < BLOCK ? src->len - pos : BLOCK;

		n = read_full(src->fd, buf, want);
		if (n < 0) {
			worker_fail(w, (int)n, 1, src->start + pos);
			break;
		}
		if (n == 0)
			break;
		r = dgen_inspect_feed(w->in, buf, pos, (size_t)n);
		if (r) {
			worker_fail(w, r, 0, 0);
			break;
		}
		pos += (uint64_t)n;
		if ((uint64_t)n < want)
			break;
	}
out:
	free(buf);
}

/* ===== Report ===== */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *human_size(uint64_t x, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB" };
	double v = (double)x;
	int i = 0;

	while (v >= 1024.0 && i < 5)
		v /= 1024.0, i++;
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", x);
	else if (v == (double)(uint64_t)v)
		snprintf(buf, len, "%.0f %s", v, unit[i]);
	else
		snprintf(buf, len, "%.2f %s", v, unit[i]);
	return buf;
}

static void json_ratio(double r)
{
	if (r > 0)
		printf("%.6f", r);
	else
		fputs("null", stdout);
}

static void report_json(const struct source *src,
			const struct dgen_inspect_result *res,
			enum read_mode mode, unsigned int threads, double secs)
{
	int u, c, p;

	fputs("{\"path\": ", stdout);
	json_string(src->path);
	printf(", \"kind\": \"%s\", \"direct\": %s, \"reads\": \"%s\", \"threads\": %u, \"offset\": %" PRIu64 ", \"stream_format_version\": %d,\n",
	       src->kind, src->direct ? "true" : "false",
	       read_mode_name[mode], threads, src->start,
	       DGEN_STREAM_FORMAT_VERSION);
	fputs(" \"dedup\": [", stdout);
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		const struct dgen_inspect_dedup *d = &res->dedup[u];

		printf("%s\n  {\"unit\": %u, \"chunks\": %" PRIu64 ", \"distinct\": %" PRIu64 ", \"ratio\": ",
		       u ? "," : "", d->unit, d->chunks, d->distinct);
		json_ratio(d->ratio);
		putchar('}');
	}
	fputs("],\n \"compress\": {", stdout);
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			const struct dgen_inspect_compress *x =
				&res->compress[c][p];

			printf("%s\"%s_%uk\": ", c || p ? ", " : "", x->codec,
			       x->piece / 1024);
			json_ratio(x->ratio);
		}
	printf("},\n \"sectors\": %" PRIu64 ", \"zero_sectors\": %" PRIu64 ", \"same_sectors\": %" PRIu64 ", \"dedup_sample\": %u,\n",
	       res->sectors, res->zero_sectors, res->same_sectors,
	       res->dedup_sample);
	printf(" \"bytes\": %" PRIu64 ", \"seconds\": %.6f, \"gb_per_s\": %.3f}\n",
	       res->bytes, secs, secs > 0 ? (double)res->bytes / secs / 1e9 : 0);
}

static void report_human(const struct source *src,
			 const struct dgen_inspect_result *res,
			 enum read_mode mode, unsigned int threads,
			 double secs)
{
	char a[32], b[32];
	int u, c;

	printf("%s: %s, %s%s, %u thread%s\n\n",
	       src->path, src->kind, src->direct ? "O_DIRECT, " : "",
	       read_mode_name[mode], threads, threads > 1 ? "s" : "");
	if (res->dedup_sample > 1)
		printf("dedup (aligned chunks, total / distinct; 1 in %u contents sampled)\n",
		       res->dedup_sample);
	else
		printf("dedup (aligned chunks, total / distinct)\n");
	printf("  %9s %14s %14s %9s\n", "unit", "chunks", "distinct", "ratio");
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		const struct dgen_inspect_dedup *d = &res->dedup[u];

		printf("  %9s %14" PRIu64 " %14" PRIu64, human_size(d->unit, a, sizeof(a)),
		       d->chunks, d->distinct);
		if (d->ratio > 0)
			printf(" %9.3f\n", d->ratio);
		else
			printf(" %9s\n", "-");
	}
	printf("\ncompression (bytes in / bytes stored, each piece alone)\n");
	printf("  %9s %9s %9s\n", "", "4 KiB", "64 KiB");
	for (c = 0; c < DGEN_INSPECT_CODECS; c++) {
		printf("  %9s", res->compress[c][0].codec);
		for (u = 0; u < DGEN_INSPECT_PIECES; u++) {
			double r = res->compress[c][u].ratio;

			if (r > 0)
				printf(" %9.3f", r);
			else
				printf(" %9s", "-");
		}
		putchar('\n');
	}
	printf("\nsectors (512 B): %" PRIu64 ", all-zero %" PRIu64 ", same-filled %" PRIu64 "\n",
	       res->sectors, res->zero_sectors, res->same_sectors);
	printf("read %s (%" PRIu64 " bytes) in %.3f s, %.3f GB/s\n",
	       human_size(res->bytes, b, sizeof(b)), res->bytes, secs,
	       secs > 0 ? (double)res->bytes / secs / 1e9 : 0.0);
}

/* ===== Progress ===== */

/*
 * While the workers read, draw one progress line a second on stderr when
 * it is a terminal (a whole device takes a while), looking every 10 ms
 * whether they are done.
 */
static void watch(struct job *job, double t0)
{
	const struct timespec poll = { 0, 10 * 1000 * 1000 };
	double next = t0 + 1.0, total = (double)job->src->len, t, done, eta;
	int drawn = 0;

	if (!isatty(STDERR_FILENO) || arg_json)
		return;		/* pthread_join waits */
	while (atomic_load(&job->finished) < job->threads) {
		nanosleep(&poll, NULL);
		t = now();
		if (t < next)
			continue;
		next += 1.0;
		done = (double)atomic_load_explicit(&job->bytes,
						    memory_order_relaxed);
		eta = done > 0 ? (t - t0) * (total - done) / done : 0;
		fprintf(stderr, "\r%8.2f / %.2f GB  %6.2f GB/s  ETA %u:%02u \033[K",
			done / 1e9, total / 1e9, done / (t - t0) / 1e9,
			(unsigned int)eta / 60, (unsigned int)eta % 60);
		drawn = 1;
	}
	if (drawn)
		fputs("\r\033[K", stderr);
}

/*
 * Without --sample, count every chunk unless the worst case (nothing
 * repeats) would not fit in half the RAM; then sample the smallest power
 * of two that fits, and say so. Streams have no known size: every chunk.
 */
static uint32_t sample_for(const struct source *src)
{
	double ram = (double)sysconf(_SC_PHYS_PAGES) *
		     (double)sysconf(_SC_PAGESIZE);
	double need = (double)src->len * MEMORY_PER_BYTE;
	uint32_t n = 1;

	if (arg_sample)
		return arg_sample;
	if (!src->seekable || ram <= 0)
		return 1;
	while (need / n > ram / 2 && n < SAMPLE_MAX)
		n *= 2;
	if (n > 1)
		note("counting dedup on 1 in %u contents (by hash) to fit in memory; --sample 1 counts every chunk",
		     n);
	return n;
}

/* ===== Main ===== */

int main(int argc, char **argv)
{
	struct dgen_inspect_result res;
	struct dgen_inspect_opts opts;
	struct source src;
	struct job job;
	struct worker *w;
	double t0, secs;
	unsigned int i;
	int r, status = 0;

	parse_args(argc, argv);
	source_open(&src, arg_path);
	source_probe_direct(&src);

	memset(&job, 0, sizeof(job));
	job.src = &src;
	job.force = read_mode_forced();
	if (src.seekable) {
		job.threads = arg_threads;
		if (job.threads > src.blocks)
			job.threads = src.blocks ? (unsigned int)src.blocks : 1;
	} else {
		job.threads = 1;
	}
	w = calloc(job.threads, sizeof(*w));
	if (!w)
		die(EXIT_FAIL, "out of memory");
	job.w = w;
	/* One compressed-size cache for all: a piece repeated on blocks of
	 * several threads is compressed once. */
	dgen_inspect_opts_init(&opts);
	opts.dedup_sample = sample_for(&src);
	r = dgen_inspect_cache_new(&opts.cache, opts.zstd_level);
	if (r)
		die(EXIT_FAIL, "cannot set up: %s", strerror(-r));
	for (i = 0; i < job.threads; i++) {
		w[i].job = &job;
		w[i].id = i;
		r = dgen_inspect_new(&w[i].in, &opts);
		if (r)
			die(EXIT_FAIL, "cannot set up: %s", strerror(-r));
	}

	t0 = now();
	if (!src.seekable) {
		read_stream(&w[0]);
	} else {
		r = pthread_barrier_init(&job.merge_bar, NULL, job.threads);
		if (r)
			die(EXIT_FAIL, "cannot set up threads: %s", strerror(r));
		for (i = 0; i < job.threads; i++) {
			r = pthread_create(&w[i].tid, NULL, worker_main, &w[i]);
			if (r)
				die(EXIT_FAIL, "cannot start thread %u: %s", i,
				    strerror(r));
		}
		watch(&job, t0);
		for (i = 0; i < job.threads; i++)
			pthread_join(w[i].tid, NULL);
		pthread_barrier_destroy(&job.merge_bar);
	}
	secs = now() - t0;

	for (i = 0; i < job.threads; i++) {
		if (!w[i].err)
			continue;
		if (w[i].err == -ENODATA)
			note("'%s' ended at offset %" PRIu64 ", before the %" PRIu64 " bytes it had at the start",
			     src.path, w[i].err_off, src.start + src.len);
		else if (w[i].read_err)
			note("read error on '%s' at offset %" PRIu64 ": %s",
			     src.path, w[i].err_off, strerror(-w[i].err));
		else
			note("'%s': %s", src.path, strerror(-w[i].err));
		if (!status || w[i].read_err)
			status = w[i].read_err ? EXIT_IO : EXIT_FAIL;
	}
	if (!status) {
		dgen_inspect_result_get(w[0].in, &res);
		if (arg_json)
			report_json(&src, &res, w[0].mode, job.threads, secs);
		else
			report_human(&src, &res, w[0].mode, job.threads, secs);
	}
	for (i = 0; i < job.threads; i++)
		dgen_inspect_free(w[i].in);
	dgen_inspect_cache_free(opts.cache);
	free(w);
	if (src.fd != STDIN_FILENO)
		close(src.fd);
	return status;
}
