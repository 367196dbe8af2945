"""E2B's `chart` results: what a matplotlib figure shows (its type, title, axes, points, bars,
wedges) beside its PNG, as E2B's code interpreter gives it.

OpenBay's Python kernel draws every open figure after a cell and then calls
`plt.close("all")`. A hook installed once in the kernel (a module of its own, out of the
user's namespace) describes the figures at that moment; a hidden cell after the user's
takes the descriptions. They come from inside the sandbox: the server only checks they are
a bounded JSON list before handing them on.
"""
from __future__ import annotations

import json

MAX_CHARTS_JSON = 1024 * 1024

# runs inside the sandbox's kernel
_HOOK = r'''
import importlib.abc, importlib.util, json, sys

_taken = []


def _num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def _axis(ax, name):
    get = lambda what: getattr(ax, f"get_{name}{what}")()
    return {f"{name}_label": get("label") or None, f"{name}_unit": None, f"{name}_scale": get("scale"),
            f"{name}_ticks": [_num(t) for t in get("ticks")],
            f"{name}_tick_labels": [t.get_text() for t in get("ticklabels")]}


def _chart(ax):
    from matplotlib.collections import PathCollection
    from matplotlib.container import BarContainer
    from matplotlib.patches import Wedge
    base = {"title": ax.get_title() or None}
    wedges = [p for p in ax.patches if isinstance(p, Wedge)]
    if wedges:
        return {**base, "type": "pie", "elements": [
            {"label": w.get_label(), "angle": _num(w.theta2 - w.theta1), "radius": _num(w.r)} for w in wedges]}
    axes = {**_axis(ax, "x"), **_axis(ax, "y")}
    bars = [c for c in ax.containers if isinstance(c, BarContainer)]
    if bars:
        labels = [t.get_text() for t in ax.get_xticklabels()]
        elements = []
        for c in bars:
            for i, rect in enumerate(c.patches):
                label = labels[i] if len(labels) == len(c.patches) else str(_num(rect.get_x() + rect.get_width() / 2))
                elements.append({"label": label, "value": _num(rect.get_height()), "group": c.get_label()})
        return {**base, "type": "bar", "x_label": axes["x_label"], "y_label": axes["y_label"],
                "x_unit": None, "y_unit": None, "elements": elements}
    lines = ax.get_lines()
    scatters = [c for c in ax.collections if isinstance(c, PathCollection)]
    if lines or scatters:
        pairs = [(l.get_label(), zip(l.get_xdata(), l.get_ydata())) for l in lines] \
            or [(c.get_label(), c.get_offsets()) for c in scatters]
        elements = [{"label": label, "points": [[_num(x), _num(y)] for x, y in points]} for label, points in pairs]
        return {**base, **axes, "type": "line" if lines else "scatter", "elements": elements}
    return {**base, "type": "unknown", "elements": []}


def describe(fig):
    charts = [_chart(ax) for ax in fig.get_axes()]
    if len(charts) == 1:
        return charts[0]
    title = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else None
    return {"type": "superchart", "title": title, "elements": charts}


def _patch(plt):
    close = plt.close

    def closing(*args, **kwargs):
        if args == ("all",) and sys._getframe(1).f_code.co_filename.endswith("kernel_python.py"):
            for num in plt.get_fignums():
                try:
                    _taken.append(describe(plt.figure(num)))
                except Exception:
                    _taken.append(None)
        return close(*args, **kwargs)

    plt.close = closing


class _OnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "matplotlib.pyplot":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module

        def exec_module(module):
            run(module)
            _patch(module)

        spec.loader.exec_module = exec_module
        return spec


def install():
    if "matplotlib.pyplot" in sys.modules:
        _patch(sys.modules["matplotlib.pyplot"])
    else:
        sys.meta_path.insert(0, _OnImport())


def take():
    charts = list(_taken)
    _taken.clear()
    print(json.dumps(charts, default=str))
'''

INSTALL_CELL = (
    "def __openbay_e2b_charts():\n"
    "    import sys, types\n"
    "    if '_openbay_e2b_charts' not in sys.modules:\n"
    "        hook = types.ModuleType('_openbay_e2b_charts')\n"
    f"        exec({_HOOK!r}, hook.__dict__)\n"
    "        sys.modules['_openbay_e2b_charts'] = hook\n"
    "        hook.install()\n"
    "__openbay_e2b_charts()\n"
    "del __openbay_e2b_charts\n")
TAKE_CELL = "__import__('sys').modules['_openbay_e2b_charts'].take()"


def parse_charts(stdout: str) -> list | None:
    """The hidden cell's answer: a list of chart objects (or None per figure), else None."""
    if len(stdout) > MAX_CHARTS_JSON:
        return None
    try:
        charts = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(charts, list) or not all(c is None or isinstance(c, dict) for c in charts):
        return None
    return charts


def attach(results: list[dict], charts: list) -> None:
    """Each figure's chart onto its PNG result, in the order the kernel drew them."""
    figures = [r for r in results if r.get("png") and not r.get("is_main_result")]
    if len(figures) == len(charts):
        for result, chart in zip(figures, charts):
            if chart:
                result["chart"] = chart
