/* viz.h: cairo pictures of a run, a timeline and a log diagram.
 *
 * Every picture is a pure function of its inputs: the same run, view and
 * options give the same bytes in every format (PNG, SVG, PDF). Nothing here
 * reads a clock, an environment variable or a pointer value into the output.
 * Text is drawn with cairo's toy font API ("sans-serif").
 *
 * Node ids are 1-based everywhere, as in struct sim_trace_event.
 */
#ifndef VIZ_H
#define VIZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "raft/raft.h"
#include "sim/sim_trace.h"

/* Checks are never compiled out, here as in the engine (make check-ndebug):
 * every file of viz/ includes this header. */
#ifdef NDEBUG
#error "viz/ is built with its checks: do not define NDEBUG"
#endif

/* Return codes of every action; viz_strerror() describes them. */
enum viz_error {
    VIZ_OK = 0,
    VIZ_EINVAL, /* a malformed argument: no node, inverted window, NULL path */
    VIZ_ENOMEM, /* an allocation failed */
    VIZ_EIO,    /* the file could not be written */
    VIZ_ECAIRO, /* cairo failed to create or draw the surface */
    VIZ_ENOTFILE, /* the destination exists and is not a regular file */
    VIZ_ERROR_COUNT
};

/* A static English sentence for code; "unknown error" outside the enum. */
const char *viz_strerror(int code);

enum viz_format {
    VIZ_FORMAT_PNG = 0,
    VIZ_FORMAT_SVG,
    VIZ_FORMAT_PDF,
    VIZ_FORMAT_COUNT
};

/* File name extension without the dot ("png", "svg", "pdf"). */
const char *viz_format_extension(enum viz_format format);

/* Parses "png", "svg" or "pdf" (case-insensitive) into *out; false, and
 * *out unchanged, otherwise. */
bool viz_format_parse(const char *name, enum viz_format *out);

/* Which messages a timeline draws. */
enum viz_messages {
    VIZ_MESSAGES_AUTO = 0,      /* ALL for sparse runs, else NO_HEARTBEATS */
    VIZ_MESSAGES_ALL,           /* every message */
    VIZ_MESSAGES_NO_HEARTBEATS, /* all but empty AppendEntries and replies */
    VIZ_MESSAGES_NONE,          /* no message arrows at all */
    VIZ_MESSAGES_COUNT
};

/* Parses "auto", "all", "no-heartbeats" or "none" into *out; false, and
 * *out unchanged, otherwise. */
bool viz_messages_parse(const char *name, enum viz_messages *out);

/* One finished (or partial) run, all borrowed for the duration of a call. */
struct viz_run
{
    const char *title; /* shown in the header; NULL: "raftsim run" */
    uint64_t seed;
    uint64_t trace_hash;
    uint32_t n_nodes; /* nodes are 1..n_nodes; at least 1 */
    uint64_t end_us;  /* the run's virtual end time (the axis ends there) */
    const struct sim_trace_event *events; /* in seq order; texts borrowed */
    size_t n_events;
    /* The scenario file the run came from, shown by the replay page; NULL:
     * none. */
    const char *file_name;
};

struct viz_options
{
    enum viz_format format;
    enum viz_messages messages;
    /* Window of virtual time drawn. from_us == to_us == 0: the whole run,
     * [0, max(end_us, last event time)]. to_us == 0 with from_us > 0: from
     * from_us to the end. Otherwise from_us < to_us is required. Roles,
     * terms, crashes and partitions entering the window from the left are
     * drawn as they stood at from_us. */
    uint64_t from_us;
    uint64_t to_us;
    /* Total picture width in pixels (points for SVG/PDF). 0: derived from
     * the window's length and how many messages fall into it. Clamped to
     * [VIZ_WIDTH_MIN_PX, VIZ_WIDTH_MAX_PX]. */
    int width_px;
    /* Frames: when until_now is set, events after now_us are ignored, every
     * span stops at now_us and a "now" cursor is drawn there; the axis still
     * spans the whole window, the client lane keeps all its rows and the
     * legend all its items, so that successive frames line up and have one
     * size. */
    bool until_now;
    uint64_t now_us;
};

#define VIZ_WIDTH_MIN_PX 640
#define VIZ_WIDTH_MAX_PX 16000

/* Fills *o with the defaults: PNG, AUTO messages, whole run, derived width,
 * no "now" cursor. */
void viz_options_init(struct viz_options *o);

/* ---- timeline ---------------------------------------------------------- */

/* The geometry of one timeline picture, in pixels from the top-left corner.
 * Exposed so that callers and tests can find exactly where a time, a lane or
 * a message end is drawn. */
