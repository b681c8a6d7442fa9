"""``model._repr_html_()``: the summary table as a notebook shows it."""
from html.parser import HTMLParser

import gradiente as keras


class Cells(HTMLParser):
    """The text of every table row (``<br>`` as a newline) and of the paragraphs."""

    def __init__(self, text):
        super().__init__()
        self.rows, self.paragraphs, self._cell, self._in_p = [], [], None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "br" and self._cell is not None:
            self._cell += "\n"
        elif tag == "p":
            self._in_p = True
            self.paragraphs.append("")
        elif tag == "br" and self._in_p:
            self.paragraphs[-1] += "\n"

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None
        elif tag == "p":
            self._in_p = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        elif self._in_p:
            self.paragraphs[-1] += data


def test_sequential_table_and_totals_match_summary():
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(1000, activation="relu"),
                              keras.layers.BatchNormalization(), keras.layers.Dense(10)], name="mlp<1>")
    page = model._repr_html_()
    assert 'Model: &quot;mlp&lt;1&gt;&quot;' in page  # names are escaped
    parsed = Cells(page)
    assert parsed.rows == [
        ["Layer (type)", "Output Shape", "Param #"],
        ["dense (Dense)", "(None, 1000)", "785,000"],
        ["batch_normalization (BatchNormalization)", "(None, 1000)", "4,000"],
        ["dense_1 (Dense)", "(None, 10)", "10,010"],
    ]
    lines = []
    model.summary(print_fn=lines.append)
    totals = [line for line in lines if "params:" in line]
    assert parsed.paragraphs == ["\n".join(totals)]


def test_graph_model_lists_every_inbound_layer():
    inputs = keras.Input((4,), name="x")
    wide, deep = keras.layers.Dense(3, name="wide")(inputs), keras.layers.Dense(2, name="deep")(inputs)
    model = keras.Model(inputs, keras.layers.Concatenate(name="cat")([wide, deep]))
    rows = Cells(model._repr_html_()).rows
    assert rows[0][-1] == "Connected to"
    assert rows[-1] == ["cat (Concatenate)", "(None, 5)", "0", "wide[0][0]\ndeep[0][0]"]


def test_unbuilt_model_says_how_to_build_it():
    page = keras.Sequential([keras.layers.Dense(2)])._repr_html_()
    assert "not been built yet" in page and "<table" not in page
