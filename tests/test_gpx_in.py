"""trails.gpx_in: every real GPX file gives a sensible trace or a one-line error."""
from pathlib import Path

import pytest

from poi.geo import geodesic_distance_m, geodesic_length_m
from poi.i18n import language
from trails.errors import GPXError, TraceError
from trails.gpx_in import JOIN_TOLERANCE_M, Trace, clean_segments, read_trace

GPX = Path(__file__).parent / "data" / "gpx"
#: Every file of tests/data/gpx and what reading it gives: a trace (points per segment after cleaning, geodesic
#: length in metres, elevation or not), or an error (its class and its exact one-line message after "FILE: ").
OUTCOMES = {
    "de-freiburg_simplify-relative_100pts_gpsbabel.gpx": ([100], 1333, True),
    "de-munich_garmin-edge-800_8seg_gpsbabel.gpx": ([1286], 25184, True),
    "de-paderborn_wahoo-element-bolt_4seg_gpsbabel.gpx": ([1076], 4752, True),
    "decimal_commas.gpx":
        (GPXError, 'decimal comma in coordinates (lat="45,969096946431875"); GPX requires a dot as decimal separator'),
    "external_entity.gpx":
        (GPXError, 'refused unsafe XML (DTDForbidden: DTDs, entities and external references are not allowed in GPX)'),
    "fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx": ([17], 13186, False),
    "geotrek-admin__fr-74_apidae_test_trek.gpx": ([13], 145, False),
    "geotrek-admin__fr-74_trace_with_multiple_continuous_features.gpx": ([12], 102, False),
    "geotrek-admin__fr-74_trace_with_multiple_continuous_features_and_one_empty.gpx": ([12], 102, False),
    "geotrek-admin__fr-74_trace_with_multiple_not_continuous_features.gpx": ([4, 8], 88, False),
    "geotrek-admin__fr-74_trace_with_no_feature.gpx":
        (GPXError, 'no track or route points (add a <trk> or <rte> to the file)'),
    "geotrek-admin__fr-74_trace_with_not_continuous_segments.gpx": ([9, 6, 11], 714, False),
    "geotrek-admin__fr-74_trace_with_only_two_duplicate_track_points.gpx":
        (TraceError, 'all 2 points are at the same place; a trail needs a trace that moves'),
    "geotrek-admin__fr-74_trace_with_route_points.gpx": ([13], 145, False),
    "geotrek-admin__fr-74_trace_with_single_point_segment.gpx": ([13], 145, False),
    "gpxpy__custom_schema_locations.gpx":
        (GPXError, 'no track or route points (add a <trk> or <rte> to the file)'),
    "gpxpy__default_schema_locations.gpx":
        (GPXError, 'no track or route points (add a <trk> or <rte> to the file)'),
    "gpxpy__first_and_last_elevation.gpx": ([9], 195799, True),
    "gpxpy__garmin_gpxtpx.gpx":
        (TraceError, 'a single point cannot make a trail; the trace needs at least two'),
    "gpxpy__gpx-with-node-with-comments.gpx":
        (TraceError, 'a single point cannot make a trail; the trace needs at least two'),
    "gpxpy__gpx1.0_with_all_fields.gpx": ([3, 2], 465779, True),
    "gpxpy__gpx1.1_with_all_fields.gpx": ([3, 2], 465779, True),
    "gpxpy__gpx1.1_with_extensions.gpx":
        (GPXError, 'no track or route points; it holds 1 waypoint(s): import them as POIs with `balise poi import --format gpx`'),
    "gpxpy__gpx1.1_with_extensions_without_namespaces.gpx":
        (GPXError, 'no track or route points; it holds 1 waypoint(s): import them as POIs with `balise poi import --format gpx`'),
    "gpxpy__gpx_with_garmin_extension.gpx":
        (GPXError, 'no track or route points; it holds 1 waypoint(s): import them as POIs with `balise poi import --format gpx`'),
    "gpxpy__track-with-empty-segment.gpx": ([9], 86, True),
    "gpxpy__track-with-extremes.gpx": ([25], 2207, True),
    "gpxpy__track-with-less-sec-time.gpx": ([2], 2, True),
    "gpxpy__track-with-small-floats.gpx": ([2], 9413, True),
    "gpxpy__track_with_dilution_errors.gpx":
        (TraceError, 'all 2 points are at the same place; a trail needs a trace that moves'),
    "gpxpy__track_with_speed.gpx": ([3], 19, True),
    "gpxpy__unicode.gpx":
        (GPXError, 'no track or route points; it holds 6 waypoint(s): import them as POIs with `balise poi import --format gpx`'),
    "gpxpy__unicode2.gpx":
        (GPXError, 'no track or route points (add a <trk> or <rte> to the file)'),
    "gpxpy__unicode_with_bom.gpx":
        (GPXError, 'no track or route points; it holds 1 waypoint(s): import them as POIs with `balise poi import --format gpx`'),
    "gpxpy__unicode_with_bom_noencoding.gpx":
        (GPXError, 'no track or route points; it holds 1 waypoint(s): import them as POIs with `balise poi import --format gpx`'),
    "gpxstudio__be-brussels_simple.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_cad.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_hr.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_power_1.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_routes.gpx": ([49, 28], 2149, True),
    "gpxstudio__be-brussels_with_segments.gpx": ([49, 28], 2149, True),
    "gpxstudio__be-brussels_with_style.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_surface.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_temp.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_time.gpx": ([80], 2229, True),
    "gpxstudio__be-brussels_with_tracks.gpx": ([49, 28], 2149, True),
    "gpxstudio__be-brussels_with_tracks_and_segments.gpx": ([16, 34, 19, 10], 2126, True),
    "gpxstudio__be-brussels_with_waypoint.gpx": ([80], 2229, True),
    "no-oslo_garmin-oregon-700_2018_gpsbabel.gpx": ([997], 22235, True),
    "not_gpx.gpx":
        (GPXError, 'not a GPX file (root element is <kml>)'),
    "truncated.gpx":
        (GPXError, 'not well-formed XML (no element found: line 123, column 6); the file may be truncated'),
    "xml_bomb.gpx":
        (GPXError, 'refused unsafe XML (DTDForbidden: DTDs, entities and external references are not allowed in GPX)'),
    "zero_points.gpx":
        (GPXError, 'no track or route points (add a <trk> or <rte> to the file)'),
}


