/* SPDX-License-Identifier: MIT */
/*
 * dgen/objstore.h - write and verify streams as S3 and Azure Blob objects
 *
 * An object store is a bucket (S3) or a container (Azure Blob) behind one
 * or more endpoints, named by a URL: s3://BUCKET/PREFIX or
 * az://CONTAINER/PREFIX. A job writes, or reads back and checks, a set of
 * objects: one object whose key is the URL's, or a tree of N objects whose
 * keys are the paths a file tree gives its files (PREFIX/d000/f000003 for
 * object 3, dgen/tree.h). Object i holds stream (first stream id + i), so
 * any object can be regenerated and checked from the job's parameters,
 * with no stored copy; in a dataset format (npz, TFRecord, HDF5) the
 * stream is the payload, as in a tree's files, and the keys take the
 * format's suffix.
 *
 * The client is libcurl's multi interface: each worker thread keeps up to
 * depth requests in flight per endpoint, and generates each PUT's bytes
 * straight into the buffer curl sends from (its read callback), so no
 * object or part is ever held whole in memory. Objects above the part size
 * go up as multipart uploads (S3) or blocks and a block list (Azure).
 * Verifying reads ranged GETs and compares what arrives against the
 * regenerated stream, a buffer of DGEN_OBJSTORE_CHUNK bytes per request.
 * S3 requests are signed with SigV4 by curl (CURLOPT_AWS_SIGV4, with an
 * x-amz-content-sha256 header), Azure ones with SharedKey (HMAC-SHA256
 * from libcrypto) or carry a SAS token; TLS is curl's.
 *
 * Configuration is the standard one, read when a store is made:
 *   S3: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 *       AWS_REGION / AWS_DEFAULT_REGION, AWS_ENDPOINT_URL_S3 /
 *       AWS_ENDPOINT_URL, AWS_CA_BUNDLE; else the profile AWS_PROFILE
 *       (or default) of ~/.aws/credentials and ~/.aws/config
 *       (AWS_SHARED_CREDENTIALS_FILE, AWS_CONFIG_FILE). A custom endpoint
 *       is addressed path-style (ENDPOINT/BUCKET/KEY).
 *   Azure: AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with
 *       AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN.
 *
 * Errors: 503 (SlowDown), 500, 502, 504, 429 and broken connections are
 * retried with exponential backoff and full jitter, up to the retries
 * asked for and never past the I/O timeout counted from the request's
 * first try; then the job fails with the key, the endpoint and the HTTP
 * status or curl's error. A request that moves no byte for the I/O
 * timeout fails, so a dead server ends a job within that bound.
 *
 * Nothing is ever deleted: keys that exist are refused before a job
 * writes (dgen_objstore_prepare) unless forced, which overwrites them.
 */
#ifndef DGEN_OBJSTORE_H
#define DGEN_OBJSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/latency.h>
#include <dgen/mismatch.h>
#include <dgen/sample.h>
#include <dgen/stream.h>
#include <dgen/tree.h>
#include <dgen/writer.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Stores ===== */

enum dgen_objstore_kind {
	DGEN_OBJSTORE_S3,
	DGEN_OBJSTORE_AZURE,
};

/* Parts of 16 MiB: the middle of the 8-32 MiB that S3 clients use. */
#define DGEN_OBJSTORE_PART_SIZE_DEFAULT	(16ull << 20)
/* S3's smallest part but the last; parts are whole MiB. */
#define DGEN_OBJSTORE_PART_SIZE_MIN	(5ull << 20)
#define DGEN_OBJSTORE_PART_SIZE_MAX	(5ull << 30)
/* S3 takes 10000 parts, Azure 50000 blocks: the lower for both. */
#define DGEN_OBJSTORE_PARTS_MAX		10000u
#define DGEN_OBJSTORE_RETRIES_DEFAULT	5u
#define DGEN_OBJSTORE_DEPTH_DEFAULT	8u
#define DGEN_OBJSTORE_ENDPOINTS_MAX	32u
/* What one request holds in memory: curl's send buffer, or the bytes of
 * a GET waiting to be compared (a multiple of every dedup unit). */
#define DGEN_OBJSTORE_CHUNK		(1u << 20)

/* Sign the payload's SHA-256 (x-amz-content-sha256) instead of
 * UNSIGNED-PAYLOAD: each part is generated twice. */
#define DGEN_OBJSTORE_SIGNED_PAYLOAD	(1u << 0)

