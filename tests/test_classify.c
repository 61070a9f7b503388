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

    check_norm("D.I.Khan", "di khan");
    check_norm("  D I Khan ", "di khan");
    check_norm("Kuram Agency", "kuram");
    check_norm("KURRAM AGENCY", "kurram");
    check_norm("Quetta Cantt", "quetta");
    check_norm("Sehwan town", "sehwan");
    check_norm("Qilla Abdullah district", "qilla abdullah");
    check_norm("Nowshéra", "nowshera");
    check_norm("Shabqadar-Charsadda", "shabqadar charsadda");
    check_norm("District", "district");
    CHECK(im_edit_distance("ismial", "ismail", 2) == 2, "transposition = 2");
    CHECK(im_edit_distance("quetta", "queta", 1) == 1, "one deletion");
    CHECK(im_edit_distance("peshawar", "quetta", 2) == 3, "capped at max + 1");
    TEST_DONE();
}
