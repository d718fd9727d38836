// SPDX-License-Identifier: MIT
/*
 * test_powercut.c - real crashes, judged from the journal alone
 *
 * A journaled writer (crash_helpers.h: the library's tracker and journal,
 * fsync as the flush) runs in a child process over a file in /dev/shm or
 * a loop device, with its journal in /var/tmp, another device. Mid-way
 * through its second pass it is
 *
 *	killed with SIGKILL at a random moment: every durable block holds
 *	the pass's data (no block lost, none corrupt), and zeroing 4 KiB of
 *	a durable range makes exactly that block lost;
 *
 *	cut off by tests/cutfs.c, a FUSE filesystem that keeps writes not
 *	yet fsync'd in memory and drops them when its power is cut (SIGUSR1),
 *	directly and under a loop device (whose flush is an fsync of its
 *	file): nothing durable is lost, and every block the cut dropped
 *	holds the previous pass's data ("old") and was never claimed durable;
 *
 *	or its drive lies (cutfs "lie": fsync acknowledged, nothing kept):
 *	every durable block is lost, named, and holds zeros.
 *
 * Loop devices need root; they skip only where losetup cannot attach one.
 */
#include <criterion/criterion.h>

#include <dgen/dgen.h>

#include "crash_helpers.h"

#ifndef DGEN_CUTFS_PATH
#error "meson passes the path of the built FUSE filesystem"
#endif

#define REGION_OFF	(64 * KiB)
#define REGION		(32 * MiB)
#define UNIT		(128 * KiB)
#define BLOCK		4096u

TestSuite(powercut, .fini = crash_teardown);

/* The writer's setup every case shares: two passes, slow in the second. */
static struct drive drive_of(const char *target, const char *journal,
			     int random, enum dgen_journal_previous initial)
{
	return (struct drive) {
		.target = target, .journal = journal,
		.offset = REGION_OFF, .size = REGION, .unit = UNIT,
		.threads = 2, .random = random, .flush_every = 2 * MiB,
		.passes = 2, .delay_us = 3000, .initial = initial,
		.seed = 77, .dedup = 2, .compress = 2,
	};
}

/* A loop device over @backing, in made.loop; skips when there is none. */
static const char *loop_over(const char *backing)
{
	char *dev = loop_attach(backing, 0);

	if (!dev)
		crash_skip("no loop device (root and the loop driver are needed)");
	cr_assert_lt(strlen(dev), sizeof(made.loop));
	memcpy(made.loop, dev, strlen(dev) + 1);
	return made.loop;
}

/* Every block's class and durability, by its index in the region. */
struct classes {
	enum dgen_crash_class c[REGION / BLOCK];
	int durable[REGION / BLOCK];
};

static int note_block(uint64_t off, uint32_t len, enum dgen_crash_class c,
		      int durable, void *arg)
{
	struct classes *cl = arg;
	uint64_t i = (off - REGION_OFF) / BLOCK;

	cr_assert_eq(len, BLOCK);
	cl->c[i] = c;
	cl->durable[i] = durable;
	return 0;
}

/* The checks every crash without a lying drive passes. */
static void expect_nothing_lost(const struct dgen_crash_result *res)
{
	uint64_t blocks = 0;

	for (unsigned int c = 0; c < DGEN_CRASH_CLASSES; c++)
		blocks += res->counts[c];
	cr_assert_eq(res->pass, 2, "judged pass %llu", (unsigned long long)res->pass);
	cr_assert_eq(res->previous, DGEN_JOURNAL_PREV_PASS);
	cr_assert_eq(blocks, REGION / BLOCK);
	cr_assert_gt(res->durable_bytes, 0, "nothing was durable");
	cr_assert_eq(res->counts[DGEN_CRASH_LOST], 0, "%llu durable blocks lost, first at %llu",
		     (unsigned long long)res->counts[DGEN_CRASH_LOST],
		     (unsigned long long)(res->reported ? res->list[0].offset : 0));
	cr_assert_eq(res->counts[DGEN_CRASH_CORRUPT], 0);
	cr_assert_eq(res->counts[DGEN_CRASH_UNKNOWN], 0,
		     "pass 1 ended whole, so the old content is known everywhere");
	cr_assert_geq(res->counts[DGEN_CRASH_NEW] * BLOCK, res->durable_bytes);
	cr_assert_eq(dgen_crash_verdict(res, 1), DGEN_CRASH_VERDICT_OK);
}

