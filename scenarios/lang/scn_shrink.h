/* scn_shrink.h: reducing a failing scenario to a small one that fails the
 * same way.
 *
 * Given a scenario that fails with some property (a safety property,
 * "linearizability", "check", "action", "crash", "budget"), scn_shrink
 * searches for a smaller scenario that still fails with that same property
 * (for "action", with the same message: scn_outcome_fails_like()):
 * it ends the run just after the failure, moves a final `settle` earlier
 * (halving the faulty part), turns header knobs off, deletes whole classes
 * of statements (every cut, every client request, ...), deletes statements
 * (delta debugging by halving chunks, then one at a time, to a fixpoint),
 * never running a candidate text twice, merges
 * client requests through one node into `load N writes` statements,
 * removes nodes the failure does not need (renumbering the others), and
 * simplifies what is left (network probabilities to 0, delay ranges to
 * constants, shorter pauses and loads, a short load to explicit requests,
 * Raft options off). An edit that no longer fails under the file's seed may
 * be retried under the next few seeds (the result's `seed` says which).
 * Every candidate is a valid scenario (its canonical text parses) and
 * is run with an event budget; with `isolate` each runs in a forked child,
 * so a candidate that crashes the process is a candidate that fails with
 * "crash", not the end of the search.
 *
 * Deletion works because a statement's random draws are keyed by its own
 * identity (scn_identity.h): deleting one statement leaves the others' draws
 * as they were. The search is deterministic: the same input and options give
 * the same result.
 */
#ifndef SCN_SHRINK_H
#define SCN_SHRINK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "scenarios/lang/scn_ast.h"
#include "scenarios/lang/scn_outcome.h"

struct scn_shrink_options
{
    /* Candidate runs at most (>= 1), the last one kept for the final
     * dropping of default headers; the best scenario found so far is the
     * result when they run out. Default 3000. */
    uint64_t max_runs;
    /* Events per candidate run at most; 0 (default): four times the
     * original run's events plus 100,000. */
    uint64_t max_events;
    /* Run each candidate in a forked child (default on). */
    bool isolate;
};

/* Fills *o with the defaults noted above. */
void scn_shrink_options_init(struct scn_shrink_options *o);

struct scn_shrink_result
{
    /* The smallest failing scenario found (owned); NULL when the input did
     * not fail. */
    struct scn_scenario *scenario;
    struct scn_outcome original; /* how the input ran */
    struct scn_outcome outcome;  /* how `scenario` fails */
    uint32_t steps_before, steps_after;
    uint32_t nodes_before, nodes_after;
    uint64_t runs;    /* candidate runs made */
    bool out_of_runs; /* max_runs ended the search early */
};

/* Shrinks `scenario` (borrowed, valid) under `options` (borrowed; NULL: the
 * defaults) into *out (which the caller clears with
 * scn_shrink_result_clear). Returns SCN_OK when the input failed and
 * out->scenario fails like the input (scn_outcome_fails_like()); SCN_EINVAL when the input
 * passed or the engine refused it (out->original says how it ran). */
int scn_shrink(const struct scn_scenario *scenario,
               const struct scn_shrink_options *options,
               struct scn_shrink_result *out);

/* Frees what `r` owns and zeroes it. */
void scn_shrink_result_clear(struct scn_shrink_result *r);

/* Appends the shrunk file: a comment header saying what fails (property,
 * detail), where (nodes) and when (virtual time), what it was shrunk from,
 * and how to replay it, then the canonical text of r->scenario. from_name
 * and file_name (borrowed) name the input and the shrunk file. */
void scn_shrink_write(const struct scn_shrink_result *r,
                      const char *from_name,
                      const char *file_name,
                      GString *out);

/* The shrunk file's name for an input: "x.scn" -> "x.min.scn", "x" ->
 * "x.min.scn". A new string (g_free). */
char *scn_shrink_output_name(const char *input);

#endif /* SCN_SHRINK_H */