struct viz_timeline_layout
{
    int width_px;
    int height_px;
    uint32_t n_nodes;
    uint64_t from_us; /* the window actually drawn */
    uint64_t to_us;
    double plot_x0;   /* x of from_us */
    double plot_x1;   /* x of to_us */
    double lanes_y0;  /* top of lane 1 */
    double lane_h;    /* lane pitch: lane n starts at lanes_y0 + (n-1)*lane_h */
    double band_off;  /* role band top, relative to the lane's top */
    double band_h;    /* role band height */
    double client_y0; /* top and height of the client lane */
    double client_h;  /* 0: no client requests and not a frame: no lane */
    enum viz_messages messages; /* AUTO resolved to ALL or NO_HEARTBEATS */
    /* Membership strips drawn: the trace has `config` events and some node
     * is, at some instant drawn, not a plain voter of the cluster's
     * configuration (viz_members.c says which configuration that is). */
    bool members;
};

/* Computes the layout run and opts (NULL: the defaults) would be drawn
 * with. run and opts are borrowed for the call. VIZ_EINVAL for no nodes or
 * an inverted window. */
int viz_timeline_compute_layout(const struct viz_run *run,
                                const struct viz_options *opts,
                                struct viz_timeline_layout *out);

/* x of virtual time t_us (times outside the window extrapolate linearly). */
double viz_timeline_x(const struct viz_timeline_layout *l, uint64_t t_us);

/* Vertical extent [*y0, *y1) of node's role band; node in 1..n_nodes. */
void viz_timeline_band(const struct viz_timeline_layout *l,
                       uint32_t node,
                       double *y0,
                       double *y1);

/* Where a message arrow ends: for a delivery, its tip on the edge of the
 * receiver's band that faces the sender; for a lost message (lost == true),
 * the cross, on that same edge of the receiver's band (at the loss's time,
 * or a few pixels after the send for a loss at the send). Arrows start on
 * the edge of the sender's band that faces the receiver. */
void viz_timeline_arrow_end(const struct viz_timeline_layout *l,
                            uint32_t from,
                            uint32_t to,
                            uint64_t send_us,
                            uint64_t end_us,
                            bool lost,
                            double *x,
                            double *y);

/* Vertical extent [*y0, *y1) of the request bars in the client lane's row
 * `row`: a client's rank among the run's distinct client ids (ascending),
 * modulo 8 rows. */
void viz_timeline_client_bar(const struct viz_timeline_layout *l,
                             size_t row,
                             double *y0,
                             double *y1);

/* Draws the timeline of run into path in opts->format (opts NULL: the
 * defaults). run, opts and path are borrowed for the call. The file is
 * replaced whole (written beside it, then renamed); on failure the file at
 * path is left as it was and the error code is returned. */
int viz_timeline_write(const struct viz_run *run,
                       const struct viz_options *opts,
                       const char *path);

/* ---- log diagram ------------------------------------------------------- */

/* Where a node stands in a configuration (thesis §4.1, §4.3), as the
 * timeline's membership strip and the log diagram's rows show it. */
enum viz_member {
    VIZ_MEMBER_NONE = 0,   /* not in the configuration */
    VIZ_MEMBER_VOTER,      /* a voter, the configuration not joint */
    VIZ_MEMBER_LEARNER,    /* a learner (not joint, or joint and not a voter
                              of either half) */
    VIZ_MEMBER_JOINT_BOTH, /* joint: a voter of both halves */
    VIZ_MEMBER_JOINT_IN,   /* joint: a voter of the incoming half only */
    VIZ_MEMBER_JOINT_OUT,  /* joint: a voter of the outgoing half only (it
                              leaves, or becomes a learner, when the joint
                              configuration is left) */
    VIZ_MEMBER_COUNT
};

/* One node's log at an instant. */
struct viz_log_node
{
    bool alive; /* false: crashed, drawn greyed */
    enum raft_role role;
    uint64_t term;
    uint64_t commit_index;
    uint64_t snapshot_index; /* 0: no snapshot */
    uint64_t snapshot_term;
    uint64_t first_index; /* index of terms[0], normally snapshot_index + 1 */
    size_t n_entries;
    const uint64_t *terms; /* borrowed; the term of each entry in order */
    /* Borrowed, n_entries flags: which entries are configuration entries
     * (RAFT_ENTRY_CONFIG), drawn with a mark; NULL: none is. */
    const bool *config;
    /* Where the node stands in the cluster's configuration, written in its
     * row when the view's `members` is set and it is not a plain voter. */
    enum viz_member member;
};

