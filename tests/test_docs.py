"""The docs: every link to a line of code reaches a line that holds the name
it shows (python tests/doc_links.py --fix repoints them after an edit), and
every figure the pages show is the one its results file holds (python
benchmarks/figures.py rewrites them)."""
import doc_links


def test_every_line_link_holds_its_name():
    found = [link for doc in doc_links.documents() for link in doc_links.links(doc)]
    assert len(found) >= 40                  # each script's map, the cells article's page
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


# --- figures -----------------------------------------------------------------
def figures_module():
    import importlib.util
    import os
    spec = importlib.util.spec_from_file_location(
        "figures", os.path.join(doc_links.ROOT, "benchmarks", "figures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_figure_in_the_docs_is_its_results_files():
    figures = figures_module()
    blocks = [name for page in figures.pages()
              for name in figures.BLOCK.findall(open(page, encoding="utf-8").read())]
    assert len(blocks) >= 15                 # every page's tables come from the results
    assert figures.stale() == []


def test_a_figure_that_drifts_from_its_results_file_is_caught(tmp_path, monkeypatch):
    figures = figures_module()
    readme = open(figures.pages()[0], encoding="utf-8").read()
    # a hand edit inside a block
    edited = tmp_path / "README.md"
    edited.write_text(readme.replace("| `python echo_rnn.py` | ", "| `python echo_rnn.py` | 9"),
                      encoding="utf-8")
    assert [line.split(":")[-1].strip() for line in figures.stale([str(edited)])] == [
        "readme.scripts"]
    # a results file that changed under an untouched page
    real_load = figures.load

    def load(name):
        found = real_load(name)
        for per in found.get("defaults", {}).values():
            for stack in per.values():
                stack["wall_seconds"]["mean"] *= 2
        return found
    monkeypatch.setattr(figures, "load", load)
    assert "README.md: readme.scripts" in figures.stale()
    # an unknown figure is an error, not an empty block
    unknown = tmp_path / "unknown.md"
    unknown.write_text("<!-- figures no.such.figure -->\n<!-- /figures -->\n")
    try:
        figures.stale([str(unknown)])
        raise AssertionError("an unknown figure passed")
    except LookupError as err:
        assert "no.such.figure" in str(err)
