"""A model's rich view in a notebook: ``model.summary()``'s table as HTML."""
import html

from gradiente.models.summary import _is_sequential_like, _layer_rows, _relevant_nodes

_STYLE = ("border-collapse:collapse;font-family:monospace;font-size:12px;"
          "text-align:left;margin:4px 0")
_CELL = "padding:2px 10px;border-bottom:1px solid #ddd;text-align:left;vertical-align:top"


def summary_html(model):
    """The summary's name, table (layer, output shape, parameters, and for graphs the layers
    each one is connected to) and parameter totals, as one HTML fragment."""
    name = html.escape(model.name)
    if not model.built:
        return f"<div><b>Model: &quot;{name}&quot;</b><p>{html.escape(model._not_built_message())}</p></div>"
    connections = not _is_sequential_like(model)
    headers = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if connections else [])
    relevant = _relevant_nodes(model)
    body = []
    for layer in model.layers:
        rows = _layer_rows(layer, relevant, "", connections, False)
        cells = [str(field) for field in rows[0]]
        if connections:  # further inbound layers join the first one's cell
            cells[3] = "\n".join([cells[3]] + [str(row[3]) for row in rows[1:]])
        if isinstance(rows[0][2], int):
            cells[2] = f"{rows[0][2]:,}"
        body.append("<tr>" + "".join(f'<td style="{_CELL}">{_cell(c)}</td>' for c in cells) + "</tr>")
    head = "".join(f'<th style="{_CELL}">{html.escape(h)}</th>' for h in headers)
    trainable = sum(int(v.size) for v in model.trainable_weights)
    non_trainable = sum(int(v.size) for v in model.non_trainable_weights)
    totals = (f"Total params: {trainable + non_trainable:,}<br>Trainable params: {trainable:,}<br>"
              f"Non-trainable params: {non_trainable:,}")
    return (f'<div><b>Model: &quot;{name}&quot;</b><table style="{_STYLE}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>"
            f'<p style="font-family:monospace;font-size:12px">{totals}</p></div>')


def _cell(text):
    return html.escape(text).replace("\n", "<br>")
