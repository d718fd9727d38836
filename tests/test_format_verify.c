// SPDX-License-Identifier: MIT
/*
 * test_format_verify.c - dgen_format_verify on real files broken on purpose
 *
 * Each case writes a real file in /dev/shm with dgen_format_write, then
 * damages it at a place the test computes itself (a payload byte, a block,
 * a header, the end) and checks what dgen_format_verify reports: the
 * count, kind, offset and sector of each bad block and the offset of the
 * first framing error. The payload's file offsets come from the formats'
 * definitions (TFRecord: 12-byte header, 4-byte footer per record) or,
 * for npz and HDF5, from finding the stream's first bytes in the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/tree.h>

#include "testutil.h"

#define B		4096u
#define STREAM_SIZE	(4 * MIB)
#define BUFLEN		(64 * KIB)	/* the least the API takes */

struct fcase {
	const char *name;
	enum dgen_format f;
	uint32_t record_size;		/* as passed: 0 = default */
	uint64_t payload;
	int zip64;
};

/* Payloads that end inside a block and, for TFRecord, inside a record;
 * records of 1000 bytes straddle blocks, and 100-byte ones fill a piece
 * with more records than the checker queues. */
static const struct fcase cases[] = {
	{ "raw", DGEN_FORMAT_RAW, 0, MIB + 515, 0 },
	{ "npz", DGEN_FORMAT_NPZ, 0, MIB + 1000, 0 },
	{ "npz-zip64", DGEN_FORMAT_NPZ, 0, MIB + 1000, 1 },
	{ "tfrecord", DGEN_FORMAT_TFRECORD, 0, 3 * MIB + 1000, 0 },
	{ "tfrecord-1000", DGEN_FORMAT_TFRECORD, 1000, 200123, 0 },
	{ "tfrecord-100", DGEN_FORMAT_TFRECORD, 100, 50037, 0 },
	{ "hdf5", DGEN_FORMAT_HDF5, 0, MIB + 100, 0 },
};
#define NCASES	(sizeof(cases) / sizeof(cases[0]))

struct tfile {
	const struct fcase *c;
	char dir[64], path[96];
	int fd;
	uint64_t base;			/* file offset of payload byte 0 */
};

static struct dgen_stream *stream_seeded(uint64_t seed)
{
	struct dgen_stream_params p = test_params(STREAM_SIZE, B, B, 1, 1);

	p.seed = seed;
	p.stream_id = 7;
	return stream_make(&p);
}

static uint32_t rsize(const struct fcase *c)
{
	return c->record_size ? c->record_size : DGEN_RECORD_SIZE_DEFAULT;
}

static uint64_t blocks(const struct fcase *c)
{
	return (c->payload + B - 1) / B;
}

/* File offset of payload byte @pos. */
static uint64_t off_of(const struct tfile *t, uint64_t pos)
{
	uint64_t rs = rsize(t->c);

	if (t->c->f == DGEN_FORMAT_TFRECORD)
		return pos / rs * (rs + 16) + 12 + pos % rs;
	return t->base + pos;
}

static int skip_case(const struct fcase *c)
{
	return c->f == DGEN_FORMAT_HDF5 &&
	       !dgen_format_supported(DGEN_FORMAT_HDF5);
}