/* Every node's log at virtual time at_us; all borrowed for a call. */
struct viz_log_view
{
    const char *title; /* NULL: "raftsim run" */
    uint64_t at_us;
    uint32_t n_nodes;
    const struct viz_log_node *nodes; /* nodes[i] is node i + 1 */
    /* Index window drawn, inclusive. 0: the default, which is the end of
     * the logs (to: the last index of any log; from: as far back as
     * VIZ_LOG_MAX_COLUMNS columns reach, or the first index not in every
     * node's snapshot). Indices outside the window are never dropped
     * silently: each row shows how many of its entries are not shown, in
     * a marked block at the left or right. */
    uint64_t from_index;
    uint64_t to_index;
    bool members; /* nodes[].member is set */
};

/* The most index columns one log diagram draws (4 px each at the least). */
#define VIZ_LOG_MAX_COLUMNS 800

struct viz_rect
{
    double x, y, w, h;
};

/* The geometry of a log diagram. Columns are log indices; when every node
 * has a snapshot, the prefix they all cover shares one narrow column. */
struct viz_log_layout
{
    int width_px;
    int height_px;
    uint32_t n_nodes;
    uint64_t lo_index; /* first index with a column of its own */
    uint64_t hi_index; /* last index drawn */
    double prefix_x;   /* left of the shared snapshot column */
    double prefix_w;   /* its width; 0 when there is none */
    double cols_x0;    /* left of lo_index's column */
    double box_w;      /* column pitch */
    double rows_y0;    /* top of node 1's row */
    double row_h;      /* row pitch */
    double box_h;      /* box height within a row */
    /* Indices 1..lo_index - 1 are not shown (beyond the prefix every node
     * has snapshotted): the prefix column is then an elision block. */
    bool elided_before;
    uint64_t last_index; /* last index of any log */
    double tail_x;       /* left of the right elision block (indices after */
    double tail_w;       /* hi_index); tail_w == 0: none */
};

/* Computes the layout of view (borrowed for the call). */
int viz_log_compute_layout(const struct viz_log_view *view,
                           struct viz_log_layout *out);

/* The box drawn for node's entry at index: the entry's own box, or the
 * snapshot block covering it. false when that node draws nothing there. */
bool viz_log_box(const struct viz_log_layout *l,
                 const struct viz_log_view *view,
                 uint32_t node,
                 uint64_t index,
                 struct viz_rect *out);

/* The last index of any node's log in view (entries or snapshot); 0 when
 * every log is empty. */
uint64_t viz_log_last_index(const struct viz_log_view *view);

/* How many of node's indices (its snapshot included) the diagram of l does
 * not show, before lo_index and after hi_index; each count > 0 is marked
 * "N not shown" in that row. Every index 1..last of a node is either in a
 * box of viz_log_box() or counted here. false for a node out of range. */
bool viz_log_hidden(const struct viz_log_layout *l,
                    const struct viz_log_view *view,
                    uint32_t node,
                    uint64_t *before,
                    uint64_t *after);

/* Draws view into path in format, replacing the file whole; on failure the
 * file at path is left as it was. All borrowed for the call. */
int viz_log_write(const struct viz_log_view *view,
                  enum viz_format format,
                  const char *path);

/* ---- colours ----------------------------------------------------------- */

/* The RGB colours the pictures use, each component in [0, 1], so that
 * tests and legends elsewhere agree with the drawing. */
struct viz_rgb
{
    double r, g, b;
};

struct viz_rgb viz_role_color(enum raft_role role);
struct viz_rgb viz_crashed_color(void);
/* The fill of a log diagram's "N not shown" blocks. */
struct viz_rgb viz_log_elision_color(void);
/* Term colours cycle through a fixed palette; term 0 is white. */
struct viz_rgb viz_term_color(uint64_t term);
/* The colour of a message arrow of that type; heartbeat: an AppendEntries
 * without entries or its reply. ok: granted/succeeded (results only). Each
 * exchange has one hue and a reply is a darker shade of its request's;
 * heartbeats and their acks share one pale colour. */
struct viz_rgb viz_message_color(enum raft_message_type type,
                                 bool heartbeat,
                                 bool ok);

/* ---- membership -------------------------------------------------------- */

/* "voter", "learner", "not a member", "joint: both halves", "joint:
 * incoming", "joint: outgoing"; "unknown" outside the enum. */
const char *viz_member_name(enum viz_member m);

/* The membership strip's colour for m (NONE: the lane's background). */
struct viz_rgb viz_member_color(enum viz_member m);

/* Where node stands in the configuration that a `config` event's text
 * describes ("voters n1 n2 | learners n4 | outgoing n1 n3",
 * docs/trace-format.md); NONE when the text is NULL or lists it nowhere. */
