/*
 * mentions.c: gazetteer names in running text.  The normalised key of
 * every gazetteer entry goes into one Aho-Corasick automaton, built once
 * per finder.  A text is folded word by word into the same normal form
 * (each word keeps its byte span), so one pass over the folded words finds
 * every name, and every match maps back to the bytes as written.  Counts
 * of attacks are then read from each sentence (see assign_counts).
 *
 * The folding is im_normalize's own: each character is classified by
 * asking im_normalize about it, and each word by asking whether it drops
 * the word, so a name found here is a name the gazetteer would resolve.
 */
#include "mentions.h"
#include "context.h"
#include "gazetteer.h"
#include "normalize.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the automaton ----------------------------------------------------- */

#define NSYM 37 /* a-z, 0-9 and the space between words */

typedef enum { CH_SEP = 0, CH_WORD, CH_JOIN } ch_class_t;

typedef struct {
    ch_class_t cls;
    char c; /* the folded letter of a CH_WORD */
} ch_t;

struct im_mention_finder {
    const im_gazetteer_t *gaz;
    size_t nentries;    /* gazetteer entries; province keys come after */
    int32_t *go;        /* nnodes x NSYM, complete after the build */
    int32_t *fail;
    int32_t *dict;      /* next node on the fail chain that ends a key */
    int32_t *entry;     /* entry or nentries + province key, or -1 */
    uint8_t *ambiguous; /* the key names two districts equally */
    uint16_t *depth;
    size_t nnodes;
    ch_t ascii[128];
};

static int sym(char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '0' && c <= '9')
        return 26 + (c - '0');
    return c == ' ' ? 36 : -1;
}

/* How im_normalize treats one character, between "xx" and "yy": dropped
 * (an apostrophe: it joins), a space (it splits), or one letter. */
static ch_t probe_char(const char *bytes, size_t n)
{
    ch_t r = {CH_SEP, 0};
    char in[16], out[16];
    if (n == 0 || n > 4)
        return r;
    memcpy(in, "xx", 2);
    memcpy(in + 2, bytes, n);
    memcpy(in + 2 + n, "yy", 3);
    im_normalize(in, out, sizeof out);
    if (!strcmp(out, "xxyy")) {
        r.cls = CH_JOIN;
    } else if (strlen(out) == 5 && !memcmp(out, "xx", 2) &&
               !memcmp(out + 3, "yy", 2) && isalnum((unsigned char)out[2])) {
        r.cls = CH_WORD;
        r.c = out[2];
    }
    return r;
}

/* Whether district a contains b: a is b or one of its ancestors. */
static bool contains(const im_gazetteer_t *gaz, const char *a, const char *b)
{
    return !strcmp(a, b) || im_gazetteer_is_ancestor(gaz, a, b);
}

/* Keeps the best entry for a key, as im_gazetteer_resolve picks: a
 * district's name before a variant before a place.  Two districts at the
 * best kind make the key ambiguous, unless one contains the other, when
 * the larger is certainly right. */
static void keep_best(im_mention_finder_t *f, int32_t node, size_t i)
{
    if (i >= f->nentries) {
        /* A province key: a gazetteer entry with the same key ("Azad
         * Kashmir") says more, since it names a district too. */
        const char *name, *cur;
        if (f->entry[node] < 0) {
            f->entry[node] = (int32_t)i;
        } else if ((size_t)f->entry[node] >= f->nentries) {
            const char *key;
            im_gazetteer_province_key(f->gaz, i - f->nentries, &name, &key, NULL);
            im_gazetteer_province_key(f->gaz, (size_t)f->entry[node] - f->nentries,
                                      &cur, &key, NULL);
            if (strcmp(name, cur))
                f->ambiguous[node] = 1;
        }
        return;
    }
    const char *id, *cur_id;
    im_match_method_t kind, cur_kind;
    im_gazetteer_entry(f->gaz, i, NULL, &id, &kind);
    if (f->entry[node] < 0 || (size_t)f->entry[node] >= f->nentries) {
        f->entry[node] = (int32_t)i;
        f->ambiguous[node] = 0;
        return;
    }
    im_gazetteer_entry(f->gaz, (size_t)f->entry[node], NULL, &cur_id,
                       &cur_kind);
    if (kind < cur_kind) {
        f->entry[node] = (int32_t)i;
        f->ambiguous[node] = 0;
    } else if (kind == cur_kind && strcmp(id, cur_id)) {
        if (contains(f->gaz, id, cur_id))
            f->entry[node] = (int32_t)i;
        else if (!contains(f->gaz, cur_id, id))
            f->ambiguous[node] = 1;
    }
}

static void insert_key(im_mention_finder_t *f, const char *key, size_t i)
{
    for (const char *p = key; *p; p++)
        if (sym(*p) < 0)
            return; /* not a normal form; im_normalize never makes one */
    int32_t node = 0;
    for (const char *p = key; *p; p++) {
        int32_t *next = &f->go[(size_t)node * NSYM + (size_t)sym(*p)];
        if (*next < 0) {
            *next = (int32_t)f->nnodes;
            f->depth[f->nnodes] = (uint16_t)(f->depth[node] + 1);
            f->nnodes++;
        }
        node = *next;
    }
    if (node)
        keep_best(f, node, i);
}

