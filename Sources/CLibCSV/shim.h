#include <csv.h>
#include <stdlib.h>

/// libcsv asks this of every character of an unquoted field, to trim spaces around values. Ferry
/// keeps values exactly as written, so nothing is a space; a C function keeps the question cheap
/// (a Swift closure behind a C thunk cost about 5% of a conversion's time).
static inline int ferry_csv_no_space(unsigned char c) { (void)c; return 0; }

/// libcsv's parser states (libcsv.c keeps them private; `struct csv_parser` holds them in `pstate`).
enum { FERRY_CSV_ROW_NOT_BEGUN = 0, FERRY_CSV_FIELD_BEGUN = 2, FERRY_CSV_FIELD_MIGHT_HAVE_ENDED = 3 };

/// After libcsv in strict mode stopped at `c` (text after a closing quote, or a quote inside an
/// unquoted field), goes on as Python's csv module reads it: the field goes on unquoted with `c`
/// and what follows as written, up to the next delimiter or line break. In the state after a
/// closing quote libcsv holds that quote at the end of the field; it is dropped, as Python drops it.
/// Returns -1 when the field buffer cannot grow.
static inline int ferry_csv_continue_unquoted(struct csv_parser *p, unsigned char c) {
    if (p->pstate == FERRY_CSV_FIELD_MIGHT_HAVE_ENDED && p->entry_pos > 0) p->entry_pos -= 1;
    if (p->entry_pos >= p->entry_size) {
        size_t size = p->entry_size + (p->blk_size ? p->blk_size : 128);
        void *grown = p->realloc_func ? p->realloc_func(p->entry_buf, size) : realloc(p->entry_buf, size);
        if (!grown) return -1;
        p->entry_buf = grown;
        p->entry_size = size;
    }
    p->entry_buf[p->entry_pos++] = c;
    p->pstate = FERRY_CSV_FIELD_BEGUN;
    p->quoted = 0;
    p->spaces = 0;
    p->status = 0;
    return 0;
}
