// SPDX-License-Identifier: MIT
/*
 * test_inspect.c - the inspector (library) and dgen-inspect (the tool)
 * against streams whose ratios are known, random data and crafted sectors
 *
 * Streams come from libdgen, random data from /dev/urandom; hashes and
 * compressors are the real ones. The tool runs as a subprocess on files in
 * /dev/shm (and on a loop device when there are rights for one), and must
 * agree exactly with the library fed the same bytes; dgen_inspect_read,
 * the tool's reader, is tested as a library call too.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <criterion/new/assert.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dgen/dgen.h>
#include <dgen/inspect.h>

#ifndef DGEN_INSPECT_PATH
#error "meson passes the path of the built dgen-inspect"
#endif

#define MIB	(1024ull * 1024ull)

/* ===== Helpers ===== */

static void *xmalloc(size_t n)
{
	void *p = malloc(n);

	cr_assert(p != NULL, "out of memory for %zu bytes", n);
	return p;
}

/* A path in /dev/shm of this process's own, so parallel runs never meet. */
static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "/dev/shm/dgen-test-inspect-%d-%s", (int)getpid(),
		 name);
}

static void write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f != NULL, "cannot create %s: %s", path, strerror(errno));
	cr_assert(eq(sz, fwrite(buf, 1, len, f), len));
	cr_assert(eq(int, fclose(f), 0));
}

/* The dedup window of the streams stream_make makes (0: the default). */
static uint64_t make_window;

static struct dgen_stream *stream_make(uint64_t size, uint32_t B, uint32_t C,
				       double d, double c)
{
	struct dgen_stream_params p;
	struct dgen_stream *s;
	char msg[256] = "";

	dgen_stream_params_init(&p);
	p.seed = 0x1234;
	p.size = size;
	p.dedup_unit = B;
	p.compress_chunk = C;
	p.dedup_ratio = d;
	p.compress_ratio = c;
	p.dedup_window = make_window;
	cr_assert(eq(int, dgen_stream_new(&s, &p, msg, sizeof(msg)), 0),
		  "%s", msg);
	return s;
}

static unsigned char *stream_bytes(const struct dgen_stream *s, size_t size)
{
	unsigned char *buf = xmalloc(size);

	cr_assert(eq(int, dgen_stream_fill(s, buf, 0, size), 0));
	return buf;
}

/* The library's result for @buf fed in 1 MiB pieces, in order. */
static void inspect_buf(const void *buf, size_t len,
			struct dgen_inspect_result *res)
{
	struct dgen_inspect *in;
	size_t off;

	cr_assert(eq(int, dgen_inspect_new(&in, NULL), 0));
	for (off = 0; off < len; off += MIB) {
		size_t n = len - off < MIB ? len - off : MIB;

		cr_assert(eq(int, dgen_inspect_feed(in, (const char *)buf + off,
						    off, n), 0));
	}
	dgen_inspect_result_get(in, res);
	dgen_inspect_free(in);
}

/* Run a shell command and return its stdout (malloc'd) and exit status. */
static char *run(const char *cmd, int *status)
{
	size_t cap = 1 << 16, len = 0, n;
	char *out = xmalloc(cap);
	FILE *p = popen(cmd, "r");

	cr_assert(p != NULL, "cannot run %s", cmd);
	while ((n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (len + 1 == cap)
			out = realloc(out, cap *= 2);
		cr_assert(out != NULL);
	}
	out[len] = 0;
	*status = pclose(p);
	*status = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
	return out;
}

/*
 * Read dgen-inspect's --json report back into a result: the numbers the
 * tool printed, so the two can be compared field by field. Ratios the
 * tool prints (rounded to 6 places) are recomputed from them here.
 */
static void parse_json(const char *js, struct dgen_inspect_result *res)
{
	static const char *const key[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES] = {
		{ "\"lz4_4k\": ", "\"lz4_64k\": " },
		{ "\"zstd_4k\": ", "\"zstd_64k\": " },
	};
	const char *p = js;
	int u, c, k;

	memset(res, 0, sizeof(*res));
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		struct dgen_inspect_dedup *d = &res->dedup[u];

		p = strstr(p, "{\"unit\": ");
		cr_assert(p != NULL, "no dedup entry %d in: %s", u, js);
		cr_assert(eq(int, sscanf(p, "{\"unit\": %" SCNu32 ", \"chunks\": %" SCNu64 ", \"distinct\": %" SCNu64,
					 &d->unit, &d->chunks, &d->distinct), 3));
		d->ratio = d->distinct ? (double)d->chunks / d->distinct : 0;
		p++;
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (k = 0; k < DGEN_INSPECT_PIECES; k++) {
			p = strstr(js, key[c][k]);
			cr_assert(p != NULL, "no %s in: %s", key[c][k], js);
			res->compress[c][k].ratio = strtod(p + strlen(key[c][k]), NULL);
		}
	p = strstr(js, "\"sectors\": ");
	cr_assert(p != NULL);
	res->sectors = strtoull(p + 11, NULL, 10);
	p = strstr(js, "\"zero_sectors\": ");
	cr_assert(p != NULL);
	res->zero_sectors = strtoull(p + 16, NULL, 10);
	p = strstr(js, "\"same_sectors\": ");
	cr_assert(p != NULL);
	res->same_sectors = strtoull(p + 16, NULL, 10);
	p = strstr(js, "\"bytes\": ");
	cr_assert(p != NULL);
	res->bytes = strtoull(p + 9, NULL, 10);
}

/* Run the tool with --json on @args and parse its report. */
static void inspect_tool(const char *args, struct dgen_inspect_result *res)
{
	char cmd[1024];
	char *out;
	int st;

	snprintf(cmd, sizeof(cmd), "%s --json %s", DGEN_INSPECT_PATH, args);
	out = run(cmd, &st);
	cr_assert(eq(int, st, 0), "%s exited %d:\n%s", cmd, st, out);
	cr_assert(ne(ptr, strstr(out, "\"stream_format_version\": 2"), NULL),
		  "no stream format version in:\n%s", out);
	parse_json(out, res);
	free(out);
}

/* The tool saw exactly what the library saw. */
static void assert_same(const struct dgen_inspect_result *tool,
			const struct dgen_inspect_result *lib)
{
	int u, c, k;

	cr_assert(eq(u64, tool->bytes, lib->bytes));
	cr_assert(eq(u64, tool->sectors, lib->sectors));
	cr_assert(eq(u64, tool->zero_sectors, lib->zero_sectors));
	cr_assert(eq(u64, tool->same_sectors, lib->same_sectors));
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u32, tool->dedup[u].unit, lib->dedup[u].unit));
		cr_assert(eq(u64, tool->dedup[u].chunks, lib->dedup[u].chunks),
			  "unit %u", lib->dedup[u].unit);
		cr_assert(eq(u64, tool->dedup[u].distinct, lib->dedup[u].distinct),
			  "unit %u", lib->dedup[u].unit);
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (k = 0; k < DGEN_INSPECT_PIECES; k++)
			cr_assert(fabs(tool->compress[c][k].ratio -
				       lib->compress[c][k].ratio) < 1e-5,
				  "%s per %u: tool %f, library %f",
				  lib->compress[c][k].codec,
				  lib->compress[c][k].piece,
				  tool->compress[c][k].ratio,
				  lib->compress[c][k].ratio);
}

