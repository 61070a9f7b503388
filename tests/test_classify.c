/*
 * test_classify.c: Fisher-Jenks breaks and name normalisation on cases
 * whose answers are known by hand.
 */
#include "incimap.h"
#include "normalize.h"
#include "testlib.h"

static void check_norm(const char *in, const char *want)
{
    char out[256];
    im_normalize(in, out, sizeof out);
    CHECK(strcmp(out, want) == 0, "normalize('%s') = '%s', want '%s'", in, out,
          want);
}

int main(void)
{
    /* Three clear clusters; zero and negatives are not classed. */
    double v[] = {0, 12, 1, 2, 3, 10, 11, 30, 31, 0, -4};
    im_classes_t c;
    CHECK(im_classify_jenks(v, sizeof v / sizeof v[0], 3, &c) == IM_OK, "ok");
    CHECK(c.n == 3, "n = %d", c.n);
    CHECK(c.lo[0] == 1 && c.hi[0] == 3, "class 0: %g-%g", c.lo[0], c.hi[0]);
    CHECK(c.lo[1] == 10 && c.hi[1] == 12, "class 1: %g-%g", c.lo[1], c.hi[1]);
    CHECK(c.lo[2] == 30 && c.hi[2] == 31, "class 2: %g-%g", c.lo[2], c.hi[2]);
    CHECK(im_classes_index(&c, 11) == 1, "11 in class 1");
    CHECK(im_classes_index(&c, 0) == -1, "0 is its own class");

    /* Jenks minimises within-class variance, which equal intervals do not:
     * for the seed tallies {10, 12, 19, 36} in 2 classes, 36 stands alone. */
    double t[] = {12, 10, 36, 19};
    CHECK(im_classify_jenks(t, 4, 2, &c) == IM_OK, "ok");
    CHECK(c.n == 2 && c.hi[0] == 19 && c.lo[1] == 36, "got %g-%g | %g-%g",
          c.lo[0], c.hi[0], c.lo[1], c.hi[1]);
    /* Fewer distinct values than classes: one class per value. */
    double d[] = {5, 5, 7};
    CHECK(im_classify_jenks(d, 3, 5, &c) == IM_OK && c.n == 2, "n = %d", c.n);

    /* Fisher-Jenks is optimal: on small random inputs no partition into
     * contiguous classes has a smaller within-class sum of squares. */
    unsigned seed = 12345;
    for (int trial = 0; trial < 200; trial++) {
        double x[9];
        size_t n = 4 + (size_t)(trial % 6);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            x[i] = 1 + (seed >> 16) % 40;
        }
        int k = 2 + trial % 3;
        im_classes_t j;
        im_classify_jenks(x, n, k, &j);
        double sorted[9];
        memcpy(sorted, x, n * sizeof *x);
        for (size_t a = 0; a < n; a++)
            for (size_t b = a + 1; b < n; b++)
                if (sorted[b] < sorted[a]) {
                    double t = sorted[a];
                    sorted[a] = sorted[b];
                    sorted[b] = t;
                }
        /* Cost of the classes Jenks chose, by membership. */
        double cost = 0;
        for (int c = 0; c < j.n; c++) {
            double sum = 0, sq = 0;
            int cnt = 0;
            for (size_t i = 0; i < n; i++)
                if (im_classes_index(&j, sorted[i]) == c) {
                    sum += sorted[i];
                    sq += sorted[i] * sorted[i];
                    cnt++;
                }
            if (cnt)
                cost += sq - sum * sum / cnt;
        }
        /* Brute force over every set of k - 1 cut positions. */
        double best = 1e300;
        int kk = j.n;
        for (unsigned mask = 0; mask < (1u << (n - 1)); mask++) {
            if (__builtin_popcount(mask) != kk - 1)
                continue;
            double total = 0, sum = 0, sq = 0;
            int cnt = 0;
            for (size_t i = 0; i < n; i++) {
                sum += sorted[i];
                sq += sorted[i] * sorted[i];
                cnt++;
                if (i == n - 1 || (mask >> i) & 1) {
                    total += sq - sum * sum / cnt;
                    sum = sq = 0;
                    cnt = 0;
                }
            }
            if (total < best)
                best = total;
        }
        CHECK(cost <= best + 1e-6, "trial %d: Jenks cost %g, optimum %g", trial,
              cost, best);
    }

    /* The other schemes on 1..10. */
    double ten[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(im_classify(ten, 10, IM_SCHEME_QUANTILE, 5, NULL, 0, &c) == IM_OK &&
              c.n == 5 && c.hi[0] == 2 && c.hi[1] == 4 && c.hi[4] == 10,
          "quantiles: n %d, %g %g %g", c.n, c.hi[0], c.hi[1], c.hi[4]);
    CHECK(im_classify(ten, 10, IM_SCHEME_EQUAL, 3, NULL, 0, &c) == IM_OK &&
              c.n == 3 && c.hi[0] == 4 && c.hi[1] == 7 && c.hi[2] == 10,
          "equal intervals: %g %g %g", c.hi[0], c.hi[1], c.hi[2]);
    double manual[] = {3, 8};
    CHECK(im_classify(ten, 10, IM_SCHEME_MANUAL, 0, manual, 2, &c) == IM_OK &&
              c.n == 3 && c.hi[0] == 3 && c.hi[1] == 8 && c.hi[2] == 10,
          "manual: n %d, %g %g", c.n, c.hi[0], c.hi[1]);
    /* Head/tail on a heavy tail: the head is split off at the mean. */
    double tail[] = {1, 1, 1, 1, 1, 1, 2, 2, 3, 50};
    CHECK(im_classify(tail, 10, IM_SCHEME_HEADTAIL, 5, NULL, 0, &c) == IM_OK &&
              c.n >= 2 && c.hi[c.n - 1] == 50 && c.lo[c.n - 1] == 50,
          "head/tail: n %d, last %g-%g", c.n, c.lo[c.n - 1], c.hi[c.n - 1]);

    check_norm("D.I.Khan", "di khan");
    check_norm("  D I Khan ", "di khan");
    check_norm("Kuram Agency", "kuram");
    check_norm("KURRAM AGENCY", "kurram");
    check_norm("Quetta Cantt", "quetta");
    check_norm("Sehwan town", "sehwan");
    check_norm("Thul Taluka", "thul");
    static const struct { const char *text; bool near; } near_cases[] = {
        {"near Quetta", true},          {"outskirts of Quetta", true},
        {"30km West of Miranshah", true}, {"12 km from Wana", true},
        {"west of Quetta", true},       {"Quetta", false},
        {"North Waziristan", false},    {"Kalat", false},
        {"Nearabad", false},
    };
    for (size_t i = 0; i < sizeof near_cases / sizeof near_cases[0]; i++)
        CHECK(im_text_near(near_cases[i].text) == near_cases[i].near,
              "im_text_near('%s') is %d", near_cases[i].text,
              !near_cases[i].near);
    check_norm("Qilla Abdullah district", "qilla abdullah");
    check_norm("Nowshéra", "nowshera");
    check_norm("Shabqadar-Charsadda", "shabqadar charsadda");
    check_norm("District", "district");
    CHECK(im_edit_distance("ismial", "ismail", 2) == 2, "transposition = 2");
    CHECK(im_edit_distance("quetta", "queta", 1) == 1, "one deletion");
    CHECK(im_edit_distance("peshawar", "quetta", 2) == 3, "capped at max + 1");
    TEST_DONE();
}
