/*
 * test_projection.c: the map projection keeps its promise: scale error
 * under half a percent over Balochistan, Khyber Pakhtunkhwa and Sindh,
 * and the central meridian and origin where the comment says; the closed
 * form gives PROJ's metres and scale factors, asked of the PROJ module.
 */
#include "projection.h"
#include "proj_module.h"
#include "testlib.h"

#include <math.h>

int main(void)
{
    im_ctx_t *ctx = im_ctx_new();
    im_proj_t *p;
    CHECK(im_proj_new(ctx, &p) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (test_failures)
        TEST_DONE();
    double worst = 0;
    for (double lat = 23.6; lat <= 37.1; lat += 0.5)
        for (double lon = 60.8; lon <= 74.0; lon += 0.5) {
            double k = im_proj_parallel_scale(p, lon, lat);
            worst = fmax(worst, fabs(k - 1));
        }
    CHECK(worst < 0.005, "worst scale error %.4f%%", worst * 100);
    CHECK(worst > 0.001, "scale error is measured, not constant: %.4f%%",
          worst * 100);
    double x = 67.5, y = 30;
    CHECK(im_proj_forward(p, &x, &y, 1, 1) == IM_OK, "forward");
    CHECK(fabs(x) < 1e-6 && fabs(y) < 1e-6, "origin at 67.5E 30N: %g %g", x, y);
    /* Quetta lies about 50 km west and 20 km north of the origin. */
    x = 67.0;
    y = 30.18;
    im_proj_forward(p, &x, &y, 1, 1);
    CHECK(x < -40000 && x > -60000 && y > 10000 && y < 30000,
          "Quetta at %.0f, %.0f m", x, y);
    /* PROJ's own figures (proj -f %.6f with the same definition), which
     * the closed form used for speed must reproduce to the micrometre. */
    static const double ref[][4] = {
        {61.0, 24.0, -663099.476134, -646295.421413},
        {67.0, 30.18, -48009.277673, 20120.295240},
        {73.5, 36.9, 536324.692992, 780391.001747},
        {66.2, 25.1, -131294.087282, -543001.824503},
        {71.45, 33.95, 364580.264478, 445491.918687},
    };
    for (size_t i = 0; i < sizeof ref / sizeof *ref; i++) {
        x = ref[i][0];
        y = ref[i][1];
        CHECK(im_proj_forward(p, &x, &y, 1, 1) == IM_OK, "forward");
        CHECK(fabs(x - ref[i][2]) < 2e-6 && fabs(y - ref[i][3]) < 2e-6,
              "%g, %g: %.6f, %.6f, PROJ %.6f, %.6f", ref[i][0], ref[i][1], x,
              y, ref[i][2], ref[i][3]);
    }
    /* Points that are only drawn go through tables of the closed form:
     * within a centimetre of it everywhere, in the tables and at their
     * edges, halfway between entries, and outside them. */
    double drawn_worst = 0;
    size_t n = 0;
    double xs[4097], ys[4097], ex[4097], ey[4097];
    for (double lat = 19.5; lat <= 40.5 && n < 4096; lat += 0.3137)
        for (double lon = 54.5; lon <= 80.5 && n < 4096; lon += 0.4013, n++) {
            xs[n] = ex[n] = lon;
            ys[n] = ey[n] = lat;
        }
    xs[n] = ex[n] = 80.0;   /* the tables' last entries */
    ys[n] = ey[n] = 40.0;
    n++;
    CHECK(im_proj_forward(p, ex, ey, n, 1) == IM_OK, "forward");
    im_proj_prepare_drawn(p);
    CHECK(im_proj_forward_drawn(p, xs, ys, n, 1) == IM_OK, "forward drawn");
    for (size_t i = 0; i < n; i++)
        drawn_worst = fmax(drawn_worst, hypot(xs[i] - ex[i], ys[i] - ey[i]));
    CHECK(drawn_worst < 0.01, "drawn points %.4f m from the closed form",
          drawn_worst);
    CHECK(drawn_worst > 0, "drawn points come from the tables");

    /* The closed form's scale along the parallel against proj_factors,
     * and its metres against PROJ's, a point every quarter degree of
     * latitude and half degree of longitude over and around the country
     * (the set-up checks a coarser grid). */
    CHECK(im_proj_shareable(p), "the closed form is not in use");
    const im_proj_api_t *api = NULL;
    im_proj_pj_t *pj = NULL;
    CHECK(im_proj_module(ctx, &api) == IM_OK, "%s", im_ctx_errmsg(ctx));
    if (api)
        CHECK(api->create(ctx, IM_PROJ_DEFINITION, &pj) == IM_OK, "%s",
              im_ctx_errmsg(ctx));
    double worst_k = 0, worst_m = 0;
    int points = 0;
    for (int i = 0; pj && i <= 80; i++)
        for (int j = 0; j <= 50; j++) {
            double lat = 20 + 0.25 * i, lon = 55 + 0.5 * j;
            double lam = lon * (M_PI / 180), phi = lat * (M_PI / 180);
            double k = im_proj_parallel_scale(p, lon, lat);
            double kp = api->parallel_scale(pj, lam, phi);
            worst_k = fmax(worst_k, fabs(k - kp) / kp);
            x = lon;
            y = lat;
            CHECK(im_proj_forward(p, &x, &y, 1, 1) == IM_OK, "forward");
            double xp = lam, yp = phi;
            CHECK(api->forward(pj, &xp, &yp, 1, 1) == 1, "PROJ forward");
            worst_m = fmax(worst_m, fmax(fabs(x - xp), fabs(y - yp)));
            points++;
        }
    CHECK(points == 81 * 51, "%d points compared", points);
    CHECK(worst_k < 1e-10, "scale differs from PROJ's by %.3g (relative)",
          worst_k);
    CHECK(worst_m < 1e-6, "metres differ from PROJ's by %.3g m", worst_m);
    fprintf(stderr, "closed form against PROJ on %d points: scale within "
                    "%.2g (relative), metres within %.2g m\n",
            points, worst_k, worst_m);
    if (pj)
        api->destroy(pj);
    im_proj_free(p);
    im_ctx_free(ctx);
    TEST_DONE();
}