/* ===== Streams of known ratios ===== */

struct stream_case {
	double d, c;
	uint32_t B, C;
	unsigned int mib;
};

ParameterizedTestParameters(inspect, stream_ratios)
{
	static struct stream_case cases[] = {
		{ 1, 1, 4096, 4096, 64 },
		{ 1, 2, 4096, 4096, 64 },
		{ 1, 4, 4096, 4096, 64 },
		{ 2, 1, 4096, 4096, 64 },
		{ 2, 2, 4096, 4096, 64 },
		{ 2, 4, 4096, 4096, 64 },
		{ 3, 1, 4096, 4096, 128 },
		{ 3, 2, 4096, 4096, 128 },
		{ 3, 4, 4096, 4096, 128 },
		{ 2.5, 3, 65536, 16384, 96 },
		{ 4, 1.5, 512, 512, 64 },
	};

	return cr_make_param_array(struct stream_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

/*
 * doc/data-contract.md sections 2 and 3, measured: from B to the layout's exact unit, the
 * dedup ratio is the layout's (and within 1% of the requested d wherever
 * the stream holds 50 d chunks); per 4 KiB, lz4 and zstd measure c within
 * 3%; no sector is all zero or filled with one byte (the sector rule of
 * doc/data-contract.md). The tool reports the same numbers.
 */
ParameterizedTest(struct stream_case *tc, inspect, stream_ratios)
{
	size_t size = (size_t)tc->mib * MIB;
	struct dgen_stream *s = stream_make(size, tc->B, tc->C, tc->d, tc->c);
	struct dgen_stream_layout l;
	struct dgen_inspect_result lib, tool;
	unsigned char *buf = stream_bytes(s, size);
	char path[256], args[300];
	int u, c;

	dgen_stream_layout_get(s, &l);
	inspect_buf(buf, size, &lib);
	cr_log_info("d %g c %g B %u C %u: layout d %.4f c %.4f exact unit %u",
		    tc->d, tc->c, tc->B, tc->C, l.dedup_ratio,
		    l.compress_ratio, l.dedup_exact_unit);

	cr_assert(eq(u64, lib.bytes, size));
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		const struct dgen_inspect_dedup *d = &lib.dedup[u];

		cr_assert(eq(u64, d->chunks, size / d->unit));
		if (d->unit < tc->B || d->unit > l.dedup_exact_unit)
			continue;
		cr_assert(fabs(d->ratio / l.dedup_ratio - 1) <= 0.01,
			  "unit %u: dedup %f, layout %f", d->unit, d->ratio,
			  l.dedup_ratio);
		if ((double)(size / d->unit) >= 50 * tc->d)
			cr_assert(fabs(d->ratio / tc->d - 1) <= 0.01,
				  "unit %u: dedup %f, asked %g", d->unit,
				  d->ratio, tc->d);
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++) {
		double r = lib.compress[c][DGEN_INSPECT_PIECE_4K].ratio;

		cr_assert(fabs(r / tc->c - 1) <= 0.03,
			  "%s per 4 KiB: %f for c %g", lib.compress[c][0].codec,
			  r, tc->c);
	}
	cr_assert(eq(u64, lib.same_sectors, 0));
	cr_assert(eq(u64, lib.zero_sectors, 0));

	tmp_path(path, sizeof(path), "stream");
	write_file(path, buf, size);
	snprintf(args, sizeof(args), "%s", path);
	inspect_tool(args, &tool);
	unlink(path);
	assert_same(&tool, &lib);
	free(buf);
	dgen_stream_free(s);
}

/* ===== Random data ===== */

/* /dev/urandom: nothing repeats at any unit, nothing compresses. */
Test(inspect, urandom)
{
	const size_t size = 32 * MIB;
	unsigned char *buf = xmalloc(size);
	struct dgen_inspect_result lib, tool;
	char path[256], cmd[512], *out;
	int fd, u, c, k, st;
	size_t got = 0;
	ssize_t n;

	fd = open("/dev/urandom", O_RDONLY);
	cr_assert(fd >= 0);
	while (got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	close(fd);
	cr_assert(eq(sz, got, size));

	inspect_buf(buf, size, &lib);
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u64, lib.dedup[u].chunks, size / lib.dedup[u].unit));
		cr_assert(eq(u64, lib.dedup[u].distinct, lib.dedup[u].chunks));
		cr_assert(eq(dbl, lib.dedup[u].ratio, 1.0));
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (k = 0; k < DGEN_INSPECT_PIECES; k++)
			cr_assert(le(dbl, lib.compress[c][k].ratio, 1.01));
	cr_assert(eq(u64, lib.zero_sectors, 0));
	cr_assert(eq(u64, lib.same_sectors, 0));

	tmp_path(path, sizeof(path), "urandom");
	write_file(path, buf, size);
	inspect_tool(path, &tool);
	assert_same(&tool, &lib);

	/*
	 * Sampled, the tool says so and still finds nothing repeated: every
	 * ratio it prints is 1, or null for a size whose chunks all fell
	 * outside the sample (the 32 chunks of 1 MiB miss a 1-in-8 sample
	 * about 1.4% of the time with random content), and the 512-byte
	 * sample, thousands of chunks, is never empty.
	 */
	snprintf(cmd, sizeof(cmd), "%s --json --sample 8 %s", DGEN_INSPECT_PATH,
		 path);
	out = run(cmd, &st);
	cr_assert(eq(int, st, 0), "%s", out);
	cr_assert(strstr(out, "\"dedup_sample\": 8,") != NULL, "%s", out);
	{
		const char *p = strstr(out, "{\"unit\": 512,");
		const char *end = strstr(out, "\"compress\"");
		unsigned int n = 0;

		cr_assert(p && end, "%s", out);
		for (; (p = strstr(p, "\"ratio\": ")) && p < end; n++) {
			int one, none;

			p += strlen("\"ratio\": ");
			one = !strncmp(p, "1.000000", 8);
			none = n > 0 && !strncmp(p, "null", 4);
			cr_assert(one || none, "ratio %u: %s", n, out);
		}
		cr_assert(eq(u32, n, DGEN_INSPECT_UNITS), "%s", out);
	}
	parse_json(out, &tool);
	for (u = 0; u < DGEN_INSPECT_UNITS; u++)
		cr_assert(eq(u64, tool.dedup[u].chunks, lib.dedup[u].chunks));
	free(out);
	unlink(path);
	free(buf);
}

