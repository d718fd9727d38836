// SPDX-License-Identifier: MIT
/*
 * objstore_check.c - before writing: the bucket answers, and none of the
 * job's keys exists
 *
 * A tree is made fresh, as on a filesystem (dgen_tree_prepare): an
 * existing key refuses the job, unless forced, when writing replaces it.
 * One object costs a HEAD; a tree of N costs a listing of its prefix
 * (1000 keys a page), not N HEADs. Nothing here writes or deletes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "objstore_impl.h"
#include "refuse.h"

#define PAGE_MAX	(4u << 20)	/* a listing page: 1000 keys */

struct answer {
	char *buf;
	size_t len;
	long status;
	char err[CURL_ERROR_SIZE];
};

static size_t on_body(char *b, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;
	char *p;

	if (a->len + n > PAGE_MAX)
		return 0;
	p = realloc(a->buf, a->len + n + 1);
	if (!p)
		return 0;
	a->buf = p;
	memcpy(a->buf + a->len, b, n);
	a->len += n;
	a->buf[a->len] = 0;
	return n;
}

/*
 * One request, on endpoint 0, with the job's retries and backoff (a plain
 * sleep: nothing else is in flight). Returns 0 with the status in @a, or
 * the errno of curl's failure with a sentence in @msg.
 */
static int ask(const struct dgen_objstore *s, CURL *e, const struct os_http *h,
	       struct answer *a, char *msg, size_t msglen)
{
	struct curl_slist *hdrs = NULL;
	CURLcode c = CURLE_OK;
	int err = 0;

	for (unsigned int t = 0; t <= s->retries; t++) {
		if (t) {
			struct timespec d = { 0, 100000000L << (t < 3 ? t : 3) };

			nanosleep(&d, NULL);
		}
		curl_easy_reset(e);
		os_http_common(s, e);
		a->len = 0;
		a->status = 0;
		a->err[0] = 0;
		err = os_http_setup(s, e, h, &hdrs);
		if (err)
			return dgen_refuse(err, msg, msglen, "out of memory");
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, a->err);
		c = curl_easy_perform(e);
		curl_slist_free_all(hdrs);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &a->status);
		if (!os_retryable(c, a->status))
			break;
	}
	if (c != CURLE_OK)
		return dgen_refuse(os_error_errno(c, 0), msg, msglen,
				   "%s: %s", s->endpoints[0],
				   a->err[0] ? a->err : curl_easy_strerror(c));
	return 0;
}

static int refuse_status(const struct dgen_objstore *s, const struct answer *a,
			 const char *what, char *msg, size_t msglen)
{
	char code[128] = "";

	if (a->buf)
		os_xml_value(a->buf, a->len, "Code", NULL, code, sizeof(code));
	return dgen_refuse(os_error_errno(CURLE_OK, a->status), msg, msglen,
			   "%s %s at %s: HTTP %ld%s%s", what, s->bucket,
			   s->endpoints[0], a->status, *code ? " " : "", code);
}

static int check_bucket(const struct dgen_objstore *s, CURL *e,
			struct answer *a, char *msg, size_t msglen)
{
	struct os_http h = { .method = s->kind == DGEN_OBJSTORE_S3 ? "HEAD" : "GET",
			     .length = -1, .range_lo = -1, .range_hi = -1 };
	int err;

	if (s->kind == DGEN_OBJSTORE_AZURE)
		h.q[h.nq++] = (struct os_param) { "restype", "container" };
	err = ask(s, e, &h, a, msg, msglen);
	if (err)
		return err;
	if (a->status == 404)
		return dgen_refuse(-ENOENT, msg, msglen,
				   "%s %s does not exist at %s: make it first",
				   s->kind == DGEN_OBJSTORE_S3 ? "bucket" : "container",
				   s->bucket, s->endpoints[0]);
	if (a->status >= 300)
		return refuse_status(s, a, s->kind == DGEN_OBJSTORE_S3 ?
				     "bucket" : "container", msg, msglen);
	return 0;
}

