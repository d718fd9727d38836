// SPDX-License-Identifier: MIT
/*
 * opts_check.c - the rules between a run's options (dgen/opts.h): what
 * goes with what, said in the options' own names
 *
 * Nothing here touches a target: a command line that breaks a rule is
 * refused before anything is opened. What only opening can tell (a
 * signature, a size, a device's limits) is dgen_run_new's.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <dgen/fleet.h>
#include <dgen/opts.h>

#define BAD(...)	(snprintf(msg, msglen, __VA_ARGS__), -EINVAL)

/* @path with links and dots resolved, also for a file not yet made. */
static char *canonical(const char *path)
{
	char *dup, *dir, *real, *out = realpath(path, NULL);
	const char *base;

	if (out || errno != ENOENT)
		return out;
	dup = strdup(path);
	if (!dup)
		return NULL;
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	dir = dirname(dup);
	real = realpath(dir, NULL);
	if (real && asprintf(&out, "%s/%s", real, base) < 0)
		out = NULL;
	free(real);
	free(dup);
	return out;
}

/* Two streams written to one file would leave neither: refuse repeats. */
static int check_distinct(const struct dgen_run_opts *o, char *msg,
			  size_t msglen)
{
	char **real = calloc(o->npaths + 1, sizeof(*real));
	int err = 0;

	if (!real)
		return BAD("out of memory");
	/* "-" is stdout, as for dd and tar; alone, the tool made it
	 * --stdout: never a file named "-" beside other targets. */
	for (unsigned int k = 0; k < o->npaths; k++)
		if (!strcmp(o->paths[k], "-")) {
			free(real);
			return BAD("--dev - is standard output, which is written alone: give it as the only target (for a file named -, write ./-)");
		}
	for (unsigned int k = 0; k < o->npaths; k++)
		real[k] = canonical(o->paths[k]);
	for (unsigned int k = 0; k < o->npaths && !err; k++) {
		if (!strcmp(o->paths[k], DGEN_TARGET_NULL_PATH))
			continue;
		for (unsigned int j = 0; j < k && !err; j++)
			if (real[j] && real[k] ? !strcmp(real[j], real[k]) :
			    !strcmp(o->paths[j], o->paths[k]))
				err = BAD("--dev %s and --dev %s are the same target: give each once",
					  o->paths[j], o->paths[k]);
	}
	for (unsigned int k = 0; k < o->npaths; k++)
		free(real[k]);
	free(real);
	return err;
}

/* The verify options: what makes no sense together or alone. */
static int check_passes(const struct dgen_run_opts *o, char *msg,
			size_t msglen)
{
	const int vo = o->mode == DGEN_RUN_VERIFY_ONLY;

	if ((o->given & DGEN_GIVEN_VERIFY) && (o->given & DGEN_GIVEN_VERIFY_ONLY))
		return BAD("--verify and --verify-only: give one (--verify writes first)");
	if (vo && !(o->given & DGEN_GIVEN_SEED))
		return BAD("--verify-only needs --seed: the seed the run to check printed");
	if (vo && (o->passes || o->time_s > 0))
		return BAD("--verify-only checks one pass: give --pass P, not --passes or --time");
	if (o->pass != 1 && !vo)
		return BAD("--pass is for --verify-only: a run numbers its own passes from 1");
	/* Before the plan is made: a given --bs is the user's to fix. */
	if (o->mode != DGEN_RUN_WRITE && o->writer.io_size &&
	    o->writer.io_size % o->params.dedup_unit)
		return BAD("--bs %u is not a multiple of the dedup unit %u: verify reads whole blocks",
			   o->writer.io_size, o->params.dedup_unit);
	return 0;
}

