/* raft_assert.h: the core's assertions are never compiled out.
 *
 * Every file of raft/ includes this header through raft_impl.h, raft_log.h
 * or raft_progress.h, so a build of the core with NDEBUG stops here instead
 * of silently dropping the invariant checks (check_log_order() and
 * check_roles() in raft.c and the preconditions at the top of functions).
 * The public header raft.h does not include it: a host may build its own
 * code as it likes.
 */
#ifndef RAFT_ASSERT_H
#define RAFT_ASSERT_H

#ifdef NDEBUG
#error "the Raft core never compiles its assertions out: build it without NDEBUG"
#endif

#include <assert.h>

#endif /* RAFT_ASSERT_H */
