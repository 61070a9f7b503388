/*
 * proj_skewed.c: a PROJ module whose metres are a millimetre east of
 * PROJ's, for tests/test_proj_module.sh: the closed form disagrees with
 * it, so maps must be drawn through the module and nothing recorded.
 */
#define im_proj_module_api im_proj_module_api_real
#include "../src/proj_entry.c"
#undef im_proj_module_api

const im_proj_api_t *im_proj_module_api(void);

static size_t skewed_forward(im_proj_pj_t *p, double *x, double *y, size_t n,
                             size_t stride)
{
    size_t done = forward(p, x, y, n, stride);
    for (size_t i = 0; i < n; i++)
        x[i * stride] += 0.001;
    return done;
}

const im_proj_api_t *im_proj_module_api(void)
{
    static im_proj_api_t api;
    api = *im_proj_module_api_real();
    api.forward = skewed_forward;
    return &api;
}