/* ===== Sectors ===== */

/*
 * Random sectors with some all zero and some filled with one byte (0x01,
 * 0xff, 0x5a, several of each), and near misses that differ from such
 * sectors in one word (at either end) and from each other. The counts and the 512 B dedup (all zero sectors are one chunk, the
 * same fill value is one chunk) must come out exact.
 */
Test(inspect, zero_and_same_sectors)
{
	const size_t size = 4 * MIB, sectors = size / 512;
	static const unsigned char fills[] = { 0x01, 0xff, 0x5a };
	unsigned char *buf = xmalloc(size);
	uint64_t zero = 0, same = 0, x = 88172645463325252ull;
	struct dgen_inspect_result lib, tool;
	int used[3] = { 0 };
	uint64_t distinct;
	char path[256];
	size_t i, j;

	for (i = 0; i < size / 8; i++) {
		/* xorshift64 (Marsaglia 2003): distinct sectors, no repeats */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(buf + 8 * i, &x, 8);
	}
	distinct = sectors;
	for (i = 0; i < sectors; i += 7) {
		unsigned char *s = buf + i * 512;

		switch (i % 5) {
		case 0:
			memset(s, 0, 512);
			zero++;
			break;
		case 1:
			j = (i / 7) % 3;
			memset(s, fills[j], 512);
			used[j] = 1;
			same++;
			break;
		case 2:		/* almost zero: the last 8 bytes are i != 0 */
			memset(s, 0, 512 - 8);
			memcpy(s + 512 - 8, &i, 8);
			break;
		case 3:		/* almost same: the first 8 bytes are i */
			memset(s, 0x33, 512);
			memcpy(s, &i, 8);
			break;
		default:
			break;
		}
	}
	distinct -= zero + same;
	distinct += (zero > 0) + used[0] + used[1] + used[2];

	inspect_buf(buf, size, &lib);
	cr_assert(eq(u64, lib.sectors, sectors));
	cr_assert(eq(u64, lib.zero_sectors, zero));
	cr_assert(eq(u64, lib.same_sectors, same));
	cr_assert(eq(u64, lib.dedup[0].distinct, distinct));
	cr_assert(eq(u64, lib.dedup[0].chunks, sectors));

	tmp_path(path, sizeof(path), "sectors");
	write_file(path, buf, size);
	inspect_tool(path, &tool);
	unlink(path);
	assert_same(&tool, &lib);
	free(buf);
}

/* ===== Sampling ===== */

/* The library's result for @buf fed in 1 MiB pieces, 1 in @sample
 * contents counted; also returns the inspector's memory. */
static uint64_t inspect_sampled(const void *buf, size_t len, uint32_t sample,
				struct dgen_inspect_result *res)
{
	struct dgen_inspect_opts o;
	struct dgen_inspect *in;
	uint64_t mem;
	size_t off;

	dgen_inspect_opts_init(&o);
	o.dedup_sample = sample;
	cr_assert(eq(int, dgen_inspect_new(&in, &o), 0));
	for (off = 0; off < len; off += MIB)
		cr_assert(eq(int, dgen_inspect_feed(in, (const char *)buf + off,
						    off, len - off < MIB ? len - off : MIB), 0));
	dgen_inspect_result_get(in, res);
	mem = dgen_inspect_memory(in);
	dgen_inspect_free(in);
	return mem;
}

