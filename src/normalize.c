/*
 * normalize.c: folding of place names.  The noise words are those that
 * incident reports append to a name without changing what it names; they
 * are dropped on both sides of every comparison, so the gazetteer never
 * needs "X District" as well as "X".
 */
#include "normalize.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Words with their lengths, so that testing one reads few bytes. */
typedef struct {
    const char *s;
    size_t len;
} word_t;
#define W(lit) {lit, sizeof lit - 1}

static const word_t noise_words[] = {
    W("district"), W("distt"), W("dist"), W("agency"), W("tehsil"),
    W("tahsil"), W("taluka"), W("taluqa"), W("town"), W("city"),
    W("cantt"), W("cantonment"), W("village"), W("area"), W("areas"),
    W("near"), W("the"), W("outskirts"), W("suburbs"), W("vicinity"),
    W("province"), {NULL, 0},
};

static bool word_in(const char *w, size_t len, const word_t *list)
{
    for (int i = 0; list[i].s; i++)
        if (list[i].len == len && list[i].s[0] == w[0] &&
            memcmp(list[i].s, w, len) == 0)
            return true;
    return false;
}

/* ASCII letter for a two-byte UTF-8 Latin-1 or Latin Extended-A code point
 * (U+00C0..U+017F), or 0 for anything else. */
static char fold_latin(unsigned cp)
{
    static const char latin1[] = /* U+00C0 .. U+00FF */
        "aaaaaaaceeeeiiii" "dnooooo ouuuuyts"
        "aaaaaaaceeeeiiii" "dnooooo ouuuuyty";
    static const char ext_a[] = /* U+0100 .. U+017F */
        "aaaaaaccccccccdd" "ddeeeeeeeeeegggg" "gggghhhhiiiiiiii"
        "iiiijjkkklllllll" "lllnnnnnnnnnoooo" "oooorrrrrrssssss"
        "ssttttttuuuuuuuu" "uuuuwwyyyzzzzzzs";
    if (cp >= 0xC0 && cp <= 0xFF)
        return latin1[cp - 0xC0];
    if (cp >= 0x100 && cp <= 0x17F)
        return ext_a[cp - 0x100];
    return 0;
}

/* The bearings of "30km west of X", for im_text_near and
 * im_locating_words alike. */
static const word_t bearings[] = {
    W("north"), W("south"), W("east"), W("west"), W("northeast"),
    W("northwest"), W("southeast"), W("southwest"), {NULL, 0}};

/* The next run of ASCII letters in *s, lower-cased into word (cap
 * bytes); returns its length, which may exceed cap (the word is then
 * too long to be any listed here), or 0 at the end of the text. */
static size_t next_word(const unsigned char **s, char *word, size_t cap)
{
    const unsigned char *p = *s;
    while (*p && !(*p < 0x80 && isalpha(*p)))
        p++;
    size_t len = 0;
    for (; *p < 0x80 && isalpha(*p); p++, len++)
        if (len < cap)
            word[len] = (char)tolower(*p);
    *s = p;
    return len;
}

bool im_text_near(const char *text)
{
    static const word_t near_words[] = {
        W("near"), W("nearby"), W("outskirts"), W("suburbs"), W("suburb"),
        W("vicinity"), W("km"), W("kms"), W("kilometres"), W("kilometers"),
        W("mile"), W("miles"), {NULL, 0}};
    /* Folded but with every word kept: the noise words are the point. */
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    char word[16];
    bool prev_bearing = false;
    for (size_t len; (len = next_word(&s, word, sizeof word)) != 0;) {
        bool fits = len <= sizeof word;
        if (fits && (word_in(word, len, near_words) ||
                     (prev_bearing && len == 2 && memcmp(word, "of", 2) == 0)))
            return true;
        prev_bearing = fits && word_in(word, len, bearings);
    }
    return false;
}

bool im_text_says_district(const char *text)
{
    static const word_t unit_words[] = {
        W("district"), W("distt"), W("dist"), W("agency"), W("division"),
        {NULL, 0}};
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    char word[16];
    for (size_t len; (len = next_word(&s, word, sizeof word)) != 0;)
        if (len <= sizeof word && word_in(word, len, unit_words))
            return true;
    return false;
}

bool im_joining_word(const char *w, size_t len)
{
    static const word_t joining[] = {W("and"), W("or"), W("in"), {NULL, 0}};
    return word_in(w, len, joining);
}

bool im_street_word(const char *w, size_t len)
{
    static const word_t street[] = {
        W("road"), W("rd"), W("highway"), W("bypass"), W("chowk"),
        W("chowrangi"), W("bazaar"), W("bazar"), W("street"), W("adda"),
        W("gate"), {NULL, 0}};
    return word_in(w, len, street);
}

