// SPDX-License-Identifier: MIT
/*
 * objstore_worker.c - a worker thread: one curl multi handle, up to depth
 * requests in flight per endpoint, each one unit of the job
 *
 * A PUT's body is generated in curl's read callback straight into the
 * buffer curl sends from (DGEN_OBJSTORE_CHUNK bytes, set as its upload
 * buffer), so the stream's bytes are written once, by the generator, and
 * copied once, by the kernel; a retry regenerates them (a stream is a pure
 * function of its offset). A GET's bytes are gathered into a buffer of the
 * same size and judged whenever it fills. A try that fails with a
 * retryable status or a broken connection is parked for an exponential
 * backoff with full jitter (AWS Architecture Blog, "Exponential Backoff
 * And Jitter", 2015) and tried again, a GET from the byte where it broke;
 * the retries stop at the count asked for or once the next try would
 * start past the I/O timeout counted from the first.
 *
 * A try with no byte moving for the idle limit fails. That limit and the
 * retries' bound are counted here, not by curl's low-speed timer, so that
 * a stopped process (a gap of DGEN_STOP_GAP_NS between two turns of the
 * loop, as the monitor's watchdog sees it) is not taken for a hung server:
 * both count again from the resume.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <dgen/monitor.h>

#include "objstore_job.h"

#define BACKOFF_BASE_NS	100000000ull	/* 100 ms, doubled per retry */
#define BACKOFF_CAP_NS	20000000000ull	/* 20 s, the AWS SDKs' cap */
#define POLL_MS		10

/* ===== Callbacks ===== */

static size_t on_read(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct os_req *r = arg;
	uint64_t left = r->len - r->pos;
	size_t n = size * nmemb < left ? size * nmemb : (size_t)left;

	if (__atomic_load_n(&r->j->abort, __ATOMIC_RELAXED))
		return CURL_READFUNC_ABORT;
	if (dgen_fmt_src_fill(&r->obj->fmt, &r->cur, buf, r->off + r->pos, n))
		return CURL_READFUNC_ABORT;
	r->pos += n;
	return n;
}

static void worker_resumed(struct os_worker *w, uint64_t now, uint64_t gap);

/*
 * The process was stopped if the worker's loop, which turns every
 * POLL_MS, has not looked for DGEN_STOP_GAP_NS: seen at the top of the
 * loop, or here, in a callback of the curl_multi_perform the stop fell in.
 */
static void worker_look(struct os_worker *w, uint64_t now)
{
	if (w->last_loop && now > w->last_loop &&
	    now - w->last_loop > DGEN_STOP_GAP_NS)
		worker_resumed(w, now, now - w->last_loop);
	w->last_loop = now;
}