struct dgen_objstore_opts {
	const char *url;		/* s3://BUCKET[/PREFIX] or
					   az://CONTAINER[/PREFIX] */
	const char *const *endpoints;	/* URLs (http:// or https://); NULL:
					   the configured one */
	unsigned int nendpoints;
	unsigned int retries;		/* tries after the first */
	double io_timeout_s;		/* a request idle this long fails, and
					   retries stop this long after a
					   request's first try (> 0) */
	unsigned int flags;		/* DGEN_OBJSTORE_SIGNED_PAYLOAD */
	double stall_s;			/* a try idle this long fails (0: the
					   I/O timeout): longer lets a watchdog
					   of the caller's (dgen/monitor.h) name
					   a stalled request first */
};

/* dgen_objstore_opts_init - no URL, the configured endpoint, 5 retries,
 * 30 s, unsigned payloads. */
void dgen_objstore_opts_init(struct dgen_objstore_opts *o);

/*
 * dgen_objstore_supported - 1 when this libdgen was built with libcurl and
 * libcrypto (the meson feature objstore), else 0: then every other call
 * here refuses with -EOPNOTSUPP.
 */
int dgen_objstore_supported(void);

/* dgen_objstore_url_is - 1 when @s names an object store: "s3://..." or
 * "az://...". */
int dgen_objstore_url_is(const char *s);

struct dgen_objstore;

/*
 * dgen_objstore_new - parse @o->url, read the configuration (above) and
 * check it is complete: credentials found, each endpoint an http(s) URL,
 * at most DGEN_OBJSTORE_ENDPOINTS_MAX of them. Nothing is sent.
 *
 * Returns 0 and sets *@out, or a negative errno with a sentence in @msg:
 * -EINVAL (a bad URL or endpoint, a malformed connection string),
 * -ENOKEY (no credentials), -EOPNOTSUPP (built without libcurl), -ENOMEM.
 */
int dgen_objstore_new(struct dgen_objstore **out,
		      const struct dgen_objstore_opts *o,
		      char *msg, size_t msglen);

/* dgen_objstore_free - release @s; NULL is allowed. */
void dgen_objstore_free(struct dgen_objstore *s);

/* What a store resolved to; the strings live as long as the store. */
struct dgen_objstore_info {
	enum dgen_objstore_kind kind;
	const char *bucket;		/* or container */
	const char *prefix;		/* the URL's key or prefix ("" none) */
	const char *region;		/* S3: the signing region */
	const char *account;		/* Azure: the storage account */
	const char *credentials;	/* where they came from, for a report:
					   "environment", "profile default
					   (/root/.aws/credentials)",
					   "connection string", "SAS token" */
	unsigned int nendpoints;
	int path_style;			/* S3: ENDPOINT/BUCKET/KEY */
};

/* dgen_objstore_info_get - what @s resolved to. */
void dgen_objstore_info_get(const struct dgen_objstore *s,
			    struct dgen_objstore_info *out);

/* dgen_objstore_endpoint - the URL of endpoint @k; NULL past the last. */
const char *dgen_objstore_endpoint(const struct dgen_objstore *s,
				   unsigned int k);

/* ===== Jobs ===== */

struct dgen_objstore_job_opts {
	enum dgen_writer_mode mode;	/* write, or read back and compare */
	uint64_t objects;		/* how many */
	uint64_t object_size;		/* stream bytes each (> 0): the
					   payload of a formatted object */
	enum dgen_format format;	/* raw (the stream alone), or a dataset
					   format around it (dgen/tree.h) */
	uint32_t record_size;		/* TFRecord; 0: DGEN_RECORD_SIZE_DEFAULT */
	int tree;			/* 1: object i's key is the tree path
					   PREFIX/dXXX/fYYYYYY; 0: one object,
					   the URL's key */
	uint32_t fanout;		/* tree: 0 is DGEN_TREE_FANOUT_DEFAULT */
	/* Object i holds stream params.stream_id + i of params.seed (its
	   size is set per object); verifying, a block holding what the
	   same stream of prev_seed puts there is stale. */
	struct dgen_stream_params params;
	int has_prev;
	uint64_t prev_seed;
	uint64_t part_size;		/* multipart above it; 0: the default */
	uint32_t threads;		/* worker threads, one curl multi each */
	uint32_t depth;			/* requests in flight per thread and
					   endpoint */
	uint32_t max_report;		/* bad blocks and bad objects kept */
	uint64_t rate;			/* bytes per second, all threads; 0: no cap */
};

/* dgen_objstore_job_opts_init - write one object, the default part size,
 * 1 thread, depth 8, 20 reported, no cap. */
void dgen_objstore_job_opts_init(struct dgen_objstore_job_opts *o);

