// SPDX-License-Identifier: MIT
/*
 * test_tree.c - file trees, stdout and dataset formats, as users run them
 *
 * Runs the built tool (DGEN_URING_PATH) on trees under the scratch
 * directory and checks each file against its stream regenerated here
 * (file i: stream --stream + i); reads --stdout through a pipe; and opens
 * npz and TFRecord files with readers that owe nothing to this code:
 * numpy's np.load (which checks the zip CRC) and a TFRecord reader in
 * Python with its own CRC-32C.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>
#include <xxhash.h>

#include "writer_helpers.h"
#include "toolrun.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif

#define SEED		0x7ee5ull
#define KIB		1024ull
#define MIB		(1024ull * 1024ull)

/* testutil.h's stream_make differs from writer_helpers.h's: the few
 * helpers needed from it are here. */
static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	cr_assert(p, "out of memory (%zu bytes)", n);
	return p;
}

static size_t first_diff(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

/* A 128-bit XXH3 of a 512-byte piece and the file it came from. */
struct hrec {
	uint64_t hi, lo, pos;
};

struct hvec {
	struct hrec *v;
	size_t n, cap;
};

static struct hrec hrec_of(const void *p, size_t n, uint64_t pos)
{
	XXH128_hash_t h = XXH3_128bits(p, n);

	return (struct hrec) { .hi = h.high64, .lo = h.low64, .pos = pos };
}

static int hrec_same(const struct hrec *a, const struct hrec *b)
{
	return a->hi == b->hi && a->lo == b->lo;
}

static int hrec_cmp(const void *pa, const void *pb)
{
	const struct hrec *a = pa, *b = pb;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static void hvec_push(struct hvec *h, struct hrec r)
{
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 4096;
		h->v = realloc(h->v, h->cap * sizeof(*h->v));
		cr_assert(h->v);
	}
	h->v[h->n++] = r;
}

/* Run a bash command line; its exit status (128 + signal if killed). */
__attribute__((format(printf, 1, 2)))
static int sh(const char *fmt, ...)
{
	char cmd[4096], line[4200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "bash -c '%s'", cmd);
	return code_of(system(line));
}

/* The whole file @path, NUL-terminated, in a new buffer; its length. */
static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	cr_assert(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	cr_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint8_t *stream_bytes(uint64_t id, uint64_t size, double dedup,
			     double compress)
{
	struct dgen_stream *s = stream_make(SEED, id, size, dedup, compress);
	uint8_t *b = xmalloc(size);

	cr_assert(s);
	cr_assert(!dgen_stream_fill(s, b, 0, size));
	dgen_stream_free(s);
	return b;
}

static void rm_rf(const char *dir)
{
	sh("rm -rf %s", dir);
}

/* Every file of the tree equals its stream; the file count is exact. */
static void check_tree(const char *dir, uint64_t files, uint32_t fanout,
		       uint64_t size, uint64_t first, double dedup)
{
	char path[512];

	for (uint64_t i = 0; i < files; i++) {
		struct dgen_stream *s = stream_make(SEED, first + i, size, dedup, 1);
		struct stat st;

		cr_assert(dgen_tree_path(path, sizeof(path), dir, fanout, i, NULL) > 0);
		cr_assert(!stat(path, &st), "%s is missing", path);
		cr_assert(st.st_size == (off_t)size, "%s has %lld bytes, not %llu",
			  path, (long long)st.st_size, (unsigned long long)size);
		cr_assert(path_compare(path, 0, size, s) == 0,
			  "%s differs from stream %llu", path,
			  (unsigned long long)(first + i));
		dgen_stream_free(s);
	}
	/* Nothing beyond the N files. */
	cr_assert(dgen_tree_path(path, sizeof(path), dir, fanout, files, NULL) > 0);
	cr_assert(access(path, F_OK), "%s should not exist", path);
}

Test(tree, files_equal_their_streams)
{
	const char *dir = scratch_path("tree-eq");
	char out[256];
	size_t n;
	char *rep;

	rm_rf(dir);
	snprintf(out, sizeof(out), "%s.json", dir);
	cr_assert_eq(sh("%s --dir %s --files 45 --fanout 16 --file-size 64K --seed %llu --stream 7 --dedup 2 -t 2 --qd 8 --bs 16K --json >%s",
			DGEN_URING_PATH, dir, SEED, out), 0);
	check_tree(dir, 45, 16, 64 * KIB, 7, 2);
	rep = read_whole(out, &n);
	cr_assert(strstr(rep, "\"files\": 45,"), "report: %s", rep);
	cr_assert(strstr(rep, "\"bytes\": 2949120,"), "report: %s", rep);
	cr_assert(strstr(rep, "\"files_per_s\""), "report: %s", rep);
	free(rep);
	unlink(out);
	/* 45 files at 16 a directory: d000..d002, no d003. */
	snprintf(out, sizeof(out), "%s/d002/f000044", dir);
	cr_assert(!access(out, F_OK));
	snprintf(out, sizeof(out), "%s/d003", dir);
	cr_assert(access(out, F_OK));
	rm_rf(dir);
}

/* More files than threads x depth, one I/O per file: all threads share. */
Test(tree, many_small_files)
{
	const char *dir = scratch_path("tree-many");

	rm_rf(dir);
	cr_assert_eq(sh("%s --dir %s --files 600 --file-size 4K --seed %llu -t 2 --qd 4 >/dev/null",
			DGEN_URING_PATH, dir, SEED), 0);
	check_tree(dir, 600, DGEN_TREE_FANOUT_DEFAULT, 4 * KIB, 0, 1);
	rm_rf(dir);
}

/* A tree larger than one writer run's batch of open files. */
Test(tree, batches_of_open_files)
{
	const char *dir = scratch_path("tree-batch");
	char out[256], *rep;
	size_t n;

	rm_rf(dir);
	snprintf(out, sizeof(out), "%s.json", dir);
	cr_assert_eq(sh("DGEN_TREE_BATCH=7 %s --dir %s --files 30 --fanout 8 --file-size 8K --seed %llu --stream 5 -t 2 --json >%s",
			DGEN_URING_PATH, dir, SEED, out), 0);
	check_tree(dir, 30, 8, 8 * KIB, 5, 1);
	rep = read_whole(out, &n);
	cr_assert(strstr(rep, "\"writer_runs\": 5 }"), "report: %s", rep);
	cr_assert(strstr(rep, "\"files\": 30,"), "report: %s", rep);
	free(rep);
	unlink(out);
	rm_rf(dir);
}

/* No 512-byte piece of one file appears in another (dedup only within). */
Test(tree, no_piece_shared_between_files)
{
	const char *dir = scratch_path("tree-share");
	const uint64_t files = 32, size = 256 * KIB;
	struct hvec h = { 0 };
	char path[512];
	size_t k;

	rm_rf(dir);
	cr_assert_eq(sh("%s --dir %s --files %llu --file-size %llu --seed %llu --dedup 4 --dedup-unit 512 -t 2 >/dev/null",
			DGEN_URING_PATH, dir, (unsigned long long)files,
			(unsigned long long)size, SEED), 0);
	for (uint64_t i = 0; i < files; i++) {
		uint8_t *b;
		size_t n;

		dgen_tree_path(path, sizeof(path), dir, DGEN_TREE_FANOUT_DEFAULT, i, NULL);
		b = (uint8_t *)read_whole(path, &n);
		cr_assert_eq(n, size);
		for (size_t x = 0; x < n; x += 512)
			hvec_push(&h, hrec_of(b + x, 512, i));
		free(b);
	}
	qsort(h.v, h.n, sizeof(*h.v), hrec_cmp);
	for (k = 1; k < h.n; k++)
		if (hrec_same(&h.v[k], &h.v[k - 1]))
			cr_assert_eq(h.v[k].pos, h.v[k - 1].pos,
				     "a 512-byte piece is in both file %llu and file %llu",
				     (unsigned long long)h.v[k - 1].pos,
				     (unsigned long long)h.v[k].pos);
	/* Within a file, dedup 4 does repeat pieces: the check has teeth. */
	for (k = 1; k < h.n && !hrec_same(&h.v[k], &h.v[k - 1]); k++)
		;
	cr_assert_lt(k, h.n, "dedup 4 should repeat pieces within a file");
	free(h.v);
	rm_rf(dir);
}

Test(tree, existing_tree_refused_without_force)
{
	const char *dir = scratch_path("tree-force");
	char path[512], err[600];
	uint64_t before[10];
	size_t n;
	char *msg;

	rm_rf(dir);
	snprintf(err, sizeof(err), "%s.err", dir);
	cr_assert_eq(sh("%s --dir %s --files 10 --fanout 4 --file-size 8K --seed %llu >/dev/null",
			DGEN_URING_PATH, dir, SEED), 0);
	for (int i = 0; i < 10; i++) {
		dgen_tree_path(path, sizeof(path), dir, 4, (uint64_t)i, NULL);
		before[i] = path_hash(path);
	}
	cr_assert_eq(sh("%s --dir %s --files 10 --fanout 4 --file-size 8K --seed 99 >/dev/null 2>%s",
			DGEN_URING_PATH, dir, err), 2);
	msg = read_whole(err, &n);
	cr_assert(strstr(msg, "/d000/f000000 exists"), "stderr: %s", msg);
	free(msg);
	for (int i = 0; i < 10; i++) {
		dgen_tree_path(path, sizeof(path), dir, 4, (uint64_t)i, NULL);
		cr_assert_eq(path_hash(path), before[i], "%s changed", path);
	}
	/* --force makes the files again: a smaller size leaves no old tail. */
	cr_assert_eq(sh("%s --dir %s --files 10 --fanout 4 --file-size 4K --seed %llu --stream 100 --force >/dev/null",
			DGEN_URING_PATH, dir, SEED), 0);
	check_tree(dir, 10, 4, 4 * KIB, 100, 1);
	unlink(err);
	rm_rf(dir);
}

Test(tree, bad_usage)
{
	const char *dir = scratch_path("tree-bad");

	rm_rf(dir);
	/* Raw files are O_DIRECT: 4 KiB multiples only. */
	cr_assert_eq(sh("%s --dir %s --files 2 --file-size 1000 2>/dev/null",
			DGEN_URING_PATH, dir), 2);
	cr_assert_eq(sh("%s --dir %s --file-size 4K 2>/dev/null",
			DGEN_URING_PATH, dir), 2);
	cr_assert_eq(sh("%s --dir %s --files 2 --file-size 4K --dev null 2>/dev/null",
			DGEN_URING_PATH, dir), 2);
	cr_assert_eq(sh("%s --stdout 2>/dev/null >/dev/null", DGEN_URING_PATH), 2);
	/* A pipe cannot be read back: no verify or burn-in on stdout. */
	cr_assert_eq(sh("%s --stdout --size 1M --passes 2 2>/dev/null >/dev/null",
			DGEN_URING_PATH), 2);
	/* --verify-only on a tree that is not there reads nothing, makes
	 * nothing. */
	cr_assert_eq(sh("%s --dir %s --files 2 --file-size 4K --seed 1 --verify-only 2>/dev/null >/dev/null",
			DGEN_URING_PATH, dir), 2);
	/* Placement plans --dev targets only, for now. */
	cr_assert_eq(sh("%s --stdout --size 1M --cpus 0 2>/dev/null >/dev/null",
			DGEN_URING_PATH), 2);
	cr_assert(access(dir, F_OK), "a refused run made %s", dir);
}

/* ===== stdout ===== */

static void check_file_is_stream(const char *path, uint64_t id, uint64_t size)
{
	struct dgen_stream *s = stream_make(SEED, id, size, 1, 1);
	struct stat st;

	cr_assert(!stat(path, &st));
	cr_assert_eq((uint64_t)st.st_size, size, "%s: %lld bytes, not %llu",
		     path, (long long)st.st_size, (unsigned long long)size);
	cr_assert_eq(path_compare(path, 0, size, s), 0, "%s differs", path);
	dgen_stream_free(s);
}

/* Read the pipe here (popen), not through a file: vmsplice's path. */
static void stdout_pipe(const char *extra)
{
	const uint64_t size = 5 * MIB + 4096 + 123;	/* odd tail */
	char cmd[512];
	uint8_t *want = stream_bytes(3, size, 1, 1), *got = xmalloc(size + 1);
	size_t n = 0, k;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "%s --stdout --size %llu --seed %llu --stream 3 %s 2>/dev/null",
		 DGEN_URING_PATH, (unsigned long long)size, SEED, extra);
	f = popen(cmd, "r");
	cr_assert(f);
	/* Read slowly at first, so the ring of buffers wraps while the
	 * pipe is still full. */
	while ((k = fread(got + n, 1, n < MIB ? 4096 : size + 1 - n, f)) > 0) {
		n += k;
		if (n < MIB)
			usleep(200);
	}
	cr_assert_eq(code_of(pclose(f)), 0);
	cr_assert_eq(n, size);
	cr_assert(!memcmp(got, want, size), "stdout differs from the stream at %zu",
		  first_diff(got, want, size));
	free(got);
	free(want);
}

Test(stdout, pipe_equals_stream)
{
	stdout_pipe("");
}

Test(stdout, pipe_without_splice)
{
	stdout_pipe("--no-splice");
}

Test(stdout, dash_to_regular_file)
{
	const char *path = scratch_path("stdout-file");

	cr_assert_eq(sh("%s --dev - --size 3M --seed %llu --stream 3 >%s 2>/dev/null",
			DGEN_URING_PATH, SEED, path), 0);
	check_file_is_stream(path, 3, 3 * MIB);
	unlink(path);
}

/* head closes the pipe early: exit 0, no SIGPIPE death, the report says so. */
Test(stdout, reader_closes_pipe)
{
	const char *out = scratch_path("head-out"), *err = scratch_path("head-err");
	char *msg;
	size_t n;

	cr_assert_eq(sh("%s --stdout --size 1G --seed %llu --stream 3 2>%s | head -c 1M >%s; exit ${PIPESTATUS[0]}",
			DGEN_URING_PATH, SEED, err, out), 0);
	check_file_is_stream(out, 3, MIB);
	msg = read_whole(err, &n);
	cr_assert(strstr(msg, "status: closed (reader closed the pipe after "),
		  "stderr: %s", msg);
	free(msg);
	unlink(out);
	unlink(err);
}

/* ===== Dataset formats ===== */

/* A python3 with numpy, or NULL. */
static const char *python_numpy(void)
{
	static const char *const cand[] = { "python3", "/usr/bin/python3" };
	char cmd[256];

	for (size_t i = 0; i < sizeof(cand) / sizeof(*cand); i++) {
		snprintf(cmd, sizeof(cmd), "%s -c \"import numpy\" 2>/dev/null", cand[i]);
		if (!system(cmd))
			return cand[i];
	}
	return NULL;
}

static void write_file(const char *path, const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");

	cr_assert(f && fwrite(b, 1, n, f) == n);
	fclose(f);
}

static void npz_tree(const char *zip64)
{
	const char *py = python_numpy(), *dir = scratch_path("npz");
	const uint64_t files = 5, size = 100000;
	char path[512], want[600];

	if (!py)
		cr_skip_test("no python3 with numpy (Debian: python3-numpy)");
	rm_rf(dir);
	cr_assert_eq(sh("%s %s --dir %s --files %llu --file-size %llu --format npz --seed %llu --stream 11 --dedup 2 --compress 2 >/dev/null",
			zip64, DGEN_URING_PATH, dir, (unsigned long long)files,
			(unsigned long long)size, SEED), 0);
	for (uint64_t i = 0; i < files; i++) {
		uint8_t *b = stream_bytes(11 + i, size, 2, 2);

		dgen_tree_path(path, sizeof(path), dir, DGEN_TREE_FANOUT_DEFAULT,
			       i, ".npz");
		snprintf(want, sizeof(want), "%s.want", path);
		write_file(want, b, size);
		free(b);
		/* np.load reads through zipfile, which checks the CRC-32. */
		cr_assert_eq(sh("%s -c \"import numpy as np, zipfile, sys; "
				"a = np.load(sys.argv[1])[\\\"data\\\"]; "
				"assert zipfile.ZipFile(sys.argv[1]).testzip() is None; "
				"assert a.dtype == np.uint8 and a.shape == (%llu,), a.shape; "
				"assert a.tobytes() == open(sys.argv[2], \\\"rb\\\").read()\" %s %s",
				py, (unsigned long long)size, path, want), 0,
			     "%s does not load as the stream", path);
		unlink(want);
	}
	rm_rf(dir);
}

Test(formats, npz_loads_in_numpy)
{
	npz_tree("");
}

Test(formats, npz_zip64_loads_in_numpy)
{
	npz_tree("DGEN_NPZ_ZIP64=1");
}

/* An independent reader: CRC-32C bit by bit in Python, every CRC checked. */
static const char tfr_reader[] =
"import struct, sys\n"
"def crc32c(b):\n"
"    c = 0xffffffff\n"
"    for x in b:\n"
"        c ^= x\n"
"        for _ in range(8):\n"
"            c = (c >> 1) ^ (0x82f63b78 & -(c & 1))\n"
"    return c ^ 0xffffffff\n"
"def masked(c):\n"
"    return ((((c >> 15) | (c << 17)) & 0xffffffff) + 0xa282ead8) & 0xffffffff\n"
"data = open(sys.argv[1], 'rb').read()\n"
"want = open(sys.argv[2], 'rb').read()\n"
"rec = int(sys.argv[3])\n"
"pos, out, n = 0, b'', 0\n"
"while pos < len(data):\n"
"    ln, lcrc = struct.unpack('<QI', data[pos:pos + 12])\n"
"    assert lcrc == masked(crc32c(data[pos:pos + 8])), 'length crc'\n"
"    payload = data[pos + 12:pos + 12 + ln]\n"
"    (dcrc,) = struct.unpack('<I', data[pos + 12 + ln:pos + 16 + ln])\n"
"    assert dcrc == masked(crc32c(payload)), 'data crc of record %d' % n\n"
"    assert ln == min(rec, len(want) - len(out)), 'record length'\n"
"    out += payload\n"
"    pos += 16 + ln\n"
"    n += 1\n"
"assert pos == len(data) and out == want, 'payload'\n";

Test(formats, tfrecord_crcs_and_payload)
{
	const char *dir = scratch_path("tfr"), *reader = scratch_path("tfr.py");
	const uint64_t files = 3, size = 70000;
	char path[512], want[600];

	rm_rf(dir);
	write_file(reader, tfr_reader, sizeof(tfr_reader) - 1);
	cr_assert_eq(sh("%s --dir %s --files %llu --file-size %llu --format tfrecord --record-size 16K --seed %llu --stream 20 >/dev/null",
			DGEN_URING_PATH, dir, (unsigned long long)files,
			(unsigned long long)size, SEED), 0);
	for (uint64_t i = 0; i < files; i++) {
		uint8_t *b = stream_bytes(20 + i, size, 1, 1);

		dgen_tree_path(path, sizeof(path), dir, DGEN_TREE_FANOUT_DEFAULT,
			       i, ".tfrecord");
		snprintf(want, sizeof(want), "%s.want", path);
		write_file(want, b, size);
		free(b);
		cr_assert_eq(sh("python3 %s %s %s 16384 || /usr/bin/python3 %s %s %s 16384",
				reader, path, want, reader, path, want), 0,
			     "%s fails the independent TFRecord reader", path);
		unlink(want);
	}
	unlink(reader);
	rm_rf(dir);
}

/* HDF5 (built with -Dhdf5): h5dump reads /data back, type and shape. */
Test(formats, hdf5_reads_with_h5dump)
{
	const char *dir = scratch_path("h5");
	const uint64_t files = 3, size = 100000;
	char path[512], want[600], got[600];

	if (!dgen_format_supported(DGEN_FORMAT_HDF5))
		cr_skip_test("built without HDF5 (meson -Dhdf5, libhdf5-dev)");
	if (sh("command -v h5dump >/dev/null"))
		cr_skip_test("no h5dump (Debian: hdf5-tools)");
	rm_rf(dir);
	cr_assert_eq(sh("%s --dir %s --files %llu --file-size %llu --format hdf5 --seed %llu --stream 30 --compress 2 >/dev/null",
			DGEN_URING_PATH, dir, (unsigned long long)files,
			(unsigned long long)size, SEED), 0);
	for (uint64_t i = 0; i < files; i++) {
		uint8_t *b = stream_bytes(30 + i, size, 1, 2);

		dgen_tree_path(path, sizeof(path), dir, DGEN_TREE_FANOUT_DEFAULT,
			       i, ".h5");
		snprintf(want, sizeof(want), "%s.want", path);
		snprintf(got, sizeof(got), "%s.got", path);
		write_file(want, b, size);
		free(b);
		cr_assert_eq(sh("h5dump -H %s | grep -q \"H5T_STD_U8LE\" && "
				"h5dump -H %s | grep -q \"SIMPLE { ( %llu ) / ( %llu ) }\"",
				path, path, (unsigned long long)size,
				(unsigned long long)size), 0,
			     "%s: not a uint8 vector of %llu", path,
			     (unsigned long long)size);
		cr_assert_eq(sh("h5dump -d /data -b LE -o %s %s >/dev/null && cmp -s %s %s",
				got, path, got, want), 0,
			     "%s: /data is not the stream", path);
		unlink(want);
		unlink(got);
	}
	rm_rf(dir);
}

/* ===== CRCs ===== */

Test(crc, check_values)
{
	/* The catalogue's check values (Greg Cook, CRC RevEng): "123456789". */
	cr_assert_eq(dgen_crc32(0, "123456789", 9), 0xcbf43926u);
	cr_assert_eq(dgen_crc32c(0, "123456789", 9), 0xe3069283u);
	cr_assert_eq(dgen_crc32(0, "", 0), 0);
}

static void crc_splits(void)
{
	uint8_t *b = stream_bytes(1, 10000, 1, 1);
	uint32_t a = dgen_crc32(0, b, 10000), c = dgen_crc32c(0, b, 10000);

	for (size_t cut = 1; cut < 10000; cut += 777) {
		cr_assert_eq(dgen_crc32(dgen_crc32(0, b, cut), b + cut, 10000 - cut), a);
		cr_assert_eq(dgen_crc32c(dgen_crc32c(0, b, cut), b + cut, 10000 - cut), c);
		/* Unaligned starts take the byte-wise head. */
		cr_assert_eq(dgen_crc32c(0, b + cut % 8, 64),
			     dgen_crc32c(dgen_crc32c(0, b + cut % 8, 3), b + cut % 8 + 3, 61));
	}
	free(b);
}

Test(crc, splits_agree)
{
	crc_splits();
}

/* The portable CRC-32C equals the SSE4.2 one (forced per process). */
Test(crc, portable_crc32c)
{
	setenv("DGEN_DISABLE_CPU_FEATURES", "sse42", 1);
	cr_assert_eq(dgen_crc32c(0, "123456789", 9), 0xe3069283u);
	crc_splits();
}
