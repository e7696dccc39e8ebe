"""trails.gpx_in: every real GPX file gives a sensible trace or a one-line error."""
from pathlib import Path

import pytest

from poi.errors import BaliseError
from poi.geo import geodesic_distance_m
from trails.errors import GPXError, TraceError
from trails.gpx_in import JOIN_TOLERANCE_M, Trace, clean_segments, read_trace

GPX = Path(__file__).parent / "data" / "gpx"
BAD_FILES = {  # file -> (error class, words the one-line message must hold)
    "xml_bomb.gpx": (GPXError, "unsafe XML"),
    "external_entity.gpx": (GPXError, "unsafe XML"),
    "truncated.gpx": (GPXError, "truncated"),
    "decimal_commas.gpx": (GPXError, "decimal comma"),
    "zero_points.gpx": (GPXError, "no track or route points"),
    "not_gpx.gpx": (GPXError, "not a GPX file"),
    "geotrek-admin__fr-74_trace_with_no_feature.gpx": (GPXError, "no track or route points"),
    "gpxpy__unicode.gpx": (GPXError, "6 waypoint(s)"),  # waypoints only: points to `poi import`
    "gpxpy__unicode2.gpx": (GPXError, "no track or route points"),
    "geotrek-admin__fr-74_trace_with_only_two_duplicate_track_points.gpx": (TraceError, "same place"),
    "gpxpy__track_with_dilution_errors.gpx": (TraceError, "same place"),
    "gpxpy__garmin_gpxtpx.gpx": (TraceError, "single point"),
}
ALL_REAL = sorted(p.name for p in GPX.glob("*.gpx"))


@pytest.mark.parametrize("name", ALL_REAL)
def test_every_file_gives_a_trace_or_a_one_line_error(name):
    try:
        trace = read_trace(GPX / name)
    except BaliseError as e:
        message = str(e)
        assert "\n" not in message and message.startswith(name), message
        return
    assert isinstance(trace, Trace)
    assert trace.segments and all(len(seg) >= 2 for seg in trace.segments)
    for seg in trace.segments:
        for (lon, lat, ele), nxt in zip(seg, seg[1:]):
            assert -180 <= lon <= 180 and -90 <= lat <= 90
            assert (lon, lat) != nxt[:2], "consecutive duplicates are dropped"
            assert ele is None or isinstance(ele, float)
    assert trace.has_elevation == any(p[2] is not None for seg in trace.segments for p in seg)


@pytest.mark.parametrize("name, expected", sorted(BAD_FILES.items()))
def test_bad_input_gives_its_one_line_error(name, expected):
    cls, words = expected
    with pytest.raises(cls) as info:
        read_trace(GPX / name)
    assert words in str(info.value) and "\n" not in str(info.value)


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
