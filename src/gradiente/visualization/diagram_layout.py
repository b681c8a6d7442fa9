"""Where ``plot_model`` puts its boxes and how its arrows run: a layered (Sugiyama) layout.

A box's row is its longest path from an input. An arrow that skips rows gets a *lane* in
each row it passes: a point placed among that row's boxes like a thin box, so the arrow
runs between boxes, never through one. Rows are ordered by the barycentre heuristic
(sweeps down and up, keeping the order with the fewest crossings); then each item asks for
the mean position of its neighbours, and the closest positions that keep the row's order
and spacing are found exactly by isotonic regression (pool-adjacent-violators). An arrow
leaves its box straight, crosses the gap between rows on a slant and enters straight: the
slanted pieces stay inside the gaps, where no box is.

Lengths are inches. Layout coordinates: ``u`` across a row, ``v`` along the flow (down for
"TB", right for "LR"); the result is in figure coordinates (x right, y up).
"""
from collections import namedtuple

GAP_ACROSS = 0.35  # between two boxes of a row
LANE = 0.14        # between a lane and its neighbour (a box's side or another lane)
GAP_ALONG = 0.45   # between rows
STUB = 0.12        # straight run of an arrow out of and into a box (room for the head)
MARGIN = 0.2       # around the drawing
# How hard a lane is pulled towards a neighbour (a lane or a box?): the lanes of one arrow
# line up with each other first, so a skip arrow runs straight beside the boxes it passes.
_PULL = {False: 1.0, True: 8.0}
_STIFFNESS = {False: 1.0, True: 0.01}  # lanes give way when a row's spacing forces a move


class Layout:
    """``rects``: {key: (x0, y0, x1, y1)}; ``paths``: {(src, dst): [(x, y), ...]} from the
    source's side to the target's (the arrow head at the last point); ``size``: (w, h)."""

    def __init__(self, rects, paths, size):
        self.rects, self.paths, self.size = rects, paths, size


# An arrow's place in a row it passes; its own type, so any hashable box key (a tuple too)
# is told apart from it.
_Lane = namedtuple("_Lane", "edge row")


def _is_lane(item):
    return isinstance(item, _Lane)


def _depths(keys, edges):
    """Longest path from a source, in topological order (Kahn); the graph is a DAG."""
    children = {k: [] for k in keys}
    waiting = {k: 0 for k in keys}
    for src, dst in edges:
        children[src].append(dst)
        waiting[dst] += 1
    depth = {k: 0 for k in keys}
    ready = [k for k in keys if waiting[k] == 0]
    while ready:
        k = ready.pop(0)
        for child in children[k]:
            depth[child] = max(depth[child], depth[k] + 1)
            waiting[child] -= 1
            if waiting[child] == 0:
                ready.append(child)
    return depth


def _chains(keys, edges, depth):
    """Rows (lists of items in order) and, per edge, its items from source to target."""
    rows = {}
    for k in keys:
        rows.setdefault(depth[k], []).append(k)
    chains = []
    for index, (src, dst) in enumerate(edges):
        lanes = [_Lane(index, r) for r in range(depth[src] + 1, depth[dst])]
        for lane in lanes:
            rows[lane.row].append(lane)
        chains.append([src, *lanes, dst])
    return [rows[r] for r in range(max(rows) + 1)], chains


def _neighbours(chains):
    """{item: items linked to it in the row above}, and in the row below."""
    up, down = {}, {}
    for chain in chains:
        for a, b in zip(chain, chain[1:]):
            down.setdefault(a, []).append(b)
            up.setdefault(b, []).append(a)
    return up, down


def _crossings(rows, down):
    total = 0
    for upper, lower in zip(rows, rows[1:]):
        at = {item: i for i, item in enumerate(lower)}
        links = [(i, at[b]) for i, a in enumerate(upper) for b in down.get(a, ())]
        total += sum((a1 - a2) * (b1 - b2) < 0 for n, (a1, b1) in enumerate(links) for a2, b2 in links[n + 1:])
    return total


def _order(rows, up, down):
    """Barycentre sweeps; returns the rows with the fewest crossings seen."""
    best, fewest = [list(r) for r in rows], _crossings(rows, down)
    for sweep in range(8):
        downward = sweep % 2 == 0
        indices = range(1, len(rows)) if downward else range(len(rows) - 2, -1, -1)
        for r in indices:
            linked, other = (up, rows[r - 1]) if downward else (down, rows[r + 1])
            at = {item: i for i, item in enumerate(other)}
            current = {item: i for i, item in enumerate(rows[r])}

            def barycentre(item):
                near = [at[n] for n in linked.get(item, ())]
                return (sum(near) / len(near) if near else current[item], current[item])

            rows[r].sort(key=barycentre)
        crossings = _crossings(rows, down)
        if crossings < fewest:
            best, fewest = [list(r) for r in rows], crossings
    return best


def _separation(a, b, half):
    gap = GAP_ACROSS if not (_is_lane(a) or _is_lane(b)) else LANE
    return half(a) + half(b) + gap