/*
 * Content sampling (1 in 16) estimates a stream's dedup ratio within 2%
 * wherever the sample holds 2000 distinct contents; random data stays at
 * exactly 1.0 with a sixth of the memory or less; zeros are counted
 * exactly beside the sample. Since stream format 2 the distinct pieces of
 * a window do not all have the same number of copies (1 to about 4 d), so
 * the estimate's spread follows the copy counts' and the sample must be
 * larger than for evenly copied data; the stream's 8 MiB window (pieces of
 * 32 KiB) gives it many pieces to span.
 */
Test(inspect, sampling)
{
	const size_t size = 128 * MIB;
	struct dgen_stream *s;

	make_window = 8 * MIB;
	s = stream_make(size, 4096, 4096, 3, 2);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_result exact, est;
	struct dgen_inspect_opts o;
	struct dgen_inspect *a, *b;
	uint64_t m0, m1, m64, x = 1;
	size_t i;
	int u;

	inspect_buf(buf, size, &exact);
	inspect_sampled(buf, size, 16, &est);
	cr_assert(eq(u32, est.dedup_sample, 16));
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u64, est.dedup[u].chunks, exact.dedup[u].chunks));
		if (exact.dedup[u].distinct / 16 < 2000)
			continue;
		cr_assert(fabs(est.dedup[u].ratio / exact.dedup[u].ratio - 1) <= 0.02,
			  "unit %u: sampled %f, exact %f", est.dedup[u].unit,
			  est.dedup[u].ratio, exact.dedup[u].ratio);
	}
	/* Compression and sectors do not sample. */
	cr_assert(eq(u64, est.compress[1][0].out, exact.compress[1][0].out));
	cr_assert(eq(u64, est.zero_sectors, exact.zero_sectors));

	/* Unique data: every sampled content once, so exactly 1. */
	for (i = 0; i < size / 8; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(buf + 8 * i, &x, 8);
	}
	/* (memory above that of an inspector fed 1 MiB, which holds the
	 * compressors' workspace and the sets' first slots) */
	m0 = inspect_sampled(buf, MIB, 64, &exact);
	m1 = inspect_sampled(buf, 32 * MIB, 1, &exact) - m0;
	m64 = inspect_sampled(buf, 32 * MIB, 64, &est) - m0;
	for (u = 0; u < DGEN_INSPECT_UNITS; u++)
		cr_assert(eq(dbl, est.dedup[u].ratio, 1.0), "unit %u",
			  est.dedup[u].unit);
	cr_assert(lt(u64, m64 * 6, m1), "memory %" PRIu64 " sampled, %" PRIu64 " exact",
		  m64, m1);

	/* Half zeros: 2.0 at 512 B (bar the one zero content) however
	 * sparse the sample. */
	memset(buf, 0, 16 * MIB);
	inspect_buf(buf, 32 * MIB, &exact);
	inspect_sampled(buf, 32 * MIB, 1024, &est);
	cr_assert(fabs(est.dedup[0].ratio / exact.dedup[0].ratio - 1) <= 0.05,
		  "sampled %f, exact %f", est.dedup[0].ratio, exact.dedup[0].ratio);
	cr_assert(eq(u64, est.zero_sectors, 32768));

	/* A sample that is not a power of two, or merging across samples. */
	dgen_inspect_opts_init(&o);
	o.dedup_sample = 3;
	cr_assert(eq(int, dgen_inspect_new(&a, &o), -EINVAL));
	o.dedup_sample = 4;
	cr_assert(eq(int, dgen_inspect_new(&a, &o), 0));
	cr_assert(eq(int, dgen_inspect_new(&b, NULL), 0));
	cr_assert(eq(int, dgen_inspect_merge(a, b), -EINVAL));
	dgen_inspect_free(a);
	dgen_inspect_free(b);
	free(buf);
	dgen_stream_free(s);
}

/* ===== Order, merging, odd sizes ===== */

/*
 * The result is a function of the data alone: 1 MiB pieces fed in a
 * scrambled order to three inspectors, then merged, give the very counts
 * of one inspector fed in order. The 1 MiB chunks repeat across the
 * inspectors, so a merge that did not dedup across them would show.
 */
Test(inspect, order_and_merge)
{
	const size_t size = 48 * MIB, pieces = size / MIB;
	struct dgen_stream *s = stream_make(size, 4096, 4096, 3, 2);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect *in[3];
	struct dgen_inspect_result one, three;
	size_t i, k;
	int u, c, p;

	inspect_buf(buf, size, &one);
	for (k = 0; k < 3; k++)
		cr_assert(eq(int, dgen_inspect_new(&in[k], NULL), 0));
	for (i = 0; i < pieces; i++) {
		size_t piece = (i * 29 + 5) % pieces;	/* 29 is prime to 48 */

		cr_assert(eq(int, dgen_inspect_feed(in[i % 3],
						    buf + piece * MIB,
						    piece * MIB, MIB), 0));
	}
	cr_assert(eq(int, dgen_inspect_merge(in[1], in[2]), 0));
	cr_assert(eq(int, dgen_inspect_merge(in[0], in[1]), 0));
	dgen_inspect_result_get(in[0], &three);
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u64, three.dedup[u].chunks, one.dedup[u].chunks));
		cr_assert(eq(u64, three.dedup[u].distinct, one.dedup[u].distinct));
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			cr_assert(eq(u64, three.compress[c][p].in,
				     one.compress[c][p].in));
			cr_assert(eq(u64, three.compress[c][p].out,
				     one.compress[c][p].out));
		}
	cr_assert(eq(u64, three.bytes, one.bytes));
	for (k = 0; k < 3; k++)
		dgen_inspect_free(in[k]);
	free(buf);
	dgen_stream_free(s);
}

