/*
 * number.h: numbers as exports write them.
 */
#ifndef IM_NUMBER_H
#define IM_NUMBER_H

#include <stdbool.h>

/* The whole of s as a finite decimal number (strtod's syntax, surrounding
 * text not allowed); false if it is not one. */
bool im_parse_number(const char *s, double *out);

#endif