/* A tree or stdout instead of --dev targets, and what goes with each. */
static int check_kind(const struct dgen_run_opts *o, char *msg, size_t msglen)
{
	const int fd = !!(o->flags & DGEN_RUN_FD);
	const int obj = dgen_run_opts_objects(o);
	const char *dir = o->tree.dir;

	if ((o->given & DGEN_GIVEN_WATCH) && ((dir && !obj) || fd) &&
	    (o->watch.log || o->watch.plot || o->watch.steady))
		return BAD("--log, --plot and --steady-state follow --dev targets and object stores' endpoints; trees of files and stdout have no per-target view");
	if (o->watch.steady && !(o->time_s > 0))
		return BAD("--steady-state stops a timed run early: give --time DURATION too");
	if (fd && (o->npaths || dir))
		return BAD("--stdout writes one stream: give no --dev or --dir with it");
	if (dir && o->npaths)
		return BAD("--dir writes a tree: give no --dev with it");
	if (dir && (!o->tree.files || !o->tree.file_size))
		return BAD("--dir needs --files N and --file-size SIZE");
	if (!dir && (o->tree.files || o->tree.file_size))
		return BAD("--files and --file-size go with --dir DIR");
	if (dir && o->size)
		return BAD("--size is per target; a tree takes --file-size");
	if ((dir || fd) && o->offset)
		return BAD("--offset is for --dev targets: trees and stdout start at 0");
	if (dir && !obj && o->tree.format == DGEN_FORMAT_RAW &&
	    o->tree.file_size % 4096)
		return BAD("--file-size %llu is not a multiple of 4 KiB, which raw files need for O_DIRECT",
			   (unsigned long long)o->tree.file_size);
	return 0;
}

/*
 * --engine libaio against what only io_uring has. An engine that auto
 * picks is checked once picked (dgen_run_new): polling would be dropped
 * silently otherwise, and a burn-in asked to poll should not run without.
 */
static int check_engine(const struct dgen_run_opts *o, char *msg,
			size_t msglen)
{
	const unsigned int f = o->writer.ring_flags;

	if (o->writer.engine == DGEN_ENGINE_LIBAIO &&
	    (f & (DGEN_RING_SQPOLL | DGEN_RING_IOPOLL)))
		return BAD("--%s needs io_uring: libaio has no %s; give --engine io_uring (or auto), or drop it",
			   f & DGEN_RING_SQPOLL ? "sqpoll" : "iopoll",
			   f & DGEN_RING_SQPOLL ? "submission thread" : "polled completions");
	if (o->writer.engine != DGEN_ENGINE_AUTO && (o->flags & DGEN_RUN_FD))
		return BAD("--engine picks how --dev targets and trees are written: stdout is written with write(2) and splice");
	return 0;
}

/* --trim, --cpus, --cpus-policy and --dry-run against the kind of run. */
static int check_extras(const struct dgen_run_opts *o, char *msg,
			size_t msglen)
{
	const int fd = !!(o->flags & DGEN_RUN_FD), dir = !!o->tree.dir;
	const unsigned int trim = o->flags & (DGEN_RUN_TRIM | DGEN_RUN_TRIM_ONLY);

	if (fd && (o->given & DGEN_GIVEN_PASSES))
		return BAD("--verify, --verify-only, --passes, --time and --rate work on --dev targets and --dir trees; stdout is written once and cannot be read back");
	if ((dir || fd) && (o->cpus || (o->given & DGEN_GIVEN_CPUS_POLICY) ||
			    (o->flags & DGEN_RUN_DRY)))
		return BAD("--cpus, --cpus-policy and --dry-run plan --dev targets; trees and stdout use all CPUs, unplaced");
	if (trim && (dir || fd))
		return BAD("--trim discards --dev targets; a tree is made fresh and stdout has nothing to discard");
	if (trim && o->mode == DGEN_RUN_VERIFY_ONLY)
		return BAD("--trim discards what --verify-only is to read: give one");
	if ((o->flags & DGEN_RUN_TRIM_ONLY) && (o->given & DGEN_GIVEN_PASSES))
		return BAD("--trim-only writes nothing: it takes no verify or burn-in option");
	return check_engine(o, msg, msglen);
}

