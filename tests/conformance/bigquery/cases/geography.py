"""Geography basics: ST_GEOGPOINT, WKT in and out, measures on the sphere, predicates.

https://cloud.google.com/bigquery/docs/reference/standard-sql/geography_functions

Distances and areas are in metres on a perfect sphere (the default,
use_spheroid => FALSE). The page does not state the radius, so the measures
are checked against a mean Earth radius of 6371.0088 km with a 0.5 %
tolerance (one degree of latitude is about 111,195 m).
"""

from ._model import Case, doc, one

PAGE = doc("geography_functions")
DEGREE_M = 111195.08  # 6371008.8 m * pi / 180

CASES: list[Case] = [
    one("point_as_text", "SELECT ST_ASTEXT(ST_GEOGPOINT(-122.35, 47.62))", "POINT(-122.35 47.62)",
        PAGE + "#st_astext"),
    one("point_returned_as_wkt", "SELECT ST_GEOGPOINT(1, 2)", "POINT(1 2)", PAGE + "#st_geogpoint",
        types=["GEOGRAPHY"]),
    one("point_longitude_wraps", "SELECT ST_ASTEXT(ST_GEOGPOINT(190, 0))", "POINT(-170 0)", PAGE + "#st_geogpoint"),
    Case("point_latitude_out_of_range", "SELECT ST_GEOGPOINT(0, 91)", source=PAGE + "#st_geogpoint",
         expect_error=""),
    one("x_and_y", "SELECT ST_X(ST_GEOGPOINT(1.5, 2.5)) + 10 * ST_Y(ST_GEOGPOINT(1.5, 2.5))", 26.5, PAGE + "#st_x"),
    one("from_text_roundtrip", "SELECT ST_ASTEXT(ST_GEOGFROMTEXT('POINT(1.5 2)'))", "POINT(1.5 2)",
        PAGE + "#st_geogfromtext"),
    one("from_geojson", """SELECT ST_ASTEXT(ST_GEOGFROMGEOJSON('{"type": "Point", "coordinates": [3, 4]}'))""",
        "POINT(3 4)", PAGE + "#st_geogfromgeojson"),
    one("makeline", "SELECT ST_ASTEXT(ST_MAKELINE(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(1, 1)))", "LINESTRING(0 0, 1 1)",
        PAGE + "#st_makeline"),
    one("distance_one_degree", "SELECT ST_DISTANCE(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(0, 1))", DEGREE_M,
        PAGE + "#st_distance", approx=5e-3),
    one("distance_same_point", "SELECT ST_DISTANCE(ST_GEOGPOINT(5, 5), ST_GEOGPOINT(5, 5))", 0.0,
        PAGE + "#st_distance"),
    one("length_of_line", "SELECT ST_LENGTH(ST_GEOGFROMTEXT('LINESTRING(0 0, 0 2)'))", 2 * DEGREE_M,
        PAGE + "#st_length", approx=5e-3),
    one("area_one_degree_square", "SELECT ST_AREA(ST_GEOGFROMTEXT('POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))'))",
        1.2364e10, PAGE + "#st_area", approx=1e-2),
    one("area_of_point", "SELECT ST_AREA(ST_GEOGPOINT(1, 1))", 0.0, PAGE + "#st_area"),
    one("dwithin_true", "SELECT ST_DWITHIN(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(0, 1), 200000)", True,
        PAGE + "#st_dwithin"),
    one("dwithin_false", "SELECT ST_DWITHIN(ST_GEOGPOINT(0, 0), ST_GEOGPOINT(0, 1), 100000)", False,
        PAGE + "#st_dwithin"),
    one("contains_point", "SELECT ST_CONTAINS(ST_GEOGFROMTEXT('POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))'), ST_GEOGPOINT(1, 1))",
        True, PAGE + "#st_contains"),
    one("contains_outside", "SELECT ST_CONTAINS(ST_GEOGFROMTEXT('POLYGON((0 0, 2 0, 2 2, 0 2, 0 0))'), ST_GEOGPOINT(3, 1))",
        False, PAGE + "#st_contains"),
    one("intersects_crossing_lines",
        "SELECT ST_INTERSECTS(ST_GEOGFROMTEXT('LINESTRING(0 -1, 0 1)'), ST_GEOGFROMTEXT('LINESTRING(-1 0, 1 0)'))",
        True, PAGE + "#st_intersects"),
    one("npoints", "SELECT ST_NPOINTS(ST_GEOGFROMTEXT('LINESTRING(0 0, 1 1, 2 1)'))", 3, PAGE + "#st_npoints"),
    one("geometry_type", "SELECT ST_GEOMETRYTYPE(ST_GEOGPOINT(0, 0))", "ST_Point", PAGE + "#st_geometrytype"),
    one("dimension_polygon", "SELECT ST_DIMENSION(ST_GEOGFROMTEXT('POLYGON((0 0, 2 0, 2 2, 0 0))'))", 2,
        PAGE + "#st_dimension"),
    one("isempty", "SELECT ST_ISEMPTY(ST_GEOGFROMTEXT('POINT EMPTY'))", True, PAGE + "#st_isempty"),
    # Session 7: a GEOGRAPHY column comes back as WKT, typed GEOGRAPHY.
    one("linestring_returned_as_wkt", "SELECT ST_GEOGFROMTEXT('LINESTRING(1 2, 3 4)')", "LINESTRING(1 2, 3 4)",
        PAGE + "#st_geogfromtext", types=["GEOGRAPHY"]),
]
