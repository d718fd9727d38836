// SPDX-License-Identifier: MIT
/*
 * objstore_http.c - one request of S3 or Azure Blob on a curl easy handle:
 * its URL, headers and signature; and what the answers say
 *
 * S3 requests are signed by curl (CURLOPT_AWS_SIGV4, AWS Signature
 * Version 4), which hashes the canonical request we hand it: the query is
 * built here already in canonical form (names sorted, RFC 3986 encoding,
 * "name=" for an empty value) and the payload's hash is ours, in the
 * x-amz-content-sha256 header (UNSIGNED-PAYLOAD unless asked to sign it).
 * Azure requests are signed here with SharedKey (Microsoft's "Authorize
 * with Shared Key", version 2015-02-21 and later): HMAC-SHA256 of the
 * string-to-sign under the decoded account key, or carry a SAS token in
 * the query instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "objstore_impl.h"

#define URL_MAX		8192

int os_uri_encode(char *out, size_t len, const char *s, int path)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9') || c == '-' || c == '_' ||
			   c == '.' || c == '~' || (path && c == '/');

		if (n + (keep ? 1 : 3) >= len)
			return -ENAMETOOLONG;
		if (keep) {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = 0;
	return (int)n;
}

/* Append @fmt to @buf at *@n; -ENAMETOOLONG when it does not fit. */
__attribute__((format(printf, 4, 5)))
static int put(char *buf, size_t len, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(buf + *n, len - *n, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= len - *n)
		return -ENAMETOOLONG;
	*n += (size_t)k;
	return 0;
}

/* The parameters of @h sorted by name (a handful: insertion sort). */
static void sort_params(struct os_param *q, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j && strcmp(q[j - 1].name, q[j].name) > 0; j--) {
			struct os_param t = q[j];

			q[j] = q[j - 1];
			q[j - 1] = t;
		}
}

/*
 * The request's URL into @url, and its encoded path (from the first '/'
 * after the host) at @url + *@path.
 */
static int build_url(const struct dgen_objstore *s, const struct os_http *h,
		     const struct os_param *q, char *url, size_t *path)
{
	const char *ep = s->endpoints[h->endpoint];
	char enc[4096];
	size_t n = 0;
	int err = 0;

	if (s->kind == DGEN_OBJSTORE_S3 && !s->path_style) {
		const char *host = strstr(ep, "://") + 3;

		err = put(url, URL_MAX, &n, "%.*s%s.%s", (int)(host - ep), ep,
			  s->bucket, host);
		*path = n;
	} else {
		const char *host = strstr(ep, "://") + 3, *slash = strchr(host, '/');

		err = put(url, URL_MAX, &n, "%s/%s", ep, s->bucket);
		*path = slash ? (size_t)(slash - ep) : strlen(ep);
	}
	if (!err && h->key) {
		if (os_uri_encode(enc, sizeof(enc), h->key, 1) < 0)
			return -ENAMETOOLONG;
		err = put(url, URL_MAX, &n, "/%s", enc);
	} else if (!err && s->kind == DGEN_OBJSTORE_S3 && !s->path_style) {
		err = put(url, URL_MAX, &n, "/");
	}
	for (unsigned int i = 0; !err && i < h->nq; i++) {
		if (os_uri_encode(enc, sizeof(enc), q[i].value, 0) < 0)
			return -ENAMETOOLONG;
		err = put(url, URL_MAX, &n, "%c%s=%s", i ? '&' : '?', q[i].name, enc);
	}
	if (!err && s->kind == DGEN_OBJSTORE_AZURE && s->sas && !s->key)
		err = put(url, URL_MAX, &n, "%c%s", h->nq ? '&' : '?', s->sas);
	return err;
}

static struct curl_slist *add(struct curl_slist *l, const char *line, int *oom)
{
	struct curl_slist *n = curl_slist_append(l, line);

	if (!n) {
		*oom = 1;
		return l;
	}
	return n;
}

static int s3_headers(const struct dgen_objstore *s, const struct os_http *h,
		      struct curl_slist **l)
{
	char line[512];
	int oom = 0;

