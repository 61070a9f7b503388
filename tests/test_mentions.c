/*
 * test_mentions.c: place mentions in running text, found in synthetic
 * sentences by the project's gazetteer: which names are found (variants,
 * possessives, word boundaries, common words), the bytes their offsets
 * point at, their sentences, and the counts of attacks read from them.
 */
#include "mentions.h"
#include "testlib.h"

static im_ctx_t *ctx;
static im_mention_finder_t *finder;

/* Scans text; caller frees. */
static im_mentions_t *scan(const char *text)
{
    im_mentions_t *ms = NULL;
    im_status_t st = im_mention_finder_scan(ctx, finder, text, strlen(text),
                                            &ms);
    CHECK(st == IM_OK, "scan '%s': %s", text, im_ctx_errmsg(ctx));
    return ms;
}

/* The mention of text whose bytes are name, or -1. */
static long find(const im_mentions_t *ms, const char *text, const char *name)
{
    for (size_t i = 0; i < im_mentions_count(ms); i++) {
        im_mention_t m;
        im_mentions_get(ms, i, &m);
        if (m.length_bytes == strlen(name) &&
            !memcmp(text + m.offset_bytes, name, m.length_bytes))
            return (long)i;
    }
    return -1;
}

/* Offsets in characters as well as bytes: a curly quote and a dash are
 * three bytes each and one character. */
static void offset_cases(void)
{
    const char *text = "\xe2\x80\x9c" "Attacks \xe2\x80\x94 in Quetta"
                       "\xe2\x80\x9d";
    im_mentions_t *ms = scan(text);
    long i = ms ? find(ms, text, "Quetta") : -1;
    CHECK(i >= 0, "Quetta after multibyte punctuation");
    if (i >= 0) {
        im_mention_t m;
        im_mentions_get(ms, (size_t)i, &m);
        CHECK(m.offset_bytes == 18 && m.offset_chars == 14,
              "Quetta at byte %zu, character %zu; want 18, 14",
              m.offset_bytes, m.offset_chars);
    }
    im_mentions_free(ms);
}

/* Mention name (as written) of text into *m; false, after a failed
 * check, if there is none. */
static bool mention_of(im_mentions_t *ms, const char *text, const char *name,
                       im_mention_t *m)
{
    long i = ms ? find(ms, text, name) : -1;
    CHECK(i >= 0, "'%s' not found in '%s'", name, text);
    if (i >= 0)
        im_mentions_get(ms, (size_t)i, m);
    return i >= 0;
}

/* Checks that text names name (as written) in district_id with count. */
static void expect(const char *text, const char *name, const char *district_id,
                   long count)
{
    im_mentions_t *ms = scan(text);
    im_mention_t m;
    if (mention_of(ms, text, name, &m)) {
        if (district_id)
            CHECK_STR(m.district_id, district_id);
        else
            CHECK(m.district_id == NULL && m.kind == IM_MENTION_PROVINCE,
                  "'%s' is a province, got %s", name,
                  im_mention_kind_name(m.kind));
        CHECK(m.count == count, "'%s' in '%s': count %ld, want %ld", name,
              text, m.count, count);
        CHECK(m.sentence_offset_bytes <= m.offset_bytes &&
                  m.offset_bytes + m.length_bytes <=
                      m.sentence_offset_bytes + m.sentence_length_bytes,
              "'%s' lies outside its sentence", name);
    }
    im_mentions_free(ms);
}

/* Checks that text names name as a division of province. */
static void expect_division(const char *text, const char *name,
                            const char *province)
{
    im_mentions_t *ms = scan(text);
    im_mention_t m;
    if (mention_of(ms, text, name, &m)) {
        CHECK(m.district_id == NULL && m.kind == IM_MENTION_DIVISION,
              "'%s' is a division, got %s", name, im_mention_kind_name(m.kind));
        CHECK_STR(m.province, province);
    }
    im_mentions_free(ms);
}

static void expect_none(const char *text, const char *name, long n)
{
    im_mentions_t *ms = scan(text);
    CHECK(find(ms, text, name) < 0, "'%s' found in '%s'", name, text);
    if (n >= 0)
        CHECK((long)im_mentions_count(ms) == n, "'%s': %zu mentions, want %ld",
              text, im_mentions_count(ms), n);
    im_mentions_free(ms);
}

