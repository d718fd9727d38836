// SPDX-License-Identifier: MIT
/*
 * params_v3.c - the parameters of contract version 3: a compress mix and
 * skewed copies (doc/data-contract.md section 7); reading, writing and
 * checking them
 *
 * A mix is written "c1:w1,...,ck:wk" both ways, so the report's
 * "compress_mix" string given back to --compress-mix makes the same
 * stream again (numbers to 17 significant digits read back exactly).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/stream.h>

#include "refuse.h"
#include "stream_impl.h"

/* A window's tables hold a byte per distinct block, a word per piece. */
#define V3_WINDOW_BLOCKS_MAX	(1ull << 24)

unsigned int dgen_stream_params_format(const struct dgen_stream_params *p)
{
	return p->mix.count || p->dedup_skew > 0.0 || p->match_share > 0.0 || p->scope_targets > 1 ||
	       p->dedup_scope ? DGEN_STREAM_FORMAT_V3 :
	       DGEN_STREAM_FORMAT_VERSION;
}

int dgen_compress_mix_parse(struct dgen_compress_mix *mix, const char *spec,
			    char *msg, size_t msglen)
{
	struct dgen_compress_mix m = { 0 };
	const char *p = spec;
	double sum = 0.0;

	while (*p) {
		char *end;
		double c, w;

		if (m.count == DGEN_COMPRESS_MIX_MAX)
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix '%s' has more than %u ratio:weight pairs",
				spec, DGEN_COMPRESS_MIX_MAX);
		c = strtod(p, &end);
		if (end == p || *end != ':')
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix '%s': each pair is RATIO:WEIGHT, e.g. 1:0.4,2:0.3,8:0.3",
				spec);
		p = end + 1;
		w = strtod(p, &end);
		if (end != p && *end == ':') {
			/* c:w:bits, the entropy of the class's random bytes */
			p = end + 1;
			m.bits[m.count] = strtod(p, &end);
			if (end == p || !(m.bits[m.count] >= 0.0 &&
					  m.bits[m.count] <= 8.0))
				return dgen_refuse(-EINVAL, msg, msglen,
					"compress mix '%s': a third number is the bits per random byte, 0 to 8",
					spec);
		}
		if (end == p || (*end && *end != ','))
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix '%s': each pair is RATIO:WEIGHT, e.g. 1:0.4,2:0.3,8:0.3",
				spec);
		p = *end ? end + 1 : end;
		if (!isfinite(c) || (c < 1.0 && c != 0.0) ||
		    c > DGEN_COMPRESS_RATIO_MAX)
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix '%s': ratio %g is out of range: from 1 to %g, as --compress",
				spec, c, DGEN_COMPRESS_RATIO_MAX);
		if (!isfinite(w) || w <= 0.0)
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix '%s': weight %g must be above 0",
				spec, w);
		m.ratio[m.count] = c;
		m.weight[m.count++] = w;
		sum += w;
	}
	if (!m.count)
		return dgen_refuse(-EINVAL, msg, msglen,
			"compress mix is empty: give RATIO:WEIGHT pairs, e.g. 1:0.4,2:0.3,8:0.3");
	if (fabs(sum - 1.0) > 1e-3)
		return dgen_refuse(-EINVAL, msg, msglen,
			"compress mix '%s': the weights sum to %g, they must sum to 1",
			spec, sum);
	*mix = m;
	return 0;
}

char *dgen_compress_mix_format(const struct dgen_compress_mix *mix,
			       char *buf, size_t len)
{
	size_t n = 0;
	unsigned int i;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < mix->count && n < len; i++) {
		int r = snprintf(buf + n, len - n, "%s%.17g:%.17g", i ? "," : "",
				 mix->ratio[i], mix->weight[i]);

		if (r >= 0 && mix->bits[i] > 0.0 && (size_t)r < len - n)
			r += snprintf(buf + n + r, len - n - (size_t)r, ":%.17g",
				      mix->bits[i]);

		if (r < 0)
			break;
		n += (size_t)r;
	}
	return buf;
}

int dgen_params_v3_check(const struct dgen_stream_params *p, char *msg,
			 size_t msglen)
{
	const struct dgen_compress_mix *m = &p->mix;
	double sum = 0.0;
	unsigned int i;

	if (m->count > DGEN_COMPRESS_MIX_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			"compress mix has %u pairs: at most %u", m->count,
			DGEN_COMPRESS_MIX_MAX);
	for (i = 0; i < m->count; i++) {
		if (!isfinite(m->ratio[i]) ||
		    (m->ratio[i] < 1.0 && m->ratio[i] != 0.0) ||
		    m->ratio[i] > DGEN_COMPRESS_RATIO_MAX)
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix ratio %g is out of range: from 1 to %g, as --compress",
				m->ratio[i], DGEN_COMPRESS_RATIO_MAX);
		if (!isfinite(m->weight[i]) || m->weight[i] <= 0.0)
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix weight %g must be above 0",
				m->weight[i]);
		if (!(m->bits[i] >= 0.0 && m->bits[i] <= 8.0))
			return dgen_refuse(-EINVAL, msg, msglen,
				"compress mix bits %g per random byte are out of range: 0 to 8",
				m->bits[i]);
		sum += m->weight[i];
	}
	if (m->count && fabs(sum - 1.0) > 1e-3)
		return dgen_refuse(-EINVAL, msg, msglen,
			"compress mix weights sum to %g: they must sum to 1", sum);
	if (!isfinite(p->dedup_skew) || p->dedup_skew < 0.0 ||
	    p->dedup_skew > DGEN_DEDUP_SKEW_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			"dedup skew %g is out of range: from 0 (even copies) to %g",
			p->dedup_skew, DGEN_DEDUP_SKEW_MAX);
	if (!isfinite(p->match_share) || p->match_share < 0.0 ||
	    p->match_share > DGEN_MATCH_SHARE_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			"match share %g is out of range: from 0 to %g",
			p->match_share, DGEN_MATCH_SHARE_MAX);
	if (p->dedup_scope > DGEN_DEDUP_SCOPE_RUN)
		return dgen_refuse(-EINVAL, msg, msglen,
			"dedup scope %u is unknown: target (0) or run (1)",
			p->dedup_scope);
	if (p->scope_targets > 1 && p->scope_index >= p->scope_targets)
		return dgen_refuse(-EINVAL, msg, msglen,
			"scope index %u is not one of the %u targets of the dedup domain",
			p->scope_index, p->scope_targets);
	if (p->scope_targets > 1 && p->scope_index > p->stream_id)
		return dgen_refuse(-EINVAL, msg, msglen,
			"scope index %u is above stream id %llu: the domain's streams are stream_id - scope_index onwards",
			p->scope_index, (unsigned long long)p->stream_id);
	if ((m->count || p->dedup_skew > 0.0) && p->dedup_unit) {
		uint64_t W = dgen_window_bytes(p);

		if (W > p->size)
			W = p->size;
		if (W / p->dedup_unit > V3_WINDOW_BLOCKS_MAX)
			return dgen_refuse(-EINVAL, msg, msglen,
				"dedup window %llu bytes is too large for a compress mix or skewed copies with %u-byte blocks: it may hold at most %llu blocks (their tables are built per window)",
				(unsigned long long)W, p->dedup_unit,
				(unsigned long long)V3_WINDOW_BLOCKS_MAX);
	}
	return 0;
}
