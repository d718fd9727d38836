/* SPDX-License-Identifier: MIT */
/*
 * json_read.h - a strict JSON reader for one line of text
 *
 * The crash journal (journal_read.c) is read after a power cut and will
 * be fuzzed, so its parser trusts nothing: RFC 8259 exactly (no comments,
 * no trailing commas, no control characters in strings, no leading zeros),
 * nesting at most JSON_DEPTH_MAX deep, integers read as exact 64-bit
 * values (seeds are 64-bit), and every error a sentence with the column.
 * The document becomes a flat array of tokens in document order, as jsmn
 * does (Serge Zaitsev's jsmn): a container's children follow it, and
 * each token knows where the next one after its subtree is.
 */
#ifndef DGEN_SRC_JSON_READ_H
#define DGEN_SRC_JSON_READ_H

#include <stddef.h>
#include <stdint.h>

#define JSON_DEPTH_MAX	16

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

struct json_tok {
	enum json_type type;
	uint32_t start, len;		/* its text; a string's without quotes */
	uint32_t size;			/* array: elements; object: members */
	uint32_t next;			/* index of the token after its subtree */
};

struct json_doc {
	const char *text;
	struct json_tok *t;
	uint32_t n, cap;
};

/*
 * dgen_jread_parse - parse @text[0, @len) (at most UINT32_MAX - 1 bytes)
 * as one JSON value into @d, reusing its token array. Returns 0, -EINVAL
 * with a sentence in @msg, or -ENOMEM.
 */
int dgen_jread_parse(struct json_doc *d, const char *text, size_t len,
		     char *msg, size_t msglen);

/* dgen_jread_free - release the token array. */
void dgen_jread_free(struct json_doc *d);

/* dgen_jread_get - the value of member @key of object token @obj; -1 when
 * absent (or @obj is not an object). Keys are compared as written. */
int64_t dgen_jread_get(const struct json_doc *d, uint32_t obj, const char *key);

/* dgen_jread_u64 - token @i as an exact unsigned integer (no sign,
 * fraction or exponent, at most 2^64 - 1). 0 or -EINVAL. */
int dgen_jread_u64(const struct json_doc *d, uint32_t i, uint64_t *v);

/* dgen_jread_double - token @i, a number, as a finite double. 0 or -EINVAL. */
int dgen_jread_double(const struct json_doc *d, uint32_t i, double *v);

/* dgen_jread_is - token @i is the string @s (as written, no escapes). */
int dgen_jread_is(const struct json_doc *d, uint32_t i, const char *s);

/*
 * dgen_jread_string - token @i, a string, unescaped into @buf (UTF-8, NUL
 * terminated; \u0080 to \u00ff are single bytes, the rule of
 * dgen_json_string for bytes that were not UTF-8). 0, or -EINVAL when it
 * is not a string, holds a NUL (\u0000) or does not fit in @len bytes.
 */
int dgen_jread_string(const struct json_doc *d, uint32_t i, char *buf,
		      size_t len);

#endif /* DGEN_SRC_JSON_READ_H */