static void test_counts(void)
{
    const char *resp = "Mastung and the outskirts of Quetta serve as its "
                       "major hubs, where it has carried out 12 and 10 "
                       "attacks, respectively.";
    expect(resp, "Mastung", "ba-mastung", 12);
    expect(resp, "Quetta", "ba-quetta", 10);
    const char *kp = "In KP, its activities are confined to the Bajaur "
                     "tribal district and Peshawar, where it has carried "
                     "out 36 and 19 attacks, respectively.";
    expect(kp, "Bajaur", "kp-bajaur", 36);
    expect(kp, "Peshawar", "kp-peshawar", 19);
    expect(kp, "KP", NULL, -1);
    expect("Police counted 36 attacks in Bajaur last year.", "Bajaur",
           "kp-bajaur", 36);
    expect("The group staged 12 suicide attacks in the outskirts of Quetta.",
           "Quetta", "ba-quetta", 12);
    expect("There were three bombings in Kalat.", "Kalat", "ba-kalat", 3);
    expect("It claimed 1,200 attacks in Khuzdar.", "Khuzdar", "ba-khuzdar",
           1200);
    expect("We saw 12 and 10 attacks in Mastung and Quetta.", "Quetta",
           "ba-quetta", 10);
    expect("It has carried out 33 attacks in Balochistan since 2016.",
           "Balochistan", NULL, 33);
    /* A total for several places is no place's count; a year is no
     * count; a count belongs to its own sentence. */
    expect("There were 12 attacks in Quetta and Mastung.", "Quetta",
           "ba-quetta", -1);
    expect("The 2016 attacks in Quetta shocked the city.", "Quetta",
           "ba-quetta", -1);
    expect("Quetta and Mastung were quiet. Elsewhere 12 and 10 attacks "
           "took place, respectively.", "Mastung", "ba-mastung", -1);
    expect("It killed 30 fighters in Mastung.", "Mastung", "ba-mastung", -1);
}

static void test_names(void)
{
    /* Variants, joined initials, possessives, typographic punctuation. */
    expect("Police in D.I. Khan stopped the tankers.", "D.I. Khan",
           "kp-dera-ismail-khan", -1);
    expect("Police in D.I.Khan said so.", "D.I.Khan", "kp-dera-ismail-khan", -1);
    expect("Karachi's police said so.", "Karachi", "sd-karachi", -1);
    expect("Karachi\xE2\x80\x99s Safoora Chowrangi was hit.", "Safoora Chowrangi",
           "sd-karachi-east", -1);
    expect("the Quetta\xE2\x80\x93Karachi highway", "Quetta", "ba-quetta", -1);
    expect("the Quetta\xE2\x80\x93Karachi highway", "Karachi", "sd-karachi", -1);
    expect("A blast hit Kurram Agency.", "Kurram Agency", "kp-kurram", -1);
    expect("Sehwan Sharif was attacked.", "Sehwan Sharif", "sd-jamshoro", -1);
    expect("He lives in Hawke's Bay.", "Hawke's Bay", "sd-keamari", -1);
    /* Longest name: a province, not the district inside it. */
    expect("Khyber Pakhtunkhwa police said so.", "Khyber Pakhtunkhwa", NULL, -1);
    expect_none("Khyber Pakhtunkhwa police said so.", "Khyber", 1);
    expect("Lower Dir saw clashes.", "Lower Dir", "kp-lower-dir", -1);

    /* Word boundaries and common words. */
    expect_none("Tankers and a tank were seen.", "Tank", 0);
    expect_none("Tankers and a tank were seen.", "tank", 0);
    expect("Tankers and a tank were seen near Tank.", "Tank", "kp-tank", -1);
    expect_none("The hub of the network.", "hub", 0);
    expect("Trucks left Hub for Karachi.", "Hub", "ba-hub", -1);
    expect_none("A swat team arrived.", "swat", 0);
    expect("a raid in swabi", "swabi", "kp-swabi", -1);
    expect_none("Pakistani and Punjabi troops.", "Punjab", 0);
    expect_none("He met Abdullah Abbas Baloch.", "Abbas", 0);
    expect_none("Sui Southern Gas Company", "Sui", 0);
    expect_none("The Northern Alliance fought.", "Northern", 0);
    /* A division is no mention of the district it is named after. */
    expect_division("Fighting spread across Malakand Division.",
                    "Malakand Division", "Khyber Pakhtunkhwa");
    expect_division("Smugglers cross Makran to Iran.", "Makran", "Balochistan");
    /* A place's name before "community" or "tribe" names people. */
    expect_none("A hunger strike by the Hazara community followed.", "Hazara", 0);
    expect("The Hazara community of Quetta mourned.", "Quetta", "ba-quetta", -1);
    expect_none("The Hazara community of Quetta mourned.", "Hazara", 1);
    expect("Hazara Town was sealed off.", "Hazara Town", "ba-quetta", -1);
    expect("Cells exist in the Federally Administered Tribal Areas.",
           "Federally Administered Tribal Areas", NULL, -1);
    expect("Gas from Sui reached Quetta.", "Sui", "ba-dera-bugti", -1);
    expect("Officials in DIK said so.", "DIK", "kp-dera-ismail-khan", -1);
    expect_none("Officials in Kp said so.", "Kp", 0);
}