/* Write the case's file from @s and find where its payload starts. */
static void tfile_make(struct tfile *t, const struct fcase *c,
		       const struct dgen_stream *s)
{
	uint8_t *buf = xmalloc(BUFLEN), head[256];
	struct stat st;
	int r;

	t->c = c;
	if (c->zip64)
		setenv("DGEN_NPZ_ZIP64", "1", 1);
	else
		unsetenv("DGEN_NPZ_ZIP64");
	strcpy(t->dir, "/dev/shm/dgen-fv-XXXXXX");
	cr_assert(mkdtemp(t->dir), "mkdtemp: %s", strerror(errno));
	snprintf(t->path, sizeof(t->path), "%s/f%s", t->dir,
		 dgen_format_suffix(c->f));
	t->fd = open(t->path, O_RDWR | O_CREAT | O_EXCL, 0644);
	cr_assert(t->fd >= 0, "open %s: %s", t->path, strerror(errno));
	r = dgen_format_write(t->fd, c->f, s, c->payload, c->record_size,
			      buf, BUFLEN);
	cr_assert_eq(r, 0, "%s: dgen_format_write = %d", c->name, r);
	cr_assert_eq(fstat(t->fd, &st), 0);
	if (c->f != DGEN_FORMAT_HDF5)
		cr_assert_eq((uint64_t)st.st_size,
			     dgen_format_size(c->f, c->payload, c->record_size),
			     "%s: file size", c->name);

	/* npz and HDF5 put the payload after headers of their own making:
	 * find the stream's first 256 bytes (random: they occur once). */
	t->base = 0;
	if (c->f == DGEN_FORMAT_NPZ || c->f == DGEN_FORMAT_HDF5) {
		uint8_t *file = xmalloc((size_t)st.st_size);
		uint8_t *at;

		cr_assert_eq(pread(t->fd, file, (size_t)st.st_size, 0),
			     st.st_size);
		stream_fill(s, head, 0, sizeof(head));
		at = memmem(file, (size_t)st.st_size, head, sizeof(head));
		cr_assert(at, "%s: payload not found in the file", c->name);
		t->base = (uint64_t)(at - file);
		free(file);
	}
	free(buf);
}

static void tfile_drop(struct tfile *t)
{
	close(t->fd);
	unlink(t->path);
	rmdir(t->dir);
}

static uint64_t tfile_size(const struct tfile *t)
{
	struct stat st;

	cr_assert_eq(fstat(t->fd, &st), 0);
	return (uint64_t)st.st_size;
}

static void put(const struct tfile *t, uint64_t off, const void *p, size_t n)
{
	cr_assert_eq(pwrite(t->fd, p, n, (off_t)off), (ssize_t)n,
		     "pwrite at %" PRIu64, off);
}

/* Overwrite payload [pos, pos + n) with @p, wherever its bytes lie. */
static void put_payload(const struct tfile *t, uint64_t pos, const uint8_t *p,
			size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(t, off_of(t, pos + i), p + i, 1);
}

static void flip(const struct tfile *t, uint64_t off)
{
	uint8_t b;

	cr_assert_eq(pread(t->fd, &b, 1, (off_t)off), 1);
	b ^= 0x5a;
	put(t, off, &b, 1);
}

struct run {
	int r;
	struct dgen_format_check res;
	struct dgen_verify_mismatch rep[64];
};

static void check(struct run *o, const struct tfile *t,
		  const struct dgen_stream *s, const struct dgen_stream *prev,
		  unsigned int report_len)
{
	uint8_t *buf = xmalloc(BUFLEN);

	memset(&o->res, 0xa5, sizeof(o->res));
	o->r = dgen_format_verify(t->fd, t->c->f, s, prev, t->c->payload,
				  t->c->record_size, buf, BUFLEN, o->rep,
				  report_len, &o->res);
	cr_assert_eq(o->r, 0, "%s: dgen_format_verify = %d", t->c->name,
		     o->r);
	free(buf);
}

Test(format_verify, clean_files_pass)
{
	struct dgen_stream *s = stream_seeded(1);

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		struct tfile t;
		struct run o;

		if (skip_case(c))
			continue;
		tfile_make(&t, c, s);
		check(&o, &t, s, NULL, 64);
		cr_assert_eq(o.res.payload_bytes, c->payload, "%s", c->name);
		cr_assert_eq(o.res.mismatches, 0, "%s", c->name);
		cr_assert_eq(o.res.bad_sectors, 0, "%s", c->name);
		cr_assert_eq(o.res.framing_errors, 0, "%s: framing at %" PRIu64,
			     c->name, o.res.framing_offset);
		cr_assert_eq(o.res.reported, 0, "%s", c->name);
		tfile_drop(&t);
	}
	dgen_stream_free(s);
}