struct feeder {
	struct dgen_inspect *in;
	const unsigned char *buf;
	size_t pieces, first, step;
	int err;
};

static void *feeder_run(void *arg)
{
	struct feeder *f = arg;
	size_t i;

	for (i = f->first; i < f->pieces && !f->err; i += f->step)
		f->err = dgen_inspect_feed(f->in, f->buf + i * MIB, i * MIB, MIB);
	return NULL;
}

/*
 * Four threads feed inspectors that share one cache of compressed sizes,
 * at once: the counts equal one inspector's alone (the cache only saves
 * time, and its locking holds).
 */
Test(inspect, shared_cache_threads)
{
	const size_t size = 64 * MIB, T = 4;
	struct dgen_stream *s = stream_make(size, 4096, 4096, 4, 3);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_opts o;
	struct dgen_inspect_result one, all;
	struct feeder f[4];
	pthread_t tid[4];
	size_t t;
	int u, c, p;

	inspect_buf(buf, size, &one);
	dgen_inspect_opts_init(&o);
	cr_assert(eq(int, dgen_inspect_cache_new(&o.cache, 5), 0));
	cr_assert(eq(int, dgen_inspect_new(&f[0].in, &o), -EINVAL),
		  "a cache made for another zstd level is refused");
	dgen_inspect_cache_free(o.cache);
	cr_assert(eq(int, dgen_inspect_cache_new(&o.cache, o.zstd_level), 0));
	for (t = 0; t < T; t++) {
		f[t] = (struct feeder) { .buf = buf, .pieces = size / MIB,
					 .first = t, .step = T };
		cr_assert(eq(int, dgen_inspect_new(&f[t].in, &o), 0));
		cr_assert(eq(int, pthread_create(&tid[t], NULL, feeder_run, &f[t]), 0));
	}
	for (t = 0; t < T; t++) {
		cr_assert(eq(int, pthread_join(tid[t], NULL), 0));
		cr_assert(eq(int, f[t].err, 0));
		if (t)
			cr_assert(eq(int, dgen_inspect_merge(f[0].in, f[t].in), 0));
	}
	dgen_inspect_result_get(f[0].in, &all);
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u64, all.dedup[u].chunks, one.dedup[u].chunks));
		cr_assert(eq(u64, all.dedup[u].distinct, one.dedup[u].distinct));
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (p = 0; p < DGEN_INSPECT_PIECES; p++) {
			cr_assert(eq(u64, all.compress[c][p].in, one.compress[c][p].in));
			cr_assert(eq(u64, all.compress[c][p].out, one.compress[c][p].out));
		}
	for (t = 0; t < T; t++)
		dgen_inspect_free(f[t].in);
	dgen_inspect_cache_free(o.cache);
	free(buf);
	dgen_stream_free(s);
}

/*
 * A length that is not a multiple of anything: whole chunks only for
 * dedup and sectors, every byte for compression.
 */
Test(inspect, ragged_end)
{
	const size_t size = 3 * MIB + 4096 * 3 + 700;
	unsigned char *buf = xmalloc(size);
	struct dgen_inspect_result r;
	int u;

	memset(buf, 0x77, size);
	inspect_buf(buf, size, &r);
	cr_assert(eq(u64, r.bytes, size));
	cr_assert(eq(u64, r.sectors, size / 512));
	cr_assert(eq(u64, r.same_sectors, size / 512));
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u64, r.dedup[u].chunks, size / r.dedup[u].unit));
		cr_assert(eq(u64, r.dedup[u].distinct, 1));
	}
	cr_assert(eq(u64, r.compress[DGEN_INSPECT_LZ4][0].in, size));
	cr_assert(eq(u64, r.compress[DGEN_INSPECT_ZSTD][1].in, size));
	free(buf);
}

Test(inspect, errors)
{
	struct dgen_inspect_opts o;
	struct dgen_inspect *a, *b;
	char buf[512] = { 0 };

	dgen_inspect_opts_init(&o);
	o.zstd_level = 1000;
	cr_assert(eq(int, dgen_inspect_new(&a, &o), -EINVAL));
	cr_assert(eq(int, dgen_inspect_new(&a, NULL), 0));
	cr_assert(eq(int, dgen_inspect_feed(a, buf, 512, sizeof(buf)), -EINVAL));
	cr_assert(eq(int, dgen_inspect_feed(a, buf, MIB, sizeof(buf)), 0));
	dgen_inspect_opts_init(&o);
	o.flags = DGEN_INSPECT_NO_COMPRESS;
	cr_assert(eq(int, dgen_inspect_new(&b, &o), 0));
	cr_assert(eq(int, dgen_inspect_merge(a, b), -EINVAL));
	cr_assert(gt(u64, dgen_inspect_memory(a), 0));
	dgen_inspect_free(a);
	dgen_inspect_free(b);
	dgen_inspect_free(NULL);
}

/* ===== dgen_inspect_read: a whole source in one call ===== */

/* Two library results agree in every count, compressed bytes included. */
static void assert_equal(const struct dgen_inspect_result *a,
			 const struct dgen_inspect_result *b)
{
	int u, c, k;

	cr_assert(eq(u64, a->bytes, b->bytes));
	cr_assert(eq(u64, a->sectors, b->sectors));
	cr_assert(eq(u64, a->zero_sectors, b->zero_sectors));
	cr_assert(eq(u64, a->same_sectors, b->same_sectors));
	for (u = 0; u < DGEN_INSPECT_UNITS; u++) {
		cr_assert(eq(u64, a->dedup[u].chunks, b->dedup[u].chunks));
		cr_assert(eq(u64, a->dedup[u].distinct, b->dedup[u].distinct),
			  "unit %u", b->dedup[u].unit);
	}
	for (c = 0; c < DGEN_INSPECT_CODECS; c++)
		for (k = 0; k < DGEN_INSPECT_PIECES; k++) {
			cr_assert(eq(u64, a->compress[c][k].in,
				     b->compress[c][k].in));
			cr_assert(eq(u64, a->compress[c][k].out,
				     b->compress[c][k].out),
				  "%s per %u", b->compress[c][k].codec,
				  b->compress[c][k].piece);
		}
}

