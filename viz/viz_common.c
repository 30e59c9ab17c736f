/* viz_common.c: error names, formats, colours, canvases and text helpers.
 *
 * Invariant: every colour a picture uses is defined here once, so pictures,
 * legends and tests agree; every canvas is opened with the same font options
 * and, for PDF, with fixed metadata, so output bytes depend only on the
 * drawing commands.
 */
#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "sim/sim_time_text.h"
#include "viz/viz.h"
#include "viz/viz_draw.h"

static const char *const error_names[VIZ_ERROR_COUNT] = {
    [VIZ_OK] = "success",
    [VIZ_EINVAL] = "invalid argument",
    [VIZ_ENOMEM] = "out of memory",
    [VIZ_EIO] = "cannot write the picture file",
    [VIZ_ECAIRO] = "cairo failed to draw the picture",
    [VIZ_ENOTFILE] = ("not a regular file (a picture replaces only a "
                      "regular file, or creates a new one)"),
};

const char *viz_strerror(int code)
{
    if (code < 0 || code >= VIZ_ERROR_COUNT) {
        return "unknown error";
    }
    return error_names[code];
}

static const char *const format_names[VIZ_FORMAT_COUNT] = {
    [VIZ_FORMAT_PNG] = "png",
    [VIZ_FORMAT_SVG] = "svg",
    [VIZ_FORMAT_PDF] = "pdf",
};

const char *viz_format_extension(enum viz_format format)
{
    if ((int)format < 0 || format >= VIZ_FORMAT_COUNT) {
        return "png";
    }
    return format_names[format];
}

bool viz_format_parse(const char *name, enum viz_format *out)
{
    if (name == NULL) {
        return false;
    }
    for (int i = 0; i < VIZ_FORMAT_COUNT; i++) {
        if (g_ascii_strcasecmp(name, format_names[i]) == 0) {
            *out = (enum viz_format)i;
            return true;
        }
    }
    return false;
}

static const char *const messages_names[VIZ_MESSAGES_COUNT] = {
    [VIZ_MESSAGES_AUTO] = "auto",
    [VIZ_MESSAGES_ALL] = "all",
    [VIZ_MESSAGES_NO_HEARTBEATS] = "no-heartbeats",
    [VIZ_MESSAGES_NONE] = "none",
};

bool viz_messages_parse(const char *name, enum viz_messages *out)
{
    if (name == NULL) {
        return false;
    }
    for (int i = 0; i < VIZ_MESSAGES_COUNT; i++) {
        if (g_ascii_strcasecmp(name, messages_names[i]) == 0) {
            *out = (enum viz_messages)i;
            return true;
        }
    }
    return false;
}

void viz_options_init(struct viz_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = VIZ_FORMAT_PNG;
    o->messages = VIZ_MESSAGES_AUTO;
}

/* ---- colours ----------------------------------------------------------- */

struct viz_rgb viz_hex(uint32_t rgb)
{
    struct viz_rgb c = {
        .r = (double)((rgb >> 16) & 0xff) / 255.0,
        .g = (double)((rgb >> 8) & 0xff) / 255.0,
        .b = (double)(rgb & 0xff) / 255.0,
    };
    return c;
}

/* Roles differ in lightness as well as hue (light sky blue, orange, dark
 * blue, from the Okabe-Ito palette), so they stay apart for every kind of
 * colour blindness and in greyscale print. */
struct viz_rgb viz_role_color(enum raft_role role)
{
    switch (role) {
    case RAFT_CANDIDATE:
        return viz_hex(VIZ_PAL_ORANGE);
    case RAFT_LEADER:
        return viz_hex(VIZ_PAL_BLUE);
    case RAFT_FOLLOWER:
    case RAFT_ROLE_COUNT:
        break;
    }
    return viz_hex(VIZ_PAL_SKY_LIGHT);
}

struct viz_rgb viz_crashed_color(void)
{
    return viz_hex(VIZ_PAL_CRASHED);
}

/* Beige, unlike every term colour, so an elision never reads as entries. */
struct viz_rgb viz_log_elision_color(void)
{
    return viz_hex(VIZ_PAL_BEIGE);
}

/* Light, mutually distinct fills that carry black text (ColorBrewer Set3). */
static const uint32_t term_palette[] = {
    0x8dd3c7, 0xffffb3, 0xbebada, 0xfb8072,
    0x80b1d3, 0xfdb462, 0xb3de69, 0xfccde5,
};

