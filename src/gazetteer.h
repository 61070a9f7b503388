/*
 * gazetteer.h: what other modules need beyond the public lookup: the
 * history of districts (parent links) and canonical records by id.
 */
#ifndef IM_GAZETTEER_H
#define IM_GAZETTEER_H

#include "incimap.h"

/* Id of the district that id was carved from, merged into or renamed to;
 * NULL at the root.  Borrowed. */
const char *im_gazetteer_parent(const im_gazetteer_t *gaz, const char *id);
/* Canonical name and province of district id; false if unknown. */
bool im_gazetteer_district(const im_gazetteer_t *gaz, const char *id,
                           const char **out_name, const char **out_province);

#endif