struct progress_seen {
	unsigned int calls;
	uint64_t last, total;
	int backwards;
};

static void progress_note(void *arg, uint64_t bytes, uint64_t total,
			  double secs)
{
	struct progress_seen *p = arg;

	(void)secs;
	if (bytes < p->last || bytes > total)
		p->backwards = 1;
	p->calls++;
	p->last = bytes;
	p->total = total;
}

/*
 * A file on /dev/shm made with dgen_stream_fill, read by the library with
 * 1 to 3 threads, each way of reading, whole and as a range: every count
 * equals the inspector fed the same bytes directly, and the report says
 * what was read and how.
 */
Test(inspect, read_file)
{
	const size_t size = 21 * MIB + 12345, off = 3 * MIB;
	const size_t len = 9 * MIB + 4096 + 100;
	static const enum dgen_inspect_read_how hows[] = {
		DGEN_INSPECT_READ_FIXED, DGEN_INSPECT_READ_PLAIN,
		DGEN_INSPECT_READ_PREAD,
	};
	struct dgen_stream *s = stream_make(size, 4096, 4096, 2, 3);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_result whole, part;
	struct dgen_inspect_read_opts o;
	struct dgen_inspect_read_report rep;
	struct progress_seen seen = { 0 };
	char path[256];
	unsigned int t, h;

	inspect_buf(buf, size, &whole);
	inspect_buf(buf + off, len, &part);
	tmp_path(path, sizeof(path), "read");
	write_file(path, buf, size);
	for (t = 1; t <= 3; t++)
		for (h = 0; h < 3; h++) {
			dgen_inspect_read_opts_init(&o);
			o.path = path;
			o.threads = t;
			o.how = hows[h];
			cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0),
				  "threads %u how %d: fail %d err %d", t, h,
				  rep.fail, rep.err);
			cr_assert(eq(int, rep.fail, DGEN_INSPECT_READ_DONE));
			cr_assert(eq(str, (char *)rep.kind, "regular file"));
			cr_assert(eq(u32, rep.threads, t));
			cr_assert(eq(u64, rep.len, size));
			cr_assert(eq(u64, rep.total, size));
			cr_assert(eq(u32, rep.dedup_sample, 1));
			/* A forced fallback is what is used; the best way
			 * is registered buffers or, without them, plain. */
			if (hows[h] == DGEN_INSPECT_READ_FIXED)
				cr_assert(rep.how == DGEN_INSPECT_READ_FIXED ||
					  rep.how == DGEN_INSPECT_READ_PLAIN);
			else
				cr_assert(eq(int, rep.how, hows[h]));
			assert_equal(&rep.result, &whole);

			o.offset = off;
			o.size = len;
			o.progress = progress_note;
			o.progress_arg = &seen;
			o.progress_s = 0.001;
			seen.last = 0;		/* each run counts from 0 */
			cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0));
			cr_assert(eq(u64, rep.start, off));
			cr_assert(eq(u64, rep.len, len));
			assert_equal(&rep.result, &part);
		}
	cr_assert(eq(int, seen.backwards, 0), "progress went back or past the end");
	if (seen.calls)
		cr_assert(eq(u64, seen.total, len));
	cr_log_info("progress called %u times", seen.calls);

	/* A range that runs past the end stops at the end; a sample is
	 * passed on; an offset O_DIRECT cannot take reads the page cache. */
	dgen_inspect_read_opts_init(&o);
	o.path = path;
	o.offset = off;
	o.dedup_sample = 4;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0));
	cr_assert(eq(u64, rep.result.bytes, size - off));
	cr_assert(eq(u32, rep.result.dedup_sample, 4));
	cr_assert(eq(int, rep.sample_chosen, 0));
	inspect_buf(buf + off + 1536, len, &part);
	dgen_inspect_read_opts_init(&o);
	o.path = path;
	o.offset = off + 1536;
	o.size = len;
	o.threads = 2;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0));
	cr_assert(eq(int, rep.direct, 0));
	assert_equal(&rep.result, &part);
	unlink(path);
	free(buf);
	dgen_stream_free(s);
}

struct fifo_feed {
	const char *path;
	const unsigned char *buf;
	size_t len;
};

static void *fifo_writer(void *arg)
{
	const struct fifo_feed *f = arg;
	FILE *fp = fopen(f->path, "wb");

	if (fp) {
		fwrite(f->buf, 1, f->len, fp);
		fclose(fp);
	}
	return NULL;
}

/* A named pipe is a stream: one thread, read(2), the offset skipped by
 * reading, and the same counts as the bytes fed directly. */
Test(inspect, read_pipe)
{
	const size_t size = 6 * MIB + 777, off = MIB + 512;
	struct dgen_stream *s = stream_make(size, 8192, 4096, 3, 2);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_result lib;
	struct dgen_inspect_read_opts o;
	struct dgen_inspect_read_report rep;
	struct fifo_feed f;
	pthread_t tid;
	char path[256];

	inspect_buf(buf + off, size - off, &lib);
	tmp_path(path, sizeof(path), "fifo");
	unlink(path);
	cr_assert(eq(int, mkfifo(path, 0600), 0), "%s", strerror(errno));
	f.path = path;
	f.buf = buf;
	f.len = size;
	cr_assert(eq(int, pthread_create(&tid, NULL, fifo_writer, &f), 0));
	dgen_inspect_read_opts_init(&o);
	o.path = path;
	o.offset = off;
	o.threads = 4;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0), "fail %d err %d",
		  rep.fail, rep.err);
	pthread_join(tid, NULL);
	unlink(path);
	cr_assert(eq(str, (char *)rep.kind, "pipe"));
	cr_assert(eq(int, rep.how, DGEN_INSPECT_READ_STREAM));
	cr_assert(eq(u32, rep.threads, 1));
	assert_equal(&rep.result, &lib);
	free(buf);
	dgen_stream_free(s);
}

