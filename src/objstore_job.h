/* SPDX-License-Identifier: MIT */
/*
 * objstore_job.h - a job's state, shared by its dispenser and lifecycle
 * (objstore_job.c), its worker threads (objstore_worker.c) and its
 * figures and findings (objstore_stats.c)
 *
 * Work is cut into units: a whole object (one PUT, or one ranged GET
 * when verifying), or one part of it (an UploadPart or Put Block, a
 * ranged GET), plus the create and complete of an S3 multipart upload
 * and Azure's block list. A part is a part size of payload, with the
 * framing between (os_unit_off): no block, no format structure, is split
 * between two requests, so each is judged once. Each endpoint has its own dispenser over its
 * objects (i = k, k + E, k + 2E, ... for endpoint k of E), so a slow
 * endpoint holds only its own requests; every worker keeps up to depth
 * requests in flight per endpoint.
 */
#ifndef DGEN_OBJSTORE_JOB_H
#define DGEN_OBJSTORE_JOB_H

#include <pthread.h>

#include <dgen/rate.h>

#include "format_impl.h"
#include "objstore_impl.h"

#define OS_ETAG_MAX	80		/* S3 ETags are quoted MD5s (34) */
#define OS_RESP_MAX	(64u << 10)	/* XML answers and error bodies kept */

enum os_op {
	OP_PUT,				/* a whole object */
	OP_CREATE,			/* S3 CreateMultipartUpload */
	OP_PART,			/* UploadPart / Put Block */
	OP_COMPLETE,			/* CompleteMultipartUpload / Put Block List */
	OP_GET,				/* a ranged GET */
};

/* An object being worked on: made by the dispenser, freed when its last
 * unit ends (or with the job). Guarded by its endpoint's lock. */
struct os_obj {
	uint64_t index;
	int ready;			/* its stream and format are made */
	uint32_t nparts, dispensed, done, inflight;
	int creating, created;		/* S3 multipart upload */
	int failed;
	char *upload_id;
	char (*etags)[OS_ETAG_MAX];	/* S3: one per part */
	struct dgen_stream *stream, *prev;
	struct dgen_fmt_src fmt;	/* its bytes (raw: the stream's) */
	/* Verify: what its ranges found. */
	int missing;
	uint64_t held;			/* the size it holds; UINT64_MAX unknown */
	uint64_t past_end;		/* lowest range start past its end */
	uint64_t blocks, first_bad;
	enum dgen_mismatch_kind first_kind;
	uint64_t framing, first_framing;
	struct os_obj *prev_live, *next_live;
};

struct os_ep {
	pthread_mutex_t lock;
	uint64_t next, count;		/* this endpoint's objects: next one */
	struct os_obj *live, *tail;	/* being worked on, oldest first */
};

/* One thread's figures for one endpoint; written by that thread alone. */
struct os_tstat {
	uint64_t bytes, objects, requests, retries, http_errors;
	uint64_t first_ns, last_ns;
	uint64_t mismatches, bad_sectors, framing;
	uint64_t kinds[DGEN_MISMATCH_KINDS];
	struct dgen_latency ttfb, total;
} __attribute__((aligned(64)));

/* A request slot of a worker (one per endpoint x depth). */
struct os_req {
	struct dgen_objstore_job *j;
	unsigned int ep, worker;
	CURL *e;
	struct curl_slist *hdrs;
	enum os_op op;			/* valid while busy */
	struct os_obj *obj;
	uint64_t index;			/* atomic: its object's, for a watchdog */
	uint32_t part;
	uint64_t off, len;		/* object bytes of the unit */
	uint64_t pos;			/* bytes moved in this unit */
	struct dgen_fmt_cursor cur;	/* formatted: where fill stands */
	unsigned int tries;
	uint64_t first_ns, not_before;
	uint64_t since;			/* atomic: this try's start; 0 idle */
	uint64_t moved_ns, moved;	/* this try: bytes last moved, when */
	int stalled;			/* this try: idle past the limit */
	int busy, active;		/* holds a unit; added to the multi */
	/* Answers. */
	long status;
	uint64_t cr_total;		/* Content-Range total; UINT64_MAX none */
	char etag[OS_ETAG_MAX];
	char *resp;
	size_t resp_len;
	char *body;			/* request body (XML lists) */
	size_t body_cap;
	/* Verify: bytes waiting for a compare, what they showed. */
	uint8_t *cmp;
	size_t cmp_fill;
	uint64_t cmp_base;		/* object offset of cmp[0] */
	uint64_t blocks, first_bad;
	enum dgen_mismatch_kind first_kind;
	uint64_t last_block;		/* the last bad block (a block split
					   by framing is judged in pieces) */
	uint64_t framing, first_framing, last_framing; /* structures: +1 */
	char errbuf[CURL_ERROR_SIZE];
};

