// SPDX-License-Identifier: MIT
/*
 * format.c - dataset files (npz, TFRecord) around a stream payload
 *
 * The payload of each file is the stream's bytes [0, payload), so the
 * dedup and compression ratios asked for hold for the payload exactly;
 * the format's headers, CRCs and directories are overhead around it.
 *
 * Formatted files go out buffered (pwrite(2) through the page cache), not
 * O_DIRECT: their headers put the payload at offsets that are not sector
 * multiples (38 + 64 bytes into an npz, 12 bytes into each TFRecord
 * record), so the aligned-buffer path of the raw writer would need a
 * bounce copy and an unaligned tail anyway. The stream is generated
 * straight into the output buffer and the CRCs are computed over it there,
 * so there is still only the one copy into the page cache.
 *
 * npz: a zip archive (PKWARE APPNOTE 6.3.9) holding one stored (method 0)
 * member data.npy, in NPY format 1.0 (numpy/lib/format.py): magic, a
 * header dict padded so the array starts on a multiple of 64, then the
 * array bytes. Zip64 records (APPNOTE 4.5.3, 4.3.14) are used when the
 * member reaches 4 GiB, or always when DGEN_NPZ_ZIP64 is set (for tests).
 *
 * TFRecord (tensorflow/core/lib/io/record_writer.cc): per record, the
 * length as uint64 LE, the masked CRC-32C of those 8 bytes, the data, the
 * masked CRC-32C of the data.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dgen/crc.h>
#include <dgen/tree.h>

#include "format_impl.h"

#define NPZ_NAME	"data.npy"
#define NPZ_NAME_LEN	8u
#define ZIP_LOCAL	30u		/* local file header, fixed part */
#define ZIP_CENTRAL	46u		/* central directory header */
#define ZIP64_EXTRA	20u		/* id, size, two 64-bit sizes */
#define ZIP_DOS_DATE	0x21u		/* 1980-01-01: files carry no time */
#define NPY_ALIGN	64u		/* numpy >= 1.17 pads headers to 64 */

const char *dgen_format_name(enum dgen_format f)
{
	switch (f) {
	case DGEN_FORMAT_RAW:		return "raw";
	case DGEN_FORMAT_NPZ:		return "npz";
	case DGEN_FORMAT_TFRECORD:	return "tfrecord";
	case DGEN_FORMAT_HDF5:		return "hdf5";
	}
	return NULL;
}

int dgen_format_supported(enum dgen_format f)
{
#ifndef DGEN_HAVE_HDF5
	if (f == DGEN_FORMAT_HDF5)
		return 0;
#endif
	return dgen_format_name(f) != NULL;
}

const char *dgen_format_suffix(enum dgen_format f)
{
	switch (f) {
	case DGEN_FORMAT_RAW:		return "";
	case DGEN_FORMAT_NPZ:		return ".npz";
	case DGEN_FORMAT_TFRECORD:	return ".tfrecord";
	case DGEN_FORMAT_HDF5:		return ".h5";
	}
	return NULL;
}

size_t dgen_npy_header(uint8_t *h, size_t len, uint64_t n)
{
	char dict[128];
	int d = snprintf(dict, sizeof(dict),
			 "{'descr': '|u1', 'fortran_order': False, 'shape': (%llu,), }",
			 (unsigned long long)n);
	size_t total = (10 + (size_t)d + 1 + NPY_ALIGN - 1) / NPY_ALIGN * NPY_ALIGN;

	if (!h)
		return total;
	if (total > len)
		return 0;
	memcpy(h, "\x93NUMPY\x01\x00", 8);
	h[8] = (uint8_t)((total - 10) & 0xff);
	h[9] = (uint8_t)((total - 10) >> 8);
	memset(h + 10, ' ', total - 10);
	memcpy(h + 10, dict, (size_t)d);
	h[total - 1] = '\n';
	return total;
}

int dgen_npz_zip64(uint64_t member)
{
	const char *env = getenv("DGEN_NPZ_ZIP64");

	return member >= 0xffffffffull || (env && *env && strcmp(env, "0"));
}