/* Breadth first: fail links, dictionary links, and the missing
 * transitions filled in, so that scanning never follows a fail link. */
static void link_nodes(im_mention_finder_t *f, int32_t *queue)
{
    size_t head = 0, tail = 0;
    f->fail[0] = 0;
    f->dict[0] = -1;
    for (int s = 0; s < NSYM; s++) {
        int32_t v = f->go[s];
        if (v < 0) {
            f->go[s] = 0;
        } else {
            f->fail[v] = 0;
            f->dict[v] = -1;
            queue[tail++] = v;
        }
    }
    while (head < tail) {
        int32_t u = queue[head++];
        for (int s = 0; s < NSYM; s++) {
            int32_t *v = &f->go[(size_t)u * NSYM + (size_t)s];
            int32_t via_fail = f->go[(size_t)f->fail[u] * NSYM + (size_t)s];
            if (*v < 0) {
                *v = via_fail;
                continue;
            }
            f->fail[*v] = via_fail;
            f->dict[*v] = f->entry[via_fail] >= 0 ? via_fail : f->dict[via_fail];
            queue[tail++] = *v;
        }
    }
}

/* Key i of the automaton: gazetteer entries, then province keys. */
static const char *key_of(const im_gazetteer_t *gaz, size_t nentries, size_t i)
{
    const char *key, *name;
    if (i < nentries)
        im_gazetteer_entry(gaz, i, &key, NULL, NULL);
    else
        im_gazetteer_province_key(gaz, i - nentries, &name, &key, NULL);
    return key;
}

im_status_t im_mention_finder_new(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                                  im_mention_finder_t **out)
{
    *out = NULL;
    if (!gaz)
        return im_error(ctx, IM_ERR_ARG, "mentions: no gazetteer");
    size_t n = im_gazetteer_entry_count(gaz), cap = 1;
    size_t np = im_gazetteer_province_count(gaz);
    for (size_t i = 0; i < n + np; i++)
        cap += strlen(key_of(gaz, n, i));
    if (cap > INT32_MAX / NSYM)
        return im_error(ctx, IM_ERR_DATA, "mentions: gazetteer too large");
    im_mention_finder_t *f = calloc(1, sizeof *f);
    int32_t *queue = malloc(cap * sizeof *queue);
    if (f) {
        f->gaz = gaz;
        f->nentries = n;
        f->go = malloc(cap * NSYM * sizeof *f->go);
        f->fail = malloc(cap * sizeof *f->fail);
        f->dict = malloc(cap * sizeof *f->dict);
        f->entry = malloc(cap * sizeof *f->entry);
        f->ambiguous = calloc(cap, 1);
        f->depth = calloc(cap, sizeof *f->depth);
    }
    if (!f || !queue || !f->go || !f->fail || !f->dict || !f->entry ||
        !f->ambiguous || !f->depth) {
        free(queue);
        im_mention_finder_free(f);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < cap * NSYM; i++)
        f->go[i] = -1;
    for (size_t i = 0; i < cap; i++)
        f->entry[i] = -1;
    f->nnodes = 1;
    for (size_t i = 0; i < n + np; i++)
        insert_key(f, key_of(gaz, n, i), i);
    link_nodes(f, queue);
    free(queue);
    for (int c = 0; c < 128; c++) {
        char b = (char)c;
        f->ascii[c] = probe_char(&b, 1);
    }
    *out = f;
    return IM_OK;
}

void im_mention_finder_free(im_mention_finder_t *f)
{
    if (!f)
        return;
    free(f->go);
    free(f->fail);
    free(f->dict);
    free(f->entry);
    free(f->ambiguous);
    free(f->depth);
    free(f);
}

/* ---- sentences --------------------------------------------------------- */

/* Whether the '.' at text[dot] ends an initial or a title, not a
 * sentence. */
static bool ends_abbreviation(const char *text, size_t dot)
{
    static const char *const titles[] = {
        "mr", "mrs", "ms", "dr", "gen", "lt", "col", "maj", "capt", "brig",
        "sgt", "prof", "rev", "st", "jr", "sr", "retd", "govt", "dept",
        "distt", "dist", "approx", "vs", "fig", NULL};
    size_t b = dot;
    while (b > 0 && isalpha((unsigned char)text[b - 1]))
        b--;
    size_t n = dot - b;
    if (n == 1)
        return true;
    for (int i = 0; titles[i]; i++)
        if (strlen(titles[i]) == n && !strncasecmp(titles[i], text + b, n))
            return true;
    return false;
}

/* Bytes of closing quotes and brackets at text[i], or 0. */
static size_t closer_len(const char *text, size_t len, size_t i)
{
    const unsigned char *s = (const unsigned char *)text + i;
    if (*s && strchr("\"')]", *s))
        return 1;
    /* U+2019 and U+201D, the closing typographic quotes. */
    if (i + 2 < len && s[0] == 0xE2 && s[1] == 0x80 &&
        (s[2] == 0x99 || s[2] == 0x9D))
        return 3;
    return 0;
}

static bool push_span(im_span_t **v, size_t *n, size_t *cap, size_t off,
                      size_t end)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 64;
        im_span_t *p = realloc(*v, c * sizeof *p);
        if (!p)
            return false;
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = (im_span_t){off, end - off};
    return true;
}

