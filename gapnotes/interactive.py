"""Figures a reader can turn and slide, with no kernel: plotly figures embedded as HTML.

A chapter computes every number in Python, puts each state of the figure in a *frame* (one per
slider position: a depth, a temperature, a shift λ, a training step) and calls
:func:`slider_figure`. The result, :class:`InteractiveFigure`, displays itself as

* HTML: a ``<div>`` with the figure's JSON and a few lines of JavaScript that hand it to
  plotly.js. plotly.js itself is not in the output: the book serves one copy from its static
  files (``book/_ext/interactive_figures.py``) for every figure of every page; in Jupyter and
  Colab, where no book is around it, the output loads it once from plotly's CDN;
* a PNG of the first frame, drawn with matplotlib, for print, for PDF and for viewers that run
  no JavaScript (the HTML shows it until the figure is drawn, and again when printing).

Nothing is computed in JavaScript: a slider only switches between frames computed here.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from dataclasses import dataclass

import numpy as np

__all__ = ["InteractiveFigure", "slider_figure", "sphere_wireframe", "DECIMALS", "STATIC_DPI", "cones_figure",
           "sphere_toy_figure", "landscape_figure", "shift_figure", "training_figure"]

#: Coordinates and values in a figure's JSON are rounded to this many decimals (page weight).
DECIMALS = 3
#: Resolution of the static PNG (print and no-JavaScript viewers).
STATIC_DPI = 72
_TRACE_KEYS = {"name", "x", "y", "z", "color", "mode", "size", "symbol", "panel", "width", "legend", "text"}
_MODES = ("markers", "lines", "lines+markers")


def _rounded(values, name: str) -> list:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return [float(v) for v in np.round(array, DECIMALS)]


@dataclass(frozen=True)
class _Trace:
    name: str
    x: list
    y: list
    z: list | None
    color: object
    mode: str
    size: float
    symbol: object
    panel: int
    width: float
    legend: bool
    text: object

    @classmethod
    def parse(cls, spec: dict, where: str, three_d: bool, n_panels: int) -> _Trace:
        if not isinstance(spec, dict):
            raise TypeError(f"{where} must be a dict, got {type(spec).__name__}")
        unknown = set(spec) - _TRACE_KEYS
        if unknown:
            raise ValueError(f"{where} has unknown keys {sorted(unknown)}; allowed: {sorted(_TRACE_KEYS)}")
        for key in ("name", "x", "y"):
            if key not in spec:
                raise ValueError(f"{where} needs '{key}'")
        if three_d and "z" not in spec:
            raise ValueError(f"{where} needs 'z' (the figure is 3-D)")
        x, y = _rounded(spec["x"], f"{where}['x']"), _rounded(spec["y"], f"{where}['y']")
        z = _rounded(spec["z"], f"{where}['z']") if three_d else None
        if len(y) != len(x) or (z is not None and len(z) != len(x)):
            raise ValueError(f"{where}: x, y (and z) must have the same length")
        mode = spec.get("mode", "markers")
        if mode not in _MODES:
            raise ValueError(f"{where}['mode'] must be one of {_MODES}, got {mode!r}")
        panel = int(spec.get("panel", 0))
        if not 0 <= panel < n_panels:
            raise ValueError(f"{where}['panel'] must lie in 0..{n_panels - 1}, got {panel}")
        color = spec.get("color", "#333333")
        if not isinstance(color, str):
            color = [str(c) for c in color]
            if len(color) != len(x):
                raise ValueError(f"{where}['color'] needs one colour per point ({len(x)})")
        return cls(str(spec["name"]), x, y, z, color, mode, float(spec.get("size", 5)),
                   spec.get("symbol", "circle"), panel, float(spec.get("width", 2)),
                   bool(spec.get("legend", True)), spec.get("text"))

    def plotly(self, three_d: bool) -> dict:
        trace = {"type": "scatter3d" if three_d else "scatter", "name": self.name, "x": self.x, "y": self.y,
                 "mode": self.mode, "showlegend": self.legend, "legendgroup": self.name,
                 "marker": {"color": self.color, "size": self.size, "symbol": self.symbol},
                 "line": {"color": self.color if isinstance(self.color, str) else "#333333", "width": self.width}}
        if three_d:
            trace["z"] = self.z
        elif self.panel:
            trace.update(xaxis=f"x{self.panel + 1}", yaxis=f"y{self.panel + 1}")
        if self.text is not None:
            trace.update(text=self.text, hoverinfo="text")
        return trace


@dataclass
class InteractiveFigure:
    """A plotly figure shown without a kernel (see the module's docstring).

    ``spec`` is the figure as plotly.js reads it (``data``, ``layout``, ``frames``, ``config``:
    plain JSON-ready values); ``static_png`` the PNG bytes of one frame; ``alt`` the text that
    stands for it (screen readers, the PNG's alt text). :attr:`figure` gives it as a validated
    :class:`plotly.graph_objects.Figure` (the chapters skip that validation: it costs about a
    second per figure and the tests do it).
    """

    spec: dict
    static_png: bytes
    alt: str
    height: int = 480

    @property
    def figure(self):
        """The figure as a :class:`plotly.graph_objects.Figure` (validated by plotly)."""
        import plotly.graph_objects as go

        return go.Figure(data=self.spec["data"], layout=self.spec["layout"], frames=self.spec["frames"])

    def html(self) -> str:
        """The figure as one self-contained HTML fragment (no plotly.js inside; see the module)."""
        from plotly import __version__ as plotly_version

        # "</" would end the <script> early wherever a title holds HTML ("<br>" is fine, "</b>" not)
        spec = json.dumps(self.spec, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
        uid = "gapnotes-" + hashlib.sha256(spec.encode()).hexdigest()[:12]
        png = base64.b64encode(self.static_png).decode()
        cdn = f"https://cdn.plot.ly/plotly-{plotly_version}.min.js"
        alt = html.escape(self.alt, quote=True)
        # The static image shows until the figure is drawn, and again in print.
        return f"""<div class="gapnotes-interactive" id="{uid}-box">
<style>#{uid}-box.drawn .gapnotes-static{{display:none}}
@media print{{#{uid}-box .gapnotes-plot{{display:none}}#{uid}-box.drawn .gapnotes-static{{display:block}}}}</style>
<div class="gapnotes-plot" id="{uid}" style="width:100%;height:{self.height}px"></div>
<img class="gapnotes-static" alt="{alt}" src="data:image/png;base64,{png}" style="max-width:100%">
<script type="text/javascript">(function () {{
  var spec = {spec};
  function draw(Plotly) {{
    Plotly.newPlot("{uid}", spec.data, spec.layout, spec.config).then(function (gd) {{
      document.getElementById("{uid}-box").classList.add("drawn");
      if (spec.frames.length) {{ return Plotly.addFrames(gd, spec.frames); }}
    }});
  }}
  if (window.Plotly) {{ draw(window.Plotly); return; }}
  // Jupyter or Colab: no book around to serve plotly.js, so load it (once) from plotly's CDN
  var url = "{cdn}";
  if (typeof window.require === "function" && window.define && window.define.amd) {{
    window.require.config({{paths: {{plotly: url.slice(0, -3)}}}});
    window.require(["plotly"], draw);
    return;
  }}
  var loading = document.querySelector('script[src="' + url + '"]');
  if (!loading) {{
    loading = document.createElement("script");
    loading.src = url;
    document.head.appendChild(loading);
  }}
  loading.addEventListener("load", function () {{ draw(window.Plotly); }});
}})();</script>
</div>"""

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.html(), "image/png": base64.b64encode(self.static_png).decode(),
                "text/plain": f"<interactive figure: {self.alt}>"}

    def show(self) -> None:
        """Display the figure (the last line of a cell does the same)."""
        from IPython.display import display

        display(self)


def sphere_wireframe(n_lines: int = 4, points: int = 61) -> list:
    """Grey circles on the unit sphere (latitudes and meridians), as traces for a 3-D figure."""
    angles = np.linspace(0, 2 * np.pi, points)
    traces = []
    for latitude in np.linspace(-60, 60, n_lines - 1):
        lat = np.deg2rad(latitude)
        traces.append({"name": "sphere", "x": np.cos(lat) * np.cos(angles), "y": np.cos(lat) * np.sin(angles),
                       "z": np.full(points, np.sin(lat)), "mode": "lines", "color": "#c8c8c8", "width": 1,
                       "legend": False})
    for longitude in np.linspace(0, np.pi, n_lines, endpoint=False):
        traces.append({"name": "sphere", "x": np.cos(angles) * np.cos(longitude),
                       "y": np.cos(angles) * np.sin(longitude), "z": np.sin(angles), "mode": "lines",
                       "color": "#c8c8c8", "width": 1, "legend": False})
    return traces


def _limits(frames: list, background: list, panel: int, axis: str, three_d: bool) -> list:
    values = [v for traces in [background, *frames] for t in traces if t.panel == panel for v in getattr(t, axis)]
    if not values:
        return [-1.0, 1.0]
    low, high = min(values), max(values)
    pad = 0.05 * (high - low or 1.0)
    return [round(low - pad, DECIMALS), round(high + pad, DECIMALS)]


def slider_figure(frames, *, slider_label: str, alt: str, three_d: bool = False, background=(),
                  panel_titles=None, axis_titles=(("", ""),), play: bool = False, height: int = 480,
                  fixed_ranges=None, static_frame: int = 0) -> InteractiveFigure:
    """A figure whose slider steps through precomputed frames.

    Parameters
    ----------
    frames : list of dicts ``{"label": str, "title": str, "traces": [trace, ...]}``, one per
        slider position. Every frame has the same traces in the same order; a trace is a dict with
        ``name``, ``x``, ``y`` (``z`` when ``three_d``) and optionally ``color`` (one colour, or one
        per point), ``mode`` ("markers", "lines", "lines+markers"), ``size``, ``symbol``,
        ``panel`` (index of the side-by-side 2-D panel), ``width``, ``legend``, ``text`` (hover).
    slider_label : what the slider sets, e.g. ``"depth"`` or ``"τ"``
    alt : a sentence that stands for the figure (alt text of its static image)
    three_d : one rotatable 3-D scene instead of 2-D panels
    background : traces drawn in every frame, unchanged (e.g. :func:`sphere_wireframe`)
    panel_titles : one title per 2-D panel (their number sets the number of panels)
    axis_titles : ``(x title, y title)`` per panel (3-D: the first is used for x and y, ``z`` unnamed)
    play : add a play button that runs through the frames (an animation)
    fixed_ranges : per panel ``((x0, x1), (y0, y1))`` or None to fit every frame's points
    static_frame : which frame the static PNG (print) shows

    Values are rounded to :data:`DECIMALS` decimals; axis ranges are fixed over all frames so
    that moving the slider moves the points, not the axes.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("frames must hold at least one frame")
    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must be a non-empty sentence describing the figure")
    n_panels = 1 if three_d or not panel_titles else len(panel_titles)
    if not three_d and len(axis_titles) != n_panels:
        raise ValueError(f"axis_titles needs one (x, y) pair per panel ({n_panels}), got {len(axis_titles)}")
    if not 0 <= static_frame < len(frames):
        raise ValueError(f"static_frame must lie in 0..{len(frames) - 1}, got {static_frame}")
    parsed = []
    for i, frame in enumerate(frames):
        if not isinstance(frame, dict) or not {"label", "title", "traces"} <= set(frame):
            raise ValueError(f"frames[{i}] must be a dict with 'label', 'title' and 'traces'")
        traces = [_Trace.parse(t, f"frames[{i}]['traces'][{j}]", three_d, n_panels)
                  for j, t in enumerate(frame["traces"])]
        if parsed and [t.name for t in traces] != [t.name for t in parsed[0]]:
            raise ValueError(f"frames[{i}] must have the same traces, in the same order, as frames[0]")
        parsed.append(traces)
    still = [_Trace.parse(t, f"background[{j}]", three_d, n_panels) for j, t in enumerate(background)]

    first = parsed[0]
    data = [t.plotly(three_d) for t in still] + [t.plotly(three_d) for t in first]
    moving = list(range(len(still), len(data)))
    plotly_frames = [{"name": str(frame["label"]), "data": [t.plotly(three_d) for t in traces], "traces": moving,
                      "layout": {"title": {"text": frame["title"]}}}
                     for frame, traces in zip(frames, parsed)]
    redraw = {"frame": {"duration": 0, "redraw": True}, "mode": "immediate", "transition": {"duration": 0}}
    slider = {"active": 0, "currentvalue": {"prefix": f"{slider_label} = "}, "pad": {"t": 40},
              "steps": [{"method": "animate", "label": str(f["label"]), "args": [[str(f["label"])], redraw]}
                        for f in frames]}
    layout = {"title": {"text": frames[0]["title"], "font": {"size": 14}}, "sliders": [slider], "height": height,
              "paper_bgcolor": "white", "plot_bgcolor": "white",
              "margin": {"l": 50, "r": 20, "t": 100 if panel_titles else 70, "b": 20},
              # 2-D: the legend beside the panels, where the slider below cannot cover it
              "legend": {"orientation": "h", "y": -0.05} if three_d else {"x": 1.02, "y": 1}}
    if play:
        layout["updatemenus"] = [{"type": "buttons", "showactive": False, "x": 0, "y": 0, "xanchor": "right",
                                  "yanchor": "top", "pad": {"t": 45, "r": 10},
                                  "buttons": [{"label": "▶ play", "method": "animate",
                                               "args": [None, {"frame": {"duration": 600, "redraw": True},
                                                               "fromcurrent": True, "transition": {"duration": 0}}]}]}]
    if three_d:
        axis = {"range": [-1.05, 1.05], "showbackground": False, "title": {"text": ""}, "showticklabels": False}
        layout["scene"] = {"xaxis": axis, "yaxis": axis, "zaxis": axis, "aspectmode": "cube",
                           "camera": {"eye": {"x": 1.4, "y": 1.4, "z": 0.9}}}
    else:
        gap = 0.1
        width = (1 - gap * (n_panels - 1)) / n_panels
        annotations = []
        for p in range(n_panels):
            suffix = "" if p == 0 else str(p + 1)
            ranges = (fixed_ranges[p] if fixed_ranges and fixed_ranges[p] is not None else
                      (_limits(parsed, still, p, "x", False), _limits(parsed, still, p, "y", False)))
            start = p * (width + gap)
            layout[f"xaxis{suffix}"] = {"domain": [start, start + width], "range": list(ranges[0]),
                                        "title": {"text": axis_titles[p][0]}, "anchor": f"y{suffix}",
                                        "gridcolor": "#e5e5e5", "zeroline": False}
            layout[f"yaxis{suffix}"] = {"range": list(ranges[1]), "title": {"text": axis_titles[p][1]},
                                        "anchor": f"x{suffix}", "gridcolor": "#e5e5e5", "zeroline": False}
            if panel_titles:
                annotations.append({"text": f"<b>{panel_titles[p]}</b>", "x": start + width / 2, "y": 1.0,
                                    "xref": "paper", "yref": "paper", "showarrow": False, "yanchor": "bottom"})
        layout["annotations"] = annotations
    spec = {"data": data, "layout": layout, "frames": plotly_frames,
            "config": {"responsive": True, "displaylogo": False}}
    png = _static_png(still + parsed[static_frame], frames[static_frame]["title"], three_d, n_panels,
                      panel_titles, axis_titles, layout)
    return InteractiveFigure(spec, png, alt.strip(), height)


def _static_png(traces: list, title: str, three_d: bool, n_panels: int, panel_titles, axis_titles,
                layout: dict) -> bytes:
    """The frame drawn with matplotlib (for print and for viewers without JavaScript)."""
    import re
    import textwrap

    import matplotlib.pyplot as plt

    markers = {"circle": "o", "x": "x", "diamond": "D", "square": "s", "cross": "+"}
    if three_d:
        fig = plt.figure(figsize=(6, 6), layout="constrained")
        axes = [fig.add_subplot(projection="3d")]
        axes[0].view_init(elev=25, azim=45)
    else:
        fig, axes = plt.subplots(1, n_panels, figsize=(5.5 * n_panels, 4.5), squeeze=False, layout="constrained")
        axes = list(axes[0])
    for t in traces:
        ax = axes[t.panel]
        coords = [t.x, t.y] + ([t.z] if three_d else [])
        label = t.name if t.legend else None
        if "lines" in t.mode:
            color = t.color if isinstance(t.color, str) else "#333333"
            ax.plot(*coords, color=color, linewidth=t.width / 2, label=label if t.mode == "lines" else None)
        if "markers" in t.mode:
            symbol = t.symbol if isinstance(t.symbol, str) else "circle"
            ax.scatter(*coords, c=t.color, s=t.size ** 2 / 2, marker=markers.get(symbol, "o"), label=label)
    for p, ax in enumerate(axes):
        if three_d:
            ax.set(xlim=(-1, 1), ylim=(-1, 1), zlim=(-1, 1), xticklabels=[], yticklabels=[], zticklabels=[])
        else:
            suffix = "" if p == 0 else str(p + 1)
            ax.set(xlim=layout[f"xaxis{suffix}"]["range"], ylim=layout[f"yaxis{suffix}"]["range"],
                   xlabel=axis_titles[p][0], ylabel=axis_titles[p][1])
            if panel_titles:
                ax.set_title(panel_titles[p], fontsize=10)
    handles, labels = [], []
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncol=min(4, len(handles)), fontsize=9,
                   frameon=False)
    lines = re.sub(r"<[^>]+>", "\n", title).split("\n")
    wrapped = "\n".join(textwrap.fill(line, width=int(22 * fig.get_figwidth())) for line in lines if line)
    fig.suptitle(wrapped, fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=STATIC_DPI, facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


# --- the book's interactive figures: each takes numbers its chapter computed ---------------------

_MODALITY = ("#0173B2", "#DE8F05")  # plots.MODALITY_COLORS: images blue, captions orange
_GROUP_COLORS = ("#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4", "#949494",
                 "#ECE133", "#56B4E9")


def _xyz(points, name: str, **style) -> dict:
    points = np.asarray(points, dtype=float)
    return {"name": name, "x": points[:, 0], "y": points[:, 1], "z": points[:, 2], **style}


def _by_group(points, groups, order: list, colours: dict, prefix: str = "", **style) -> list:
    """One trace per group (its colour, its legend entry), the points of each group in its trace."""
    points, groups = np.asarray(points, dtype=float), np.asarray(groups)
    return [{"name": f"{prefix}{g}", "x": points[groups == g, 0], "y": points[groups == g, 1], "color": colours[g], **style}
            for g in order]


def cones_figure(cones: dict, names=("tower A", "tower B")) -> InteractiveFigure:
    """Chapter 1: two random towers' cones on the sphere, a slider over depth (rotatable).

    ``cones`` is :func:`gapnotes.cone.cones_in_3d`'s result (two seeds); the title gives the
    mean cosine of each tower in its full width and as drawn, and the cosine between the towers'
    centres.
    """
    seeds = list(cones["points"])
    if len(seeds) != 2 or len(names) != 2:
        raise ValueError("cones must hold two towers (cone.cones_in_3d with two seeds), names two names")
    frames = []
    for layer in cones["layers"]:
        a, b = (cones["mean_cosine"][s][layer] for s in seeds)
        shown = np.mean([cones["shown_cosine"][s][layer] for s in seeds])
        title = (f"layer {layer}: mean cosine {a:.2f} and {b:.2f} (as drawn in 3-D: {shown:.2f}); "
                 f"cosine between the centres {cones['centre_cosine'][layer]:.2f}")
        traces = [_xyz(cones["points"][s][layer], n, color=c, size=3)
                  for s, n, c in zip(seeds, names, _MODALITY)]
        frames.append({"label": str(layer), "title": title, "traces": traces})
    return slider_figure(frames, slider_label="layer", three_d=True, background=sphere_wireframe(),
                         static_frame=len(frames) - 1, height=600,
                         alt="Two random towers' outputs on a sphere: spread out at layer 0, "
                             "each in its own narrow cone after ten layers.")


def sphere_toy_figure(paths: dict, swap: bool = True) -> InteractiveFigure:
    """Chapter 2: the sphere toy's captions descending the loss, a slider over τ.

    ``paths`` maps τ to :func:`gapnotes.simulate.sphere_toy_descent`'s offsets (degrees). The
    images stay on the equator; each caption's path is drawn, its end marked.
    """
    from .metrics import modality_gap
    from .plots import tau_label
    from .simulate import sphere_toy_points

    if not paths:
        raise ValueError("paths must map at least one temperature to a descent path")
    images, _ = sphere_toy_points(0.0, swap=swap)
    frames = []
    for tau, path in paths.items():
        path = np.asarray(path, dtype=float)
        along = [sphere_toy_points(d, swap=swap)[1] for d in path]  # (steps, 6, 3)
        end = along[-1]
        traces = []
        for k in range(len(images)):
            trail = np.array([texts[k] for texts in along])
            traces.append(_xyz(trail, "caption paths", mode="lines", color="#DE8F05", width=3, legend=k == 0))
        traces.append(_xyz(end, "captions (end)", color="#DE8F05", size=6))
        title = (f"τ = {tau_label(tau)}: Δθ {path[0]:.0f}° → {path[-1]:.1f}° in {len(path) - 1} steps, "
                 f"gap {modality_gap(images, end):.2f}")
        frames.append({"label": tau_label(tau), "title": title, "traces": traces})
    background = sphere_wireframe() + [_xyz(images, "images", color="#0173B2", size=6)]
    return slider_figure(frames, slider_label="τ", three_d=True, background=background, height=600,
                         alt="The sphere toy: at small τ the captions move away from the images' "
                             "equator, at large τ onto it.")


def landscape_figure(landscape) -> InteractiveFigure:
    """Chapter 2: the loss against the gap after a shift, a slider over τ.

    ``landscape``: :func:`gapnotes.simulate.shift_loss_landscape`'s DataFrame with a ``model``
    column (one curve per model); the curves show the loss minus its minimum at each τ.
    """
    from .plots import tau_label

    missing = {"model", "temperature", "signed_gap", "loss"} - set(landscape.columns)
    if missing:
        raise ValueError(f"landscape lacks the columns {sorted(missing)}")
    models = list(dict.fromkeys(landscape["model"]))
    frames, high = [], 0.0
    for tau, at in landscape.groupby("temperature", sort=True):
        traces, minima = [], []
        for k, model in enumerate(models):
            curve = at[at["model"] == model].sort_values("signed_gap")
            loss = curve["loss"].to_numpy() - curve["loss"].min()
            high = max(high, float(loss.max()))
            best = curve.iloc[int(np.argmin(loss))]
            minima.append(f"{model} {best['signed_gap']:+.2f}")
            traces.append({"name": model, "x": curve["signed_gap"], "y": loss, "mode": "lines+markers",
                           "color": _GROUP_COLORS[k % len(_GROUP_COLORS)], "size": 4})
        frames.append({"label": tau_label(tau), "title": f"τ = {tau_label(tau)}: lowest loss at gap "
                       + ", ".join(minima), "traces": traces})
    return slider_figure(frames, slider_label="τ",
                         axis_titles=(("gap after the shift, signed", "loss − its minimum (nats)"),),
                         alt="Loss against the shifted gap: at small τ the minimum sits near the model's "
                             "own gap, at τ = 1 it is flat.")


def shift_figure(x, y, sweep, groups, n_show: int = 200, seed: int = 0) -> InteractiveFigure:
    """Chapter 3: paired embeddings shifted along the gap, a slider over λ, metrics beside.

    ``sweep``: :func:`gapnotes.tasks.shift_sweep`'s DataFrame of ``x`` and ``y`` (columns
    ``lam``, ``gap``, ``r1_x2y``, ``v_measure``); ``groups``: each pair's group (colour of its
    points). The picture shows ``n_show`` pairs (drawn with ``seed``) on the two principal axes of
    the unshifted pooled points; the numbers are the sweep's, on every pair.
    """
    from sklearn.decomposition import PCA

    from ._validation import as_embeddings, as_labels, check_same_rows
    from .geometry import normalize, shift_along_gap

    x, y = as_embeddings(x, "x"), as_embeddings(y, "y")
    check_same_rows(x, y, "x", "y")
    groups = as_labels(groups, "groups", len(x), "x")
    missing = {"lam", "gap", "r1_x2y", "v_measure"} - set(sweep.columns)
    if missing:
        raise ValueError(f"sweep lacks the columns {sorted(missing)} (shift_sweep with labels)")
    shown = np.sort(np.random.default_rng(seed).choice(len(x), size=min(n_show, len(x)), replace=False))
    pca = PCA(n_components=2, random_state=0).fit(np.vstack([normalize(x), normalize(y)]))
    order = list(np.unique(groups))
    colours = {g: _GROUP_COLORS[i % len(_GROUP_COLORS)] for i, g in enumerate(order)}
    lams = sweep["lam"].to_numpy()
    curves = [{"name": "Recall@1 image→text", "x": lams, "y": sweep["r1_x2y"], "mode": "lines",
               "color": "#0173B2", "panel": 1},
              {"name": "V-measure", "x": lams, "y": sweep["v_measure"], "mode": "lines", "color": "#029E73",
               "panel": 1}]
    frames = []
    for _, row in sweep.iterrows():
        sx, sy = shift_along_gap(x, y, float(row["lam"]))  # every pair moves, as in the sweep
        images, texts = pca.transform(sx[shown]), pca.transform(sy[shown])
        traces = (_by_group(images, groups[shown], order, colours, "group ", size=6)
                  + _by_group(texts, groups[shown], order, colours, "group ", size=6, symbol="x", legend=False)
                  + [{"name": "at this λ", "x": [row["lam"]] * 2, "y": [row["r1_x2y"], row["v_measure"]],
                   "color": "#333333", "size": 9, "panel": 1, "legend": False}])
        frames.append({"label": f"{row['lam']:.2f}", "title":
                       f"λ = {row['lam']:.2f}: gap {row['gap']:.2f}, Recall@1 {row['r1_x2y']:.3f}, "
                       f"V-measure {row['v_measure']:.3f}", "traces": traces})
    return slider_figure(frames, slider_label="λ", background=curves,
                         panel_titles=("the pairs (two principal axes)", "retrieval and clustering"),
                         axis_titles=(("PC 1", "PC 2"), ("λ", "score")),
                         alt="Embeddings shifted along the gap: the two clouds meet as λ grows, "
                             "Recall@1 and V-measure drawn beside.")


def training_figure(snapshots: dict) -> InteractiveFigure:
    """Chapter 4: two runs side by side during training, a step slider and a play button.

    ``snapshots``: :func:`gapnotes.dynamics.training_snapshots`'s result for two runs with the
    same checkpoints. Points are coloured by shape; images are dots, captions crosses; the axes
    are the run's own (its gap direction at step 0, and the main direction across it).
    """
    names = list(snapshots)
    if len(names) != 2:
        raise ValueError(f"snapshots must hold two runs, got {len(names)}")
    steps = snapshots[names[0]]["step"]
    if snapshots[names[1]]["step"] != steps:
        raise ValueError("both runs must have the same checkpoints")
    shapes = np.asarray(snapshots[names[0]]["shape"])
    order = sorted(set(shapes.tolist()))
    colours = {g: _GROUP_COLORS[i % len(_GROUP_COLORS)] for i, g in enumerate(order)}
    ranges = []
    for name in names:
        points = np.vstack(snapshots[name]["images"] + snapshots[name]["texts"])
        low, high = points.min(axis=0), points.max(axis=0)
        pad = 0.05 * (high - low)
        ranges.append(((low[0] - pad[0], high[0] + pad[0]), (low[1] - pad[1], high[1] + pad[1])))
    frames = []
    for i, step in enumerate(steps):
        traces, parts = [], []
        for p, name in enumerate(names):
            run = snapshots[name]
            images, texts = run["images"][i], run["texts"][i]
            traces += (_by_group(images, shapes, order, colours, size=5, panel=p, legend=p == 0)
                       + _by_group(texts, shapes, order, colours, size=5, symbol="x", panel=p, legend=False))
            parts.append(f"{name}: gap {run['gap'][i]:.2f}, V {run['v_measure'][i]:.2f}")
        frames.append({"label": str(step), "title": f"step {step}<br>" + " · ".join(parts), "traces": traces})
    return slider_figure(frames, slider_label="step", panel_titles=names, play=True,
                         axis_titles=(("along the gap at step 0", "main axis across it"),) * 2,
                         fixed_ranges=ranges,
                         static_frame=len(frames) - 1,
                         alt=f"{names[0]} and {names[1]} during training: points coloured by shape, "
                             "images dots and captions crosses.")