uint64_t dgen_format_size(enum dgen_format f, uint64_t payload,
			  uint32_t record_size)
{
	uint64_t member, records;
	int z64;

	switch (f) {
	case DGEN_FORMAT_RAW:
		return payload;
	case DGEN_FORMAT_NPZ:
		member = dgen_npy_header(NULL, 0, payload) + payload;
		z64 = dgen_npz_zip64(member);
		return ZIP_LOCAL + NPZ_NAME_LEN + member + ZIP_CENTRAL +
		       NPZ_NAME_LEN + ZIP_EOCD +
		       (z64 ? 2 * ZIP64_EXTRA + ZIP64_EOCD + ZIP64_LOCATOR : 0);
	case DGEN_FORMAT_TFRECORD:
		if (!record_size)
			record_size = DGEN_RECORD_SIZE_DEFAULT;
		records = payload ? (payload + record_size - 1) / record_size : 0;
		return payload + records * (TFR_HEADER + TFR_FOOTER);
	case DGEN_FORMAT_HDF5:
		return 0;
	}
	return 0;
}

/* ===== Output buffer ===== */

struct out {
	int fd;
	uint8_t *buf;
	size_t len, fill;
	uint64_t off;			/* file offset of buf[0] */
};

static int out_flush(struct out *o)
{
	size_t done = 0;

	while (done < o->fill) {
		ssize_t n = pwrite(o->fd, o->buf + done, o->fill - done,
				   (off_t)(o->off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (!n)
			return -ENOSPC;
		done += (size_t)n;
	}
	o->off += o->fill;
	o->fill = 0;
	return 0;
}

static int out_put(struct out *o, const void *p, size_t n)
{
	const uint8_t *b = p;
	int r;

	while (n) {
		size_t k = o->len - o->fill < n ? o->len - o->fill : n;

		memcpy(o->buf + o->fill, b, k);
		o->fill += k;
		b += k;
		n -= k;
		if (o->fill == o->len && (r = out_flush(o)))
			return r;
	}
	return 0;
}

enum crc_kind { CRC_NONE, CRC_32, CRC_32C };

/* Generate stream bytes [pos, pos + n) into the buffer, CRC on the way. */
static int out_stream(struct out *o, const struct dgen_stream *s,
		      uint64_t pos, uint64_t n, enum crc_kind kind,
		      uint32_t *crc)
{
	int r;

	while (n) {
		size_t k = o->len - o->fill < n ? o->len - o->fill : (size_t)n;
		uint8_t *p = o->buf + o->fill;

		r = dgen_stream_fill(s, p, pos, k);
		if (r)
			return r;
		if (kind == CRC_32)
			*crc = dgen_crc32(*crc, p, k);
		else if (kind == CRC_32C)
			*crc = dgen_crc32c(*crc, p, k);
		o->fill += k;
		pos += k;
		n -= k;
		if (o->fill == o->len && (r = out_flush(o)))
			return r;
	}
	return 0;
}

static uint8_t *le16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	return p + 2;
}

static uint8_t *le32(uint8_t *p, uint32_t v)
{
	p = le16(p, v & 0xffff);
	return le16(p, v >> 16);
}

static uint8_t *le64(uint8_t *p, uint64_t v)
{
	p = le32(p, (uint32_t)v);
	return le32(p, (uint32_t)(v >> 32));
}

/* ===== npz ===== */

size_t dgen_zip_header(uint8_t *h, int central, uint32_t crc,
		       uint64_t member, int z64)
{
	uint8_t *p = h;
	uint32_t size32 = z64 ? 0xffffffffu : (uint32_t)member;
	uint32_t version = z64 ? 45 : 20;	/* 4.5: zip64; 2.0: stored */

	p = le32(p, central ? 0x02014b50u : 0x04034b50u);
	if (central)
		p = le16(p, version);		/* made by: MS-DOS attributes */
	p = le16(p, version);			/* needed to extract */
	p = le16(p, 0);				/* flags */
	p = le16(p, 0);				/* method: stored */
	p = le16(p, 0);				/* time */
	p = le16(p, ZIP_DOS_DATE);
	p = le32(p, crc);
	p = le32(p, size32);			/* compressed */
	p = le32(p, size32);			/* uncompressed */
	p = le16(p, NPZ_NAME_LEN);
	p = le16(p, z64 ? ZIP64_EXTRA : 0);
	if (central) {
		p = le16(p, 0);			/* comment */
		p = le16(p, 0);			/* disk */
		p = le16(p, 0);			/* internal attributes */
		p = le32(p, 0);			/* external attributes */
		p = le32(p, 0);			/* local header offset */
	}
	memcpy(p, NPZ_NAME, NPZ_NAME_LEN);
	p += NPZ_NAME_LEN;
	if (z64) {
		/* Zip64 extended information: original then compressed size
		 * (the offset, 0, fits in 32 bits and is left out). */
		p = le16(p, 0x0001);
		p = le16(p, 16);
		p = le64(p, member);
		p = le64(p, member);
	}
	return (size_t)(p - h);
}

size_t dgen_zip_end(uint8_t *h, uint64_t cd_off, size_t ch, int z64)
{
	uint8_t *p = h;

	if (z64) {
		p = le32(p, 0x06064b50u);	/* zip64 end of central dir */
		p = le64(p, ZIP64_EOCD - 12);	/* size of the rest */
		p = le16(p, 45);
		p = le16(p, 45);
		p = le32(p, 0);
		p = le32(p, 0);
		p = le64(p, 1);
		p = le64(p, 1);
		p = le64(p, ch);
		p = le64(p, cd_off);
		p = le32(p, 0x07064b50u);	/* its locator */
		p = le32(p, 0);
		p = le64(p, cd_off + ch);
		p = le32(p, 1);
	}
	p = le32(p, 0x06054b50u);		/* end of central directory */
	p = le16(p, 0);
	p = le16(p, 0);
	p = le16(p, 1);
	p = le16(p, 1);
	p = le32(p, (uint32_t)ch);
	p = le32(p, z64 ? 0xffffffffu : (uint32_t)cd_off);
	p = le16(p, 0);
	return (size_t)(p - h);
}

static int npz_write(struct out *o, const struct dgen_stream *s,
		     uint64_t payload)
{
	uint8_t npy[256], h[128];
	size_t nh = dgen_npy_header(npy, sizeof(npy), payload), lh, ch;
	uint64_t member = nh + payload, cd_off;
	int z64 = dgen_npz_zip64(member), r;
	uint32_t crc;

	/* The local header needs the CRC of the whole member: its place is
	 * kept and it is written last. */
	lh = dgen_zip_header(h, 0, 0, member, z64);
	o->off = lh;
	crc = dgen_crc32(0, npy, nh);
	r = out_put(o, npy, nh);
	if (!r)
		r = out_stream(o, s, 0, payload, CRC_32, &crc);
	if (r)
		return r;
	cd_off = lh + member;
	ch = dgen_zip_header(h, 1, crc, member, z64);
	r = out_put(o, h, ch);
	if (r)
		return r;
	r = out_put(o, h, dgen_zip_end(h, cd_off, ch, z64));
	if (!r)
		r = out_flush(o);
	if (r)
		return r;
	lh = dgen_zip_header(h, 0, crc, member, z64);
	o->off = 0;
	r = out_put(o, h, lh);
	return r ? r : out_flush(o);
}

/* ===== TFRecord ===== */

void dgen_tfrecord_header(uint8_t *h, uint64_t len)
{
	le64(h, len);
	le32(h + 8, dgen_crc32c_mask(dgen_crc32c(0, h, 8)));
}

static int tfrecord_write(struct out *o, const struct dgen_stream *s,
			  uint64_t payload, uint32_t record_size)
{
	uint8_t h[TFR_HEADER];
	uint32_t crc;
	int r;

	for (uint64_t pos = 0; pos < payload; pos += record_size) {
		uint64_t n = payload - pos < record_size ? payload - pos : record_size;

		dgen_tfrecord_header(h, n);
		crc = 0;
		r = out_put(o, h, TFR_HEADER);
		if (!r)
			r = out_stream(o, s, pos, n, CRC_32C, &crc);
		if (!r) {
			le32(h, dgen_crc32c_mask(crc));
			r = out_put(o, h, TFR_FOOTER);
		}
		if (r)
			return r;
	}
	return out_flush(o);
}

int dgen_format_write(int fd, enum dgen_format f,
		      const struct dgen_stream *s, uint64_t payload,
		      uint32_t record_size, void *buf, size_t buflen)
{
	struct out o = { .fd = fd, .buf = buf, .len = buflen };
	uint32_t none = 0;
	int r;

	if (buflen < 4096 || payload > dgen_stream_params_get(s)->size)
		return -EINVAL;
	if (!record_size)
		record_size = DGEN_RECORD_SIZE_DEFAULT;
	switch (f) {
	case DGEN_FORMAT_RAW:
		r = out_stream(&o, s, 0, payload, CRC_NONE, &none);
		return r ? r : out_flush(&o);
	case DGEN_FORMAT_NPZ:
		return npz_write(&o, s, payload);
	case DGEN_FORMAT_TFRECORD:
		return tfrecord_write(&o, s, payload, record_size);
	case DGEN_FORMAT_HDF5:
#ifdef DGEN_HAVE_HDF5
		return dgen_format_hdf5_write(fd, s, payload, buf, buflen);
#else
		return -EOPNOTSUPP;
#endif
	}
	return -EINVAL;
}
