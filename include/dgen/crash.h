/* SPDX-License-Identifier: MIT */
/*
 * dgen/crash.h - judge a target after a crash from its journal alone
 *
 * After a power cut (or a kill) in pass p, the journal (dgen/journal.h)
 * says which ranges of each target a completed flush had made durable in
 * pass p, and what the region held before pass p began. Every block of
 * the region is read back and compared, sector by sector, with pass p's
 * stream ("new") and with that previous content ("old": pass p - 1's
 * stream, zeros, or nothing known). A block is then
 *
 *	new	 all its sectors hold pass p's data (durable or not);
 *	old	 all hold the previous content (not durable: never reached,
 *		 or a write the cut dropped);
 *	unknown	 not durable, not new, and the previous content is not known
 *		 there (the run began on unknown content): cannot be judged;
 *	torn	 not durable, a mix of new sectors and old (or unknown) ones;
 *	lost	 a durable sector does not hold pass p's data: the drive lost
 *		 a write it had acknowledged before a flush that completed;
 *	corrupt	 a sector holds neither the new nor the known old data.
 *
 * Lost and corrupt blocks fail the check; a torn block is a finding, and
 * a failure only when the device promised that a write of the engine's
 * unit is atomic across a power loss (NVMe AWUPF / NAWUPF).
 */
#ifndef DGEN_CRASH_H
#define DGEN_CRASH_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/journal.h>
#include <dgen/mismatch.h>
#include <dgen/nvme.h>

