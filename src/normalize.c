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

static const char *const noise_words[] = {
    "district", "distt", "dist", "agency", "tehsil", "tahsil", "taluka",
    "taluqa", "town", "city",
    "cantt", "cantonment", "village", "area", "areas", "near", "the",
    "outskirts", "suburbs", "vicinity", "division", "province", NULL,
};

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

static int is_noise(const char *w, size_t len)
{
    for (int i = 0; noise_words[i]; i++)
        if (strlen(noise_words[i]) == len && memcmp(noise_words[i], w, len) == 0)
            return 1;
    return 0;
}

/* The bearings of "30km west of X", for im_text_near and
 * im_locating_words alike. */
static const char *const bearings[] = {
    "north", "south", "east", "west", "northeast", "northwest",
    "southeast", "southwest", NULL};

bool im_text_near(const char *text)
{
    static const char *const near_words[] = {
        "near", "nearby", "outskirts", "suburbs", "suburb", "vicinity",
        "km", "kms", "kilometres", "kilometers", "mile", "miles", NULL};
    char key[512];
    /* Folded but with every word kept: the noise words are the point. */
    size_t n = 0;
    for (const unsigned char *s = (const unsigned char *)(text ? text : "");
         *s && n + 1 < sizeof key; s++)
        key[n++] = *s < 0x80 && isalpha(*s) ? (char)tolower(*s) : ' ';
    key[n] = '\0';
    char prev[16] = "";
    for (char *save = NULL, *w = strtok_r(key, " ", &save); w;
         w = strtok_r(NULL, " ", &save)) {
        for (int i = 0; near_words[i]; i++)
            if (!strcmp(w, near_words[i]))
                return true;
        if (!strcmp(w, "of"))
            for (int i = 0; bearings[i]; i++)
                if (!strcmp(prev, bearings[i]))
                    return true;
        snprintf(prev, sizeof prev, "%s", w);
    }
    return false;
}

static bool word_in(const char *w, size_t len, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == len && memcmp(list[i], w, len) == 0)
            return true;
    return false;
}

void im_locating_words(const char *const *words, const size_t *lens, size_t n,
                       bool *out)
{
    static const char *const units[] = {
        "km", "kms", "kilometre", "kilometres", "kilometer", "kilometers",
        "mile", "miles", NULL};
    static const char *const links[] = {"of", "from", NULL};
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
            if (!keep_noise && is_noise(w, len))
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
