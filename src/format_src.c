// SPDX-License-Identifier: MIT
/*
 * format_src.c - a dataset file's bytes at any offset
 *
 * format.c writes a file from its first byte to its last, patching the
 * npz CRC in afterwards. An object goes up in parts sent in parallel, and
 * a part that fails is sent again from its start (or curl rewinds it), so
 * its bytes are asked for at any offset, in any order, and never written
 * twice. This gives them so: the file as segments, framing (headers,
 * CRCs, directories) and payload (the stream's bytes), each made on
 * demand.
 *
 *	npz	the CRC-32 of data.npy sits in the headers before and after the
 *		payload: it is computed once, when the source is made, by
 *		generating the payload (the price of never holding it);
 *	tfrecord  each record's data CRC follows its data: a cursor carries
 *		it while the bytes are asked for in order, as a PUT's are;
 *		asked for elsewhere, the record's head is generated again to
 *		get it;
 *	hdf5	libhdf5 lays the file out once (format_hdf5.c): its header
 *		and what follows the payload are the same for every object of
 *		that payload size.
 *
 * The bytes equal format.c's for npz and TFRecord, so a file written
 * either way reads back the same with numpy or TensorFlow.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/crc.h>

#include "format_impl.h"

#define REGEN		(16u << 10)	/* bytes generated again at once */
#define OWN_TAIL	256u		/* npz: where the tail starts in own[] */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The CRC of stream bytes [pos, pos + n), continuing @crc: CRC-32C when
 * @c, else CRC-32. */
static int crc_of(const struct dgen_stream *s, uint64_t pos, uint64_t n,
		  int c, uint32_t *crc)
{
	uint8_t tmp[REGEN];

	while (n) {
		size_t k = n < REGEN ? (size_t)n : REGEN;
		int r = dgen_stream_fill(s, tmp, pos, k);

		if (r)
			return r;
		*crc = c ? dgen_crc32c(*crc, tmp, k) : dgen_crc32(*crc, tmp, k);
		pos += k;
		n -= k;
	}
	return 0;
}

/* npz: local header and npy header, then central header and end records. */
static int npz_init(struct dgen_fmt_src *f)
{
	uint8_t npy[192];
	size_t nh = dgen_npy_header(npy, sizeof(npy), f->payload), lh;
	uint64_t member = nh + f->payload;
	int z64 = dgen_npz_zip64(member), r;
	uint32_t crc;

	if (!nh)
		return -EINVAL;
	crc = dgen_crc32(0, npy, nh);
	r = f->s ? crc_of(f->s, 0, f->payload, 0, &crc) : 0;
	if (r)
		return r;
	lh = dgen_zip_header(f->own, 0, crc, member, z64);
	memcpy(f->own + lh, npy, nh);
	f->nhead = lh + nh;
	f->ntail = dgen_zip_header(f->own + OWN_TAIL, 1, crc, member, z64);
	f->ntail += dgen_zip_end(f->own + OWN_TAIL + f->ntail, lh + member,
				 f->ntail, z64);
	f->head = f->own;
	f->tail = f->own + OWN_TAIL;
	return 0;
}

int dgen_fmt_src_init(struct dgen_fmt_src *f, enum dgen_format fmt,
		      const struct dgen_stream *s, uint64_t payload,
		      uint32_t record_size, const struct dgen_fmt_template *t)
{
	memset(f, 0, sizeof(*f));
	f->f = fmt;
	f->s = s;
	f->payload = payload;
	f->record_size = record_size ? record_size : DGEN_RECORD_SIZE_DEFAULT;
	if (!payload || (s && payload > dgen_stream_params_get(s)->size))
		return -EINVAL;
	switch (fmt) {
	case DGEN_FORMAT_RAW:
		f->size = payload;
		return 0;
	case DGEN_FORMAT_TFRECORD:
		f->size = dgen_format_size(fmt, payload, f->record_size);
		return 0;
	case DGEN_FORMAT_NPZ:
		f->size = dgen_format_size(fmt, payload, f->record_size);
		return npz_init(f);
	case DGEN_FORMAT_HDF5:
		if (!t)
			return -EINVAL;
		f->head = t->head;
		f->nhead = t->nhead;
		f->tail = t->tail;
		f->ntail = t->ntail;
		f->size = f->nhead + payload + f->ntail;
		return 0;
	}
	return -EINVAL;
}

/* The record of @off and where in it: its payload offset and length. */
static void tfr_where(const struct dgen_fmt_src *f, uint64_t off,
		      uint64_t *ro, uint64_t *pos, uint64_t *len)
{
	const uint64_t span = (uint64_t)f->record_size + TFR_HEADER + TFR_FOOTER;
	uint64_t r = off / span;

	*ro = off % span;
	*pos = r * f->record_size;
	*len = f->payload - *pos < f->record_size ? f->payload - *pos :
	       f->record_size;
}