/* curl's progress, about once a second and on every move: the idle limit. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
		       curl_off_t ultotal, curl_off_t ulnow)
{
	struct os_req *r = arg;
	const uint64_t moved = (uint64_t)dlnow + (uint64_t)ulnow;
	const uint64_t now = dgen_now_ns();

	(void)dltotal;
	(void)ultotal;
	worker_look(&r->j->w[r->worker], now);
	if (moved != r->moved || !r->moved_ns) {
		r->moved = moved;
		r->moved_ns = now;
		return 0;
	}
	if (now - r->moved_ns < (uint64_t)(r->j->s->stall_s * 1e9))
		return 0;
	r->stalled = 1;
	return 1;
}

/* curl rewinds a body it must send again (a redirect, an auth retry). */
static int on_seek(void *arg, curl_off_t off, int origin)
{
	struct os_req *r = arg;

	if (origin != SEEK_SET || off < 0 || (uint64_t)off > r->len)
		return CURL_SEEKFUNC_CANTSEEK;
	r->pos = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

static void keep_resp(struct os_req *r, const char *buf, size_t n)
{
	if (!r->resp && !(r->resp = malloc(OS_RESP_MAX + 1)))
		return;
	if (n > OS_RESP_MAX - r->resp_len)
		n = OS_RESP_MAX - r->resp_len;
	memcpy(r->resp + r->resp_len, buf, n);
	r->resp_len += n;
	r->resp[r->resp_len] = 0;
}

static size_t on_write(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct os_req *r = arg;
	size_t n = size * nmemb, took = 0;

	if (__atomic_load_n(&r->j->abort, __ATOMIC_RELAXED))
		return 0;
	if (r->op != OP_GET || (r->status != 206 &&
				!(r->status == 200 && r->off + r->pos == 0))) {
		keep_resp(r, buf, n);
		return n;
	}
	/* Bytes past the range asked for (a server that sent more) are
	 * not ours to judge. */
	while (took < n && r->pos < r->len) {
		size_t k = DGEN_OBJSTORE_CHUNK - r->cmp_fill;

		if (k > n - took)
			k = n - took;
		if (k > r->len - r->pos)
			k = (size_t)(r->len - r->pos);
		memcpy(r->cmp + r->cmp_fill, buf + took, k);
		r->cmp_fill += k;
		r->pos += k;
		took += k;
		if (r->cmp_fill == DGEN_OBJSTORE_CHUNK) {
			os_compare(r->j, r);
			r->cmp_base += r->cmp_fill;
			r->cmp_fill = 0;
		}
	}
	return n;
}

static size_t on_header(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct os_req *r = arg;
	size_t n = size * nmemb;
	char line[512];
	char *v;

	if (n >= sizeof(line))
		return n;
	memcpy(line, buf, n);
	line[n] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!strncmp(line, "HTTP/", 5)) {
		/* A new answer (after a 100 Continue, too): forget the last. */
		v = strchr(line, ' ');
		r->status = v ? strtol(v + 1, NULL, 10) : 0;
		r->cr_total = UINT64_MAX;
		r->etag[0] = 0;
		r->resp_len = 0;
	} else if (!strncasecmp(line, "ETag:", 5)) {
		for (v = line + 5; *v == ' '; v++)
			;
		if (strlen(v) < sizeof(r->etag))
			memcpy(r->etag, v, strlen(v) + 1);
	} else if (!strncasecmp(line, "Content-Range:", 14) &&
		   (v = strrchr(line, '/')) && v[1] != '*') {
		r->cr_total = strtoull(v + 1, NULL, 10);
	}
	return n;
}

/* ===== Requests ===== */

/* The block id of part @p: base64 of 12 bytes, so all ids are one length. */
static void block_id(char *out, uint32_t p)
{
	char raw[16];

	/* Parts number below DGEN_OBJSTORE_PARTS_MAX: eight digits suffice. */
	snprintf(raw, sizeof(raw), "dgen%08u", p % 100000000u);
	os_base64(out, (const unsigned char *)raw, 12);
}

/* The XML of an S3 complete or an Azure block list into r->body. */
static int list_body(struct os_req *r, size_t *len)
{
	const struct os_obj *o = r->obj;
	const int az = r->j->s->kind == DGEN_OBJSTORE_AZURE;
	size_t need = 128 + (size_t)o->nparts * (az ? 48 : 160), n;

	if (need > r->body_cap) {
		char *b = realloc(r->body, need);

		if (!b)
			return -ENOMEM;
		r->body = b;
		r->body_cap = need;
	}
	n = (size_t)sprintf(r->body, az ? "<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>" :
			    "<CompleteMultipartUpload>");
	for (uint32_t p = 0; p < o->nparts; p++) {
		char id[32];

		if (az) {
			block_id(id, p);
			n += (size_t)sprintf(r->body + n, "<Latest>%s</Latest>", id);
		} else {
			n += (size_t)sprintf(r->body + n,
					     "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
					     p + 1, o->etags[p]);
		}
	}
	n += (size_t)sprintf(r->body + n, az ? "</BlockList>" :
			     "</CompleteMultipartUpload>");
	*len = n;
	return 0;
}