int dgen_run_opts_objects(const struct dgen_run_opts *o)
{
	if (o->tree.dir)
		return dgen_objstore_url_is(o->tree.dir);
	for (unsigned int k = 0; o->paths && k < o->npaths; k++)
		if (dgen_objstore_url_is(o->paths[k]))
			return 1;
	return 0;
}

/* One object: one --dev URL, its --size, from its start. */
static int check_object(const struct dgen_run_opts *o, char *msg,
			size_t msglen)
{
	if (o->npaths != 1)
		return BAD("--dev s3://BUCKET/KEY writes one object: give one --dev (a tree of objects is --dir s3://BUCKET/PREFIX --files N)");
	if (!dgen_objstore_url_is(o->paths[0]))
		return BAD("--dev %s: an object store's URL and files in one run: give them to runs of their own",
			   o->paths[0]);
	if (!o->size)
		return BAD("--dev %s needs --size: the object's bytes",
			   o->paths[0]);
	if (o->offset)
		return BAD("--offset: an object is written from its start");
	if (o->flags & DGEN_RUN_SHARED)
		return BAD("--shared cuts a device into slices: an object is written whole, by one rank (put %%r in its key)");
	return 0;
}

/* Objects: the store's options, and none of the devices'. */
static int check_objects(const struct dgen_run_opts *o, char *msg,
			 size_t msglen)
{
	if (!dgen_run_opts_objects(o))
		return o->given & DGEN_GIVEN_OBJECTS ?
		       BAD("--endpoint, --part-size and --retries go with objects: --dev s3://BUCKET/KEY or --dir s3://BUCKET/PREFIX (or az://)") : 0;
	if (o->objects.part_size % (1u << 20))
		return BAD("--part-size %llu: give whole MiB, from 5M to 5G",
			   (unsigned long long)o->objects.part_size);
	if (o->paths) {
		int err = check_object(o, msg, msglen);

		if (err)
			return err;
	}
	if (o->flags & (DGEN_RUN_TRIM | DGEN_RUN_TRIM_ONLY))
		return BAD("--trim discards devices and files: objects are never deleted");
	if (o->cpus || (o->given & DGEN_GIVEN_CPUS_POLICY) ||
	    (o->flags & DGEN_RUN_DRY))
		return BAD("--cpus, --cpus-policy and --dry-run plan --dev targets: objects go through HTTP threads, unplaced");
	if (o->given & DGEN_GIVEN_RING)
		return BAD("--bs, --pattern, --sqpoll, --iopoll and --engine are io_uring's: objects go through HTTP in parts of --part-size, in order");
	return 0;
}

/*
 * Power-loss verify: --verify-crash is a job of its own, read from the
 * journal alone; --journal, --flush-every and --fua go with writes of
 * --dev targets.
 */
static int check_crash(const struct dgen_run_opts *o, char *msg,
		       size_t msglen)
{
	const int flushes = o->journal || o->flush_every || o->fua;

	if (o->verify_crash) {
		if (o->tree.dir || (o->flags & DGEN_RUN_FD) ||
		    flushes || o->mode != DGEN_RUN_WRITE ||
		    (o->flags & (DGEN_RUN_TRIM | DGEN_RUN_TRIM_ONLY | DGEN_RUN_DRY)))
			return BAD("--verify-crash FILE judges the targets its journal names, from the journal alone: give no --journal, --verify or --trim with it (--dev PATH, one per target, reads a target a reboot renamed)");
		if (o->watch.fail_on & (DGEN_FAIL_SLOW | DGEN_FAIL_CLIFF))
			return BAD("--fail-on slow and cliff judge a run; --verify-crash takes --fail-on torn");
		return 0;
	}
	if (o->watch.fail_on & DGEN_FAIL_TORN)
		return BAD("--fail-on torn judges torn writes after a crash: it goes with --verify-crash FILE");
	if (!flushes)
		return 0;
	if (!o->npaths || dgen_run_opts_objects(o))
		return BAD("--journal, --flush-every and --fua flush --dev targets: trees, stdout and objects have no flush to prove");
	if (o->mode == DGEN_RUN_VERIFY_ONLY || (o->flags & DGEN_RUN_TRIM_ONLY))
		return BAD("--journal, --flush-every and --fua go with writes: --verify-only and --trim-only write nothing");
	if (o->writer.ring_flags & DGEN_RING_IOPOLL)
		return BAD("--journal, --flush-every and --fua flush through the ring, and a polled ring takes no fsync: drop --iopoll");
	return 0;
}