def _fit_row(row, wanted, half):
    """Positions closest to ``wanted`` (weighted least squares) keeping the row's order and
    spacing. With ``S_i`` the least offset of item i from item 0, positions ``p = q + S``
    keep the spacing exactly when ``q`` is non-decreasing: isotonic regression of
    ``wanted - S``, by pool-adjacent-violators."""
    offsets = [0.0]
    for a, b in zip(row, row[1:]):
        offsets.append(offsets[-1] + _separation(a, b, half))
    blocks = []  # [weighted mean, total weight, count] of pooled values
    for item, target in zip(row, (w - s for w, s in zip(wanted, offsets))):
        blocks.append([target, _STIFFNESS[_is_lane(item)], 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, w2, n2), (m1, w1, n1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    fitted = [mean for mean, _, count in blocks for _ in range(count)]
    return [q + s for q, s in zip(fitted, offsets)]


def _ports(rows, chains, across):
    """Where each chain leaves its source and enters its target, as offsets from the box's
    centre: spread over the side in the order of the other ends, so they do not cross."""
    at = {item: i for row in rows for i, item in enumerate(row)}
    leaving, entering = {}, {}
    for index, chain in enumerate(chains):
        leaving.setdefault(chain[0], []).append((at[chain[1]], index))
        entering.setdefault(chain[-1], []).append((at[chain[-2]], index))
    offsets = ({}, {})
    for side, by_box in zip(offsets, (leaving, entering)):
        for ends in by_box.values():
            ends.sort()
            step = min(0.3, 0.8 * across / len(ends))
            for i, (_, index) in enumerate(ends):
                side[index] = (i - (len(ends) - 1) / 2) * step
    return offsets


def _place(rows, chains, ports, half):
    """Each item's position across its row. An item asks for the (weighted) mean of where
    its links would be vertical, so with the ports' offsets taken in, arrows run straight.

    A box is linked to the boxes at the other ends of its arrows, not to the lanes next to
    it: lanes only route. (Pulled by lanes, which the ordering tends to put on one side, a
    chain of residual blocks drifts sideways block after block.) A lane is linked to its
    arrow's neighbouring items."""
    up, down = {}, {}
    for index, chain in enumerate(chains):
        shift = ports[0][index] - ports[1][index]  # the target sits straight below at u + shift
        up.setdefault(chain[-1], []).append((chain[0], shift))
        down.setdefault(chain[0], []).append((chain[-1], -shift))
        if len(chain) == 2:
            continue
        up.setdefault(chain[1], []).append((chain[0], ports[0][index]))
        down.setdefault(chain[-2], []).append((chain[-1], -ports[1][index]))
        for a, b in zip(chain[1:-2], chain[2:-1]):
            up.setdefault(b, []).append((a, 0.0))
            down.setdefault(a, []).append((b, 0.0))
    pos = {}
    for row in rows:
        start = -sum(_separation(a, b, half) for a, b in zip(row, row[1:])) / 2
        pos.update(zip(row, _fit_row(row, [start] * len(row), half)))

    def wanted(item, sources):
        links = [link for linked in sources for link in linked.get(item, ())]
        if not links:
            return pos[item]
        pulls = [_PULL[_is_lane(n)] for n, _ in links]
        return sum(w * (pos[n] + shift) for w, (n, shift) in zip(pulls, links)) / sum(pulls)

    order = list(range(len(rows)))
    for sources, indices in [((up,), order), ((down,), order[::-1])] * 6 + [((up,), order)]:
        for r in indices:
            pos.update(zip(rows[r], _fit_row(rows[r], [wanted(i, sources) for i in rows[r]], half)))
    return pos


def _simplify(points):
    """Drop repeated points and middle points of straight runs."""
    kept = []
    for p in points:
        if kept and abs(p[0] - kept[-1][0]) < 1e-9 and abs(p[1] - kept[-1][1]) < 1e-9:
            continue
        if len(kept) >= 2:
            (x0, y0), (x1, y1) = kept[-2], kept[-1]
            if abs((x1 - x0) * (p[1] - y0) - (y1 - y0) * (p[0] - x0)) < 1e-9:
                kept[-1] = p
                continue
        kept.append(p)
    return kept


def layout(keys, edges, box_w, box_h, rankdir="TB"):
    """Place ``keys`` (boxes of ``box_w`` x ``box_h`` inches) and route ``edges``
    ((src, dst) pairs of keys, a DAG) for ``rankdir`` "TB" or "LR"; returns a ``Layout``."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"`rankdir` must be 'TB' or 'LR', received {rankdir!r}.")
    keys, edges = list(keys), list(edges)
    across, along = (box_w, box_h) if rankdir == "TB" else (box_h, box_w)
    depth = _depths(keys, edges)
    rows, chains = _chains(keys, edges, depth)
    up, down = _neighbours(chains)
    rows = _order(rows, up, down)

    def half(item):
        return 0.0 if _is_lane(item) else across / 2

    ports = _ports(rows, chains, across)
    pos = _place(rows, chains, ports, half)
    low = min(pos[i] - half(i) for i in pos)
    width = max(pos[i] + half(i) for i in pos) - low + 2 * MARGIN
    length = len(rows) * along + (len(rows) - 1) * GAP_ALONG + 2 * MARGIN
    fig_w, fig_h = (width, length) if rankdir == "TB" else (length, width)

    def point(u, v):  # layout coordinates -> figure coordinates
        u, v = u - low + MARGIN, v + MARGIN
        return (u, fig_h - v) if rankdir == "TB" else (v, fig_h - u)

    def top(r):
        return r * (along + GAP_ALONG)

    rects = {}
    for k in keys:
        (x0, y0), (x1, y1) = point(pos[k] - across / 2, top(depth[k])), point(pos[k] + across / 2, top(depth[k]) + along)
        rects[k] = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    paths = {}
    for index, chain in enumerate(chains):
        start, end = top(depth[chain[0]]) + along, top(depth[chain[-1]])
        leave, enter = pos[chain[0]] + ports[0][index], pos[chain[-1]] + ports[1][index]
        points = [(leave, start), (leave, start + STUB)]
        for lane in chain[1:-1]:
            points += [(pos[lane], top(lane.row) - STUB), (pos[lane], top(lane.row) + along + STUB)]
        points += [(enter, end - STUB), (enter, end)]
        paths[chain[0], chain[-1]] = _simplify([point(u, v) for u, v in points])
    return Layout(rects, paths, (fig_w, fig_h))