Test(format_verify, flipped_payload_byte_is_one_foreign_sector)
{
	struct dgen_stream *s = stream_seeded(2);

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		/* In the middle of a block, away from the payload's ends. */
		uint64_t pos = c->payload / 2 + 1234;
		struct tfile t;
		struct run o;

		if (skip_case(c))
			continue;
		tfile_make(&t, c, s);
		flip(&t, off_of(&t, pos));
		check(&o, &t, s, NULL, 64);
		cr_assert_eq(o.res.mismatches, 1, "%s", c->name);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_FOREIGN], 1, "%s", c->name);
		cr_assert_eq(o.res.bad_sectors, 1, "%s", c->name);
		/* The CRCs in the file are those of the expected payload, so
		 * they are right although the payload is not. */
		cr_assert_eq(o.res.framing_errors, 0, "%s: framing at %" PRIu64,
			     c->name, o.res.framing_offset);
		cr_assert_eq(o.res.reported, 1, "%s", c->name);
		cr_assert_eq(o.rep[0].target, 0);
		cr_assert_eq(o.rep[0].kind, DGEN_MISMATCH_FOREIGN);
		cr_assert_eq(o.rep[0].offset, pos / B * B, "%s", c->name);
		cr_assert_eq(o.rep[0].len, B, "%s", c->name);
		cr_assert_eq(o.rep[0].bad_sectors, 1);
		cr_assert_eq(o.rep[0].sector_map[0],
			     1ull << (pos % B / DGEN_SECTOR_SIZE), "%s: map %#" PRIx64,
			     c->name, o.rep[0].sector_map[0]);
		tfile_drop(&t);
	}
	dgen_stream_free(s);
}

/* Block k of the payload replaced by another stream's bytes there, or by
 * zeros: stale when that stream is @prev, foreign without @prev, zeroed. */
Test(format_verify, stale_and_zeroed_blocks)
{
	struct dgen_stream *s = stream_seeded(3), *q = stream_seeded(4);
	uint8_t blk[B];

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		uint64_t k = blocks(c) / 3, k0 = blocks(c) / 3 + 2;
		struct tfile t;
		struct run o;

		if (skip_case(c))
			continue;
		tfile_make(&t, c, s);
		stream_fill(q, blk, k * B, B);
		put_payload(&t, k * B, blk, B);
		memset(blk, 0, B);
		put_payload(&t, k0 * B, blk, B);

		check(&o, &t, s, q, 64);
		cr_assert_eq(o.res.mismatches, 2, "%s", c->name);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_STALE], 1, "%s", c->name);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_ZEROED], 1, "%s", c->name);
		cr_assert_eq(o.res.bad_sectors, 2 * B / DGEN_SECTOR_SIZE);
		cr_assert_eq(o.res.framing_errors, 0, "%s", c->name);
		cr_assert_eq(o.res.reported, 2);
		cr_assert_eq(o.rep[0].offset, k * B, "%s", c->name);
		cr_assert_eq(o.rep[0].kind, DGEN_MISMATCH_STALE);
		cr_assert_eq(o.rep[0].sector_map[0], ~0ull >> (64 - B / 512));
		cr_assert_eq(o.rep[1].offset, k0 * B, "%s", c->name);
		cr_assert_eq(o.rep[1].kind, DGEN_MISMATCH_ZEROED);

		check(&o, &t, s, NULL, 64);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_FOREIGN], 1, "%s", c->name);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_STALE], 0, "%s", c->name);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_ZEROED], 1, "%s", c->name);
		tfile_drop(&t);
	}
	dgen_stream_free(q);
	dgen_stream_free(s);
}

/* Find the last occurrence of a zip signature, for the central directory. */
static uint64_t rfind_sig(const struct tfile *t, uint32_t sig)
{
	uint64_t size = tfile_size(t);
	uint8_t tail[256], want[4] = {
		(uint8_t)sig, (uint8_t)(sig >> 8), (uint8_t)(sig >> 16),
		(uint8_t)(sig >> 24),
	};
	size_t n = size < sizeof(tail) ? (size_t)size : sizeof(tail);

	cr_assert_eq(pread(t->fd, tail, n, (off_t)(size - n)), (ssize_t)n);
	for (size_t i = n - 4 + 1; i-- > 0;)
		if (!memcmp(tail + i, want, 4))
			return size - n + i;
	cr_assert_fail("signature %#x not found", sig);
	return 0;
}

