"""Reading a page's tables and figures the way a person reads them: cell texts, row by row."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self, table_id: str) -> None:
        super().__init__()
        self.table_id = table_id
        self.depth = 0
        self.rows: list[tuple[dict[str, str], list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "table" and (self.depth or values.get("id") == self.table_id):
            self.depth += 1
        elif self.depth and tag == "tr":
            self.rows.append((values, []))
        elif self.depth and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.depth:
            self.depth -= 1
        elif self.depth and tag in ("td", "th") and self._cell is not None:
            self.rows[-1][1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table(html: str, table_id: str) -> list[tuple[dict[str, str], list[str]]]:
    """(row attributes, cell texts) of every row of the table with this id."""
    parser = _Tables(table_id)
    parser.feed(html)
    assert parser.rows, f"no table #{table_id}"
    return parser.rows


def keyed(html: str, table_id: str, attribute: str) -> dict[str, list[str]]:
    """The cells of the rows that carry ``attribute``, by its value (the row header left out)."""
    return {
        attrs[attribute]: cells[1:]
        for attrs, cells in table(html, table_id)
        if attribute in attrs
    }


class _Figures(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self._key: str | None = None
        self._in_value = False
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if "data-figure" in values:
            self._key = values["data-figure"]
        elif self._key and tag == "dd" and self._key not in self.figures and "class" not in values:
            self._in_value, self._text = True, []

    def handle_endtag(self, tag: str) -> None:
        if self._in_value and tag == "dd" and self._key:
            self.figures[self._key] = " ".join("".join(self._text).split())
            self._in_value = False

    def handle_data(self, data: str) -> None:
        if self._in_value:
            self._text.append(data)


def key_figures(html: str) -> dict[str, str]:
    """The summary's figures by their ``data-figure`` key."""
    parser = _Figures()
    parser.feed(html)
    return parser.figures
