// SPDX-License-Identifier: MIT
/*
 * json_read.c - a strict JSON reader for one line of text
 *
 * Recursive descent over RFC 8259's grammar, with the depth bounded, so a
 * fuzzed line can cost at most its length in tokens and JSON_DEPTH_MAX
 * stack frames.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_read.h"
#include "refuse.h"

struct parser {
	struct json_doc *d;
	const char *s;
	uint32_t len, at;
	char *msg;
	size_t msglen;
};

static int fail(struct parser *p, const char *what)
{
	return dgen_refuse(-EINVAL, p->msg, p->msglen, "%s at column %u", what,
			   p->at + 1);
}

static void skip_ws(struct parser *p)
{
	while (p->at < p->len && (p->s[p->at] == ' ' || p->s[p->at] == '\t' ||
				  p->s[p->at] == '\r' || p->s[p->at] == '\n'))
		p->at++;
}

/* A new token; its index in *@i. */
static int tok_new(struct parser *p, enum json_type type, uint32_t *i)
{
	struct json_doc *d = p->d;

	if (d->n == d->cap) {
		uint32_t cap = d->cap ? d->cap * 2 : 64;
		struct json_tok *t;

		if (cap < d->cap)
			return -ENOMEM;
		t = realloc(d->t, (size_t)cap * sizeof(*t));
		if (!t)
			return dgen_refuse(-ENOMEM, p->msg, p->msglen, "out of memory");
		d->t = t;
		d->cap = cap;
	}
	*i = d->n++;
	d->t[*i] = (struct json_tok) { .type = type, .start = p->at };
	return 0;
}

static int hex4(const char *s, unsigned int *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++) {
		char c = s[k];

		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned int)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned int)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned int)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static int parse_string(struct parser *p)
{
	uint32_t i;
	int r = tok_new(p, JSON_STRING, &i);

	if (r)
		return r;
	p->at++;				/* the opening quote */
	p->d->t[i].start = p->at;
	while (p->at < p->len && p->s[p->at] != '"') {
		unsigned char c = (unsigned char)p->s[p->at];
		unsigned int u;

		if (c < 0x20)
			return fail(p, "a control character in a string");
		if (c != '\\') {
			p->at++;
			continue;
		}
		if (p->at + 1 >= p->len)
			break;
		c = (unsigned char)p->s[p->at + 1];
		if (c == 'u') {
			if (p->len - p->at < 6 || hex4(p->s + p->at + 2, &u))
				return fail(p, "a bad \\u escape");
			p->at += 6;
		} else if (c && strchr("\"\\/bfnrt", c)) {
			p->at += 2;
		} else {
			return fail(p, "a bad escape in a string");
		}
	}
	if (p->at >= p->len)
		return fail(p, "a string without its closing quote");
	p->d->t[i].len = p->at - p->d->t[i].start;
	p->at++;
	p->d->t[i].next = p->d->n;
	return 0;
}

static int digits(struct parser *p)
{
	uint32_t from = p->at;

	while (p->at < p->len && p->s[p->at] >= '0' && p->s[p->at] <= '9')
		p->at++;
	return p->at > from;
}

static int parse_number(struct parser *p)
{
	uint32_t i;
	int r = tok_new(p, JSON_NUMBER, &i);

	if (r)
		return r;
	if (p->s[p->at] == '-')
		p->at++;
	if (p->at < p->len && p->s[p->at] == '0')
		p->at++;
	else if (!digits(p))
		return fail(p, "a number without digits");
	if (p->at < p->len && p->s[p->at] == '.') {
		p->at++;
		if (!digits(p))
			return fail(p, "a number without digits after its point");
	}
	if (p->at < p->len && (p->s[p->at] == 'e' || p->s[p->at] == 'E')) {
		p->at++;
		if (p->at < p->len && (p->s[p->at] == '+' || p->s[p->at] == '-'))
			p->at++;
		if (!digits(p))
			return fail(p, "a number without digits in its exponent");
	}
	p->d->t[i].len = p->at - p->d->t[i].start;
	p->d->t[i].next = p->d->n;
	return 0;
}