/* One damaged structure: the framing error at its offset, no bad block. */
static void expect_framing(const struct fcase *c, const struct dgen_stream *s,
			   uint64_t (*where)(const struct tfile *t,
					     uint64_t *structure),
			   const char *what)
{
	struct tfile t;
	struct run o;
	uint64_t at, structure;

	tfile_make(&t, c, s);
	at = where(&t, &structure);
	flip(&t, at);
	check(&o, &t, s, NULL, 64);
	cr_assert_eq(o.res.mismatches, 0, "%s %s", c->name, what);
	cr_assert_eq(o.res.framing_errors, 1, "%s %s", c->name, what);
	cr_assert_eq(o.res.framing_offset, structure,
		     "%s %s: framing at %" PRIu64 ", expected %" PRIu64,
		     c->name, what, o.res.framing_offset, structure);
	tfile_drop(&t);
}

static uint64_t at_local_crc(const struct tfile *t, uint64_t *structure)
{
	(void)t;
	*structure = 0;
	return 14;			/* the CRC-32 field */
}

static uint64_t at_npy_shape(const struct tfile *t, uint64_t *structure)
{
	/* After the local header: 30 bytes, the name, the zip64 extra. */
	*structure = 30 + 8 + (t->c->zip64 ? 20 : 0);
	return t->base - 20;		/* in the shape's digits or padding */
}

static uint64_t at_central(const struct tfile *t, uint64_t *structure)
{
	*structure = rfind_sig(t, 0x02014b50u);
	return *structure + 16;		/* its CRC-32 */
}

static uint64_t at_eocd(const struct tfile *t, uint64_t *structure)
{
	*structure = rfind_sig(t, 0x06054b50u);
	return *structure + 12;		/* size of the central directory */
}

static uint64_t at_zip64_eocd(const struct tfile *t, uint64_t *structure)
{
	*structure = rfind_sig(t, 0x06064b50u);
	return *structure + 48;		/* offset of the central directory */
}

static uint64_t at_tfr_len_crc(const struct tfile *t, uint64_t *structure)
{
	*structure = rsize(t->c) + 16;	/* record 1 */
	return *structure + 9;
}

static uint64_t at_tfr_len(const struct tfile *t, uint64_t *structure)
{
	*structure = 2 * (uint64_t)(rsize(t->c) + 16); /* record 2 */
	return *structure + 1;
}

static uint64_t at_tfr_data_crc(const struct tfile *t, uint64_t *structure)
{
	*structure = 12 + rsize(t->c);	/* footer of record 0 */
	return *structure + 2;
}

Test(format_verify, damaged_framing_is_found_where_it_is)
{
	struct dgen_stream *s = stream_seeded(5);

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];

		if (c->f == DGEN_FORMAT_NPZ) {
			expect_framing(c, s, at_local_crc, "local header CRC");
			expect_framing(c, s, at_npy_shape, "npy header");
			expect_framing(c, s, at_central, "central directory");
			expect_framing(c, s, at_eocd, "end of central directory");
			if (c->zip64)
				expect_framing(c, s, at_zip64_eocd, "zip64 end");
		} else if (c->f == DGEN_FORMAT_TFRECORD) {
			expect_framing(c, s, at_tfr_len_crc, "length CRC");
			expect_framing(c, s, at_tfr_len, "length");
			expect_framing(c, s, at_tfr_data_crc, "data CRC");
		}
	}
	dgen_stream_free(s);
}

/* Bytes past the end: one framing error at the expected end. */
Test(format_verify, extra_bytes_are_a_framing_error)
{
	struct dgen_stream *s = stream_seeded(6);

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		struct tfile t;
		struct run o;
		uint64_t size;

		if (c->f == DGEN_FORMAT_HDF5)
			continue;	/* its size is libhdf5's business */
		tfile_make(&t, c, s);
		size = tfile_size(&t);
		put(&t, size, "x", 1);
		check(&o, &t, s, NULL, 64);
		cr_assert_eq(o.res.mismatches, 0, "%s", c->name);
		cr_assert_eq(o.res.framing_errors, 1, "%s", c->name);
		cr_assert_eq(o.res.framing_offset, size, "%s", c->name);
		tfile_drop(&t);
	}
	dgen_stream_free(s);
}