/*
 * dgen_objstore_key - the key of object @i of a job with @o on @s into
 * @buf (a tree's keys end with the format's suffix, ".npz"). Returns its
 * length, or -ENAMETOOLONG.
 */
int dgen_objstore_key(const struct dgen_objstore *s,
		      const struct dgen_objstore_job_opts *o, uint64_t i,
		      char *buf, size_t len);

/* dgen_objstore_prepare flags: overwrite existing keys. */
#define DGEN_OBJSTORE_FORCE		(1u << 0)

/*
 * dgen_objstore_prepare - before writing: check that the bucket answers
 * and that none of the job's keys exists (one HEAD for a single object, a
 * listing of the prefix for a tree), on endpoint 0. With
 * DGEN_OBJSTORE_FORCE existing keys are allowed (writing replaces them;
 * nothing is deleted).
 *
 * Returns 0, -EEXIST naming the first existing key in @msg, or -ENOENT (no
 * such bucket), -EACCES (refused credentials), -EIO (another HTTP status),
 * or the error of a request that failed, each with a sentence in @msg.
 */
int dgen_objstore_prepare(struct dgen_objstore *s,
			  const struct dgen_objstore_job_opts *o,
			  unsigned int flags, char *msg, size_t msglen);

/* What a job will do, for a plan. */
struct dgen_objstore_plan {
	uint64_t object_bytes;		/* each object's bytes (format included) */
	uint64_t part_size;		/* raised to fit DGEN_OBJSTORE_PARTS_MAX;
					   of payload: a formatted object's
					   parts also take the framing between */
	uint32_t parts;			/* per object; 1: single PUTs */
	uint32_t threads, depth, endpoints;
	uint64_t requests;		/* in flight at most: threads x
					   endpoints x depth */
	uint64_t memory_bound;		/* requests x part size: what parts in
					   flight could hold */
	uint64_t memory;		/* what is allocated: requests x
					   DGEN_OBJSTORE_CHUNK */
};

/* The figures of one endpoint (or of all, summed). */
struct dgen_objstore_stats {
	uint64_t bytes;			/* payload bytes sent or received */
	uint64_t objects;		/* objects done in full */
	uint64_t requests;		/* data requests (PUT, part, GET) done */
	uint64_t mismatches;		/* verify: bad blocks */
	uint64_t framing;		/* verify: framing structures that
					   differ (formatted objects) */
	uint64_t retries;		/* tries after a retryable failure */
	uint64_t http_errors;		/* answers of status 400 and up */
	uint64_t first_ns, last_ns;	/* CLOCK_MONOTONIC: first request
					   started, last one done; 0: none */
	struct dgen_latency ttfb;	/* per data request: to the first byte
					   of the answer */
	struct dgen_latency total;	/* per data request: to its end */
};

/* What is wrong with an object, as verify found it. */
enum dgen_objstore_bad_kind {
	DGEN_OBJSTORE_MISSING,		/* 404 */
	DGEN_OBJSTORE_SHORT,		/* fewer bytes than its size */
	DGEN_OBJSTORE_LONG,		/* more bytes */
	DGEN_OBJSTORE_CONTENT,		/* blocks differ (replaced content) */
	DGEN_OBJSTORE_FRAMING,		/* only a format's headers, lengths or
					   CRCs differ */
	DGEN_OBJSTORE_BAD_KINDS
};

/* dgen_objstore_bad_name - "missing", "short", "long", "content",
 * "framing". */
const char *dgen_objstore_bad_name(enum dgen_objstore_bad_kind k);

struct dgen_objstore_bad {
	uint64_t object;		/* its index */
	enum dgen_objstore_bad_kind kind; /* the worst: missing, then size */
	uint64_t offset;		/* the first bad byte: 0 when missing,
					   the end of what it holds when short,
					   its size when long, the first bad
					   block's (a payload offset), or the
					   first bad structure's */
	uint64_t held;			/* bytes it holds (size kinds) */
	uint64_t blocks;		/* blocks that differ */
	uint64_t framing;		/* structures that differ */
	uint64_t framing_offset;	/* the first one's first byte */
	enum dgen_mismatch_kind block_kind; /* of the first bad block */
	unsigned int endpoint;
};