/* Zero 4 KiB at @at of @path (O_DIRECT, as the writer wrote). */
static void zero_block(const char *path, uint64_t at)
{
	void *buf = NULL;
	int fd = open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);

	cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
	cr_assert_eq(posix_memalign(&buf, 4096, 4096), 0);
	memset(buf, 0, 4096);
	cr_assert_eq(pwrite(fd, buf, 4096, (off_t)at), 4096);
	cr_assert_eq(fsync(fd), 0);
	free(buf);
	close(fd);
}

/*
 * Kill the writer of @target at a random moment of its second pass: no
 * durable block lost; then zero one block in the middle of a durable
 * range: that block alone is lost, zeroed, at its offset.
 */
static void kill_case(const char *target, int random)
{
	const char *journal = journal_path("kill");
	struct drive d = drive_of(target, journal, random, DGEN_JOURNAL_PREV_UNKNOWN);
	struct dgen_crash_result res;
	struct dgen_journal_view *v;
	struct dgen_range g;
	uint64_t at;

	drive_fork(&d);
	drive_wait(journal, 2, 3);
	nap_us(rng_next() % 50000);
	drive_kill(0);

	v = check_target(journal, NULL, NULL, NULL, &res);
	expect_nothing_lost(&res);
	cr_assert_eq(res.durable_bytes, v->targets[0].last.durable_bytes);
	cr_assert_geq(v->targets[0].last.flushes, 3);
	cr_assert(!v->targets[0].last.ended, "pass 2 ended before the kill");
	g = v->targets[0].last.durable[0];
	at = g.offset + (g.length / 2) / BLOCK * BLOCK;
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);

	zero_block(target, at);
	v = check_target(journal, NULL, NULL, NULL, &res);
	cr_assert_eq(res.counts[DGEN_CRASH_LOST], 1);
	cr_assert_eq(res.reported, 1);
	cr_assert_eq(res.list[0].kind, DGEN_MISMATCH_LOST);
	cr_assert_eq(res.list[0].offset, at, "lost at %llu, zeroed %llu",
		     (unsigned long long)res.list[0].offset, (unsigned long long)at);
	cr_assert_eq(res.list[0].bad_sectors, BLOCK / 512);
	cr_assert_eq(res.lost_held[DGEN_MISMATCH_ZEROED], 1);
	cr_assert_eq(dgen_crash_verdict(&res, 0), DGEN_CRASH_VERDICT_LOST);
	cr_assert_str_eq(dgen_crash_verdict_name(dgen_crash_verdict(&res, 0)),
			 "lost-flushed");
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
}

Test(powercut, kill9_file)
{
	const char *file = scratch_path("kill9-file");

	rng_seed(1);
	made_file(file);
	cr_assert_eq(file_make(file, REGION_OFF + REGION + 64 * KiB, 0xa5), 0);
	kill_case(file, 0);
}

Test(powercut, kill9_loop_random)
{
	const char *file = scratch_path("kill9-loop");

	rng_seed(2);
	made_file(file);
	cr_assert_eq(file_make(file, REGION_OFF + REGION + 64 * KiB, 0), 0);
	kill_case(loop_over(file), 1);
}

/* The ranges cutfs logged as dropped, checked block by block. */
static uint64_t expect_drops_old(const char *droplog, const struct classes *cl)
{
	unsigned long long off, len;
	uint64_t blocks = 0;
	FILE *f = fopen(droplog, "re");

	cr_assert(f, "no drop log %s", droplog);
	while (fscanf(f, "%llu %llu", &off, &len) == 2) {
		cr_assert(off >= REGION_OFF && off + len <= REGION_OFF + REGION,
			  "dropped [%llu, +%llu) outside the region", off, len);
		for (uint64_t b = (off - REGION_OFF) / BLOCK;
		     b < (off + len - REGION_OFF + BLOCK - 1) / BLOCK; b++, blocks++) {
			cr_assert(!cl->durable[b],
				  "block at %llu was dropped by the cut yet journaled durable",
				  (unsigned long long)(REGION_OFF + b * BLOCK));
			cr_assert_eq(cl->c[b], DGEN_CRASH_OLD,
				     "dropped block at %llu is %s, not old",
				     (unsigned long long)(REGION_OFF + b * BLOCK),
				     dgen_crash_class_name(cl->c[b]));
		}
	}
	fclose(f);
	return blocks;
}

/*
 * Cut cutfs's power at a random moment of the second pass, with the
 * writer on its file or on a loop device over it: nothing durable lost,
 * and the writes the cut dropped read back as pass 1's, never durable.
 */
