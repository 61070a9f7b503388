/*
 * number.c: see number.h.
 */
#include "number.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>

/* Plain decimals ("-27.12732") as most exports write coordinates, exactly:
 * up to 15 significant digits and 22 decimals, the integer of the digits
 * and the power of ten are both exact doubles, so one division rounds
 * correctly (Clinger's fast path).  Anything else goes to strtod, which
 * took a fifth of the time of a million-point map. */
static bool fast_decimal(const char *s, double *out)
{
    static const double pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                   1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
                                   1e18, 1e19, 1e20, 1e21, 1e22};
    bool neg = *s == '-';
    if (*s == '-' || *s == '+')
        s++;
    unsigned long long m = 0;
    int digits = 0, decimals = 0;
    bool dot = false, any = false;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            if (m || *s != '0')
                digits++;
            if (digits > 15)
                return false;
            m = m * 10 + (unsigned)(*s - '0');
            decimals += dot;
            any = true;
        } else if (*s == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    if (*s || !any || decimals > 22)
        return false;
    double v = (double)m / pow10[decimals];
    *out = neg ? -v : v;
    return true;
}

bool im_parse_number(const char *s, double *out)
{
    /* strtod would skip leading blanks; a field with them is not a
     * number as written. */
    if (!*s || isspace((unsigned char)*s))
        return false;
    if (fast_decimal(s, out))
        return true;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return false;
    *out = v;
    return true;
}