static int parse_literal(struct parser *p)
{
	static const struct { const char *w; enum json_type t; } lit[] = {
		{ "null", JSON_NULL }, { "true", JSON_TRUE }, { "false", JSON_FALSE },
	};

	for (unsigned int k = 0; k < 3; k++) {
		size_t n = strlen(lit[k].w);
		uint32_t i;
		int r;

		if (p->len - p->at < n || memcmp(p->s + p->at, lit[k].w, n))
			continue;
		r = tok_new(p, lit[k].t, &i);
		if (r)
			return r;
		p->d->t[i].len = (uint32_t)n;
		p->at += (uint32_t)n;
		p->d->t[i].next = p->d->n;
		return 0;
	}
	return fail(p, "an unexpected character");
}

static int parse_value(struct parser *p, unsigned int depth);

/* An array or an object, from its opening bracket. */
static int parse_container(struct parser *p, unsigned int depth)
{
	int obj = p->s[p->at] == '{';
	char close = obj ? '}' : ']';
	uint32_t i;
	int r;

	if (depth >= JSON_DEPTH_MAX)
		return fail(p, "nesting deeper than 16");
	r = tok_new(p, obj ? JSON_OBJECT : JSON_ARRAY, &i);
	if (r)
		return r;
	p->at++;
	skip_ws(p);
	if (p->at < p->len && p->s[p->at] == close) {
		p->at++;
		goto done;
	}
	for (;;) {
		skip_ws(p);
		if (obj) {
			if (p->at >= p->len || p->s[p->at] != '"')
				return fail(p, "a member without a string key");
			r = parse_string(p);
			if (r)
				return r;
			skip_ws(p);
			if (p->at >= p->len || p->s[p->at] != ':')
				return fail(p, "a key without its colon");
			p->at++;
		}
		r = parse_value(p, depth + 1);
		if (r)
			return r;
		p->d->t[i].size++;
		skip_ws(p);
		if (p->at < p->len && p->s[p->at] == ',') {
			p->at++;
			continue;
		}
		if (p->at < p->len && p->s[p->at] == close) {
			p->at++;
			break;
		}
		return fail(p, obj ? "an object not closed" : "an array not closed");
	}
done:
	p->d->t[i].len = p->at - p->d->t[i].start;
	p->d->t[i].next = p->d->n;
	return 0;
}

static int parse_value(struct parser *p, unsigned int depth)
{
	char c;

	skip_ws(p);
	if (p->at >= p->len)
		return fail(p, "a value missing");
	c = p->s[p->at];
	if (c == '{' || c == '[')
		return parse_container(p, depth);
	if (c == '"')
		return parse_string(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p);
	return parse_literal(p);
}

int dgen_jread_parse(struct json_doc *d, const char *text, size_t len,
		     char *msg, size_t msglen)
{
	struct parser p = {
		.d = d, .s = text, .len = (uint32_t)len, .msg = msg,
		.msglen = msglen,
	};
	int r;

	if (len >= UINT32_MAX)
		return dgen_refuse(-EINVAL, msg, msglen, "a line of %zu bytes", len);
	d->text = text;
	d->n = 0;
	r = parse_value(&p, 0);
	if (r)
		return r;
	skip_ws(&p);
	if (p.at != p.len)
		return fail(&p, "text after the value");
	return 0;
}

void dgen_jread_free(struct json_doc *d)
{
	free(d->t);
	*d = (struct json_doc) { 0 };
}

int64_t dgen_jread_get(const struct json_doc *d, uint32_t obj, const char *key)
{
	uint32_t i;

	if (obj >= d->n || d->t[obj].type != JSON_OBJECT)
		return -1;
	i = obj + 1;
	for (uint32_t m = 0; m < d->t[obj].size; m++) {
		if (dgen_jread_is(d, i, key))
			return i + 1;
		i = d->t[i + 1].next;
	}
	return -1;
}