static void cut_case(int loop, int random)
{
	const char *backing = scratch_path("cut-backing");
	const char *droplog = scratch_path("cut-drops");
	const char *journal = journal_path("cut");
	struct classes *cl = calloc(1, sizeof(*cl));
	struct dgen_crash_result res;
	struct dgen_journal_view *v;
	const char *target;
	struct drive d;
	uint64_t dropped;

	cr_assert(cl);
	made_file(backing);
	made_file(droplog);
	cr_assert_eq(file_make(backing, REGION_OFF + REGION + 64 * KiB, 0), 0);
	target = cutfs_start(backing, "honest", droplog);
	if (loop)
		target = loop_over(target);
	d = drive_of(target, journal, random, DGEN_JOURNAL_PREV_UNKNOWN);
	drive_fork(&d);
	drive_wait(journal, 2, 3);
	nap_us(rng_next() % 50000);
	cutfs_cut();
	drive_kill(1);
	dropped = cutfs_status("dropped");
	cutfs_power_on();

	v = check_target(journal, NULL, note_block, cl, &res);
	expect_nothing_lost(&res);
	cr_assert_gt(dropped, 0, "the cut dropped nothing");
	cr_assert_geq(expect_drops_old(droplog, cl) * BLOCK, dropped);
	cr_assert_geq(res.counts[DGEN_CRASH_OLD] * BLOCK, dropped);
	cr_log_info("the cut dropped %llu B; old blocks %llu",
		    (unsigned long long)dropped,
		    (unsigned long long)res.counts[DGEN_CRASH_OLD]);
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
	free(cl);
}

Test(powercut, cutfs_file)
{
	rng_seed(3);
	cut_case(0, 0);
}

Test(powercut, cutfs_loop_random)
{
	rng_seed(4);
	cut_case(1, 1);
}

/*
 * A drive that acknowledges fsync and keeps nothing: after the cut every
 * block a flush made durable is lost (zeros, as the drive began), each
 * named inside a durable range, and nothing else is claimed.
 */
Test(powercut, lying_drive)
{
	const char *backing = scratch_path("lie-backing");
	const char *droplog = scratch_path("lie-drops");
	const char *journal = journal_path("lie");
	struct dgen_crash_result res;
	struct dgen_journal_view *v;
	const struct dgen_journal_pass *p;
	const char *target;
	struct drive d;

	rng_seed(5);
	made_file(backing);
	made_file(droplog);
	cr_assert_eq(file_make(backing, REGION_OFF + REGION + 64 * KiB, 0), 0);
	target = cutfs_start(backing, "lie", droplog);
	d = drive_of(target, journal, 0, DGEN_JOURNAL_PREV_ZERO);
	d.passes = 1;
	drive_fork(&d);
	drive_wait(journal, 1, 3);
	nap_us(rng_next() % 50000);
	cutfs_cut();
	drive_kill(1);
	cutfs_power_on();

	v = check_target(journal, NULL, NULL, NULL, &res);
	p = &v->targets[0].last;
	cr_assert_eq(res.pass, 1);
	cr_assert_gt(res.durable_bytes, 0);
	cr_assert_eq(res.counts[DGEN_CRASH_LOST] * BLOCK, res.durable_bytes,
		     "%llu lost blocks, %llu durable bytes",
		     (unsigned long long)res.counts[DGEN_CRASH_LOST],
		     (unsigned long long)res.durable_bytes);
	cr_assert_eq(res.lost_held[DGEN_MISMATCH_ZEROED], res.counts[DGEN_CRASH_LOST]);
	cr_assert_eq(res.counts[DGEN_CRASH_NEW], 0, "the lying drive kept something");
	cr_assert_eq(res.counts[DGEN_CRASH_CORRUPT], 0);
	cr_assert_eq(dgen_crash_verdict(&res, 0), DGEN_CRASH_VERDICT_LOST);
	cr_assert_gt(res.reported, 0);
	for (unsigned int i = 0; i < res.reported; i++) {
		const struct dgen_verify_mismatch *m = &res.list[i];
		int inside = 0;

		cr_assert_eq(m->kind, DGEN_MISMATCH_LOST);
		for (size_t k = 0; k < p->ndurable; k++)
			inside |= m->offset >= p->durable[k].offset &&
				  m->offset + m->len <= p->durable[k].offset +
							p->durable[k].length;
		cr_assert(inside, "lost block at %llu is in no durable range",
			  (unsigned long long)m->offset);
	}
	dgen_crash_result_free(&res);
	dgen_journal_view_free(v);
}
