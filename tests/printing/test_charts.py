"""printing/charts.py: the server-drawn SVG charts of the dashboard and the monthly report."""
import re
import xml.etree.ElementTree as ET

from printing import charts

NS = {"svg": "http://www.w3.org/2000/svg"}


def _axis_labels(svg: str) -> list[tuple[float, str]]:
    """The labels under the columns: (x, text), left to right."""
    root = ET.fromstring(svg)
    return [(float(t.get("x")), t.text) for t in root.findall("svg:text", NS) if t.get("text-anchor") == "middle"]


def test_columns_thin_the_labels_of_a_month_so_they_do_not_run_into_each_other():
    days = [(f"{d:02d}/11", d) for d in range(1, 31)]
    labels = _axis_labels(charts.columns(days, "Aduan per hari"))
    assert labels[0][1] == "01/11"
    assert 5 <= len(labels) < 30  # sparser than one a day, but still a scale
    width = len("01/11") * 10 * 0.55  # a generous lower bound of a label's width at font-size 10
    gaps = [b[0] - a[0] for a, b in zip(labels, labels[1:])]
    assert min(gaps) > width


def test_columns_keep_every_label_where_there_is_room():
    hours = [(f"{h:02d}", h) for h in range(6)]
    assert [t for _x, t in _axis_labels(charts.columns(hours, "Jam"))] == ["00", "01", "02", "03", "04", "05"]


def test_columns_write_a_column_per_item_with_its_figure_in_a_title():
    svg = charts.columns([("a", 3), ("b", 0), ("c", 7)], "Judul")
    assert svg.count('class="chart__bar"') == 3
    assert re.search(r"<title>c: 7</title>", svg)
    assert 'role="img"' in svg and 'aria-label="Judul"' in svg