/* Cut at a block of the payload: every block from there reads zeroed. */
Test(format_verify, truncated_file_ends_in_zeroed_blocks)
{
	struct dgen_stream *s = stream_seeded(7);

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		uint64_t cut = (blocks(c) - 3) * B, cut_off, first;
		struct tfile t;
		struct run o;

		if (skip_case(c))
			continue;
		tfile_make(&t, c, s);
		cut_off = off_of(&t, cut);
		cr_assert_eq(ftruncate(t.fd, (off_t)cut_off), 0);
		check(&o, &t, s, NULL, 64);
		cr_assert_eq(o.res.payload_bytes, c->payload, "%s", c->name);
		cr_assert_geq(o.res.framing_errors, 1, "%s", c->name);
		/* libhdf5 will not open a short file: all of it is missing. */
		first = c->f == DGEN_FORMAT_HDF5 ? 0 : cut;
		cr_assert_leq(o.res.framing_offset,
			      c->f == DGEN_FORMAT_HDF5 ? 0 : cut_off, "%s",
			      c->name);
		if (c->f == DGEN_FORMAT_RAW || c->f == DGEN_FORMAT_NPZ)
			cr_assert_eq(o.res.framing_offset, cut_off, "%s",
				     c->name);
		cr_assert_eq(o.res.mismatches, blocks(c) - first / B, "%s: %" PRIu64,
			     c->name, o.res.mismatches);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_ZEROED], o.res.mismatches,
			     "%s", c->name);
		cr_assert_eq(o.rep[0].offset, first, "%s", c->name);
		cr_assert_eq(o.rep[0].kind, DGEN_MISMATCH_ZEROED);
		tfile_drop(&t);
	}
	dgen_stream_free(s);
}

/* A file made from another seed: every block foreign, or stale when that
 * seed is @prev; the CRCs over it are not the expected ones. */
Test(format_verify, other_seed_is_foreign_or_stale)
{
	struct dgen_stream *s = stream_seeded(8), *q = stream_seeded(9);

	for (size_t i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		uint64_t crcs = 0;
		struct tfile t;
		struct run o;

		if (skip_case(c))
			continue;
		tfile_make(&t, c, q);
		check(&o, &t, s, NULL, 3);
		cr_assert_eq(o.res.mismatches, blocks(c), "%s", c->name);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_FOREIGN], blocks(c));
		cr_assert_eq(o.res.reported, 3);
		for (unsigned int k = 0; k < 3; k++)
			cr_assert_eq(o.rep[k].offset, k * B, "%s", c->name);
		if (c->f == DGEN_FORMAT_NPZ)
			crcs = 2;	/* local and central headers */
		else if (c->f == DGEN_FORMAT_TFRECORD)
			crcs = (c->payload + rsize(c) - 1) / rsize(c);
		cr_assert_eq(o.res.framing_errors, crcs, "%s: %" PRIu64,
			     c->name, o.res.framing_errors);

		check(&o, &t, s, q, 64);
		cr_assert_eq(o.res.kinds[DGEN_MISMATCH_STALE], blocks(c),
			     "%s", c->name);
		cr_assert_eq(o.res.reported, blocks(c) < 64 ? blocks(c) : 64);
		tfile_drop(&t);
	}
	dgen_stream_free(q);
	dgen_stream_free(s);
}

/* HDF5 that is not HDF5 any more is a finding, not an error. */
Test(format_verify, hdf5_broken_superblock)
{
	const struct fcase *c = &cases[NCASES - 1];
	struct dgen_stream *s = stream_seeded(10);
	struct tfile t;
	struct run o;

	if (!dgen_format_supported(DGEN_FORMAT_HDF5))
		cr_skip_test("built without HDF5 (meson -Dhdf5, libhdf5-dev)");
	tfile_make(&t, c, s);
	flip(&t, 1);			/* the signature, "\x89HDF" */
	check(&o, &t, s, NULL, 64);
	cr_assert_eq(o.res.framing_errors, 1);
	cr_assert_eq(o.res.framing_offset, 0);
	cr_assert_eq(o.res.kinds[DGEN_MISMATCH_ZEROED], blocks(c));
	tfile_drop(&t);
	dgen_stream_free(s);
}