/* Where a sentence ending at '.', '!' or '?' at text[i] stops, or 0 when
 * that character does not end one. */
static size_t sentence_stop(const char *text, size_t len, size_t i)
{
    size_t j = i + 1, k;
    while (j < len && (k = closer_len(text, len, j)))
        j += k;
    if (j < len && !isspace((unsigned char)text[j]))
        return 0; /* "2.5", "analyst.ISKP", "IS-K?s" */
    if (text[i] == '.' && ends_abbreviation(text, i))
        return 0;
    k = j;
    while (k < len && (text[k] == ' ' || text[k] == '\t'))
        k++;
    if (k < len && islower((unsigned char)text[k]))
        return 0;
    return j;
}

im_status_t im_sentences_split(im_ctx_t *ctx, const char *text, size_t len,
                               im_span_t **out, size_t *out_n)
{
    *out = NULL;
    *out_n = 0;
    size_t cap = 0, start = SIZE_MAX, last = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        size_t stop = 0;
        if (c == '\n' || c == '\r')
            stop = i;
        else if (c == '.' || c == '!' || c == '?')
            stop = sentence_stop(text, len, i);
        if (!isspace((unsigned char)c) && start == SIZE_MAX)
            start = i;
        if (!isspace((unsigned char)c))
            last = i + 1;
        if (!stop && c != '\n' && c != '\r')
            continue;
        if (stop > i)
            last = stop;
        if (start != SIZE_MAX && !push_span(out, out_n, &cap, start, last)) {
            free(*out);
            *out = NULL;
            *out_n = 0;
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        }
        start = SIZE_MAX;
        if (stop > i)
            i = stop - 1;
    }
    if (start != SIZE_MAX && !push_span(out, out_n, &cap, start, last)) {
        free(*out);
        *out = NULL;
        *out_n = 0;
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    return IM_OK;
}

/* ---- words ------------------------------------------------------------- */

typedef struct {
    size_t start, end;     /* bytes of the word as written */
    size_t end_stem;       /* end before a possessive "'s" */
    size_t norm, norm_len; /* folded form in scan_t.norm, "s" included */
    size_t ns;             /* where it starts in the stream */
    size_t sentence;
    bool possessive, upper_initial, all_upper, letters, noise;
} token_t;

typedef struct {
    size_t t0, t1;   /* tokens t0 .. t1 - 1 */
    bool possessive; /* ends before the "'s" of its last token */
    bool own_name;   /* a district's or province's own name */
    im_mention_kind_t kind;
    const char *district_id, *province;
} cand_t;

typedef struct {
    const im_mention_finder_t *finder;
    const char *text;
    size_t len;
    im_span_t *sentences;
    size_t nsentences;
    token_t *tok;
    size_t ntok, cap_tok;
    char *norm;
    size_t nnorm;
    char *stream;         /* folded words; ' ' between, '\n' at a break */
    int32_t *tok_of;      /* token of each stream byte, -1 between */
    size_t nstream;
    cand_t *cand;         /* candidates, then the chosen mentions */
    size_t ncand, cap_cand, nchosen;
    long *count;          /* per chosen mention */
    int32_t *mention_at;  /* per token: chosen mention starting there */
    int32_t *covered;     /* per token: chosen mention covering it */
} scan_t;

static bool latin_upper(unsigned cp)
{
    if (cp >= 0xC0 && cp <= 0xDE)
        return cp != 0xD7;
    if ((cp >= 0x100 && cp < 0x138) || (cp >= 0x14A && cp < 0x178))
        return cp % 2 == 0;
    if ((cp >= 0x139 && cp < 0x149) || (cp >= 0x179 && cp < 0x17F))
        return cp % 2 == 1;
    return cp == 0x178;
}

/* Length of the UTF-8 sequence at s, or 0 if it is not well formed. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
    size_t n = s[0] < 0x80 ? 1 : s[0] >= 0xF8 ? 0 : s[0] >= 0xF0 ? 4
             : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || n > left)
        return 0;
    for (size_t k = 1; k < n; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return n;
}

static ch_t char_at(const scan_t *sc, size_t i, size_t *out_n, bool *out_upper)
{
    const unsigned char *s = (const unsigned char *)sc->text + i;
    *out_upper = false;
    *out_n = 1;
    if (*s < 0x80) {
        *out_upper = isupper(*s) != 0;
        return sc->finder->ascii[*s];
    }
    size_t n = utf8_len(s, sc->len - i);
    if (!n)
        return (ch_t){CH_SEP, 0};
    *out_n = n;
    ch_t r = probe_char((const char *)s, n);
    if (r.cls == CH_WORD && n == 2)
        *out_upper = latin_upper(((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F));
    return r;
}

/* Whether the apostrophe at i (n bytes) begins a possessive "'s". */
static bool possessive_at(const scan_t *sc, size_t i, size_t n, size_t *out_len)
{
    size_t n2, n3;
    bool up;
    if (i + n >= sc->len)
        return false;
    ch_t s = char_at(sc, i + n, &n2, &up);
    if (s.cls != CH_WORD || s.c != 's')
        return false;
    if (i + n + n2 < sc->len && char_at(sc, i + n + n2, &n3, &up).cls == CH_WORD)
        return false;
    *out_len = n + n2;
    return true;
}