enum viz_member viz_member_of(const char *config_text, uint32_t node);

/* Where node stands in the valid configuration c (borrowed for the
 * call). */
enum viz_member viz_member_in(const struct raft_configuration *c,
                              uint32_t node);

/* The mark of a configuration entry in the log diagram. */
struct viz_rgb viz_config_entry_color(void);

/* The colour of leadership transfer arrows. */
struct viz_rgb viz_transfer_color(void);

/* Vertical extent [*y0, *y1) of node's membership strip in a timeline:
 * below its commit indices, drawn when l->members is set. */
void viz_timeline_member_strip(const struct viz_timeline_layout *l,
                               uint32_t node,
                               double *y0,
                               double *y1);

/* ---- frames ------------------------------------------------------------ */

enum viz_frame_kind {
    VIZ_FRAME_TIMELINE = 0,
    VIZ_FRAME_LOG,
};

/* The path of frame number frame of kind in dir:
 * "DIR/timeline-000042.png", "DIR/log-000042.svg". Six digits keep a
 * directory listing in frame order. Returns a string the caller frees with
 * g_free(); dir is borrowed for the call. */
char *viz_frame_path(const char *dir,
                     uint32_t frame,
                     enum viz_frame_kind kind,
                     enum viz_format format);

/* Writes frame number `frame` at virtual time at_us into dir (which must
 * exist): the timeline so far (events up to at_us, with a "now" cursor, axis
 * over opts' window so all frames line up) and, when log is not NULL, the
 * log diagram. opts NULL: the defaults; opts->until_now and now_us are
 * overridden. For frames to line up, pass the same window (or the same
 * run->end_us, the run's final end time, with no window) for every frame;
 * run->events may hold only the events so far. Everything is borrowed for
 * the call. */
int viz_frame_write(const char *dir,
                    uint32_t frame,
                    uint64_t at_us,
                    const struct viz_run *run,
                    const struct viz_options *opts,
                    const struct viz_log_view *log);

/* ---- replay page ----------------------------------------------------- */

/* Writes the replay page of run into path: one self-contained HTML file
 * (the viewer's script and style inlined, every event embedded as JSON; no
 * network request) that replays the run in a browser from the trace alone.
 * run and path are borrowed for the call. The file is replaced whole; on
 * failure it is left as it was. VIZ_EINVAL for a run without nodes. */
int viz_html_write(const struct viz_run *run, const char *path);

/* ---- output files ------------------------------------------------------ */

/* Every picture, and any other result a caller writes through it, lands
 * at the file its path names, complete or not at all (viz_file.c). A
 * failure with VIZ_EIO leaves the OS reason in errno. */

/* Resolves `path` (borrowed) to the file a write must replace: symbolic
 * links are followed to the end, which must be a regular file, or a new
 * path in an existing directory. Stores a new string the caller g_free()s
 * in *target. VIZ_OK; VIZ_ENOTFILE when the end exists and is not a
 * regular file (a FIFO, a device, a directory); VIZ_EIO (errno) when it
 * cannot be reached (a missing directory, a loop of links). */
int viz_output_target(const char *path, char **target);

/* A result being written: to `fp`, a new temporary file beside `target`. */
struct viz_output
{
    char *target; /* owned: the resolved destination */
    char *temp;   /* owned: the temporary file */
    FILE *fp;     /* owned: open on temp for writing */
};

/* Resolves `path` (borrowed) as viz_output_target() does and opens a
 * temporary file in the target's directory (mode 0666 less the umask).
 * On failure *o holds nothing. */
int viz_output_open(struct viz_output *o, const char *path);

/* Flushes, syncs (when it replaces a file), closes and renames the
 * temporary file onto the target. On any failure removes the temporary
 * file, leaves the target as it was and returns VIZ_EIO (errno: why).
 * Frees what *o holds in either case. */
int viz_output_commit(struct viz_output *o);

/* Closes and removes the temporary file, keeping errno; nothing reaches
 * the target. Frees what *o holds; a no-op on an emptied *o. */
void viz_output_discard(struct viz_output *o);

/* Writes the `len` bytes at `data` (borrowed) as the whole file `path`
 * names, through viz_output_open() and viz_output_commit(). */
int viz_output_write_all(const char *path, const void *data, size_t len);

/* ---- process end ------------------------------------------------------- */

/* Releases the font caches cairo keeps for the whole process (the faces and
 * patterns behind the text of every picture), so that a leak checker at
 * exit sees only what fontconfig itself keeps. Call it once all pictures
 * are drawn, with no viz call running in another thread; drawing again
 * afterwards is allowed and gives the same bytes. */
void viz_release_caches(void);

#endif /* VIZ_H */
