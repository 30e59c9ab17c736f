/* raftsim_fuzz_shrink.h: shrinking what a `raftsim fuzz` campaign found.
 *
 * After the campaign, the reproducers it wrote are shrunk one after the
 * other, in seed order, at most `per_property` of them for each property
 * (the first ones in seed order; the others keep only their full file).
 * Seeds that fail the same way often shrink to very different sizes, since
 * each shrink is a local search from its own schedule, so for every
 * property with two or more shrunk files a line names the smallest one and
 * the sizes of the others:
 *
 *   shrink: smallest match-index reproducer: DIR/fuzz-6.min.scn, 8 statements (also fuzz-2.min.scn 47, fuzz-7.min.scn 53)
 *
 * A statement is a line of the file that is neither blank nor a comment,
 * headers included (as the mutation benchmark counts them). Ties go to the
 * earlier seed. The result depends only on the files and the options.
 */
#ifndef RAFTSIM_FUZZ_SHRINK_H
#define RAFTSIM_FUZZ_SHRINK_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* The default of --shrink-per-property. */
#define RAFTSIM_FUZZ_SHRINK_PER_PROPERTY 3u

struct raftsim_fuzz_shrink
{
    uint64_t runs;         /* candidate runs per shrink (>= 1) */
    uint64_t per_property; /* reproducers shrunk per property at most */
    bool quiet;            /* no "shrink: FILE" line before each */
    bool json;             /* stdout holds a JSON document: print on stderr */
};

/* Shrinks reproducers paths[i] (char *, borrowed, seed order) that failed
 * with properties[i] (char *, borrowed) as described above, each candidate
 * in a forked child (scn_shrink.h), so a crashing candidate costs one run,
 * not this process. Sets the `shrunk` path of each record of `failures`
 * (struct raftsim_fuzz_failure *; NULL: none) whose reproducer was shrunk. */
void raftsim_fuzz_shrink_all(const struct raftsim_fuzz_shrink *p,
                             const GPtrArray *paths,
                             const GPtrArray *properties,
                             GPtrArray *failures);


#endif /* RAFTSIM_FUZZ_SHRINK_H */