int dgen_run_opts_check(const struct dgen_run_opts *o, char *msg,
			size_t msglen)
{
	struct dgen_stream_params p = o->params;
	int err;

	if ((err = check_crash(o, msg, msglen)) || o->verify_crash)
		return err;
	/* The profile sets both ratios: one given beside it would win or
	 * lose by the order of the options. */
	if ((o->given & DGEN_GIVEN_LIKE) && (o->given & DGEN_GIVEN_DATA))
		return BAD("--like takes the dedup and compression from its profile: give it without --dedup, --compress or --compress-mix");

	if ((err = check_objects(o, msg, msglen)) ||
	    (err = check_kind(o, msg, msglen)) ||
	    (err = check_extras(o, msg, msglen)))
		return err;
	if (o->tree.dir && (err = check_passes(o, msg, msglen)))
		return err;
	if (!o->tree.dir && !(o->flags & DGEN_RUN_FD)) {
		if (!o->npaths)
			return BAD("no target: give --dev PATH (a block device, a file or null)");
		if ((err = check_distinct(o, msg, msglen)) ||
		    (err = check_passes(o, msg, msglen)))
			return err;
		if ((o->flags & (DGEN_RUN_SHARED | DGEN_RUN_STONEWALL)) &&
		    !dgen_fleet_launched())
			return BAD("--shared and --stonewall are for runs under an MPI launcher (mpirun, srun)");
		if ((o->flags & DGEN_RUN_SHARED) && !o->size)
			return BAD("--shared needs --size: the bytes of the one stream all ranks share");
	}
	if (p.dedup_scope == DGEN_DEDUP_SCOPE_RUN) {
		if (o->tree.dir || (o->flags & DGEN_RUN_FD) ||
		    dgen_run_opts_objects(o))
			return BAD("--dedup-scope run joins --dev targets (and every rank's): trees, objects and stdout keep their own copies");
		if (!o->size)
			return BAD("--dedup-scope run needs --size: the targets of one dedup domain have one size");
		if (o->flags & DGEN_RUN_SHARED)
			return BAD("--dedup-scope run and --shared: --shared already writes one stream across the ranks");
		if (p.scope_targets &&
		    (uint64_t)p.scope_index + o->npaths > p.scope_targets)
			return BAD("--dedup-scope run:%u:%u: %u targets from index %u pass the domain's %u",
				   p.scope_targets, p.scope_index, o->npaths,
				   p.scope_index, p.scope_targets);
		if (p.scope_index > p.stream_id)
			return BAD("--dedup-scope run:%u:%u: give --stream (the first target's id in the report) of at least %u",
				   p.scope_targets, p.scope_index, p.scope_index);
	}
	if (p.mix.count && p.compress_ratio != 1.0)
		return BAD("--compress and --compress-mix: give one (a mix gives each block its ratio)");
	p.size = 1;
	return dgen_stream_params_check(&p, msg, msglen) ? -EINVAL : 0;
}

int dgen_run_opts_seed(struct dgen_run_opts *o)
{
	uint64_t seed;

	if (o->given & DGEN_GIVEN_SEED)
		return 0;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		return -errno;
	o->params.seed = seed;
	o->flags |= DGEN_RUN_SEED_DRAWN;
	return 0;
}