struct viz_rgb viz_term_color(uint64_t term)
{
    if (term == 0) {
        return viz_hex(VIZ_PAL_WHITE);
    }
    size_t n = sizeof term_palette / sizeof term_palette[0];
    return viz_hex(term_palette[(term - 1) % n]);
}

/* Each exchange has one hue (votes vermillion, PreVote reddish purple,
 * appends bluish green, snapshots purple); a reply is a darker shade of its
 * request's hue, so that a request and its answer stay apart in a picture
 * and in the legend. Heartbeats and their acks are pale. */
struct viz_rgb viz_message_color(enum raft_message_type type,
                                 bool heartbeat,
                                 bool ok)
{
    (void)ok;
    switch (type) {
    case RAFT_MSG_REQUEST_VOTE:
        return viz_hex(VIZ_PAL_VERMILLION);
    case RAFT_MSG_REQUEST_VOTE_RESULT:
        return viz_hex(VIZ_PAL_VERMILLION_DARK);
    case RAFT_MSG_PRE_VOTE:
        return viz_hex(VIZ_PAL_PINK);
    case RAFT_MSG_PRE_VOTE_RESULT:
        return viz_hex(VIZ_PAL_PINK_DARK);
    case RAFT_MSG_APPEND_ENTRIES:
        return heartbeat ? viz_hex(VIZ_PAL_GREEN_PALE) : viz_hex(VIZ_PAL_GREEN);
    case RAFT_MSG_APPEND_ENTRIES_RESULT:
        return heartbeat ? viz_hex(VIZ_PAL_GREEN_PALE)
                         : viz_hex(VIZ_PAL_GREEN_DARK);
    case RAFT_MSG_INSTALL_SNAPSHOT:
        return viz_hex(VIZ_PAL_PURPLE);
    case RAFT_MSG_INSTALL_SNAPSHOT_RESULT:
        return viz_hex(VIZ_PAL_PURPLE_DARK);
    case RAFT_MSG_TIMEOUT_NOW:
        return viz_hex(VIZ_PAL_ORANGE);
    case RAFT_MSG_READ_INDEX:
        return viz_hex(VIZ_PAL_SKY);
    case RAFT_MSG_READ_INDEX_RESULT:
        return viz_hex(VIZ_PAL_SKY_DARK);
    case RAFT_MSG_TYPE_COUNT:
        break;
    }
    return viz_hex(VIZ_PAL_GREY_55);
}

/* ---- time -------------------------------------------------------------- */

uint64_t viz_nice_step(double min_us)
{
    uint64_t decade = 1;
    for (;;) {
        static const uint64_t mult[] = {1, 2, 5};
        for (size_t i = 0; i < 3; i++) {
            if ((double)(mult[i] * decade) >= min_us) {
                return mult[i] * decade;
            }
        }
        if (decade > UINT64_MAX / 100) {
            return decade * 10;
        }
        decade *= 10;
    }
}

void viz_time_label(uint64_t us, char *buf, size_t len)
{
    GString *t = g_string_new(NULL);
    sim_time_text_human(t, us);
    g_strlcpy(buf, t->str, len);
    g_string_free(t, TRUE);
}

bool viz_row_take(struct viz_row *row, double x0, double x1, double gap)
{
    if (x0 < row->right) {
        return false;
    }
    row->right = x1 + gap;
    return true;
}

/* ---- text -------------------------------------------------------------- */

static void apply_font_options(cairo_t *cr)
{
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_set_font_options(cr, fo);
    cairo_font_options_destroy(fo);
}

