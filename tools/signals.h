/* SPDX-License-Identifier: MIT */
/*
 * signals.h - the tools' one rule for SIGINT and SIGTERM
 *
 * main() calls signals_install() first thing. A signal that the tool
 * inherited as ignored (a shell's `cmd &` job) stays ignored. Otherwise
 * the first SIGINT or SIGTERM, at any instant, sets tool_stop: the run in
 * progress (or the one about to start) stops, its writes in flight are
 * counted, the report says what was done, and the exit status is 130. A
 * second one kills at once (a device that no longer completes).
 */
#ifndef DGEN_TOOLS_SIGNALS_H
#define DGEN_TOOLS_SIGNALS_H

/* Non-zero once a stop was asked for; read it atomically (tool_stopped). */
extern int tool_stop;

/* signals_install - the handlers, for each signal not inherited ignored. */
void signals_install(void);

/* tool_stopped - a SIGINT or SIGTERM has come. */
int tool_stopped(void);

/*
 * signals_report - from now on a signal's handler restarts interrupted
 * writes (SA_RESTART), so the report is printed whole. Before, no
 * restart: a blocked vmsplice or sleep returns at once.
 */
void signals_report(void);

/*
 * signals_exit - the exit status of a run whose own status is @rc: a
 * signal that came after the run decided it (while its report was being
 * printed, say) still makes a 0 into 130. From here on SIGINT and SIGTERM
 * are held off; flushes stdout and stderr.
 */
int signals_exit(int rc);

#endif /* DGEN_TOOLS_SIGNALS_H */