/* Reads one word starting at i (a word character); returns its end. */
static size_t read_word(scan_t *sc, size_t i, token_t *t)
{
    size_t n, plen;
    bool up;
    t->start = i;
    t->norm = sc->nnorm;
    t->all_upper = true;
    char_at(sc, i, &n, &t->upper_initial);
    while (i < sc->len) {
        ch_t ch = char_at(sc, i, &n, &up);
        if (ch.cls == CH_WORD) {
            sc->norm[sc->nnorm++] = ch.c;
            if (isalpha((unsigned char)ch.c) && !up)
                t->all_upper = false;
            i += n;
            t->end = i;
        } else if (ch.cls == CH_JOIN && possessive_at(sc, i, n, &plen)) {
            /* Kept as im_normalize keeps it ("Hawke's Bay" is "hawkes
             * bay"), but a name may also end before it ("Karachi's"). */
            t->possessive = true;
            t->end_stem = t->end;
            sc->norm[sc->nnorm++] = 's';
            i += plen;
            t->end = i;
            break;
        } else if (ch.cls == CH_JOIN) {
            i += n;
        } else {
            break;
        }
    }
    if (!t->possessive)
        t->end_stem = t->end;
    t->norm_len = sc->nnorm - t->norm;
    return i;
}

static im_status_t tokenize(im_ctx_t *ctx, scan_t *sc)
{
    size_t i = 0, si = 0;
    while (i < sc->len) {
        size_t n;
        bool up;
        if (char_at(sc, i, &n, &up).cls != CH_WORD) {
            i += n;
            continue;
        }
        if (sc->ntok == sc->cap_tok) {
            size_t c = sc->cap_tok ? sc->cap_tok * 2 : 256;
            token_t *p = realloc(sc->tok, c * sizeof *p);
            if (!p)
                return im_error(ctx, IM_ERR_NOMEM, "out of memory");
            sc->tok = p;
            sc->cap_tok = c;
        }
        token_t *t = &sc->tok[sc->ntok++];
        memset(t, 0, sizeof *t);
        i = read_word(sc, i, t);
        while (si + 1 < sc->nsentences &&
               sc->sentences[si].offset_bytes + sc->sentences[si].length_bytes <=
                   t->start)
            si++;
        t->sentence = si;
        t->letters = t->norm_len == 1 && isalpha((unsigned char)sc->norm[t->norm]);
    }
    return IM_OK;
}

static bool space_between(const scan_t *sc, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (isspace((unsigned char)sc->text[k]))
            return true;
    return false;
}

/* im_normalize joins runs of single letters ("d i khan" is "di khan").  In
 * prose a lone "a" or "I" is a word of its own, so letters join only when
 * nothing but punctuation stands between them ("D.I.") or both are
 * capitals ("D. I.", "M U H A M M A D"). */
static void join_letters(scan_t *sc)
{
    size_t w = 0;
    for (size_t r = 0; r < sc->ntok; r++) {
        token_t *t = &sc->tok[r];
        token_t *p = w ? &sc->tok[w - 1] : NULL;
        if (p && p->letters && t->letters && p->sentence == t->sentence &&
            p->norm + p->norm_len == t->norm &&
            (!space_between(sc, p->end, t->start) ||
             (p->all_upper && t->all_upper))) {
            p->end = p->end_stem = t->end;
            p->norm_len += t->norm_len;
            p->all_upper = p->all_upper && t->all_upper;
            continue;
        }
        sc->tok[w++] = *t;
    }
    sc->ntok = w;
}

/* Whether im_normalize drops the word ("district", "the", "outskirts"). */
static bool is_noise(const char *w, size_t n)
{
    char in[40], out[40];
    if (n + 4 > sizeof in)
        return false;
    memcpy(in, "xx ", 3);
    memcpy(in + 3, w, n);
    in[3 + n] = '\0';
    im_normalize(in, out, sizeof out);
    return !strcmp(out, "xx");
}

/* Punctuation that ends a list item or a clause: no name runs across it,
 * though im_normalize would fold it to a space like any other. */
static bool hard_break(const scan_t *sc, size_t from, size_t to)
{
    for (size_t k = from; k < to; k++)
        if (sc->text[k] && strchr(",;:()[]{}\"!?/|", sc->text[k]))
            return true;
    return false;
}

/* The folded words with noise words left out, as im_normalize would leave
 * them, and a break wherever a name cannot continue. */
static im_status_t build_stream(im_ctx_t *ctx, scan_t *sc)
{
    size_t cap = sc->nnorm + sc->ntok + 1;
    sc->stream = malloc(cap);
    sc->tok_of = malloc(cap * sizeof *sc->tok_of);
    if (!sc->stream || !sc->tok_of)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    const token_t *prev = NULL;
    for (size_t i = 0; i < sc->ntok; i++) {
        token_t *t = &sc->tok[i];
        t->noise = is_noise(sc->norm + t->norm, t->norm_len);
        if (t->noise)
            continue;
        if (prev) {
            bool brk = prev->sentence != t->sentence ||
                       hard_break(sc, prev->end, t->start);
            sc->tok_of[sc->nstream] = -1;
            sc->stream[sc->nstream++] = brk ? '\n' : ' ';
        }
        t->ns = sc->nstream;
        for (size_t k = 0; k < t->norm_len; k++) {
            sc->tok_of[sc->nstream] = (int32_t)i;
            sc->stream[sc->nstream++] = sc->norm[t->norm + k];
        }
        prev = t;
    }
    return IM_OK;
}