int dgen_jread_is(const struct json_doc *d, uint32_t i, const char *s)
{
	size_t n = strlen(s);

	return i < d->n && d->t[i].type == JSON_STRING && d->t[i].len == n &&
	       !memcmp(d->text + d->t[i].start, s, n);
}

int dgen_jread_u64(const struct json_doc *d, uint32_t i, uint64_t *v)
{
	const struct json_tok *t;
	uint64_t x = 0;

	if (i >= d->n || d->t[i].type != JSON_NUMBER)
		return -EINVAL;
	t = &d->t[i];
	for (uint32_t k = 0; k < t->len; k++) {
		unsigned int c = (unsigned char)d->text[t->start + k] - '0';

		if (c > 9 || x > (UINT64_MAX - c) / 10)
			return -EINVAL;	/* a sign, point, exponent, overflow */
		x = x * 10 + c;
	}
	*v = x;
	return 0;
}

int dgen_jread_double(const struct json_doc *d, uint32_t i, double *v)
{
	char buf[64], *end;

	if (i >= d->n || d->t[i].type != JSON_NUMBER ||
	    d->t[i].len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, d->text + d->t[i].start, d->t[i].len);
	buf[d->t[i].len] = 0;
	*v = strtod(buf, &end);
	return *end || !isfinite(*v) ? -EINVAL : 0;
}

/* Append code point @u as UTF-8; 0, or -1 when it does not fit. */
static int put_utf8(char *buf, size_t len, size_t *o, unsigned int u)
{
	unsigned char b[4];
	size_t n;

	if (u < 0x80) {
		b[0] = (unsigned char)u;
		n = 1;
	} else if (u < 0x800) {
		b[0] = (unsigned char)(0xc0 | u >> 6);
		b[1] = (unsigned char)(0x80 | (u & 0x3f));
		n = 2;
	} else if (u < 0x10000) {
		b[0] = (unsigned char)(0xe0 | u >> 12);
		b[1] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (u & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | u >> 18);
		b[1] = (unsigned char)(0x80 | (u >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (u >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (u & 0x3f));
		n = 4;
	}
	if (len - *o <= n)
		return -1;
	memcpy(buf + *o, b, n);
	*o += n;
	return 0;
}

int dgen_jread_string(const struct json_doc *d, uint32_t i, char *buf,
		      size_t len)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *s;
	size_t o = 0;
	uint32_t k, n;

	if (!len || i >= d->n || d->t[i].type != JSON_STRING)
		return -EINVAL;
	s = d->text + d->t[i].start;
	n = d->t[i].len;
	for (k = 0; k < n; k++) {
		unsigned int u, lo;

		if (s[k] != '\\') {
			if (len - o <= 1)
				return -EINVAL;
			buf[o++] = s[k];
			continue;
		}
		if (s[++k] != 'u') {	/* the parser checked the escape */
			if (len - o <= 1)
				return -EINVAL;
			buf[o++] = to[strchr(from, s[k]) - from];
			continue;
		}
		hex4(s + k + 1, &u);
		k += 4;
		/* A surrogate pair is one code point; a lone half is not. */
		if (u >= 0xd800 && u < 0xdc00 && k + 6 < n && s[k + 1] == '\\' &&
		    s[k + 2] == 'u' && !hex4(s + k + 3, &lo) && lo >= 0xdc00 &&
		    lo < 0xe000) {
			u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			k += 6;
		} else if (u >= 0xd800 && u < 0xe000) {
			return -EINVAL;
		}
		/* dgen_json_string's rule: \u0080 to \u00ff are the bytes
		 * of a path that were not UTF-8 (what is, is written raw). */
		if (u >= 0x80 && u <= 0xff) {
			if (len - o <= 1)
				return -EINVAL;
			buf[o++] = (char)u;
			continue;
		}
		if (!u || put_utf8(buf, len, &o, u))
			return -EINVAL;
	}
	buf[o] = 0;
	return 0;
}