void viz_font(cairo_t *cr, double size, bool bold)
{
    cairo_select_font_face(
        cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL,
        bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double viz_text_width(cairo_t *cr, const char *s)
{
    cairo_text_extents_t ext;
    cairo_text_extents(cr, s, &ext);
    return ext.x_advance;
}

double viz_text(cairo_t *cr,
                double x,
                double y,
                const char *s,
                enum viz_align align)
{
    double w = viz_text_width(cr, s);
    double x0 = x;
    if (align == VIZ_ALIGN_CENTER) {
        x0 = x - w / 2.0;
    } else if (align == VIZ_ALIGN_RIGHT) {
        x0 = x - w;
    }
    cairo_move_to(cr, x0, y);
    cairo_show_text(cr, s);
    cairo_new_path(cr);
    return w;
}

void viz_set_rgb(cairo_t *cr, struct viz_rgb c)
{
    cairo_set_source_rgb(cr, c.r, c.g, c.b);
}

void viz_set_rgba(cairo_t *cr, struct viz_rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
}

void viz_stripes(cairo_t *cr,
                 double x,
                 double y,
                 double w,
                 double h,
                 double pitch)
{
    cairo_save(cr);
    cairo_rectangle(cr, x, y, w, h);
    cairo_clip(cr);
    for (double sx = x - h; sx < x + w; sx += pitch) {
        cairo_move_to(cr, sx, y + h);
        cairo_line_to(cr, sx + h, y);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
}

cairo_t *viz_measure_new(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 4, 4);
    cairo_t *cr = cairo_create(s);
    cairo_surface_destroy(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        cairo_destroy(cr);
        return NULL;
    }
    apply_font_options(cr);
    return cr;
}

void viz_measure_free(cairo_t *cr)
{
    cairo_destroy(cr);
}

/* ---- canvases ---------------------------------------------------------- */

static cairo_status_t append_bytes(void *closure,
                                   const unsigned char *data,
                                   unsigned int length)
{
    g_byte_array_append((GByteArray *)closure, data, length);
    return CAIRO_STATUS_SUCCESS;
}

int viz_canvas_open(struct viz_canvas *c,
                    enum viz_format format,
                    const char *path,
                    int width,
                    int height)
{
    if (path == NULL || width <= 0 || height <= 0 || (int)format < 0 ||
        format >= VIZ_FORMAT_COUNT) {
        return VIZ_EINVAL;
    }
    memset(c, 0, sizeof *c);
    c->format = format;
    c->path = path;
    c->bytes = g_byte_array_new();

    switch (format) {
    case VIZ_FORMAT_PNG:
        c->surface =
            cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
        break;
    case VIZ_FORMAT_SVG:
        c->surface = cairo_svg_surface_create_for_stream(append_bytes, c->bytes,
                                                         width, height);
        if (cairo_surface_status(c->surface) == CAIRO_STATUS_SUCCESS) {
            cairo_svg_surface_restrict_to_version(c->surface,
                                                  CAIRO_SVG_VERSION_1_1);
            cairo_svg_surface_set_document_unit(c->surface, CAIRO_SVG_UNIT_PX);
        }
        break;
    case VIZ_FORMAT_PDF:
        c->surface = cairo_pdf_surface_create_for_stream(append_bytes, c->bytes,
                                                         width, height);
        if (cairo_surface_status(c->surface) == CAIRO_STATUS_SUCCESS) {
            /* cairo stamps today's date unless told otherwise; an empty
             * date leaves CreationDate out, so the bytes stay the same. */
            cairo_pdf_surface_set_metadata(
                c->surface, CAIRO_PDF_METADATA_CREATOR, "raftsim");
            cairo_pdf_surface_set_metadata(c->surface,
                                           CAIRO_PDF_METADATA_CREATE_DATE, "");
        }
        break;
    case VIZ_FORMAT_COUNT:
        break;
    }
    cairo_status_t st = cairo_surface_status(c->surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(c->surface);
        g_byte_array_free(c->bytes, TRUE);
        memset(c, 0, sizeof *c);
        return st == CAIRO_STATUS_NO_MEMORY ? VIZ_ENOMEM : VIZ_ECAIRO;
    }
    c->cr = cairo_create(c->surface);
    apply_font_options(c->cr);
    cairo_set_source_rgb(c->cr, 1, 1, 1);
    cairo_paint(c->cr);
    return VIZ_OK;
}

/* cairo names the SVG group of each surface after a process-wide counter
 * ("surface5"), so the second picture drawn by one process would differ
 * from the first. Renumbers every "surfaceN" in order of first appearance;
 * the document holds no text as characters (glyphs are paths), so only
 * identifiers match. */
static GByteArray *renumber_svg_surfaces(const GByteArray *in)
{
    static const char word[] = "surface";
    const size_t wlen = sizeof word - 1;
    GByteArray *out = g_byte_array_sized_new(in->len);
    GArray *seen = g_array_new(FALSE, FALSE, sizeof(guint64));
    size_t i = 0;
    while (i < in->len) {
        size_t j = i + wlen;
        if (j < in->len && memcmp(in->data + i, word, wlen) == 0 &&
            g_ascii_isdigit(in->data[j])) {
            guint64 id = 0;
            while (j < in->len && g_ascii_isdigit(in->data[j])) {
                id = id * 10 + (guint64)(in->data[j] - '0');
                j++;
            }
            guint k = 0;
            while (k < seen->len && g_array_index(seen, guint64, k) != id) {
                k++;
            }
            if (k == seen->len) {
                g_array_append_val(seen, id);
            }
            char buf[40];
            int n = g_snprintf(buf, sizeof buf, "surface%u", k + 1);
            g_byte_array_append(out, (const guint8 *)buf, (guint)n);
            i = j;
        } else {
            g_byte_array_append(out, in->data + i, 1);
            i++;
        }
    }
    g_array_free(seen, TRUE);
    return out;
}

int viz_canvas_close(struct viz_canvas *c, bool keep)
{
    int code = VIZ_OK;
    cairo_status_t st = cairo_status(c->cr);
    cairo_destroy(c->cr);
    if (st != CAIRO_STATUS_SUCCESS) {
        code = st == CAIRO_STATUS_NO_MEMORY ? VIZ_ENOMEM : VIZ_ECAIRO;
    }
    if (c->format == VIZ_FORMAT_PNG) {
        if (code == VIZ_OK && keep) {
            st = cairo_surface_write_to_png_stream(c->surface, append_bytes,
                                                   c->bytes);
            if (st != CAIRO_STATUS_SUCCESS) {
                code = st == CAIRO_STATUS_NO_MEMORY ? VIZ_ENOMEM : VIZ_ECAIRO;
            }
        }
    } else {
        cairo_surface_finish(c->surface);
        st = cairo_surface_status(c->surface);
        if (code == VIZ_OK && st != CAIRO_STATUS_SUCCESS) {
            code = st == CAIRO_STATUS_NO_MEMORY ? VIZ_ENOMEM : VIZ_ECAIRO;
        }
    }
    cairo_surface_destroy(c->surface);
    if (code == VIZ_OK && keep) {
        GByteArray *bytes = c->bytes;
        if (c->format == VIZ_FORMAT_SVG) {
            bytes = renumber_svg_surfaces(c->bytes);
            g_byte_array_free(c->bytes, TRUE);
            c->bytes = bytes;
        }
        /* Written beside the destination and renamed onto it. */
        code = viz_output_write_all(c->path, bytes->data, bytes->len);
    }
    int saved = errno;
    g_byte_array_free(c->bytes, TRUE);
    memset(c, 0, sizeof *c);
    errno = saved;
    return code;
}

/* ---- frames ------------------------------------------------------------ */

char *viz_frame_path(const char *dir,
                     uint32_t frame,
                     enum viz_frame_kind kind,
                     enum viz_format format)
{
    char name[64];
    g_snprintf(name, sizeof name, "%s-%06u.%s",
               kind == VIZ_FRAME_LOG ? "log" : "timeline", (unsigned)frame,
               viz_format_extension(format));
    return g_build_filename(dir, name, NULL);
}

int viz_frame_write(const char *dir,
                    uint32_t frame,
                    uint64_t at_us,
                    const struct viz_run *run,
                    const struct viz_options *opts,
                    const struct viz_log_view *log)
{
    if (dir == NULL || run == NULL) {
        return VIZ_EINVAL;
    }
    struct viz_options o;
    if (opts != NULL) {
        o = *opts;
    } else {
        viz_options_init(&o);
    }
    o.until_now = true;
    o.now_us = at_us;

    char *path = viz_frame_path(dir, frame, VIZ_FRAME_TIMELINE, o.format);
    int code = viz_timeline_write(run, &o, path);
    g_free(path);
    if (code != VIZ_OK || log == NULL) {
        return code;
    }
    path = viz_frame_path(dir, frame, VIZ_FRAME_LOG, o.format);
    code = viz_log_write(log, o.format, path);
    g_free(path);
    return code;
}

void viz_release_caches(void)
{
    /* Safe only with no cairo object alive: every viz call destroys all of
     * its surfaces and contexts before returning. */
    cairo_debug_reset_static_data();
}

void viz_arrow_head(cairo_t *cr,
                    double xs,
                    double ys,
                    double xe,
                    double ye,
                    double size)
{
    double dx = xe - xs;
    double dy = ye - ys;
    double len = sqrt(dx * dx + dy * dy);
    if (len < 1.0) {
        return;
    }
    double ux = dx / len;
    double uy = dy / len;
    cairo_move_to(cr, xe, ye);
    cairo_line_to(cr, xe - ux * size - uy * size * 0.45,
                  ye - uy * size + ux * size * 0.45);
    cairo_line_to(cr, xe - ux * size + uy * size * 0.45,
                  ye - uy * size - ux * size * 0.45);
    cairo_close_path(cr);
    cairo_fill(cr);
}
