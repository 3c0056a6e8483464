"""Reading Cranfield: queries numbered by file order, judgement code -1 dropped, gain = 5 - code."""

from libs.retrieval.cranfield import load_documents, load_gains, load_queries

DOCS = """.I 1
.T
wing in a slipstream .
.A
brenckman,m.
.B
j. ae. scs. 25, 1958, 324.
.W
experimental investigation of the
aerodynamics of a wing .
.I 2
.T
shear flow .
.W
simple shear flow past a plate .
"""
QUERIES = """.I 001
.W
what similarity laws must be obeyed .
.I 002
.W
structural problems of high speed aircraft .
.I 004
.W
heat conduction in composite slabs .
"""
QRELS = "1 184 2\n1 29 1\n1 486 -1\n3 1 4\n"


def test_documents_keep_title_and_text(tmp_path):
    (tmp_path / "cran.all.1400").write_text(DOCS)
    first, second = load_documents(tmp_path)
    assert (first.doc_id, first.title, first.text) == ("1", "wing in a slipstream .", "experimental investigation of the aerodynamics of a wing .")
    assert first.as_markdown().startswith("# wing in a slipstream .\n\n")
    assert (second.doc_id, second.text) == ("2", "simple shear flow past a plate .")


def test_queries_are_numbered_in_file_order_not_by_their_ids(tmp_path):
    (tmp_path / "cran.qry").write_text(QUERIES)
    queries = load_queries(tmp_path)
    assert list(queries) == ["1", "2", "3"]
    assert queries["3"] == "heat conduction in composite slabs ."


def test_gains_are_five_minus_the_code_and_irrelevant_judgements_are_dropped(tmp_path):
    (tmp_path / "cranqrel").write_text(QRELS)
    assert load_gains(tmp_path) == {"1": {"184": 3.0, "29": 4.0}, "3": {"1": 1.0}}