def test_every_file_has_its_expected_outcome_in_the_table():
    assert sorted(OUTCOMES) == sorted(p.name for p in GPX.glob("*.gpx")), "name the outcome of each new file"


@pytest.mark.parametrize("name, expected", sorted(OUTCOMES.items()))
def test_each_file_gives_its_trace_or_its_one_line_error(name, expected):
    if isinstance(expected[0], type):
        cls, message = expected
        with language("en"), pytest.raises(cls) as info:
            read_trace(GPX / name)
        assert str(info.value) == f"{name}: {message}"
        return
    points, length_m, has_elevation = expected
    trace = read_trace(GPX / name)
    assert isinstance(trace, Trace)
    assert [len(seg) for seg in trace.segments] == points
    assert sum(geodesic_length_m([p[:2] for p in seg]) for seg in trace.segments) == pytest.approx(length_m, abs=1)
    assert trace.has_elevation is has_elevation
    for seg in trace.segments:
        for (lon, lat, ele), nxt in zip(seg, seg[1:]):
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert (lon, lat) != nxt[:2], "consecutive duplicates are dropped"
            assert ele is None or isinstance(ele, float)
    assert trace.has_elevation == any(p[2] is not None for seg in trace.segments for p in seg)


def test_bad_xml_is_wrapped_not_leaked():
    with pytest.raises(GPXError) as info:
        read_trace(GPX / "xml_bomb.gpx")
    assert info.value.__cause__ is not None  # raised ... from the parser's error
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("name, segments", [
    ("geotrek-admin__fr-74_trace_with_multiple_continuous_features.gpx", [12]),
    ("geotrek-admin__fr-74_trace_with_multiple_continuous_features_and_one_empty.gpx", [12]),
    ("geotrek-admin__fr-74_trace_with_multiple_not_continuous_features.gpx", [4, 8]),
    ("geotrek-admin__fr-74_trace_with_single_point_segment.gpx", [13]),
    ("gpxpy__track-with-empty-segment.gpx", [9]),
    ("gpxstudio__be-brussels_with_segments.gpx", [49, 28]),  # a real 77 m gap stays a gap
    ("gpxstudio__be-brussels_with_tracks.gpx", [49, 28]),
    ("gpxstudio__be-brussels_with_tracks_and_segments.gpx", [16, 34, 19, 10]),
    ("de-munich_garmin-edge-800_8seg_gpsbabel.gpx", [1286]),  # logger pauses 1.4-5.5 m apart are joined
    ("de-paderborn_wahoo-element-bolt_4seg_gpsbabel.gpx", [1076]),
])
def test_segments_are_kept_cleaned_and_joined_when_they_touch(name, segments):
    assert [len(s) for s in read_trace(GPX / name).segments] == segments


