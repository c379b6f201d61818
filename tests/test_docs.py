"""The docs: every link to a line of code points at the line that defines the
name it shows (python tests/doc_links.py --fix repairs them after an edit)."""
import doc_links


def test_every_line_link_defines_its_name():
    found = [link for doc in doc_links.documents() for link in doc_links.links(doc)]
    assert len(found) >= 40                  # each script's map, article 001's page
    assert doc_links.problems() == []


def test_the_checker_catches_a_stale_link(tmp_path):
    lines = ["import os", "", "def generate_data(n):", "    return n"]
    assert doc_links.definition_line(lines, "generate_data") == 3
    assert doc_links.defines(lines[2], "generate_data")
    assert not doc_links.defines(lines[3], "generate_data")
    assert doc_links.definition_line(["class A:", "    def b(self):"], "A.b") == 2
