from datetime import date

import pytest

from kg_builder.dates import DateError, parse_edtf


@pytest.mark.parametrize("text, earliest, latest", [
    ("1937", date(1937, 1, 1), date(1937, 12, 31)),
    ("1937-02", date(1937, 2, 1), date(1937, 2, 28)),
    ("1936-02", date(1936, 2, 1), date(1936, 2, 29)),
    ("1937-06-11", date(1937, 6, 11), date(1937, 6, 11)),
    ("1937-05-22/1937-06-11", date(1937, 5, 22), date(1937, 6, 11)),
    ("1925/1932", date(1925, 1, 1), date(1932, 12, 31)),
    ("1936/..", date(1936, 1, 1), None),
    ("../1937-06", None, date(1937, 6, 30)),
    ("1937~", date(1937, 1, 1), date(1937, 12, 31)),
    ("1937-06?", date(1937, 6, 1), date(1937, 6, 30)),
])
def test_bounds_keep_the_curated_precision(text, earliest, latest):
    bounds = parse_edtf(text)
    assert (bounds.edtf, bounds.earliest, bounds.latest) == (text, earliest, latest)


@pytest.mark.parametrize("text, message", [
    ("1937-02-30", "that month has 28 days"),
    ("1937-13", "months run from 01 to 12"),
    ("June 1937", "not an EDTF date"),
    ("1938/1937", "ends before it starts"),
    ("../..", "open at both ends"),
])
def test_impossible_dates_are_rejected_with_a_reason(text, message):
    with pytest.raises(DateError, match=message):
        parse_edtf(text)