/* ---- names ------------------------------------------------------------- */

/* The capitalisation rule of im_mention_finder_scan: common words ("tank",
 * "hub", "bara") are names only when written as names. */
static bool written_as_name(const scan_t *sc, size_t t0, size_t t1,
                            const char *key, bool own_name)
{
    size_t letters = 0;
    for (const char *p = key; *p; p++)
        letters += isalnum((unsigned char)*p) != 0;
    if (letters <= 2) {
        for (size_t i = t0; i < t1; i++)
            if (!sc->tok[i].all_upper)
                return false;
        return true;
    }
    if (own_name && letters >= 5)
        return true;
    return sc->tok[t0].upper_initial || isdigit((unsigned char)key[0]);
}

static im_status_t push_cand(im_ctx_t *ctx, scan_t *sc, cand_t c)
{
    if (sc->ncand == sc->cap_cand) {
        size_t n = sc->cap_cand ? sc->cap_cand * 2 : 64;
        cand_t *p = realloc(sc->cand, n * sizeof *p);
        if (!p)
            return im_error(ctx, IM_ERR_NOMEM, "out of memory");
        sc->cand = p;
        sc->cap_cand = n;
    }
    sc->cand[sc->ncand++] = c;
    return IM_OK;
}

/* A key ending at stream byte e: kept if it starts and ends on word
 * boundaries and passes the capitalisation rule. */
static im_status_t name_match(im_ctx_t *ctx, scan_t *sc, int32_t node, size_t e)
{
    const im_mention_finder_t *f = sc->finder;
    size_t s = e - f->depth[node];
    int32_t ts = sc->tok_of[s], te = sc->tok_of[e - 1];
    if (ts < 0 || te < 0 || f->ambiguous[node])
        return IM_OK;
    const token_t *a = &sc->tok[ts], *b = &sc->tok[te];
    cand_t c = {.t0 = (size_t)ts, .t1 = (size_t)te + 1};
    if (s != a->ns)
        return IM_OK;
    if (e != b->ns + b->norm_len) {
        if (!b->possessive || e != b->ns + b->norm_len - 1)
            return IM_OK;
        c.possessive = true;
    }
    const char *key;
    bool own_name;
    size_t i = (size_t)f->entry[node];
    if (i >= f->nentries) {
        /* A province's or division's own name, or one of its other
         * names. */
        char canon[256];
        const char *division;
        im_gazetteer_province_key(f->gaz, i - f->nentries, &c.province, &key,
                                  &division);
        c.kind = division ? IM_MENTION_DIVISION : IM_MENTION_PROVINCE;
        im_normalize(division ? division : c.province, canon, sizeof canon);
        own_name = !strcmp(canon, key);
    } else {
        im_match_method_t method;
        im_gazetteer_entry(f->gaz, i, &key, &c.district_id, &method);
        c.kind = method == IM_MATCH_EXACT   ? IM_MENTION_DISTRICT
                 : method == IM_MATCH_ALIAS ? IM_MENTION_ALIAS
                                            : IM_MENTION_PLACE;
        own_name = c.kind == IM_MENTION_DISTRICT;
    }
    if (!written_as_name(sc, c.t0, c.t1, key, own_name))
        return IM_OK;
    c.own_name = own_name;
    return push_cand(ctx, sc, c);
}

static im_status_t find_names(im_ctx_t *ctx, scan_t *sc)
{
    const im_mention_finder_t *f = sc->finder;
    int32_t state = 0;
    for (size_t p = 0; p < sc->nstream; p++) {
        int s = sym(sc->stream[p]);
        if (s < 0) {
            state = 0;
            continue;
        }
        state = f->go[(size_t)state * NSYM + (size_t)s];
        for (int32_t v = f->entry[state] >= 0 ? state : f->dict[state]; v >= 0;
             v = f->dict[v]) {
            im_status_t st = name_match(ctx, sc, v, p + 1);
            if (st)
                return st;
        }
    }
    return IM_OK;
}

/* Leftmost first, then longest; on equal spans a gazetteer entry before a
 * province ("Azad Kashmir" is both), a district before a place. */
static int cand_cmp(const void *pa, const void *pb)
{
    const cand_t *a = pa, *b = pb;
    if (a->t0 != b->t0)
        return a->t0 < b->t0 ? -1 : 1;
    if (a->t1 != b->t1)
        return a->t1 > b->t1 ? -1 : 1;
    if (a->possessive != b->possessive)
        return a->possessive ? 1 : -1;
    return (int)a->kind - (int)b->kind;
}

static bool tok_is(const scan_t *sc, size_t i, const char *word)
{
    const token_t *t = &sc->tok[i];
    return strlen(word) == t->norm_len &&
           !memcmp(sc->norm + t->norm, word, t->norm_len);
}

