/*
 * normalize.h: the canonical form of a place name, so that "D.I. Khan",
 * "D I Khan " and "di-khan district" all compare equal.
 */
#ifndef IM_NORMALIZE_H
#define IM_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes the normal form of text into out (size n, always terminated):
 * ASCII lower case, Latin diacritics folded, punctuation as spaces, words
 * such as "district", "agency", "town" or "cantt" dropped (unless nothing
 * else is left), runs of single letters joined ("d i khan" -> "di khan")
 * and single spaces between words. */
void im_normalize(const char *text, char *out, size_t n);

/* Writes the transliteration skeleton of a normalised key into out (size
 * n, always terminated): the spellings that romanised Urdu and Pashto
 * names vary between fall together, so "Khaar", "Shubatpur" and "Tari
 * Kheil" meet "Khar", "Sohbatpur" and "Tarikhel".  Spaces go; kh, gh, ph,
 * dh, th, bh and q become k, g, f, d, t, b and k; e, i, y and their pairs
 * become i, o and u become u; an h after a vowel and before a consonant
 * or the end goes; doubled
 * letters are written once. */
void im_skeleton(const char *key, char *out, size_t n);

/* Whether text places something near a place rather than at it: "near
 * X", "outskirts of X", "vicinity", "suburbs", a distance ("30km", "12 km
 * from") or a bearing ("west of"). */
bool im_text_near(const char *text);

/* Whether text calls the name a district ("Peshawar District", "Kurram
 * Agency"): the district, then, not the town it is named after. */
bool im_text_says_district(const char *text);
/* Whether a word of a normalised key only joins names ("and", "or",
 * "in": "Tangi and Charsadda", "Jamrud in Khyber"). */
bool im_joining_word(const char *w, size_t len);
/* Whether a word makes the name before it a road's or a market's ("Kohat
 * Road", "Bannu Bazaar"), which lies somewhere else. */
bool im_street_word(const char *w, size_t len);
/* Marks (out[i]) the words of a normalised key that only say how far and
 * which way: "10", "km", "30km", "north" before "of", and the "of" or
 * "from" after them, as in "10 km north of X" or "5 miles from X". */
void im_locating_words(const char *const *words, const size_t *lens, size_t n,
                       bool *out);

/* Levenshtein distance of a and b, or max + 1 if it exceeds max. */
int im_edit_distance(const char *a, const char *b, int max);

#endif
