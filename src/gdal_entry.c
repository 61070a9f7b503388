/*
 * gdal_entry.c: the GDAL module's table of functions (see gdal_module.h).
 */
#include "gdal_module.h"

const im_gdal_api_t *im_gdal_module_api(void)
{
    static const im_gdal_api_t api = {
        .abi = IM_GDAL_ABI,
        .layer_read = im_gdal_layer_read,
        .context_read = im_gdal_context_read,
        .values_from_ogr = im_gdal_values_from_ogr,
        .points_from_ogr = im_gdal_points_from_ogr,
        .stats_from_ogr = im_gdal_stats_from_ogr,
        .store_export = im_gdal_store_export,
        .ogr_to_csv = im_gdal_ogr_to_csv,
    };
    return &api;
}