static bool tok_in(const scan_t *sc, size_t i, const char *const *words)
{
    for (int k = 0; words[k]; k++)
        if (tok_is(sc, i, words[k]))
            return true;
    return false;
}

/* Whether tokens a and a + 1 are words of one phrase: same sentence,
 * nothing but white space between. */
static bool adjacent(const scan_t *sc, size_t a)
{
    if (a + 1 >= sc->ntok || sc->tok[a].sentence != sc->tok[a + 1].sentence ||
        sc->tok[a].possessive)
        return false;
    for (size_t k = sc->tok[a].end; k < sc->tok[a + 1].start; k++)
        if (!isspace((unsigned char)sc->text[k]))
            return false;
    return true;
}

/* A capitalised word next to a one-word variant or place, when that word
 * is no name itself, makes the pair a longer name of something else:
 * "Abdullah Abbas Baloch" is a man, not Abbas Town; "Sui Southern Gas" a
 * company; "Northern Alliance" no province.  The first word of a sentence
 * is capitalised anyway and does not count.  in_name marks the tokens of
 * every candidate. */
static bool inside_other_name(const scan_t *sc, const cand_t *c,
                              const int32_t *in_name)
{
    if (c->t1 - c->t0 != 1 || c->own_name)
        return false;
    size_t t = c->t0;
    if (!c->possessive && adjacent(sc, t) && in_name[t + 1] < 0 &&
        sc->tok[t + 1].upper_initial && !sc->tok[t + 1].noise)
        return true;
    return t > 0 && adjacent(sc, t - 1) && in_name[t - 1] < 0 &&
           sc->tok[t - 1].upper_initial && !sc->tok[t - 1].noise &&
           t - 1 > 0 && sc->tok[t - 2].sentence == sc->tok[t - 1].sentence;
}

/* A place's name before "community" or "tribe" names people: "the Hazara
 * community" is no mention of Hazara Town. */
static bool names_people(const scan_t *sc, const cand_t *c)
{
    static const char *const people[] = {
        "community", "communities", "tribe", "tribes", "tribesman",
        "tribesmen", "clan", "clans", NULL};
    return !c->own_name && !c->possessive && c->t1 < sc->ntok &&
           adjacent(sc, c->t1 - 1) && tok_in(sc, c->t1, people);
}

/* Picks the mentions among the candidates: leftmost-longest, without
 * overlaps.  A chosen name takes in the capitalised noise words written
 * right after it ("Kurram Agency", "Tribal Areas"): they are part of the
 * name as written, though the gazetteer's keys leave them out. */
static im_status_t choose(im_ctx_t *ctx, scan_t *sc)
{
    size_t n = sc->ntok ? sc->ntok : 1;
    sc->count = malloc((sc->ncand ? sc->ncand : 1) * sizeof *sc->count);
    sc->mention_at = malloc(n * sizeof *sc->mention_at);
    sc->covered = malloc(n * sizeof *sc->covered);
    if (!sc->count || !sc->mention_at || !sc->covered)
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < sc->ntok; i++)
        sc->mention_at[i] = sc->covered[i] = -1;
    for (size_t i = 0; i < sc->ncand; i++)
        for (size_t t = sc->cand[i].t0; t < sc->cand[i].t1; t++)
            sc->covered[t] = 0;
    if (sc->ncand)
        qsort(sc->cand, sc->ncand, sizeof *sc->cand, cand_cmp);
    size_t w = 0, end = 0;
    for (size_t i = 0; i < sc->ncand; i++) {
        if ((w && sc->cand[i].t0 < end) ||
            inside_other_name(sc, &sc->cand[i], sc->covered) ||
            names_people(sc, &sc->cand[i]))
            continue;
        end = sc->cand[i].t1;
        sc->cand[w++] = sc->cand[i];
    }
    sc->nchosen = w;
    for (size_t t = 0; t < sc->ntok; t++)
        sc->covered[t] = -1;
    for (size_t m = 0; m < w; m++) {
        cand_t *c = &sc->cand[m];
        while (!c->possessive && adjacent(sc, c->t1 - 1) &&
               sc->tok[c->t1].noise && sc->tok[c->t1].upper_initial) {
            c->t1++;
            c->possessive = sc->tok[c->t1 - 1].possessive;
        }
        sc->count[m] = -1;
        sc->mention_at[c->t0] = (int32_t)m;
        for (size_t t = c->t0; t < c->t1; t++)
            sc->covered[t] = (int32_t)m;
    }
    return IM_OK;
}

/* ---- counts ------------------------------------------------------------ */

static const char *const number_words[] = {
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
    "sixteen", "seventeen", "eighteen", "nineteen", "twenty", NULL};

static const char *const attack_nouns[] = {
    "attack", "attacks", "bombing", "bombings", "blast", "blasts",
    "explosion", "explosions", "incident", "incidents", NULL};

/* Words that end the run between a number and its noun. */
static const char *const stop_words[] = {
    "and", "or", "in", "on", "at", "of", "from", "across", "since", "by",
    "with", "to", "than", "per", "respectively", NULL};

static const char *const places_follow[] = {
    "in", "on", "at", "across", "inside", "around", "within", NULL};