Test(format_verify, bad_arguments)
{
	struct dgen_stream *s = stream_seeded(11);
	struct dgen_format_check res;
	uint8_t *buf = xmalloc(BUFLEN);
	struct tfile t;
	int r;

	tfile_make(&t, &cases[0], s);
	r = dgen_format_verify(t.fd, DGEN_FORMAT_RAW, s, NULL, MIB, 0, buf,
			       BUFLEN - 1, NULL, 0, &res);
	cr_assert_eq(r, -EINVAL, "short buffer: %d", r);
	r = dgen_format_verify(t.fd, DGEN_FORMAT_RAW, s, NULL,
			       STREAM_SIZE + 1, 0, buf, BUFLEN, NULL, 0, &res);
	cr_assert_eq(r, -EINVAL, "payload past the stream: %d", r);
	r = dgen_format_verify(t.fd, DGEN_FORMAT_RAW, s, NULL, MIB, 0, buf,
			       BUFLEN, NULL, 1, &res);
	cr_assert_eq(r, -EINVAL, "report_len without a report: %d", r);
	r = dgen_format_verify(t.fd, (enum dgen_format)99, s, NULL, MIB, 0,
			       buf, BUFLEN, NULL, 0, &res);
	cr_assert_eq(r, -EINVAL, "unknown format: %d", r);
	r = dgen_format_verify(-1, DGEN_FORMAT_RAW, s, NULL, MIB, 0, buf,
			       BUFLEN, NULL, 0, &res);
	cr_assert_eq(r, -EINVAL, "bad fd: %d", r);
	if (!dgen_format_supported(DGEN_FORMAT_HDF5)) {
		r = dgen_format_verify(t.fd, DGEN_FORMAT_HDF5, s, NULL, MIB, 0,
				       buf, BUFLEN, NULL, 0, &res);
		cr_assert_eq(r, -EOPNOTSUPP, "hdf5: %d", r);
	}
	tfile_drop(&t);
	free(buf);
	dgen_stream_free(s);
}

/* Several threads at once, one file each (HDF5 too, under its lock). */
struct job {
	const struct fcase *c;
	const struct dgen_stream *s;
	struct tfile *t;
	uint64_t mismatches, framing;
	int r;
};

static void *job_run(void *arg)
{
	struct job *j = arg;
	uint8_t *buf = malloc(BUFLEN);
	struct dgen_format_check res;

	j->r = buf ? 0 : -ENOMEM;
	for (int k = 0; k < 8 && !j->r; k++) {
		j->r = dgen_format_verify(j->t->fd, j->c->f, j->s, NULL,
					  j->c->payload, j->c->record_size,
					  buf, BUFLEN, NULL, 0, &res);
		j->mismatches += res.mismatches;
		j->framing += res.framing_errors;
	}
	free(buf);
	return NULL;
}

Test(format_verify, threads_check_files_at_once)
{
	struct dgen_stream *s = stream_seeded(12);
	struct tfile t[NCASES];
	struct job j[NCASES];
	pthread_t th[NCASES];

	/* zip64 is a process-wide switch: plain npz only. */
	for (size_t i = 0; i < NCASES; i++) {
		j[i] = (struct job) { .c = &cases[i], .s = s, .t = &t[i] };
		if (!skip_case(&cases[i]) && !cases[i].zip64)
			tfile_make(&t[i], &cases[i], s);
	}
	for (size_t i = 0; i < NCASES; i++)
		if (!skip_case(&cases[i]) && !cases[i].zip64)
			cr_assert_eq(pthread_create(&th[i], NULL, job_run, &j[i]), 0);
	for (size_t i = 0; i < NCASES; i++) {
		if (skip_case(&cases[i]) || cases[i].zip64)
			continue;
		pthread_join(th[i], NULL);
		cr_assert_eq(j[i].r, 0, "%s: %d", cases[i].name, j[i].r);
		cr_assert_eq(j[i].mismatches, 0, "%s", cases[i].name);
		cr_assert_eq(j[i].framing, 0, "%s", cases[i].name);
		tfile_drop(&t[i]);
	}
	dgen_stream_free(s);
}
