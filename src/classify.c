/*
 * classify.c: class breaks.  Fisher-Jenks by dynamic programming is exact
 * (it minimises the within-class sum of squared deviations over all
 * partitions of the sorted values) and O(k n^2); with at most a few hundred
 * districts that is instant, so there is no reason to use the iterative
 * heuristic that other tools ship.
 */
#include "context.h"
#include "incimap.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Jenks on sorted x[0..n): writes the start index of each class. */
static int jenks(const double *x, size_t n, int k, size_t *start)
{
    double *s1 = calloc(n + 1, sizeof *s1), *s2 = calloc(n + 1, sizeof *s2);
    double *cost = malloc((size_t)k * (n + 1) * sizeof *cost);
    size_t *arg = malloc((size_t)k * (n + 1) * sizeof *arg);
    int rc = -1;
    if (!s1 || !s2 || !cost || !arg)
        goto done;
    for (size_t i = 0; i < n; i++) {
        s1[i + 1] = s1[i] + x[i];
        s2[i + 1] = s2[i] + x[i] * x[i];
    }
    /* ssd(i, j): sum of squared deviations of x[i..j). */
#define SSD(i, j) ((s2[j] - s2[i]) - (s1[j] - s1[i]) * (s1[j] - s1[i]) / (double)((j) - (i)))
    /* cost[c][j]: best cost of splitting x[0..j) into c+1 classes. */
    for (size_t j = 1; j <= n; j++) {
        cost[j] = SSD(0, j);
        arg[j] = 0;
    }
    for (int c = 1; c < k; c++)
        for (size_t j = (size_t)c + 1; j <= n; j++) {
            double best = DBL_MAX;
            size_t best_i = (size_t)c;
            for (size_t i = (size_t)c; i < j; i++) {
                double v = cost[(size_t)(c - 1) * (n + 1) + i] + SSD(i, j);
                if (v < best) {
                    best = v;
                    best_i = i;
                }
            }
            cost[(size_t)c * (n + 1) + j] = best;
            arg[(size_t)c * (n + 1) + j] = best_i;
        }
#undef SSD
    size_t j = n;
    for (int c = k - 1; c >= 0; c--) {
        start[c] = arg[(size_t)c * (n + 1) + j];
        j = start[c];
    }
    rc = 0;
done:
    free(s1);
    free(s2);
    free(cost);
    free(arg);
    return rc;
}

im_status_t im_classify_jenks(const double *values, size_t n, int classes,
                              im_classes_t *out)
{
    memset(out, 0, sizeof *out);
    if (classes < 1 || classes > IM_MAX_CLASSES)
        classes = classes < 1 ? 1 : IM_MAX_CLASSES;
    double *x = malloc((n ? n : 1) * sizeof *x);
    if (!x)
        return IM_ERR_NOMEM;
    size_t m = 0, distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (values[i] > 0 && isfinite(values[i]))
            x[m++] = values[i];
    qsort(x, m, sizeof *x, cmp_double);
    for (size_t i = 0; i < m; i++)
        if (i == 0 || x[i] != x[i - 1])
            distinct++;
    if (m == 0) {
        free(x);
        return IM_OK;
    }
    int k = (size_t)classes < distinct ? classes : (int)distinct;
    size_t start[IM_MAX_CLASSES + 1];
    if (jenks(x, m, k, start)) {
        free(x);
        return IM_ERR_NOMEM;
    }
    start[k] = m;
    out->n = k;
    for (int c = 0; c < k; c++) {
        out->lo[c] = x[start[c]];
        out->hi[c] = x[start[c + 1] - 1];
    }
    free(x);
    return IM_OK;
}

int im_classes_index(const im_classes_t *cls, double v)
{
    if (!(v > 0) || cls->n == 0)
        return -1;
    for (int c = 0; c < cls->n; c++)
        if (v <= cls->hi[c])
            return c;
    return cls->n - 1;
}

/* Removes classes left empty or repeated by rounding of breaks. */
static void tidy(const double *x, size_t m, im_classes_t *out, const double *hi,
                 int k)
{
    out->n = 0;
    double lo_next = x[0];
    for (int c = 0; c < k && out->n < IM_MAX_CLASSES; c++) {
        /* Highest value not above this bound, lowest above the last. */
        double top = -INFINITY;
        for (size_t i = 0; i < m; i++)
            if (x[i] >= lo_next && x[i] <= hi[c])
                top = x[i];
        if (top == -INFINITY)
            continue;
        out->lo[out->n] = lo_next;
        out->hi[out->n] = top;
        out->n++;
        lo_next = INFINITY;
        for (size_t i = 0; i < m; i++)
            if (x[i] > top) {
                lo_next = x[i];
                break;
            }
        if (lo_next == INFINITY)
            break;
    }
}

im_status_t im_classify(const double *values, size_t n, im_scheme_t scheme,
                        int classes, const double *breaks, int nbreaks,
                        im_classes_t *out)
{
    if (scheme == IM_SCHEME_JENKS)
        return im_classify_jenks(values, n, classes, out);
    memset(out, 0, sizeof *out);
    if (classes < 1)
        classes = 1;
    if (classes > IM_MAX_CLASSES)
        classes = IM_MAX_CLASSES;
    double *x = malloc((n ? n : 1) * sizeof *x);
    if (!x)
        return IM_ERR_NOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (values[i] > 0 && isfinite(values[i]))
            x[m++] = values[i];
    qsort(x, m, sizeof *x, cmp_double);
    if (m == 0) {
        free(x);
        return IM_OK;
    }
    double hi[IM_MAX_CLASSES + 1];
    int k = 0;
    switch (scheme) {
    case IM_SCHEME_QUANTILE:
        for (int c = 1; c <= classes; c++)
            hi[k++] = x[(size_t)ceil((double)c * m / classes) - 1];
        break;
    case IM_SCHEME_EQUAL:
        for (int c = 1; c <= classes; c++)
            hi[k++] = x[0] + (x[m - 1] - x[0]) * c / classes;
        hi[k - 1] = x[m - 1];
        break;
    case IM_SCHEME_HEADTAIL: {
        size_t from = 0;
        while (k < classes - 1 && m - from > 1) {
            double sum = 0;
            for (size_t i = from; i < m; i++)
                sum += x[i];
            double mean = sum / (double)(m - from);
            size_t head = 0;
            for (size_t i = from; i < m; i++)
                head += x[i] > mean;
            if (head == 0 || head * 10 >= (m - from) * 4)
                break;
            hi[k++] = mean;
            while (from < m && x[from] <= mean)
                from++;
        }
        hi[k++] = x[m - 1];
        break;
    }
    case IM_SCHEME_MANUAL:
        /* The analyst's bounds are the legend, empty classes included:
         * the same breaks give comparable maps of different periods. */
        for (int b = 0; b < nbreaks && k < IM_MAX_CLASSES; b++)
            hi[k++] = breaks[b];
        if (k == 0 || x[m - 1] > hi[k - 1]) {
            if (k == IM_MAX_CLASSES)
                k--;
            hi[k++] = x[m - 1];
        }
        out->n = k;
        for (int c = 0; c < k; c++) {
            out->lo[c] = c ? hi[c - 1] : fmin(x[0], hi[0]);
            out->hi[c] = hi[c];
        }
        free(x);
        return IM_OK;
    case IM_SCHEME_JENKS:
        break;
    }
    tidy(x, m, out, hi, k);
    free(x);
    return IM_OK;
}