/* The count written at token i ("12", "1,200", "three"), or -1; *out_next
 * is the token after it.  A year is not a count: "the 2016 attacks". */
static long number_at(const scan_t *sc, size_t i, size_t b, size_t *out_next)
{
    const token_t *t = &sc->tok[i];
    const char *w = sc->norm + t->norm;
    *out_next = i + 1;
    if (sc->covered[i] >= 0 || t->possessive)
        return -1;
    for (int k = 0; number_words[k]; k++)
        if (tok_is(sc, i, number_words[k]))
            return k;
    if (t->norm_len > 9)
        return -1;
    long v = 0;
    for (size_t k = 0; k < t->norm_len; k++) {
        if (!isdigit((unsigned char)w[k]))
            return -1;
        v = v * 10 + (w[k] - '0');
    }
    /* Thousands: "1,200" is one number, "12, 10" two. */
    size_t j = i + 1;
    while (j < b && v < 1000000 && sc->tok[j].norm_len == 3 &&
           sc->covered[j] < 0 && !sc->tok[j].possessive &&
           sc->tok[j].start == sc->tok[j - 1].end + 1 &&
           sc->text[sc->tok[j - 1].end] == ',') {
        const char *g = sc->norm + sc->tok[j].norm;
        if (!isdigit((unsigned char)g[0]) || !isdigit((unsigned char)g[1]) ||
            !isdigit((unsigned char)g[2]))
            break;
        v = v * 1000 + (g[0] - '0') * 100 + (g[1] - '0') * 10 + (g[2] - '0');
        j++;
    }
    *out_next = j;
    if (j == i + 1 && t->norm_len == 4 && v >= 1900 && v <= 2099)
        return -1;
    return v;
}

/* The attack noun after a number, with at most two words between ("33
 * terrorist attacks"), or SIZE_MAX. */
static size_t find_noun(const scan_t *sc, size_t j, size_t b)
{
    size_t next;
    for (size_t m = 0; m < 3 && j + m < b; m++) {
        size_t k = j + m;
        if (tok_in(sc, k, attack_nouns))
            return k;
        if (sc->covered[k] >= 0 || tok_in(sc, k, stop_words) ||
            number_at(sc, k, b, &next) >= 0)
            break;
    }
    return SIZE_MAX;
}

static void give(scan_t *sc, const int32_t *mentions, const long *vals,
                 size_t k)
{
    for (size_t x = 0; x < k; x++)
        if (sc->count[mentions[x]] < 0)
            sc->count[mentions[x]] = vals[x];
}

#define MAX_LIST 8

/* "... attacks in [the outskirts of] X[, Y and Z]": exactly as many names
 * as numbers.  One number before several names is a total, not theirs. */
static bool give_following(scan_t *sc, size_t p, size_t b, const long *vals,
                           size_t k)
{
    if (p >= b || !(tok_in(sc, p, places_follow) || sc->tok[p].noise))
        return false;
    int32_t found[MAX_LIST];
    size_t n = 0;
    p++;
    for (;;) {
        size_t skipped = 0;
        while (p < b && skipped < 3 && sc->covered[p] < 0 &&
               (sc->tok[p].noise || tok_is(sc, p, "of") ||
                (n && (tok_is(sc, p, "and") || tok_is(sc, p, "or"))))) {
            p++;
            skipped++;
        }
        if (p >= b || sc->mention_at[p] < 0)
            break;
        if (n == MAX_LIST)
            return false;
        found[n++] = sc->mention_at[p];
        p = sc->cand[sc->mention_at[p]].t1;
    }
    if (n != k)
        return false;
    give(sc, found, vals, k);
    return true;
}

/* "X and Y, where it carried out 12 and 10 attacks, respectively": the
 * numbers go in order to the last names before them in the sentence. */
static void give_respectively(scan_t *sc, size_t a, size_t first, size_t p,
                              size_t b, const long *vals, size_t k)
{
    while (p < b && !tok_is(sc, p, "respectively"))
        p++;
    if (k < 2 || p >= b)
        return;
    int32_t found[MAX_LIST];
    size_t n = 0;
    for (size_t t = first; t > a && n < k; t--)
        if (sc->mention_at[t - 1] >= 0)
            found[n++] = sc->mention_at[t - 1];
    if (n < k)
        return;
    for (size_t x = 0; x < k / 2; x++) {
        int32_t tmp = found[x];
        found[x] = found[k - 1 - x];
        found[k - 1 - x] = tmp;
    }
    give(sc, found, vals, k);
}

/* Reads counts sentence by sentence: a list of numbers ("12", "12 and
 * 10", "36, 19 and 7"), an attack noun, then the places after it or,
 * with "respectively", the places before the numbers. */
