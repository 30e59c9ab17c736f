/* raftsim_run_report.h: the report `raftsim run` prints after a run.
 *
 * Owns the report's text: the sections (leaders, log, messages, clients,
 * checks, linearizability, trace hash and time) and the verdict line, or
 * with --quiet the failures and the verdict alone. Everything it prints
 * comes from the finished run's result; the wall time is measured by the
 * caller around the run and appears in the report only.
 */
#ifndef RAFTSIM_RUN_REPORT_H
#define RAFTSIM_RUN_REPORT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_run.h"

/* How much the report says. */
enum raftsim_run_detail {
    RAFTSIM_RUN_QUIET,   /* the failures and PASS, FAIL or ERROR only */
    RAFTSIM_RUN_REPORT,  /* every section */
    RAFTSIM_RUN_VERBOSE, /* every section, every check and skipped step */
};

/* Prints r's report to stdout, then `lines` (what the outputs wrote, one
 * line each; not with RAFTSIM_RUN_QUIET), ending with the verdict (ERROR
 * when !outputs_ok). Returns the exit status of `raftsim run`. */
int raftsim_run_report(const struct scn_run_result *r,
                       enum raftsim_run_detail detail,
                       int64_t wall_us,
                       bool outputs_ok,
                       const GString *lines);

#endif
