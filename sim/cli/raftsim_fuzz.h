/* raftsim_fuzz.h: what `raftsim fuzz` runs, as its command line asked
 * (private to sim/cli/raftsim_fuzz*.c).
 *
 * raftsim_fuzz_args.c owns the command line: the option table (the one
 * place the options are named and described), the checks of every value,
 * and the campaign and plan they make. raftsim_fuzz.c owns the campaign:
 * the workers, the ring of seeds in flight, the reports in seed order.
 * Invariant: a campaign and plan that raftsim_fuzz_plan_of() accepted are
 * complete; nothing later reads the command line.
 */
#ifndef RAFTSIM_FUZZ_H
#define RAFTSIM_FUZZ_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenarios/lang/scn_fuzz.h"
#include "scenarios/lang/scn_run.h"
#include "sim/cli/raftsim_cli.h"

struct fuzz_item;

/* Seeds in flight or waiting to be reported at most: memory stays bounded
 * however long the campaign. */
#define RAFTSIM_FUZZ_WINDOW 4096u

/* A seed's event budget unless --max-events says otherwise: a few hundred
 * times what a seed of a working core takes (about 20,000 events). */
#define RAFTSIM_FUZZ_EVENTS_DEFAULT UINT64_C(5000000)

struct raftsim_fuzz_campaign
{
    struct scn_fuzz_options options;
    /* A ring of `window` slots: the seed of position i is in slot
     * i % window from its submission until it is reported. */
    struct fuzz_item *items;
    size_t window;
    uint64_t from, first, shard_n; /* position i is seed from+first+i*n */
    struct scn_budget budget;      /* each seed's (interrupt unset) */
    int64_t wall_us;               /* each seed's wall time; 0: none */
};

/* What the command line asked for, beyond the generator's options. */
struct raftsim_fuzz_plan
{
    uint64_t total;        /* seeds of the shard */
    unsigned jobs;         /* worker processes */
    int64_t for_us;        /* wall-time budget; 0: none */
    uint64_t max_failures; /* stop after this many; 0: never */
    bool quiet, verbose;
    bool json;                 /* --json: no text on stdout, one document */
    uint64_t shard_k, shard_n; /* --shard K/N; 1/1 without it */
    bool collect;              /* keep every failure for --json or --junit */
    const char *dir;           /* reproducers */
    uint64_t shrink_runs;      /* candidate runs per shrink; 0: no shrinking */
    uint64_t shrink_per_property; /* reproducers shrunk per property */
};

/* The command line of `raftsim fuzz` as GOption fills it (owned strings,
 * NULL when not given). entries is the one table of the options' names and
 * descriptions: complaints name an option through opt(). */
struct raftsim_fuzz_args
{
    gint nodes, jobs;
    gchar *seeds, *from, *time, *shard, *faults, *out, *for_text, *max_failures;
    gboolean quiet, verbose, no_shrink, json;
    gchar *shrink_budget, *shrink_per_property, *junit;
    struct raftsim_budget_args budget;
    GOptionEntry entries[18]; /* the options and the terminator */
};

void raftsim_fuzz_args_init(struct raftsim_fuzz_args *a);
void raftsim_fuzz_args_clear(struct raftsim_fuzz_args *a);

/* Parses argv into a (its table and the shared colour and budget options);
 * complains and returns false on an error or an extra argument. */
bool raftsim_fuzz_args_parse(struct raftsim_fuzz_args *a,
                             GOptionContext *ctx,
                             int *argc,
                             char ***argv);

/* Checks a's values into the campaign c and the plan, with *count the
 * seeds of the range; complains and returns false on the first bad one. */
bool raftsim_fuzz_plan_of(const struct raftsim_fuzz_args *a,
                          struct raftsim_fuzz_campaign *c,
                          struct raftsim_fuzz_plan *plan,
                          uint64_t *count);

#endif /* RAFTSIM_FUZZ_H */
