"""The Python kernel: runs cells in one namespace, like a notebook.

Started by envd (code.py) with two pipe fds in OPENBAY_KERNEL_FDS: one line of
JSON per request in, one per reply out. The cell's own stdout and stderr are
the process's fds 1 and 2 (so subprocess output is caught as well), line-buffered,
and flushed before each reply, so envd has all of a cell's output once it has the reply.
"""
import ast
import base64
import io
import json
import linecache
import os
import sys
import traceback

_THIS_FILE = os.path.abspath(__file__)
MAX_TEXT = 1024 * 1024  # per text output; envd keeps the whole answer within one frame


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + "\n... (cut: over 1 MiB)"


def _describe_error(e: BaseException) -> dict:
    tb = e.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) == _THIS_FILE:
        tb = tb.tb_next  # the user's frames only
    return {"name": type(e).__name__, "value": str(e),
            "traceback": "".join(traceback.format_exception(type(e), e, tb))}


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _main_output(value) -> dict:
    out = {"text": _clip(repr(value)), "is_main_result": True}
    for attr, key in (("_repr_html_", "html"), ("_repr_png_", "png"), ("_repr_svg_", "svg"),
                      ("_repr_markdown_", "markdown")):
        method = getattr(value, attr, None)
        if callable(method):
            try:
                rendered = method()
            except Exception:
                continue
            if isinstance(rendered, bytes):
                rendered = base64.b64encode(rendered).decode()
            if isinstance(rendered, str):
                out[key] = rendered if key in ("png", "svg") else _clip(rendered)
    return out


def _figures() -> list:
    """Every open matplotlib figure as a PNG, then closed (as a notebook shows them)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    outputs = []
    for num in plt.get_fignums():
        fig = plt.figure(num)
        try:
            outputs.append({"text": repr(fig), "png": _png(fig), "is_main_result": False})
        except Exception as e:
            outputs.append({"text": f"figure {num} could not be drawn: {e}", "is_main_result": False})
    plt.close("all")
    return outputs


def run_cell(code: str, namespace: dict, number: int) -> dict:
    filename = f"<cell-{number}>"
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    results, error = [], None
    try:
        tree = ast.parse(code, filename, "exec")
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        exec(compile(tree, filename, "exec"), namespace)
        if last is not None:
            value = eval(compile(last, filename, "eval"), namespace)
            if value is not None:
                namespace["_"] = value
                results.append(_main_output(value))
    except BaseException as e:  # SystemExit and KeyboardInterrupt too: the kernel lives on
        error = _describe_error(e)
    try:
        results.extend(_figures())
    except Exception as e:
        error = error or _describe_error(e)
    return {"results": results, "error": error}


def main() -> None:
    request_fd, reply_fd = (int(x) for x in os.environ.pop("OPENBAY_KERNEL_FDS").split(","))
    requests = os.fdopen(request_fd, "rb")
    replies = os.fdopen(reply_fd, "wb", buffering=0)
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    sys.path[0] = os.getcwd()  # not envd's directory: its modules must not shadow the user's
    sys.stdout.reconfigure(line_buffering=True)  # a cell's prints reach a streamed run as printed
    replies.write(b'{"ready": true}\n')
    number = 0
    while True:
        try:
            line = requests.readline()
            if not line:
                return
            number += 1
            request = json.loads(line)
            reply = {"id": request.get("id"), **run_cell(request["code"], namespace, number)}
        except KeyboardInterrupt:  # an interrupt that came between cells
            continue
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        replies.write((json.dumps(reply, default=str) + "\n").encode())


if __name__ == "__main__":
    main()
