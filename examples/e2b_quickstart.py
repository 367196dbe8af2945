"""A program written for E2B, as E2B's documentation writes one: it runs against OpenBay as it is.

    export E2B_API_KEY=ob_...                      # an OpenBay key
    export E2B_API_URL=http://127.0.0.1:8730       # the OpenBay server
    export E2B_SANDBOX_URL=http://127.0.0.1:8730
    python examples/e2b_quickstart.py
"""
from e2b_code_interpreter import CommandExitException, Sandbox, SandboxQuery

with Sandbox.create(metadata={"example": "quickstart"}, timeout=300) as sandbox:
    # files
    sandbox.files.write("/home/user/data.csv", "day,visits\nmon,12\ntue,30\nwed,21\n")
    print("files:", [entry.name for entry in sandbox.files.list("/home/user") if entry.name.endswith(".csv")])

    # commands, streamed
    result = sandbox.commands.run("wc -l < /home/user/data.csv", on_stdout=lambda line: print("wc:", line.strip()))
    try:
        sandbox.commands.run("grep thu /home/user/data.csv")
    except CommandExitException as e:
        print("grep exit code:", e.exit_code)

    # code, with a chart
    execution = sandbox.run_code(
        "import csv, matplotlib.pyplot as plt\n"
        "rows = list(csv.DictReader(open('/home/user/data.csv')))\n"
        "plt.bar([r['day'] for r in rows], [int(r['visits']) for r in rows], label='visits')\n"
        "plt.title('Visits')\n"
        "plt.show()\n"
        "sum(int(r['visits']) for r in rows)")
    print("total visits:", execution.text)
    chart = next(r.chart for r in execution.results if r.chart)
    print("chart:", chart.type.value, chart.title, [(bar.label, bar.value) for bar in chart.elements])

    # a background process and the list of sandboxes
    server = sandbox.commands.run("python3 -m http.server 8080", background=True)
    print("background pid listed:", server.pid in [p.pid for p in sandbox.commands.list()])
    server.kill()
    listed = Sandbox.list(query=SandboxQuery(metadata={"example": "quickstart"})).next_items()
    print("sandboxes with the metadata:", [info.sandbox_id for info in listed] == [sandbox.sandbox_id])