struct os_worker {
	struct dgen_objstore_job *j;
	unsigned int id;
	pthread_t tid;
	CURLM *multi;
	struct os_req *req;		/* endpoints x depth */
	struct os_tstat *st;		/* one per endpoint */
	uint64_t rng;
	uint64_t last_loop;		/* its loop's last look; 0 none */
	int started;
};

/* The bad objects of lowest index, max_report of them. */
struct os_badkeep {
	pthread_mutex_t lock;
	struct dgen_objstore_bad *v;
	unsigned int n, cap;
	uint64_t count, kinds[DGEN_OBJSTORE_BAD_KINDS];
};

struct dgen_objstore_job {
	struct dgen_objstore *s;
	struct dgen_objstore_job_opts o;
	uint64_t part_size;
	uint32_t nparts;
	struct dgen_fmt_src shape;	/* sizes and offsets, no stream */
	struct dgen_fmt_template h5;	/* HDF5: what surrounds the payload */
	unsigned int E, Q, T;
	struct os_ep *eps;
	struct os_worker *w;
	struct dgen_rate rate;
	struct dgen_mismatch_keep *keep;
	struct os_badkeep bad;
	int stop, abort;		/* atomic */
	unsigned int running;		/* atomic */
	uint64_t t0, t1;
	pthread_mutex_t err_lock;
	struct dgen_objstore_result res;
	const struct dgen_verify_mismatch *report;
};

/* ===== The dispenser (objstore_job.c) ===== */

enum os_claim { CLAIM_UNIT, CLAIM_WAIT, CLAIM_DONE };

/* os_claim - the next unit of endpoint @ep for @r. */
enum os_claim os_claim(struct dgen_objstore_job *j, unsigned int ep,
		       struct os_req *r);

/*
 * os_unit_done - @r's unit ended (@ok: it did its work). Returns 1 when
 * the object now needs its complete (the caller sends it on @r), else 0;
 * finishes the object (and records its findings) when it was the last.
 */
int os_unit_done(struct dgen_objstore_job *j, struct os_req *r, int ok);

/* os_unit_off - the object offset where part @p begins (nparts: its end). */
uint64_t os_unit_off(const struct dgen_objstore_job *j, uint32_t p);

/* os_stopping - a stop, an abort or a failure ended the job's dispensing. */
int os_stopping(const struct dgen_objstore_job *j);

/* ===== Workers (objstore_worker.c) ===== */

void *os_worker_main(void *arg);

/* ===== Figures and findings (objstore_stats.c) ===== */

/* os_compare - judge @r's buffered bytes (cmp, cmp_fill) of its object. */
void os_compare(struct dgen_objstore_job *j, struct os_req *r);

/* os_bad_add - object @o is finished with a finding: keep it. */
void os_bad_add(struct dgen_objstore_job *j, const struct os_obj *o,
		unsigned int ep);

/* os_fail - the job's first failure, from @r (NULL: no request's; the
 * job then stops). */
void os_fail(struct dgen_objstore_job *j, struct os_req *r, int err,
	     const char *what);

/* os_result - sum the workers' figures into j->res. */
void os_result(struct dgen_objstore_job *j);

#endif /* DGEN_OBJSTORE_JOB_H */
