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

/* Latest census population of district id (2023, else 2017); 0 when
 * unknown.  Urdu name, or NULL. */
long im_gazetteer_population(const im_gazetteer_t *gaz, const char *id);
const char *im_gazetteer_name_ur(const im_gazetteer_t *gaz, const char *id);

/* What the gazetteer was opened from (im_gazetteer_open's dir), or NULL
 * for the context's data directory, so that another process can open the
 * same one.  Borrowed. */
const char *im_gazetteer_origin(const im_gazetteer_t *gaz);

/* Headquarters of district id; false if unknown or it has none. */
bool im_gazetteer_district_point(const im_gazetteer_t *gaz, const char *id,
                                 double *out_lon_deg, double *out_lat_deg);

/* Whether ancestor is reached from id by following parent links. */
bool im_gazetteer_is_ancestor(const im_gazetteer_t *gaz, const char *ancestor,
                              const char *id);
/* Whether districts a and b are one, or one lies inside the other through
 * their history (a split, a rename, an aggregate and its parts). */
bool im_gazetteer_related(const im_gazetteer_t *gaz, const char *a,
                          const char *b);
/* District i (in id order) and its headquarters; false if it has none. */
size_t im_gazetteer_district_count(const im_gazetteer_t *gaz);
bool im_gazetteer_district_hq(const im_gazetteer_t *gaz, size_t i,
                              const char **out_id, double *out_lon_deg,
                              double *out_lat_deg);

/* The lookup table, for scanners that need every name at once (such as
 * place mentions in running text).  Keys are normalised (im_normalize);
 * kind is IM_MATCH_EXACT (a district's name), IM_MATCH_ALIAS or
 * IM_MATCH_PLACE.  Several entries may share a key.  Borrowed. */
size_t im_gazetteer_entry_count(const im_gazetteer_t *gaz);
void im_gazetteer_entry(const im_gazetteer_t *gaz, size_t i,
                        const char **out_key, const char **out_district_id,
                        im_match_method_t *out_kind);

/* Building a gazetteer from another store: push districts, index them,
 * push names (already normalised) and province keys, index the names.
 * Push functions and im_gazetteer_index_names return 0, -1 out of
 * memory, -2 unknown district. */
im_gazetteer_t *im_gazetteer_alloc(void);
int im_gazetteer_push_district(im_gazetteer_t *gaz,
                               const im_district_info_t *district);
void im_gazetteer_index_districts(im_gazetteer_t *gaz);
int im_gazetteer_push_name(im_gazetteer_t *gaz, const char *key,
                           const char *district_id, im_match_method_t kind,
                           bool has_point, double lon_deg, double lat_deg);
int im_gazetteer_push_province(im_gazetteer_t *gaz, const char *name,
                               const char *alias);
/* A division of province name with its districts (ids separated by ';'),
 * then its names, pushed after the districts are indexed. */
int im_gazetteer_push_division(im_gazetteer_t *gaz, const char *name,
                               const char *province, const char *districts);
int im_gazetteer_push_division_key(im_gazetteer_t *gaz, const char *division,
                                   const char *key);
size_t im_gazetteer_division_count(const im_gazetteer_t *gaz);
/* Division i: name, province and district ids separated by ';' in buf of
 * size n; false if they do not fit. */
bool im_gazetteer_division(const im_gazetteer_t *gaz, size_t i,
                           const char **out_name, const char **out_province,
                           char *buf, size_t n);
int im_gazetteer_index_names(im_gazetteer_t *gaz);
bool im_gazetteer_entry_point(const im_gazetteer_t *gaz, size_t i,
                              double *out_lon_deg, double *out_lat_deg);
size_t im_gazetteer_province_count(const im_gazetteer_t *gaz);
/* Key i of the provinces' and divisions' names: the province it names,
 * and for a division's name, the division (else NULL). */
void im_gazetteer_province_key(const im_gazetteer_t *gaz, size_t i,
                               const char **out_name, const char **out_key,
                               const char **out_division);
/* Loads a gazetteer compiled by im_gazetteer_save (gazetteer_sqlite.c). */
im_status_t im_gazetteer_load_sqlite(im_ctx_t *ctx, const char *path,
                                     im_gazetteer_t **out);

#endif