void im_locating_words(const char *const *words, const size_t *lens, size_t n,
                       bool *out)
{
    static const word_t units[] = {
        W("km"), W("kms"), W("kilometre"), W("kilometres"), W("kilometer"),
        W("kilometers"), W("mile"), W("miles"), {NULL, 0}};
    static const word_t links[] = {W("of"), W("from"), {NULL, 0}};
    for (size_t i = 0; i < n; i++) {
        const char *w = words[i];
        size_t len = lens[i], d = 0;
        while (d < len && isdigit((unsigned char)w[d]))
            d++;
        bool unit = word_in(w + d, len - d, units);
        bool next_link = i + 1 < n && word_in(words[i + 1], lens[i + 1], links);
        bool prev_locates = i > 0 && out[i - 1];
        out[i] = (d > 0 && (d == len || unit)) || (d == 0 && unit) ||
                 (word_in(w, len, bearings) && next_link) ||
                 (word_in(w, len, links) && prev_locates);
    }
}

void im_normalize(const char *text, char *out, size_t n)
{
    if (n == 0)
        return;
    /* Pass 1: fold to lower-case ASCII words separated by single spaces. */
    char tmp[512];
    size_t t = 0;
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    while (*s && t + 2 < sizeof tmp) {
        char c = 0;
        if (*s < 0x80) {
            if (isalnum(*s))
                c = (char)tolower(*s);
            else if (*s == '\'' || *s == '`')
                c = 0; /* Ma'ruf, Qila'h: apostrophes join, not split */
            else
                c = ' ';
            s++;
        } else if ((*s & 0xE0) == 0xC0 && s[1]) {
            unsigned cp = ((unsigned)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
            c = fold_latin(cp);
            if (cp == 0x2BC || cp == 0x2BB)
                c = 0;
            else if (!c)
                c = ' ';
            s += 2;
        } else {
            /* Typographic apostrophes join; other multibyte text splits. */
            if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x98 || s[2] == 0x99))
                c = 0;
            else
                c = ' ';
            s++;
            while ((*s & 0xC0) == 0x80)
                s++;
        }
        if (c == 0)
            continue;
        if (c == ' ' && (t == 0 || tmp[t - 1] == ' '))
            continue;
        tmp[t++] = c;
    }
    while (t && tmp[t - 1] == ' ')
        t--;
    tmp[t] = '\0';

    /* Pass 2: drop noise words, join runs of single letters. */
    size_t o = 0, words = 0;
    int prev_single = 0;
    const char *p = tmp;
    out[0] = '\0';
    for (int keep_noise = 0; keep_noise < 2 && words == 0; keep_noise++) {
        o = 0;
        prev_single = 0;
        p = tmp;
        while (*p) {
            const char *w = p;
            while (*p && *p != ' ')
                p++;
            size_t len = (size_t)(p - w);
            while (*p == ' ')
                p++;
            if (!keep_noise && word_in(w, len, noise_words))
                continue;
            int single = len == 1;
            if (o && !(single && prev_single) && o + 1 < n)
                out[o++] = ' ';
            for (size_t k = 0; k < len && o + 1 < n; k++)
                out[o++] = w[k];
            prev_single = single;
            words++;
        }
        out[o] = '\0';
    }
}

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
           c == 'y';
}

void im_skeleton(const char *key, char *out, size_t n)
{
    if (n == 0)
        return;
    size_t o = 0;
    for (const char *p = key; *p && o + 1 < n; p++) {
        char c = *p;
        if (c == ' ')
            continue;
        /* An aspirate written as a digraph is the plain consonant. */
        if (p[1] == 'h' && (c == 'k' || c == 'g' || c == 'p' || c == 'd' ||
                            c == 't' || c == 'b')) {
            c = c == 'p' ? 'f' : c;
            p++;
        } else if (c == 'h' && p > key && is_vowel(p[-1]) &&
                   (p[1] == '\0' || p[1] == ' ' || !is_vowel(p[1]))) {
            /* A silent or glottal h after a vowel: Mohallah and Mohalla,
             * Sohbatpur and Sobatpur, Mehrab and Merab. */
            continue;
        }
        if (c == 'q')
            c = 'k';
        else if (c == 'e' || c == 'y')
            c = 'i';
        else if (c == 'o')
            c = 'u';
        if (o && out[o - 1] == c)
            continue; /* Abaad, Kheil -> kiil -> kil, Dhand -> dand */
        out[o++] = c;
    }
    out[o] = '\0';
}

int im_edit_distance(const char *a, const char *b, int max)
{
    size_t la = strlen(a), lb = strlen(b);
    if ((long)(la > lb ? la - lb : lb - la) > (long)max)
        return max + 1;
    /* Names are short: one row on the stack, on the heap for long text. */
    int stack_row[128];
    int *row = lb < 128 ? stack_row : malloc((lb + 1) * sizeof *row);
    if (!row)
        return max + 1;
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    int result = -1;
    for (size_t i = 1; i <= la && result < 0; i++) {
        int diag = row[0], best;
        row[0] = (int)i;
        best = row[0];
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int v = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < v)
                v = up + 1;
            if (row[j - 1] + 1 < v)
                v = row[j - 1] + 1;
            row[j] = v;
            diag = up;
            if (v < best)
                best = v;
        }
        if (best > max)
            result = max + 1;
    }
    if (result < 0)
        result = row[lb] > max ? max + 1 : row[lb];
    if (row != stack_row)
        free(row);
    return result;
}
