"""The docs: every link to a line of code reaches a line that holds the name
it shows (python tests/doc_links.py --fix repoints them after an edit), and
every figure the pages show is the one its results file holds (python
benchmarks/figures.py rewrites them)."""
import doc_links


def test_every_line_link_holds_its_name():
    found = [link for doc in doc_links.documents() for link in doc_links.links(doc)]
    assert len(found) >= 40                  # each script's map, article 001's page
    assert doc_links.problems() == []


def test_the_checker_catches_a_stale_link():
    lines = ["import os", "", "def generate_data(n):", "    total_loss = n * 2",
             "    return total_loss", "", "", "", "x = 1"]
    # a def, the line that does a step, or one of the two lines after the link
    assert doc_links.points_at(lines, 3, "generate_data")
    assert doc_links.points_at(lines, 4, "total_loss")
    assert doc_links.points_at(lines, 2, "total_loss")         # two lines on
    assert not doc_links.points_at(lines, 6, "total_loss")
    assert not doc_links.points_at(lines, 1, "generate")       # whole words only
    assert not doc_links.points_at(lines, 40, "x")
    assert doc_links.definition_line(lines, "generate_data") == 3
    assert doc_links.definition_line(["class A:", "    def b(self):"], "A.b") == 2
    # --fix: a link that still holds its name stays; a stale one goes to the
    # assignment, else to the nearest line that holds the name
    assert doc_links.new_line(lines, "total_loss", 5) == 5
    assert doc_links.new_line(lines, "total_loss", 9) == 4
    assert doc_links.new_line(lines + ["print(total_loss)"], "total_loss", 12) == 4
    assert doc_links.new_line(lines, "missing_name", 3) is None