/* 1 when @name is the key of one of the job's objects. */
static int ours(const struct dgen_objstore *s,
		const struct dgen_objstore_job_opts *o, const char *name)
{
	const char *f = strrchr(name, '/');
	char want[4096];
	uint64_t i;

	if (!f || f[1] != 'f')
		return 0;
	i = strtoull(f + 2, NULL, 10);
	return i < o->objects &&
	       os_key_of(s, 1, o->fanout ? o->fanout : DGEN_TREE_FANOUT_DEFAULT,
			 i, os_suffix(o), want, sizeof(want)) > 0 &&
	       !strcmp(want, name);
}

/* The first existing key of the tree into @found; 1 when there is one. */
static int list_tree(const struct dgen_objstore *s,
		     const struct dgen_objstore_job_opts *o, CURL *e,
		     struct answer *a, char *found, size_t flen, char *msg,
		     size_t msglen)
{
	const int az = s->kind == DGEN_OBJSTORE_AZURE;
	char prefix[4096], token[4096] = "";
	int err;

	snprintf(prefix, sizeof(prefix), "%s%sd", s->prefix, *s->prefix ? "/" : "");
	for (unsigned int page = 0;; page++) {
		struct os_http h = { .method = "GET", .length = -1,
				     .range_lo = -1, .range_hi = -1 };
		size_t pos = 0;

		h.q[h.nq++] = (struct os_param) { "prefix", prefix };
		if (az) {
			h.q[h.nq++] = (struct os_param) { "restype", "container" };
			h.q[h.nq++] = (struct os_param) { "comp", "list" };
			if (*token)
				h.q[h.nq++] = (struct os_param) { "marker", token };
		} else {
			h.q[h.nq++] = (struct os_param) { "list-type", "2" };
			if (*token)
				h.q[h.nq++] = (struct os_param) { "continuation-token", token };
		}
		err = ask(s, e, &h, a, msg, msglen);
		if (err)
			return err;
		if (a->status != 200)
			return refuse_status(s, a, "listing", msg, msglen);
		while (os_xml_value(a->buf, a->len, az ? "Name" : "Key", &pos,
				    found, flen) >= 0)
			if (ours(s, o, found))
				return 1;
		if (os_xml_value(a->buf, a->len, az ? "NextMarker" :
				 "NextContinuationToken", NULL, token,
				 sizeof(token)) <= 0)
			return 0;
	}
}

int dgen_objstore_prepare(struct dgen_objstore *s,
			  const struct dgen_objstore_job_opts *o,
			  unsigned int flags, char *msg, size_t msglen)
{
	struct answer a = { 0 };
	CURL *e = curl_easy_init();
	char key[4096];
	int err;

	if (!e)
		return dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
	err = check_bucket(s, e, &a, msg, msglen);
	if (err || (flags & DGEN_OBJSTORE_FORCE))
		goto out;
	if (o->tree) {
		err = list_tree(s, o, e, &a, key, sizeof(key), msg, msglen);
	} else {
		struct os_http h = { .method = "HEAD", .key = s->prefix,
				     .length = -1, .range_lo = -1, .range_hi = -1 };

		snprintf(key, sizeof(key), "%s", s->prefix);
		err = ask(s, e, &h, &a, msg, msglen);
		if (!err && a.status == 200)
			err = 1;
		else if (!err && a.status != 404)
			err = refuse_status(s, &a, "HEAD of", msg, msglen);
	}
	if (err == 1)
		err = dgen_refuse(-EEXIST, msg, msglen,
				  "%s://%s/%s exists: objects are written fresh (a forced run replaces them)",
				  s->kind == DGEN_OBJSTORE_S3 ? "s3" : "az",
				  s->bucket, key);
out:
	free(a.buf);
	curl_easy_cleanup(e);
	return err;
}