static void test_offsets(void)
{
    const char *text = "Attacks rose. Police in D.I. Khan and the \xC3\xA9lite "
                       "of Peshawar met.\nQuetta was calm.";
    im_mentions_t *ms = scan(text);
    CHECK(im_mentions_count(ms) == 3, "%zu mentions", im_mentions_count(ms));
    static const char *const names[] = {"D.I. Khan", "Peshawar", "Quetta"};
    static const char *const sentences[] = {
        "Police in D.I. Khan and the \xC3\xA9lite of Peshawar met.",
        "Police in D.I. Khan and the \xC3\xA9lite of Peshawar met.",
        "Quetta was calm."};
    for (size_t i = 0; i < 3 && i < im_mentions_count(ms); i++) {
        im_mention_t m;
        im_mentions_get(ms, i, &m);
        CHECK(m.offset_bytes == (size_t)(strstr(text, names[i]) - text),
              "%s at %zu", names[i], m.offset_bytes);
        CHECK(m.length_bytes == strlen(names[i]) &&
                  !memcmp(text + m.offset_bytes, names[i], m.length_bytes),
              "%s: '%.*s'", names[i], (int)m.length_bytes,
              text + m.offset_bytes);
        CHECK(m.sentence_length_bytes == strlen(sentences[i]) &&
                  !memcmp(text + m.sentence_offset_bytes, sentences[i],
                          m.sentence_length_bytes),
              "%s stands in '%.*s'", names[i], (int)m.sentence_length_bytes,
              text + m.sentence_offset_bytes);
    }
    im_mentions_free(ms);

    /* Sentences: initials and titles do not end one, a line break does. */
    const char *s = "Gen. Rana met M. Ali in D.I. Khan. He left!\n\nthen "
                    "\"It ended.\" Next one";
    im_span_t *sp;
    size_t n;
    CHECK(im_sentences_split(ctx, s, strlen(s), &sp, &n) == IM_OK, "split");
    static const char *const want[] = {"Gen. Rana met M. Ali in D.I. Khan.",
                                       "He left!", "then \"It ended.\"",
                                       "Next one"};
    CHECK(n == 4, "%zu sentences", n);
    for (size_t i = 0; i < n && i < 4; i++)
        CHECK(sp[i].length_bytes == strlen(want[i]) &&
                  !memcmp(s + sp[i].offset_bytes, want[i], sp[i].length_bytes),
              "sentence %zu: '%.*s'", i, (int)sp[i].length_bytes,
              s + sp[i].offset_bytes);
    free(sp);
}

static void test_edges(void)
{
    im_mentions_t *ms = NULL;
    CHECK(im_mention_finder_scan(ctx, finder, "", 0, &ms) == IM_OK, "empty");
    CHECK(im_mentions_count(ms) == 0, "empty text, %zu mentions",
          im_mentions_count(ms));
    im_mentions_free(ms);
    CHECK(im_mention_finder_scan(ctx, finder, NULL, 4, &ms) == IM_ERR_ARG,
          "NULL text");
    CHECK(ms == NULL, "no result on failure");
    /* len, not a terminator, bounds the text. */
    CHECK(im_mention_finder_scan(ctx, finder, "Quetta Mastung", 6, &ms) == IM_OK,
          "prefix");
    CHECK(im_mentions_count(ms) == 1, "prefix: %zu", im_mentions_count(ms));
    im_mentions_free(ms);
    /* Bytes that are not UTF-8, and a NUL, are only separators. */
    const char bad[] = "\xFF\xFEQuetta\x80\0Mastung\xC3";
    CHECK(im_mention_finder_scan(ctx, finder, bad, sizeof bad - 1, &ms) == IM_OK,
          "bad bytes");
    CHECK(im_mentions_count(ms) == 2, "bad bytes: %zu", im_mentions_count(ms));
    im_mentions_free(ms);
    im_mention_finder_free(NULL);
    im_mentions_free(NULL);
    CHECK_STR(im_mention_kind_name(IM_MENTION_PLACE), "place");
}

int main(void)
{
    char data[1024];
    ctx = im_ctx_new();
    im_ctx_set_data_dir(ctx, test_path(data, sizeof data, "data"));
    im_gazetteer_t *gaz;
    CHECK(im_gazetteer_open(ctx, NULL, &gaz) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    CHECK(im_mention_finder_new(ctx, gaz, &finder) == IM_OK, "%s",
          im_ctx_errmsg(ctx));
    if (!test_failures) {
        test_counts();
        offset_cases();
        test_names();
        test_offsets();
        test_edges();
    }
    /* The one-shot form finds the same. */
    const char *t = "36 attacks in Bajaur";
    im_mentions_t *ms = NULL;
    CHECK(im_mentions_find(ctx, gaz, t, strlen(t), &ms) == IM_OK, "find");
    CHECK(im_mentions_count(ms) == 1, "%zu", im_mentions_count(ms));
    im_mentions_free(ms);
    im_mention_finder_free(finder);
    im_gazetteer_free(gaz);
    im_ctx_free(ctx);
    TEST_DONE();
}