/* Refusals and failures: a negative errno, and the report says where. */
Test(inspect, read_errors)
{
	struct dgen_inspect_read_opts o;
	struct dgen_inspect_read_report rep;
	char path[256];
	struct stat st;

	cr_assert(eq(int, dgen_inspect_read(NULL, &rep), -EINVAL));
	cr_assert(eq(int, rep.fail, DGEN_INSPECT_READ_EOPTS));
	dgen_inspect_read_opts_init(&o);
	cr_assert(eq(int, dgen_inspect_read(&o, NULL), -EINVAL));
	o.path = "/dev/null";
	o.threads = DGEN_INSPECT_READ_THREADS_MAX + 1;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -EINVAL));
	o.threads = 0;
	o.dedup_sample = 3;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -EINVAL));
	o.dedup_sample = 0;
	o.how = DGEN_INSPECT_READ_STREAM;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -EINVAL));
	o.how = DGEN_INSPECT_READ_FIXED;
	o.path = NULL;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -EINVAL));

	o.path = "/nonexistent/dgen-file";
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -ENOENT));
	cr_assert(eq(int, rep.fail, DGEN_INSPECT_READ_EOPEN));
	o.path = "/dev/shm";
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -EISDIR));
	cr_assert(eq(int, rep.fail, DGEN_INSPECT_READ_EOPEN));

	tmp_path(path, sizeof(path), "small-lib");
	write_file(path, "abc", 3);
	o.path = path;
	o.offset = MIB;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -ERANGE));
	cr_assert(eq(int, rep.fail, DGEN_INSPECT_READ_ERANGE));
	cr_assert(eq(u64, rep.total, 3));
	o.offset = 1;
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0));
	cr_assert(eq(u64, rep.result.bytes, 2));
	unlink(path);

	/* /dev/null is a character device: a stream with nothing in it. */
	dgen_inspect_read_opts_init(&o);
	o.path = "/dev/null";
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), 0));
	cr_assert(eq(str, (char *)rep.kind, "stream"));
	cr_assert(eq(u64, rep.result.bytes, 0));

	/* A sysfs attribute claims 4096 bytes and holds a few: the data
	 * ends early, at the offset where it did. */
	o.path = "/sys/devices/system/cpu/online";
	if (stat(o.path, &st) || st.st_size != 4096)
		cr_skip_test("no sysfs attribute of 4096 bytes at %s", o.path);
	cr_assert(eq(int, dgen_inspect_read(&o, &rep), -ENODATA));
	cr_assert(eq(int, rep.fail, DGEN_INSPECT_READ_EREAD));
	cr_assert(gt(u64, rep.err_off, 0));
	cr_assert(lt(u64, rep.err_off, 4096));
	cr_assert(eq(u64, rep.len, 4096));
}

/* ===== The tool's inputs and options ===== */

/* A stream piped into stdin (one thread, read(2)) reports what the
 * library reports. */
Test(inspect, tool_stdin)
{
	const size_t size = 40 * MIB + 12345;
	struct dgen_stream *s = stream_make(size, 4096, 4096, 2, 3);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_result lib, tool;
	char path[256], args[600];

	inspect_buf(buf, size, &lib);
	tmp_path(path, sizeof(path), "stdin");
	write_file(path, buf, size);
	snprintf(args, sizeof(args), "< %s", path);
	inspect_tool(args, &tool);
	assert_same(&tool, &lib);
	snprintf(args, sizeof(args), "cat %s | %s --json -", path,
		 DGEN_INSPECT_PATH);
	{
		int st;
		char *out = run(args, &st);

		cr_assert(eq(int, st, 0), "%s", out);
		parse_json(out, &tool);
		free(out);
	}
	assert_same(&tool, &lib);
	unlink(path);

	/* An empty stdin is data too: nothing in it, no ratios. */
	inspect_tool("< /dev/null", &tool);
	cr_assert(eq(u64, tool.bytes, 0));
	cr_assert(eq(u64, tool.dedup[0].chunks, 0));
	free(buf);
	dgen_stream_free(s);
}

/* --offset and --size pick a range, through a file, a pipe and 1 to 3
 * threads alike; chunks are aligned to the range's start. */