static void assign_counts(scan_t *sc)
{
    size_t a = 0;
    while (a < sc->ntok) {
        size_t b = a;
        while (b < sc->ntok && sc->tok[b].sentence == sc->tok[a].sentence)
            b++;
        for (size_t i = a; i < b;) {
            long vals[MAX_LIST];
            size_t k = 0, j = i, next;
            long v;
            while (k < MAX_LIST && j < b && (v = number_at(sc, j, b, &next)) >= 0) {
                vals[k++] = v;
                j = next;
                if (j + 1 < b && (tok_is(sc, j, "and") || tok_is(sc, j, "or")) &&
                    number_at(sc, j + 1, b, &next) >= 0)
                    j++;
            }
            size_t noun = k ? find_noun(sc, j, b) : SIZE_MAX;
            if (noun == SIZE_MAX) {
                i = j > i ? j : i + 1;
                continue;
            }
            if (!give_following(sc, noun + 1, b, vals, k))
                give_respectively(sc, a, i, noun + 1, b, vals, k);
            i = noun + 1;
        }
        a = b;
    }
}

/* ---- results ----------------------------------------------------------- */

struct im_mentions {
    im_mention_t *items;
    size_t n;
};

static im_status_t collect(im_ctx_t *ctx, scan_t *sc, im_mentions_t **out)
{
    im_mentions_t *r = calloc(1, sizeof *r);
    if (r && sc->nchosen)
        r->items = calloc(sc->nchosen, sizeof *r->items);
    if (!r || (sc->nchosen && !r->items)) {
        im_mentions_free(r);
        return im_error(ctx, IM_ERR_NOMEM, "out of memory");
    }
    /* Characters counted once along the text: the mentions come in order
     * of offset, and a step back (which they never take) recounts. */
    size_t at = 0, chars = 0;
    for (size_t m = 0; m < sc->nchosen; m++) {
        const cand_t *c = &sc->cand[m];
        const token_t *first = &sc->tok[c->t0], *last = &sc->tok[c->t1 - 1];
        im_mention_t *o = &r->items[m];
        size_t end = c->possessive ? last->end_stem : last->end;
        o->offset_bytes = first->start;
        if (first->start < at)
            at = chars = 0;
        for (; at < first->start && at < sc->len; at++)
            chars += ((unsigned char)sc->text[at] & 0xC0) != 0x80;
        o->offset_chars = chars;
        o->length_bytes = end - first->start;
        o->kind = c->kind;
        o->province = c->province;
        if (c->district_id) {
            o->district_id = c->district_id;
            im_gazetteer_district(sc->finder->gaz, c->district_id,
                                  &o->district, &o->province);
        }
        const im_span_t *s = &sc->sentences[first->sentence];
        o->sentence_offset_bytes = s->offset_bytes;
        o->sentence_length_bytes = s->length_bytes;
        o->count = sc->count[m];
    }
    r->n = sc->nchosen;
    *out = r;
    return IM_OK;
}

static void scan_free(scan_t *sc)
{
    free(sc->sentences);
    free(sc->tok);
    free(sc->norm);
    free(sc->stream);
    free(sc->tok_of);
    free(sc->cand);
    free(sc->count);
    free(sc->mention_at);
    free(sc->covered);
}

im_status_t im_mention_finder_scan(im_ctx_t *ctx,
                                   const im_mention_finder_t *finder,
                                   const char *text, size_t len,
                                   im_mentions_t **out)
{
    *out = NULL;
    if (!finder || (!text && len))
        return im_error(ctx, IM_ERR_ARG, "mentions: no finder or no text");
    if (len >= INT32_MAX / 2)
        return im_error(ctx, IM_ERR_ARG, "mentions: text of %zu bytes is too "
                        "long", len);
    scan_t sc = {.finder = finder, .text = text ? text : "", .len = len};
    im_status_t st = im_sentences_split(ctx, sc.text, len, &sc.sentences,
                                        &sc.nsentences);
    sc.norm = malloc(len + 1);
    if (!st && !sc.norm)
        st = im_error(ctx, IM_ERR_NOMEM, "out of memory");
    if (!st)
        st = tokenize(ctx, &sc);
    if (!st) {
        join_letters(&sc);
        st = build_stream(ctx, &sc);
    }
    if (!st)
        st = find_names(ctx, &sc);
    if (!st)
        st = choose(ctx, &sc);
    if (!st) {
        assign_counts(&sc);
        st = collect(ctx, &sc, out);
    }
    scan_free(&sc);
    return st;
}

im_status_t im_mentions_find(im_ctx_t *ctx, const im_gazetteer_t *gaz,
                             const char *text, size_t len, im_mentions_t **out)
{
    im_mention_finder_t *f;
    *out = NULL;
    im_status_t st = im_mention_finder_new(ctx, gaz, &f);
    if (st)
        return st;
    st = im_mention_finder_scan(ctx, f, text, len, out);
    im_mention_finder_free(f);
    return st;
}

void im_mentions_free(im_mentions_t *m)
{
    if (!m)
        return;
    free(m->items);
    free(m);
}

size_t im_mentions_count(const im_mentions_t *m) { return m ? m->n : 0; }

void im_mentions_get(const im_mentions_t *m, size_t i, im_mention_t *out)
{
    *out = m->items[i];
}

const char *im_mention_kind_name(im_mention_kind_t kind)
{
    switch (kind) {
    case IM_MENTION_DISTRICT: return "district";
    case IM_MENTION_ALIAS: return "alias";
    case IM_MENTION_PLACE: return "place";
    case IM_MENTION_PROVINCE: return "province";
    case IM_MENTION_DIVISION: return "division";
    }
    return "unknown";
}
