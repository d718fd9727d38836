// SPDX-License-Identifier: MIT
/*
 * signals.c - the tools' one rule for SIGINT and SIGTERM (see signals.h)
 *
 * The handler only sets a flag: the library polls it (dgen_run_opts.stop),
 * so nothing a handler touches can be freed under it, and a signal before
 * anything started is seen as soon as something does.
 */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include <dgen/report.h>

#include "signals.h"

static const int sigs[] = { SIGINT, SIGTERM };

int tool_stop;
static int handled[2];			/* sigs[i] has our handler */

static void on_signal(int sig)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	__atomic_store_n(&tool_stop, 1, __ATOMIC_RELAXED);
	sigaction(sig, &dfl, NULL);
}

static void install(int flags)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = flags };
	sigset_t both, old;

	/* Held off while the disposition is looked at and replaced, so a
	 * first signal's reset to the default is never undone. */
	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	sigprocmask(SIG_BLOCK, &both, &old);
	sigemptyset(&sa.sa_mask);
	for (unsigned int i = 0; i < 2; i++) {
		struct sigaction old;

		if (!handled[i])
			continue;
		/* Past the first signal the disposition is the default. */
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler != on_signal)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
}

void signals_install(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	for (unsigned int i = 0; i < 2; i++) {
		struct sigaction old;

		/* Shells start `cmd &` jobs with SIGINT ignored and expect it
		 * to stay so; the same for a SIGTERM a supervisor ignored. */
		if (sigaction(sigs[i], NULL, &old) || old.sa_handler == SIG_IGN)
			continue;
		handled[i] = 1;
		sigaction(sigs[i], &sa, NULL);
	}
}

int tool_stopped(void)
{
	return __atomic_load_n(&tool_stop, __ATOMIC_RELAXED);
}

void signals_report(void)
{
	install(SA_RESTART);
}

int signals_exit(int rc)
{
	sigset_t both, pending;

	sigemptyset(&both);
	sigaddset(&both, SIGINT);
	sigaddset(&both, SIGTERM);
	sigprocmask(SIG_BLOCK, &both, NULL);
	fflush(stdout);
	fflush(stderr);
	sigpending(&pending);
	if (rc == 0 && (tool_stopped() ||
			((handled[0] && sigismember(&pending, SIGINT)) ||
			 (handled[1] && sigismember(&pending, SIGTERM)))))
		rc = DGEN_EXIT_INTERRUPTED;
	return rc;
}