Test(inspect, tool_range)
{
	const size_t size = 24 * MIB, off = 5 * MIB, len = 11 * MIB + 4096;
	struct dgen_stream *s = stream_make(size, 8192, 4096, 2, 2);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_result lib, tool;
	char path[256], args[600];
	int t, m;

	inspect_buf(buf + off, len, &lib);
	tmp_path(path, sizeof(path), "range");
	write_file(path, buf, size);
	for (t = 1; t <= 3; t++) {
		snprintf(args, sizeof(args), "--offset 5M --size %zu --threads %d %s",
			 len, t, path);
		inspect_tool(args, &tool);
		assert_same(&tool, &lib);
	}
	snprintf(args, sizeof(args), "-o 5MiB -s %zu - < %s", len, path);
	inspect_tool(args, &tool);
	assert_same(&tool, &lib);
	/* The fallbacks (plain io_uring reads, pread) read the same bytes,
	 * and the report names the way used. */
	for (m = 0; m < 3; m++) {
		static const char *const mode[] = { "fixed", "plain", "pread" };
		static const char *const says[] = {
			"\"io_uring READ_FIXED\"", "\"io_uring READ\"", "\"pread\"",
		};
		char cmd[700], *out;
		int st;

		snprintf(cmd, sizeof(cmd), "DGEN_INSPECT_READ=%s %s --json -t 2 -o 5M -s %zu %s",
			 mode[m], DGEN_INSPECT_PATH, len, path);
		out = run(cmd, &st);
		cr_assert(eq(int, st, 0), "%s: %s", cmd, out);
		cr_assert(strstr(out, says[m]) != NULL, "%s: %s", cmd, out);
		parse_json(out, &tool);
		free(out);
		assert_same(&tool, &lib);
	}
	snprintf(args, sizeof(args), "--offset 5120K --size 999G %s", path);
	inspect_tool(args, &tool);
	cr_assert(eq(u64, tool.bytes, size - off));

	/* An offset O_DIRECT cannot read at goes through the page cache. */
	inspect_buf(buf + off + 1536, len, &lib);
	snprintf(args, sizeof(args), "%s --json -o %zu -s %zu %s", DGEN_INSPECT_PATH,
		 off + 1536, len, path);
	{
		int st;
		char *out = run(args, &st);

		cr_assert(eq(int, st, 0), "%s", out);
		cr_assert(strstr(out, "\"direct\": false") != NULL, "%s", out);
		parse_json(out, &tool);
		free(out);
	}
	assert_same(&tool, &lib);
	unlink(path);
	free(buf);
	dgen_stream_free(s);
}

/* Through a loop device: the block-device path (BLKGETSIZE64, O_DIRECT). */
Test(inspect, tool_block_device)
{
	const size_t size = 32 * MIB;
	struct dgen_stream *s = stream_make(size, 4096, 4096, 3, 2);
	unsigned char *buf = stream_bytes(s, size);
	struct dgen_inspect_result lib, tool;
	char path[256], cmd[600], dev[64] = "";
	char *out;
	int st;

	inspect_buf(buf, size, &lib);
	tmp_path(path, sizeof(path), "loop");
	write_file(path, buf, size);
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s 2>/dev/null", path);
	out = run(cmd, &st);
	sscanf(out, "%63s", dev);
	free(out);
	if (st || strncmp(dev, "/dev/loop", 9)) {
		unlink(path);
		cr_skip_test("no loop device (needs root and /dev/loop-control)");
	}
	inspect_tool(dev, &tool);
	snprintf(cmd, sizeof(cmd), "losetup -d %s", dev);
	free(run(cmd, &st));
	unlink(path);
	assert_same(&tool, &lib);
	free(buf);
	dgen_stream_free(s);
}

/* Exit status 2 and a message naming the path or the option. */
Test(inspect, tool_usage_errors)
{
	static const struct { const char *args, *says; } cases[] = {
		{ "/nonexistent/dgen-file", "/nonexistent/dgen-file" },
		{ "--threads 0 /dev/null", "--threads" },
		{ "--size 12Q /dev/null", "--size" },
		{ "--bogus /dev/null", "--bogus" },
		{ "--offset 1M /dev/null-not-there", "null-not-there" },
		{ "a b", "one PATH" },
		{ "/dev/shm", "is a directory" },
		{ "--sample 3 /dev/null", "--sample" },
	};
	char cmd[512], path[256];
	size_t i;
	char *out;
	int st;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1", DGEN_INSPECT_PATH,
			 cases[i].args);
		out = run(cmd, &st);
		cr_assert(eq(int, st, 2), "%s: exit %d", cmd, st);
		cr_assert(strstr(out, cases[i].says) != NULL, "%s said: %s", cmd, out);
		free(out);
	}
	/* An offset past the end of a file is refused too. */
	tmp_path(path, sizeof(path), "small");
	write_file(path, "abc", 3);
	snprintf(cmd, sizeof(cmd), "%s --offset 1M %s 2>&1", DGEN_INSPECT_PATH,
		 path);
	out = run(cmd, &st);
	unlink(path);
	cr_assert(eq(int, st, 2), "%s", out);
	cr_assert(strstr(out, "beyond the end") != NULL, "%s", out);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s --help", DGEN_INSPECT_PATH);
	out = run(cmd, &st);
	cr_assert(eq(int, st, 0));
	cr_assert(strstr(out, "Usage: dgen-inspect") != NULL);
	free(out);
	snprintf(cmd, sizeof(cmd), "%s --version", DGEN_INSPECT_PATH);
	out = run(cmd, &st);
	cr_assert(eq(int, st, 0));
	cr_assert(strstr(out, DGEN_VERSION_STRING) != NULL);
	free(out);
}

/*
 * Exit status 3 when the data is not all there: a sysfs attribute claims
 * 4096 bytes and holds a few, as a file cut short under the reader would.
 * (A device that fails reads outright needs device-mapper's error target,
 * which this test does not assume.)
 */
Test(inspect, tool_short_file)
{
	const char *path = "/sys/devices/system/cpu/online";
	char cmd[512];
	struct stat st;
	char *out;
	int status;

	if (stat(path, &st) || st.st_size != 4096)
		cr_skip_test("no sysfs attribute of 4096 bytes at %s", path);
	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", DGEN_INSPECT_PATH, path);
	out = run(cmd, &status);
	cr_assert(eq(int, status, 3), "%s: exit %d: %s", cmd, status, out);
	cr_assert(strstr(out, "ended at offset") != NULL, "%s", out);
	cr_assert(strstr(out, path) != NULL, "%s", out);
	free(out);
}
