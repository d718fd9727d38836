/* SPDX-License-Identifier: MIT */
/*
 * objstore_impl.h - what the object-store files share: the store's
 * resolved configuration (objstore_config.c), the requests it signs and
 * the answers it parses (objstore_http.c), the existence check
 * (objstore_check.c) and the job's pipeline (objstore_job.c,
 * objstore_stats.c)
 *
 * The files call downwards only: the job and the check build requests
 * with objstore_http.c, which reads the store made by objstore_config.c.
 */
#ifndef DGEN_OBJSTORE_IMPL_H
#define DGEN_OBJSTORE_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include <dgen/objstore.h>

/* Azure's REST version: block blobs, ranges and lists as used here. */
#define OS_AZURE_VERSION	"2021-08-06"

struct dgen_objstore {
	enum dgen_objstore_kind kind;
	char *bucket, *prefix;
	/* S3 */
	char *region, *access_key, *secret_key, *token;
	char *sigv4;			/* "aws:amz:REGION:s3" for curl */
	char *userpwd;			/* "KEY:SECRET" for curl */
	int path_style;
	/* Azure */
	char *account;
	unsigned char *key;		/* decoded account key, or NULL */
	size_t keylen;
	char *sas;			/* SAS token without '?', or NULL */
	/* Both */
	char *credentials;		/* where they came from */
	char *ca_file;			/* AWS_CA_BUNDLE, or NULL */
	char **endpoints;
	unsigned int nendpoints;
	unsigned int retries;
	double io_timeout_s;
	double stall_s;			/* a try's idle limit */
	unsigned int flags;
};

/* ===== Requests (objstore_http.c) ===== */

struct os_param {
	const char *name, *value;	/* raw; value may be "" */
};

#define OS_PARAMS_MAX	4

/* One request as the store's protocol sees it. */
struct os_http {
	const char *method;		/* "PUT", "GET", "POST", "HEAD" */
	unsigned int endpoint;
	const char *key;		/* NULL: the bucket itself */
	struct os_param q[OS_PARAMS_MAX];
	unsigned int nq;
	int64_t length;			/* body bytes; -1: no body */
	const char *body;		/* a body in memory (XML), or NULL: a
					   PUT's comes from the read callback */
	int64_t range_lo, range_hi;	/* GET range, inclusive; -1: none */
	const char *content_type;	/* NULL: none */
	const char *extra;		/* one more header line, or NULL */
	const char *payload_sha;	/* S3: hex SHA-256; NULL: unsigned */
};

/*
 * os_http_setup - set @e's URL, headers and authentication for @h (the
 * method too, except the body's callbacks and sizes, which the caller
 * sets). *@hdrs receives the header list, to free with
 * curl_slist_free_all once the request is done. Returns 0 or -ENOMEM.
 */
int os_http_setup(const struct dgen_objstore *s, CURL *e,
		  const struct os_http *h, struct curl_slist **hdrs);

/* os_http_common - the options every easy handle of @s gets once. */
void os_http_common(const struct dgen_objstore *s, CURL *e);

/*
 * os_xml_value - the text of the first <@tag>...</@tag> in @xml at or
 * after *@pos (NULL: from the start), entities decoded, into @out (@len
 * bytes). Moves *@pos past it. Returns its length, or -1 when none.
 */
int os_xml_value(const char *xml, size_t n, const char *tag, size_t *pos,
		 char *out, size_t len);

/* os_uri_encode - RFC 3986 unreserved kept, '/' kept when @path. */
int os_uri_encode(char *out, size_t len, const char *s, int path);

/*
 * os_error_errno - the errno for curl's @code, or for HTTP @status when
 * curl succeeded: 403 -EACCES, 404 -ENOENT, others -EIO.
 */
int os_error_errno(CURLcode code, long status);

/* os_retryable - 1 when a try that ended so may be tried again. */
int os_retryable(CURLcode code, long status);

/* ===== Configuration (objstore_config.c) ===== */

/* os_key_of - dgen_objstore_key without the checks; a tree's keys end
 * with @suffix. */
int os_key_of(const struct dgen_objstore *s, int tree, uint32_t fanout,
	      uint64_t i, const char *suffix, char *buf, size_t len);

/* os_suffix - the keys' suffix: the format's for a tree, else "". */
const char *os_suffix(const struct dgen_objstore_job_opts *o);

/* os_base64 - encode @n bytes of @in to @out (NUL-terminated). */
void os_base64(char *out, const unsigned char *in, size_t n);

#endif /* DGEN_OBJSTORE_IMPL_H */
