"""``.. chip-schema::``: the table of every chip-YAML key, generated from
hardware_models.spec.SCHEMA (default, allowed values) and the built-in chips."""
from docutils import nodes
from docutils.parsers.rst import Directive


def _flatten(schema, prefix=""):
    from hardware_models.spec import _LEAF_DICTS
    for key, value in schema.items():
        dotted = prefix + key
        if isinstance(value, dict) and dotted not in _LEAF_DICTS:
            yield from _flatten(value, dotted + ".")
        else:
            yield dotted, value


def _show(value):
    from hardware_models.spec import _MISSING
    if value is _MISSING:
        return "(required)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def schema_rows():
    """[(key, default, allowed, value in each built-in chip)]."""
    from hardware_models.spec import _CHOICES, SCHEMA, list_chips, load_spec
    specs = [load_spec(name) for name in list_chips()]
    rows = []
    for key, default in _flatten(SCHEMA):
        rows.append([key, _show(default), ", ".join(_CHOICES.get(key, ()))]
                    + [_show(spec.get(key)) for spec in specs])
    return rows


class ChipSchema(Directive):
    has_content = False

    def run(self):
        from hardware_models.spec import list_chips
        header = ["key", "default", "allowed"] + list_chips()
        table = nodes.table()
        group = nodes.tgroup(cols=len(header))
        table += group
        for width in [30, 12, 18] + [14] * len(list_chips()):
            group += nodes.colspec(colwidth=width)

        def row(cells):
            r = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += nodes.paragraph(text=cell)
                r += entry
            return r
        head = nodes.thead()
        head += row(header)
        body = nodes.tbody()
        for cells in schema_rows():
            body += row(cells)
        group += head
        group += body
        return [table]


def setup(app):
    app.add_directive("chip-schema", ChipSchema)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