static int tfr_fill(const struct dgen_fmt_src *f, struct dgen_fmt_cursor *c,
		    uint8_t *buf, uint64_t off, size_t n)
{
	while (n) {
		uint64_t ro, pos, len;
		uint8_t h[TFR_HEADER];
		size_t k;
		int r = 0;

		tfr_where(f, off, &ro, &pos, &len);
		/* Not where the cursor stands: the CRC of the record's data
		 * so far, from the stream. */
		if (c->at != off) {
			c->crc = 0;
			if (ro > TFR_HEADER)
				r = crc_of(f->s, pos, ro - TFR_HEADER < len ?
					   ro - TFR_HEADER : len, 1, &c->crc);
		}
		if (r)
			return r;
		if (ro < TFR_HEADER) {
			dgen_tfrecord_header(h, len);
			k = n < TFR_HEADER - ro ? n : (size_t)(TFR_HEADER - ro);
			memcpy(buf, h + ro, k);
			c->crc = 0;
		} else if (ro < TFR_HEADER + len) {
			k = n < TFR_HEADER + len - ro ? n :
			    (size_t)(TFR_HEADER + len - ro);
			r = dgen_stream_fill(f->s, buf, pos + ro - TFR_HEADER, k);
			if (r)
				return r;
			c->crc = dgen_crc32c(c->crc, buf, k);
		} else {
			put_le32(h, dgen_crc32c_mask(c->crc));
			ro -= TFR_HEADER + len;
			k = n < TFR_FOOTER - ro ? n : (size_t)(TFR_FOOTER - ro);
			memcpy(buf, h + ro, k);
		}
		buf += k;
		off += k;
		n -= k;
		c->at = off;
	}
	return 0;
}

int dgen_fmt_src_fill(const struct dgen_fmt_src *f, struct dgen_fmt_cursor *c,
		      void *out, uint64_t off, size_t n)
{
	uint8_t *buf = out;

	if (off > f->size || n > f->size - off)
		return -EINVAL;
	if (f->f == DGEN_FORMAT_RAW)
		return dgen_stream_fill(f->s, buf, off, n);
	if (f->f == DGEN_FORMAT_TFRECORD)
		return tfr_fill(f, c, buf, off, n);
	while (n) {
		uint64_t end = f->nhead + f->payload;
		size_t k;
		int r;

		if (off < f->nhead) {
			k = n < f->nhead - off ? n : (size_t)(f->nhead - off);
			memcpy(buf, f->head + off, k);
		} else if (off < end) {
			k = n < end - off ? n : (size_t)(end - off);
			r = dgen_stream_fill(f->s, buf, off - f->nhead, k);
			if (r)
				return r;
		} else {
			k = n;
			memcpy(buf, f->tail + (off - end), k);
		}
		buf += k;
		off += k;
		n -= k;
	}
	return 0;
}

int dgen_fmt_src_span(const struct dgen_fmt_src *f, uint64_t off, uint64_t n,
		      struct dgen_fmt_span *out)
{
	uint64_t ro, pos, len, end = f->nhead + f->payload;

	*out = (struct dgen_fmt_span) { .len = n };
	if (f->f == DGEN_FORMAT_RAW) {
		out->payload = 1;
		out->pos = off;
		return 1;
	}
	if (f->f != DGEN_FORMAT_TFRECORD) {
		if (off >= f->nhead && off < end) {
			out->payload = 1;
			out->pos = off - f->nhead;
			out->len = end - off < n ? end - off : n;
		} else {
			out->start = off < f->nhead ? 0 : end;
			out->len = off < f->nhead && f->nhead - off < n ?
				   f->nhead - off : n;
		}
		return out->payload;
	}
	tfr_where(f, off, &ro, &pos, &len);
	if (ro < TFR_HEADER) {
		out->start = off - ro;
		out->len = TFR_HEADER - ro < n ? TFR_HEADER - ro : n;
	} else if (ro < TFR_HEADER + len) {
		out->payload = 1;
		out->pos = pos + ro - TFR_HEADER;
		out->len = TFR_HEADER + len - ro < n ? TFR_HEADER + len - ro : n;
	} else {
		out->start = off - ro + TFR_HEADER + len;
		out->len = TFR_HEADER + len + TFR_FOOTER - ro < n ?
			   TFR_HEADER + len + TFR_FOOTER - ro : n;
	}
	return out->payload;
}

uint64_t dgen_fmt_src_offset(const struct dgen_fmt_src *f, uint64_t q)
{
	const uint64_t span = (uint64_t)f->record_size + TFR_HEADER + TFR_FOOTER;

	if (q >= f->payload)
		return f->size;
	if (!q || f->f == DGEN_FORMAT_RAW)
		return q;
	if (f->f != DGEN_FORMAT_TFRECORD)
		return f->nhead + q;
	/* A record's first payload byte: the part begins with its header. */
	return q / f->record_size * span +
	       (q % f->record_size ? TFR_HEADER + q % f->record_size : 0);
}

void dgen_hdf5_template_free(struct dgen_fmt_template *t)
{
	free(t->head);
	free(t->tail);
	memset(t, 0, sizeof(*t));
}
