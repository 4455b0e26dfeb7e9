"""The lift plot marks n=0 rows as no data instead of drawing them at the log floor."""

from vigil.audit.plots import lift_plot


def test_rows_without_impressions_are_marked_no_data():
    audit = {"platforms": {"p": {"surfaces": {
        "search": {"lift": 0.0, "adjacent_impressions": 0, "lift_ci": [0.0, 0.0]},
        "explore": {"lift": 3.0, "adjacent_impressions": 40, "lift_ci": [2.0, 4.5]}}}}}
    svg = lift_plot(audit)
    assert "no data" in svg and svg.count("no data") == 1