	snprintf(line, sizeof(line), "x-amz-content-sha256: %s",
		 h->payload_sha ? h->payload_sha : "UNSIGNED-PAYLOAD");
	*l = add(*l, line, &oom);
	if (s->token) {
		char *t;

		if (asprintf(&t, "x-amz-security-token: %s", s->token) < 0)
			return -ENOMEM;
		*l = add(*l, t, &oom);
		free(t);
	}
	if (h->range_lo >= 0) {
		snprintf(line, sizeof(line), "Range: bytes=%lld-%lld",
			 (long long)h->range_lo, (long long)h->range_hi);
		*l = add(*l, line, &oom);
	}
	return oom ? -ENOMEM : 0;
}

/* SharedKey: the Authorization header for @h, whose path is @path. */
static int azure_sign(const struct dgen_objstore *s, const struct os_http *h,
		      const struct os_param *q, const char *path,
		      const char *xhdrs, char *out, size_t outlen)
{
	char sts[URL_MAX + 2048], len[32] = "";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char b64[4 * EVP_MAX_MD_SIZE / 3 + 4];
	size_t n = 0;
	int err;

	if (h->length > 0)
		snprintf(len, sizeof(len), "%lld", (long long)h->length);
	err = put(sts, sizeof(sts), &n, "%s\n\n\n%s\n\n%s\n\n\n\n\n\n\n%s/%s%s",
		  h->method, len, h->content_type ? h->content_type : "",
		  xhdrs, s->account, path);
	for (unsigned int i = 0; !err && i < h->nq; i++)
		err = put(sts, sizeof(sts), &n, "\n%s:%s", q[i].name, q[i].value);
	if (err)
		return err;
	if (!HMAC(EVP_sha256(), s->key, (int)s->keylen,
		  (const unsigned char *)sts, n, mac, &maclen))
		return -ENOMEM;
	os_base64(b64, mac, maclen);
	snprintf(out, outlen, "Authorization: SharedKey %s:%s", s->account, b64);
	return 0;
}

static int azure_headers(const struct dgen_objstore *s, const struct os_http *h,
			 const struct os_param *q, const char *path,
			 struct curl_slist **l)
{
	char date[64], x[512], line[1024];
	const time_t now = time(NULL);
	struct tm tm;
	size_t n = 0;
	int oom = 0, err;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	/* The x-ms- headers, sorted, as the string-to-sign lists them. */
	if (h->extra)
		put(x, sizeof(x), &n, "%s\n", h->extra);
	put(x, sizeof(x), &n, "x-ms-date:%s\n", date);
	if (h->range_lo >= 0)
		put(x, sizeof(x), &n, "x-ms-range:bytes=%lld-%lld\n",
		    (long long)h->range_lo, (long long)h->range_hi);
	err = put(x, sizeof(x), &n, "x-ms-version:%s\n", OS_AZURE_VERSION);
	if (err)
		return err;
	for (char *p = x, *e; (e = strchr(p, '\n')); p = e + 1) {
		*e = 0;
		*l = add(*l, p, &oom);
		*e = '\n';
	}
	/* curl asks a server for 100-continue before a large body: a round
	 * trip per PUT that a signed request does not need. */
	*l = add(*l, "Expect:", &oom);
	if (s->key) {
		err = azure_sign(s, h, q, path, x, line, sizeof(line));
		if (err)
			return err;
		*l = add(*l, line, &oom);
	}
	return oom ? -ENOMEM : 0;
}

void os_http_common(const struct dgen_objstore *s, CURL *e)
{
	const long t = (long)(s->stall_s * 1000.0);

	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, t);
	/* No byte moving for the I/O timeout fails the try: a dead or hung
	 * server ends the request, never the wait. */
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME,
			 (long)(s->stall_s + 0.999));
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)DGEN_OBJSTORE_CHUNK);
	if (s->ca_file)
		curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
}