/* The payload's SHA-256, in hex, generating the unit's bytes once more. */
static int payload_sha(struct os_req *r, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = c && EVP_DigestInit_ex(c, EVP_sha256(), NULL);

	for (uint64_t at = 0; ok && at < r->len; at += DGEN_OBJSTORE_CHUNK) {
		size_t n = r->len - at < DGEN_OBJSTORE_CHUNK ? (size_t)(r->len - at) :
			   DGEN_OBJSTORE_CHUNK;

		ok = !dgen_fmt_src_fill(&r->obj->fmt, &r->cur, r->cmp,
					r->off + at, n) &&
		     EVP_DigestUpdate(c, r->cmp, n);
	}
	ok = ok && EVP_DigestFinal_ex(c, md, &mdlen);
	EVP_MD_CTX_free(c);
	for (unsigned int i = 0; ok && i < mdlen; i++)
		sprintf(hex + 2 * i, "%02x", md[i]);
	return ok ? 0 : -ENOMEM;
}

/* Set @r's easy handle up for its unit's next try. */
static int req_setup(struct os_req *r)
{
	struct dgen_objstore_job *j = r->j;
	const struct dgen_objstore *s = j->s;
	const int az = s->kind == DGEN_OBJSTORE_AZURE;
	char key[4096], num[16], id[32], sha[2 * EVP_MAX_MD_SIZE + 1];
	struct os_http h = { .endpoint = r->ep, .key = key, .length = -1,
			     .range_lo = -1, .range_hi = -1 };
	size_t blen;
	int err;

	if (os_key_of(s, j->o.tree, j->o.fanout, r->obj->index, os_suffix(&j->o),
		      key, sizeof(key)) < 0)
		return -ENAMETOOLONG;
	curl_easy_reset(r->e);
	os_http_common(s, r->e);
	/* The idle limit is on_progress's, which knows of stops. */
	curl_easy_setopt(r->e, CURLOPT_LOW_SPEED_TIME, 0L);
	curl_easy_setopt(r->e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(r->e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(r->e, CURLOPT_XFERINFODATA, r);
	r->moved_ns = 0;
	r->moved = 0;
	r->stalled = 0;
	r->status = 0;
	r->cr_total = UINT64_MAX;
	r->resp_len = 0;
	r->etag[0] = 0;
	switch (r->op) {
	case OP_PUT:
	case OP_PART:
		h.method = "PUT";
		h.length = (int64_t)r->len;
		r->pos = 0;
		if (r->op == OP_PUT && az)
			h.extra = "x-ms-blob-type:BlockBlob";
		if (r->op == OP_PART && az) {
			block_id(id, r->part);
			h.q[h.nq++] = (struct os_param) { "comp", "block" };
			h.q[h.nq++] = (struct os_param) { "blockid", id };
		} else if (r->op == OP_PART) {
			snprintf(num, sizeof(num), "%u", r->part + 1);
			h.q[h.nq++] = (struct os_param) { "partNumber", num };
			h.q[h.nq++] = (struct os_param) { "uploadId", r->obj->upload_id };
		}
		if (!az && (s->flags & DGEN_OBJSTORE_SIGNED_PAYLOAD)) {
			if ((err = payload_sha(r, sha)))
				return err;
			h.payload_sha = sha;
		}
		curl_easy_setopt(r->e, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(r->e, CURLOPT_READDATA, r);
		curl_easy_setopt(r->e, CURLOPT_SEEKFUNCTION, on_seek);
		curl_easy_setopt(r->e, CURLOPT_SEEKDATA, r);
		break;
	case OP_CREATE:
		h.method = "POST";
		h.body = "";
		h.length = 0;
		/* S3 gives the object the create's Content-Type. */
		h.content_type = "application/octet-stream";
		h.q[h.nq++] = (struct os_param) { "uploads", "" };
		break;
	case OP_COMPLETE:
		if ((err = list_body(r, &blen)))
			return err;
		h.method = az ? "PUT" : "POST";
		h.body = r->body;
		h.length = (int64_t)blen;
		h.content_type = "application/xml";
		if (az)
			h.q[h.nq++] = (struct os_param) { "comp", "blocklist" };
		else
			h.q[h.nq++] = (struct os_param) { "uploadId", r->obj->upload_id };
		break;
	case OP_GET:
		h.method = "GET";
		h.range_lo = (int64_t)(r->off + r->pos);
		h.range_hi = (int64_t)(r->off + r->len - 1);
		break;
	}
	curl_easy_setopt(r->e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(r->e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(r->e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(r->e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(r->e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->e, CURLOPT_PRIVATE, r);
	r->errbuf[0] = 0;
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
	return os_http_setup(s, r->e, &h, &r->hdrs);
}

static void try_start(struct os_worker *w, struct os_req *r)
{
	uint64_t now = dgen_now_ns();
	struct os_tstat *st = &w->st[r->ep];
	int err;

	if (!r->e && !(r->e = curl_easy_init())) {
		err = -ENOMEM;
	} else {
		err = req_setup(r);
		if (!err && curl_multi_add_handle(w->multi, r->e) != CURLM_OK)
			err = -ENOMEM;
	}
	if (err) {
		os_fail(w->j, r, err, strerror(-err));
		os_unit_done(w->j, r, 0);
		r->busy = 0;
		return;
	}
	if (!st->first_ns)
		st->first_ns = now;
	r->active = 1;
	__atomic_store_n(&r->since, now, __ATOMIC_RELEASE);
}

/* A unit ended: account for it, and send an S3/Azure complete if due. */
static void unit_end(struct os_worker *w, struct os_req *r, int ok)
{
	struct os_tstat *st = &w->st[r->ep];
	const int data = r->op == OP_PUT || r->op == OP_PART || r->op == OP_GET;
	curl_off_t ttfb = 0, total = 0;

	if (ok && data) {
		curl_easy_getinfo(r->e, CURLINFO_STARTTRANSFER_TIME_T, &ttfb);
		curl_easy_getinfo(r->e, CURLINFO_TOTAL_TIME_T, &total);
		dgen_latency_add(&st->ttfb, (uint64_t)ttfb * 1000u);
		dgen_latency_add(&st->total, (uint64_t)total * 1000u);
		__atomic_store_n(&st->requests, st->requests + 1, __ATOMIC_RELAXED);
		__atomic_store_n(&st->bytes, st->bytes + r->pos, __ATOMIC_RELAXED);
		st->last_ns = dgen_now_ns();
	}
	if (os_unit_done(w->j, r, ok)) {
		r->op = OP_COMPLETE;
		r->tries = 0;
		r->first_ns = dgen_now_ns();
		r->not_before = 0;
		try_start(w, r);
		return;
	}
	if (ok && !r->obj && r->op != OP_CREATE)
		__atomic_store_n(&st->objects, st->objects + 1, __ATOMIC_RELAXED);
	r->busy = 0;
}

/* "HTTP 503 SlowDown: Please reduce your request rate." or curl's words. */
static void describe(const struct os_req *r, CURLcode code, char *out,
		     size_t len)
{
	char c[128] = "", m[192] = "";

	if (code != CURLE_OK) {
		snprintf(out, len, "%s", r->errbuf[0] ? r->errbuf :
			 curl_easy_strerror(code));
		return;
	}
	if (r->resp) {
		os_xml_value(r->resp, r->resp_len, "Code", NULL, c, sizeof(c));
		os_xml_value(r->resp, r->resp_len, "Message", NULL, m, sizeof(m));
	}
	m[strcspn(m, "\r\n")] = 0;
	snprintf(out, len, "HTTP %ld%s%s%s%s", r->status, *c ? " " : "", c,
		 *m ? ": " : "", m);
}

/* The answer's XML error code is one of @codes (NUL-separated). */
static int resp_code_is(const struct os_req *r, const char *a, const char *b)
{
	char c[128];

	return r->resp && os_xml_value(r->resp, r->resp_len, "Code", NULL, c,
				       sizeof(c)) > 0 &&
	       (!strcmp(c, a) || !strcmp(c, b));
}

/* The try of @r ended with @code: done, retried later, or failed. */
static void try_end(struct os_worker *w, struct os_req *r, CURLcode code)
{
	struct dgen_objstore_job *j = w->j;
	struct os_tstat *st = &w->st[r->ep];
	uint64_t now = dgen_now_ns(), delay, cap;
	const long s = r->status;
	int ok = code == CURLE_OK && s >= 200 && s < 300;
	char what[320];

	curl_multi_remove_handle(w->multi, r->e);
	if (r->stalled && code == CURLE_ABORTED_BY_CALLBACK) {
		code = CURLE_OPERATION_TIMEDOUT;
		snprintf(r->errbuf, sizeof(r->errbuf),
			 "no byte moved for %.1f s", j->s->stall_s);
	}
	r->active = 0;
	__atomic_store_n(&r->since, 0, __ATOMIC_RELEASE);
	if (code == CURLE_OK && s >= 400)
		__atomic_store_n(&st->http_errors, st->http_errors + 1,
				 __ATOMIC_RELAXED);
	/* S3 may answer a complete with 200 and an error in the body. */
	if (ok && r->op == OP_COMPLETE && r->resp &&
	    strstr(r->resp, "<Error>")) {
		ok = 0;
		r->status = 500;
	}
	if (ok && r->op == OP_CREATE) {
		char id[1024];

		ok = r->resp && os_xml_value(r->resp, r->resp_len, "UploadId",
					     NULL, id, sizeof(id)) > 0 &&
		     (r->obj->upload_id = strdup(id));
	}
	/* Verifying, a missing object or range is a finding, not a failure
	 * (but a missing bucket is). */
	if (r->op == OP_GET && code == CURLE_OK &&
	    ((s == 404 && !resp_code_is(r, "NoSuchBucket", "ContainerNotFound")) ||
	     s == 416))
		ok = 1;
	if (ok && r->op == OP_PART && r->obj->etags)
		memcpy(r->obj->etags[r->part], r->etag, sizeof(r->etag));
	if (ok) {
		if (r->op == OP_GET && r->cmp_fill) {
			os_compare(j, r);
			r->cmp_base += r->cmp_fill;
			r->cmp_fill = 0;
		}
		unit_end(w, r, 1);
		return;
	}
	/* Full jitter: a uniform delay up to base x 2^tries (xorshift64). */
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	cap = BACKOFF_BASE_NS << (r->tries < 16 ? r->tries : 16);
	delay = w->rng % ((cap < BACKOFF_CAP_NS ? cap : BACKOFF_CAP_NS) + 1);
	if (!os_stopping(j) && os_retryable(code, r->status) &&
	    r->tries < j->s->retries &&
	    now + delay - r->first_ns < (uint64_t)(j->s->io_timeout_s * 1e9)) {
		r->tries++;
		__atomic_store_n(&st->retries, st->retries + 1, __ATOMIC_RELAXED);
		r->not_before = now + delay;
		return;
	}
	describe(r, code, what, sizeof(what));
	if (r->tries) {
		size_t n = strlen(what);

		snprintf(what + n, sizeof(what) - n, " (after %u %s)", r->tries,
			 r->tries == 1 ? "retry" : "retries");
	}
	if (!(os_stopping(j) && code == CURLE_ABORTED_BY_CALLBACK))
		os_fail(j, r, os_error_errno(code, r->status), what);
	unit_end(w, r, 0);
}

/* ===== The loop ===== */

/* Hand free slots new units; 1 when every endpoint is out of work. */
static int fill_slots(struct os_worker *w, uint64_t now)
{
	struct dgen_objstore_job *j = w->j;
	int all_done = 1;

	for (unsigned int k = 0; k < j->E; k++) {
		enum os_claim c = CLAIM_UNIT;

		for (unsigned int q = 0; q < j->Q && c == CLAIM_UNIT; q++) {
			struct os_req *r = &w->req[k * j->Q + q];

			if (r->busy)
				continue;
			c = os_claim(j, k, r);
			if (c != CLAIM_UNIT)
				break;
			r->busy = 1;
			r->tries = 0;
			r->pos = 0;
			r->first_ns = now;
			r->cmp_base = r->off;
			r->cmp_fill = 0;
			r->blocks = 0;
			r->framing = r->last_framing = 0;
			r->cur = (struct dgen_fmt_cursor) { 0 };
			r->not_before = r->op == OP_CREATE ? 0 :
					dgen_rate_take(&j->rate, r->len, now);
		}
		if (c != CLAIM_DONE)
			all_done = 0;
	}
	return all_done;
}

/* Start what may start now; the ms until the next parked try (or -1). */
static long start_due(struct os_worker *w, uint64_t now, unsigned int *busy)
{
	const unsigned int n = w->j->E * w->j->Q;
	uint64_t next = UINT64_MAX;

	*busy = 0;
	for (unsigned int q = 0; q < n; q++) {
		struct os_req *r = &w->req[q];

		if (r->busy && !r->active && r->not_before <= now)
			try_start(w, r);
		else if (r->busy && !r->active && r->not_before < next)
			next = r->not_before;
		*busy += r->busy;
	}
	return next == UINT64_MAX ? -1 : (long)((next - now) / 1000000u);
}

static int worker_init(struct os_worker *w)
{
	const unsigned int n = w->j->E * w->j->Q;

	w->multi = curl_multi_init();
	if (!w->multi)
		return -ENOMEM;
	for (unsigned int q = 0; q < n; q++) {
		struct os_req *r = &w->req[q];

		if (w->j->o.mode == DGEN_MODE_VERIFY ||
		    (w->j->s->flags & DGEN_OBJSTORE_SIGNED_PAYLOAD)) {
			r->cmp = aligned_alloc(64, DGEN_OBJSTORE_CHUNK);
			if (!r->cmp)
				return -ENOMEM;
		}
	}
	return 0;
}

static void worker_end(struct os_worker *w)
{
	const unsigned int n = w->j->E * w->j->Q;

	for (unsigned int q = 0; q < n; q++) {
		struct os_req *r = &w->req[q];

		if (r->e) {
			if (r->active)
				curl_multi_remove_handle(w->multi, r->e);
			curl_easy_cleanup(r->e);
		}
		curl_slist_free_all(r->hdrs);
		free(r->resp);
		free(r->body);
		free(r->cmp);
		__atomic_store_n(&r->since, 0, __ATOMIC_RELEASE);
	}
	if (w->multi)
		curl_multi_cleanup(w->multi);
}

/*
 * The loop did not run for a while (@gap ns to @now): the process was
 * stopped. The time is no request's: idle limits and retry bounds count
 * again from now, and backoffs end no earlier than they would have.
 */
static void worker_resumed(struct os_worker *w, uint64_t now, uint64_t gap)
{
	const unsigned int n = w->j->E * w->j->Q;

	for (unsigned int q = 0; q < n; q++) {
		struct os_req *r = &w->req[q];

		if (!r->busy)
			continue;
		if (r->active && r->moved_ns)
			r->moved_ns = now;
		/* The watchdog's count too, should the monitor not see the
		 * stop itself (it began between the job's start and its
		 * attach). */
		if (r->active)
			__atomic_store_n(&r->since, now, __ATOMIC_RELEASE);
		r->first_ns += gap;
		if (!r->active && r->not_before)
			r->not_before += gap;
	}
}

void *os_worker_main(void *arg)
{
	struct os_worker *w = arg;
	struct dgen_objstore_job *j = w->j;
	int err = worker_init(w), done = 0;

	if (err)
		os_fail(j, NULL, err, "out of memory");
	while (!err && !__atomic_load_n(&j->abort, __ATOMIC_RELAXED)) {
		uint64_t now = dgen_now_ns();
		unsigned int busy;
		int running, left;
		long wait;
		CURLMsg *m;

		worker_look(w, now);
		if (!done)
			done = fill_slots(w, now);
		wait = start_due(w, now, &busy);
		if (done && !busy)
			break;
		curl_multi_perform(w->multi, &running);
		while ((m = curl_multi_info_read(w->multi, &left)))
			if (m->msg == CURLMSG_DONE) {
				struct os_req *r;

				curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
						  (char **)&r);
				try_end(w, r, m->data.result);
			}
		if (wait < 0 || wait > POLL_MS)
			wait = POLL_MS;
		curl_multi_poll(w->multi, NULL, 0, (int)wait, NULL);
		/* Once stopping, nothing new is claimed; what is busy ends. */
		if (os_stopping(j))
			done = 1;
	}
	worker_end(w);
	__atomic_sub_fetch(&j->running, 1, __ATOMIC_RELEASE);
	return NULL;
}
