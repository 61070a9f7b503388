/*
 * test_number.c: numbers as exports write them, parsed exactly as strtod
 * would (the fast path must give the same double), and nothing else.
 */
#include "number.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    static const struct { const char *s; bool ok; double v; } cases[] = {
        {"27.12732", true, 27.12732},   {"-64.47897", true, -64.47897},
        {"+3.5", true, 3.5},            {"3.", true, 3.0},
        {"-.5", true, -0.5},            {"00012.50", true, 12.5},
        {"1e5", true, 1e5},             {"2.5E-3", true, 2.5e-3},
        {"0.1234567890123456789", true, 0.1234567890123456789},
        {"", false, 0},                 {"-", false, 0},
        {".", false, 0},                {"1.2.3", false, 0},
        {"12a", false, 0},              {" 12", false, 0},
        {"12 ", false, 0},              {"inf", false, 0},
        {"nan", false, 0},              {"1e999", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double v = -1;
        bool ok = im_parse_number(cases[i].s, &v);
        CHECK(ok == cases[i].ok, "'%s': %s", cases[i].s, ok ? "accepted" : "refused");
        if (ok && cases[i].ok)
            CHECK(v == cases[i].v, "'%s' -> %.17g, want %.17g", cases[i].s, v,
                  cases[i].v);
    }
    /* Every decimal as printf writes coordinates gives strtod's double. */
    srand(7);
    char buf[64];
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        double x = ((double)rand() / RAND_MAX - 0.5) * 360;
        snprintf(buf, sizeof buf, "%.*f", rand() % 16, x);
        double v;
        if (!im_parse_number(buf, &v) || v != strtod(buf, NULL))
            bad++;
    }
    CHECK(bad == 0, "%d of 200000 decimals differ from strtod", bad);
    TEST_DONE();
}