int os_http_setup(const struct dgen_objstore *s, CURL *e,
		  const struct os_http *h, struct curl_slist **hdrs)
{
	struct os_param q[OS_PARAMS_MAX];
	char *url = malloc(URL_MAX);
	size_t path;
	int err;

	*hdrs = NULL;
	if (!url)
		return -ENOMEM;
	memcpy(q, h->q, h->nq * sizeof(*q));
	sort_params(q, h->nq);
	err = build_url(s, h, q, url, &path);
	if (!err && h->content_type) {
		char ct[128];

		snprintf(ct, sizeof(ct), "Content-Type: %s", h->content_type);
		*hdrs = curl_slist_append(NULL, ct);
		if (!*hdrs)
			err = -ENOMEM;
	}
	if (!err && s->kind == DGEN_OBJSTORE_S3) {
		err = s3_headers(s, h, hdrs);
		curl_easy_setopt(e, CURLOPT_AWS_SIGV4, s->sigv4);
		curl_easy_setopt(e, CURLOPT_USERPWD, s->userpwd);
	} else if (!err) {
		char *p = strchr(url + path, '?');

		if (p)
			*p = 0;
		err = azure_headers(s, h, q, url + path, hdrs);
		if (p)
			*p = '?';
	}
	if (!err) {
		curl_easy_setopt(e, CURLOPT_URL, url);
		curl_easy_setopt(e, CURLOPT_HTTPHEADER, *hdrs);
		if (h->body) {
			curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
					 (curl_off_t)h->length);
			curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body);
			if (strcmp(h->method, "POST"))
				curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, h->method);
		} else if (!strcmp(h->method, "HEAD")) {
			curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
		} else if (!strcmp(h->method, "PUT")) {
			curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
			curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE,
					 (curl_off_t)h->length);
		}
	}
	free(url);
	if (err) {
		curl_slist_free_all(*hdrs);
		*hdrs = NULL;
	}
	return err;
}

/* ===== Answers ===== */

int os_xml_value(const char *xml, size_t n, const char *tag, size_t *pos,
		 char *out, size_t len)
{
	char open[64], close[64];
	size_t from = pos ? *pos : 0, k = 0;
	const char *a, *b, *end = xml + n;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = from < n ? memmem(xml + from, n - from, open, strlen(open)) : NULL;
	if (!a)
		return -1;
	a += strlen(open);
	b = memmem(a, (size_t)(end - a), close, strlen(close));
	if (!b)
		return -1;
	if (pos)
		*pos = (size_t)(b - xml) + strlen(close);
	/* The five predefined entities; nothing else occurs in keys we make. */
	for (const char *p = a; p < b && k + 1 < len; p++) {
		static const struct { const char *e; char c; } ent[] = {
			{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
			{ "&quot;", '"' }, { "&apos;", '\'' },
		};
		unsigned int i;

		for (i = 0; *p == '&' && i < 5; i++)
			if (!strncmp(p, ent[i].e, strlen(ent[i].e)))
				break;
		if (*p == '&' && i < 5) {
			out[k++] = ent[i].c;
			p += strlen(ent[i].e) - 1;
		} else {
			out[k++] = *p;
		}
	}
	if (len)
		out[k] = 0;
	return (int)k;
}

int os_error_errno(CURLcode code, long status)
{
	switch (code) {
	case CURLE_OK:
		return status == 403 ? -EACCES : status == 404 ? -ENOENT : -EIO;
	case CURLE_COULDNT_CONNECT:
		return -ECONNREFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return -ETIMEDOUT;
	case CURLE_COULDNT_RESOLVE_HOST:
		return -EHOSTUNREACH;
	case CURLE_OUT_OF_MEMORY:
		return -ENOMEM;
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return -ECONNRESET;
	default:
		return -EIO;
	}
}

int os_retryable(CURLcode code, long status)
{
	switch (code) {
	case CURLE_OK:
		/* 500 InternalError, 502/504 from a balancer, 503 SlowDown
		 * and ServerBusy, 429 Too Many Requests. */
		return status == 500 || status == 502 || status == 503 ||
		       status == 504 || status == 429;
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}