struct dgen_objstore_result {
	uint64_t bytes, objects, requests, retries, http_errors;
	double seconds;			/* start to the last worker's end */
	int stopped;			/* stop or abort ended it early */
	struct dgen_latency ttfb, total;
	/* Verify. */
	uint64_t mismatches;		/* blocks that differ */
	uint64_t framing;		/* formats' structures that differ */
	uint64_t kinds[DGEN_MISMATCH_KINDS];
	uint64_t bad_sectors;
	uint64_t bad_objects;		/* objects with any finding */
	uint64_t bad_kinds[DGEN_OBJSTORE_BAD_KINDS];
	/* The lowest (object, offset) bad blocks (target: object index)
	   and lowest bad objects, max_report each; valid until the free. */
	const struct dgen_verify_mismatch *report;
	unsigned int reported;
	const struct dgen_objstore_bad *bad;
	unsigned int bad_reported;
	/* The first failure that ended the job: 0, or -errno (-EIO for an
	   HTTP status, -ETIMEDOUT, -ECONNREFUSED, -ECONNRESET, -EACCES,
	   -ENOENT, -ENOMEM). */
	int error;
	int64_t error_object;		/* -1: none */
	uint64_t error_offset;
	int error_endpoint;		/* -1: none */
	int error_http;			/* its HTTP status; 0: curl's error */
	char error_msg[384];		/* "PUT KEY part 3 at ENDPOINT: HTTP 403
					   AccessDenied" or curl's sentence */
};

struct dgen_objstore_job;

/*
 * dgen_objstore_job_new - prepare a job of @o on @s (which must outlive
 * it): check the sizes (verifying: the part size must be a multiple of
 * the dedup unit), raise the part size so an object takes at most
 * DGEN_OBJSTORE_PARTS_MAX parts, make the streams' parameters (HDF5: lay
 * out the file with libhdf5 once). Object i goes to endpoint i mod
 * endpoints. A formatted object's part p holds payload bytes [p, p + 1) x
 * part size and the framing around them, so no block and no structure is
 * split between two requests.
 *
 * Returns 0 and sets *@out, or -EINVAL with a sentence in @msg,
 * -EOPNOTSUPP (HDF5 without libhdf5), -EIO (libhdf5 failed) or -ENOMEM.
 */
int dgen_objstore_job_new(struct dgen_objstore_job **out,
			  struct dgen_objstore *s,
			  const struct dgen_objstore_job_opts *o,
			  char *msg, size_t msglen);

/* dgen_objstore_job_plan - what @j will do. */
void dgen_objstore_job_plan(const struct dgen_objstore_job *j,
			    struct dgen_objstore_plan *out);

/*
 * dgen_objstore_job_start - start the worker threads (every signal blocked
 * in them). Returns 0, or a negative errno with @msg.
 */
int dgen_objstore_job_start(struct dgen_objstore_job *j, char *msg,
			    size_t msglen);

/*
 * dgen_objstore_job_stop - start nothing more; the requests in flight
 * finish. Async-signal-safe.
 */
void dgen_objstore_job_stop(struct dgen_objstore_job *j);

/*
 * dgen_objstore_job_abort - stop, and drop the requests in flight at once
 * (a watchdog that gave up on an endpoint). Async-signal-safe.
 */
void dgen_objstore_job_abort(struct dgen_objstore_job *j);

/* dgen_objstore_job_running - workers still running; 0 when done. */
unsigned int dgen_objstore_job_running(const struct dgen_objstore_job *j);

/* dgen_objstore_job_bytes - payload bytes done so far, all endpoints. */
uint64_t dgen_objstore_job_bytes(const struct dgen_objstore_job *j);

/* dgen_objstore_job_mismatches - verify: bad blocks so far. */
uint64_t dgen_objstore_job_mismatches(const struct dgen_objstore_job *j);

/*
 * dgen_objstore_job_sample - endpoint @k's figures so far, all threads
 * summed; safe while the job runs. Returns 0 or -ENOENT past the last.
 */
int dgen_objstore_job_sample(const struct dgen_objstore_job *j,
			     unsigned int k, struct dgen_objstore_stats *out);

/*
 * dgen_objstore_job_outstanding - per endpoint (@out: one entry each), its
 * oldest request in flight: since when (its current try), the object's
 * offset and length, and in @objects (one entry each, or NULL) the
 * object's index. For a watchdog.
 */
void dgen_objstore_job_outstanding(const struct dgen_objstore_job *j,
				   struct dgen_io_outstanding *out,
				   uint64_t *objects);

/*
 * dgen_objstore_job_wait - wait for the workers and fill @res (valid until
 * the job is freed).
 */
void dgen_objstore_job_wait(struct dgen_objstore_job *j,
			    struct dgen_objstore_result *res);

/* dgen_objstore_job_free - release @j (waited for); NULL is allowed. */
void dgen_objstore_job_free(struct dgen_objstore_job *j);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_OBJSTORE_H */