#ifdef __cplusplus
extern "C" {
#endif

enum dgen_crash_class {
	DGEN_CRASH_NEW,
	DGEN_CRASH_OLD,
	DGEN_CRASH_UNKNOWN,
	DGEN_CRASH_TORN,
	DGEN_CRASH_LOST,
	DGEN_CRASH_CORRUPT,
	DGEN_CRASH_CLASSES
};

/* dgen_crash_class_name - "new", "old", "unknown", "torn", "lost",
 * "corrupt"; NULL otherwise. */
const char *dgen_crash_class_name(enum dgen_crash_class c);

/*
 * dgen_crash_block_fn - told each block's class in offset order (target
 * byte offset, bytes, whether a durable range covers any of it). Return
 * 0 to go on, anything else to stop the check (-ECANCELED).
 */
typedef int (*dgen_crash_block_fn)(uint64_t offset, uint32_t len,
				   enum dgen_crash_class c, int durable,
				   void *arg);

struct dgen_crash_opts {
	uint32_t max_report;		/* bad blocks kept in detail */
	uint32_t atomic_bytes;		/* writes the device keeps whole across
					   a power loss (NVMe AWUPF/NAWUPF in
					   bytes); 0: it promises nothing */
	const char *path;		/* read this instead of the journal's
					   path (a device renamed by a reboot);
					   NULL */
	dgen_crash_block_fn block;	/* NULL */
	void *arg;
};

/* dgen_crash_opts_init - DGEN_MAX_REPORT_DEFAULT bad blocks, nothing else. */
void dgen_crash_opts_init(struct dgen_crash_opts *o);

struct dgen_crash_result {
	uint64_t pass;			/* the pass judged: the last begun; 0:
					   the target had none (nothing judged) */
	enum dgen_journal_previous previous; /* what it wrote over */
	uint32_t block;			/* bytes per block (the dedup unit) */
	uint64_t region_bytes;		/* bytes read and judged */
	uint64_t durable_bytes;		/* bytes of the pass's durable ranges */
	uint64_t counts[DGEN_CRASH_CLASSES]; /* blocks of each class */
	uint64_t lost_held[DGEN_MISMATCH_KINDS]; /* what lost blocks hold:
					   zeros, the old content (stale), or
					   other bytes (foreign) */
	uint64_t torn_units;		/* write units holding new and old
					   sectors */
	uint64_t torn_atomic;		/* of them, units the device promised
					   to write whole (unit <= atomic_bytes) */
	uint64_t bad_sectors;		/* sectors of the lost, corrupt and torn
					   blocks listed by their maps */
	struct dgen_verify_mismatch *list; /* lost, corrupt and torn blocks
					   (kinds DGEN_MISMATCH_LOST, _CORRUPT,
					   _TORN), lowest offsets first */
	unsigned int reported;		/* entries in list */
	double seconds;
};

/*
 * dgen_crash_check - judge target @k of the journal @v: read its region
 * (O_DIRECT when the target takes it) and class every block of the last
 * pass begun (see above), with the options @o (NULL: the defaults). A NVMe generic device is read through its
 * namespace's block device. Fills @res (free its list with
 * dgen_crash_result_free); the bad blocks are kept in dgen_verify_mismatch
 * form, target @k, with the sector maps of what is wrong: the durable
 * sectors that are not new (lost), the sectors neither new nor old
 * (corrupt), or the sectors that are not new (torn).
 *
 * Returns 0, or a negative errno with a sentence in @msg: what open(2)
 * returned, -EIO (a read failed; its offset named), -ENOSPC (the target is
 * shorter than its region), -ECANCELED (the block callback stopped it),
 * -EINVAL, -ENOMEM.
 */
int dgen_crash_check(const struct dgen_journal_view *v, unsigned int k,
		     const struct dgen_crash_opts *o,
		     struct dgen_crash_result *res, char *msg, size_t msglen);

/* dgen_crash_result_free - release @res's list (the rest is plain data). */
void dgen_crash_result_free(struct dgen_crash_result *res);

/* A target's verdict after a crash, worst first. */
enum dgen_crash_verdict {
	DGEN_CRASH_VERDICT_LOST,	/* "lost-flushed": durable data lost */
	DGEN_CRASH_VERDICT_CORRUPT,	/* "corrupt": bytes neither new nor old */
	DGEN_CRASH_VERDICT_TORN,	/* "torn": a write the device promised
					   atomic was torn (only when asked) */
	DGEN_CRASH_VERDICT_OK,		/* "ok" */
};

/*
 * dgen_crash_verdict - the verdict of @res: lost before corrupt before
 * torn (counted only with @fail_on_torn, and only units the device
 * promised atomic) before ok.
 */
enum dgen_crash_verdict dgen_crash_verdict(const struct dgen_crash_result *res,
					   int fail_on_torn);

/* dgen_crash_verdict_name - "lost-flushed", "corrupt", "torn", "ok". */
const char *dgen_crash_verdict_name(enum dgen_crash_verdict v);

/* ===== A --verify-crash job: every target of a journal ===== */

/* One target of the job. */
struct dgen_crash_target {
	struct dgen_crash_result res;
	int error;			/* 0, or why it could not be judged */
	char msg[256];			/* its sentence */
	enum dgen_crash_verdict verdict;
	int nvme;			/* an NVMe namespace: @atomic is known */
	struct dgen_nvme_atomic atomic;
	uint32_t atomic_bytes;		/* the promise the check held it to */
};

struct dgen_crash_job {
	const char *journal;		/* as given */
	struct dgen_journal_view *view;
	struct dgen_crash_target *targets; /* view->ntargets */
	int fail_on_torn;
	enum dgen_crash_verdict verdict; /* the worst of the targets' */
	int errors;			/* targets that could not be judged */
	double seconds;
};

/*
 * dgen_crash_job_run - judge every target of the journal at @journal (its
 * last cycle) after a crash: for an NVMe target its atomic write promise
 * is read first (NAWUPF, else AWUPF), then dgen_crash_check with
 * @max_report bad blocks kept; @fail_on_torn counts torn writes the
 * device promised atomic. A target that cannot be read is kept with its
 * error, and the others are judged. @npaths > 0 paths read target k at
 * @paths[k] instead of the journal's path (a reboot renames NVMe drives);
 * they must be as many as the journal's targets. Returns 0 and sets
 * *@out, or a negative errno with a sentence in @msg when the journal
 * cannot be read (dgen_journal_read) or the paths do not match it.
 */
int dgen_crash_job_run(struct dgen_crash_job **out, const char *journal,
		       const char *const *paths, unsigned int npaths,
		       uint32_t max_report, int fail_on_torn, char *msg,
		       size_t msglen);

/* dgen_crash_job_free - release @j; NULL is allowed. */
void dgen_crash_job_free(struct dgen_crash_job *j);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_CRASH_H */