def test_remaining_gaps_are_wider_than_the_join_tolerance():
    trace = read_trace(GPX / "gpxstudio__be-brussels_with_tracks_and_segments.gpx")
    for a, b in zip(trace.segments, trace.segments[1:]):
        assert geodesic_distance_m(a[-1][0], a[-1][1], b[0][0], b[0][1]) > JOIN_TOLERANCE_M


def test_routes_only_file_gives_its_route():
    trace = read_trace(GPX / "gpxstudio__be-brussels_with_routes.gpx")
    assert [len(s) for s in trace.segments] == [49, 28] and trace.name == "with_routes"
    assert read_trace(GPX / "geotrek-admin__fr-74_trace_with_route_points.gpx").segments


def test_tracks_of_a_single_point_fall_back_to_routes():
    trace = read_trace(GPX / "gpxpy__gpx1.0_with_all_fields.gpx")  # GPX 1.0, one trkpt, two routes
    assert [len(s) for s in trace.segments] == [3, 2]
    assert trace.name == "example name" and trace.waypoints_count == 2


def test_gpx10_without_elevation():
    trace = read_trace(GPX / "fr-72_le-mans_sloth-track_gpx10_gpxpy.gpx")
    assert trace.name == "SlothLeMans" and not trace.has_elevation
    assert all(p[2] is None for p in trace.segments[0])


def test_missing_elevation_is_none_and_extensions_are_ignored():
    trace = read_trace(GPX / "de-paderborn_wahoo-element-bolt_4seg_gpsbabel.gpx")
    assert trace.segments[0][0][2] is None and trace.segments[0][1][2] == 118.4
    assert read_trace(GPX / "gpxstudio__be-brussels_with_hr.gpx").segments[0][0][2] is not None


def test_a_glitch_point_far_away_is_dropped():
    # Geotrek's own test file has lat="6.11785" among lat="46.11..." (a typo 4,400 km away).
    trace = read_trace(GPX / "geotrek-admin__fr-74_trace_with_not_continuous_segments.gpx")
    assert [len(s) for s in trace.segments] == [9, 6, 11]
    assert all(p[1] > 46 for seg in trace.segments for p in seg)


def test_bytes_and_bom_are_accepted(tmp_path):
    data = (GPX / "gpxstudio__be-brussels_simple.gpx").read_bytes()
    assert read_trace(b"\xef\xbb\xbf" + data).name == "simple"


def test_clean_segments_drops_empty_and_lone_points():
    assert clean_segments([[], [(3.0, 44.0, None)], [(3.0, 44.0, 1.0), (3.0, 44.0, 2.0)]]) == []
