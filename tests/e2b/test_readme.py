"""The examples of E2B's own READMEs (the e2b and e2b-code-interpreter packages), unchanged."""


def test_e2b_readme(capsys):
    from e2b import Sandbox

    with Sandbox.create() as sandbox:
        result = sandbox.commands.run('echo "Hello from E2B!"')
        print(result.stdout)  # Hello from E2B!

    assert capsys.readouterr().out == "Hello from E2B!\n\n"


def test_code_interpreter_readme(capsys):
    from e2b_code_interpreter import Sandbox

    with Sandbox.create() as sandbox:
        sandbox.run_code("x = 1")
        execution = sandbox.run_code("x+=1; x")
        print(execution.text)  # outputs 2

    assert capsys.readouterr().out == "2\n"


def test_e2b_client_with_explicit_configuration(e2b_server, monkeypatch):
    """E2B's client binding its own configuration, here the OpenBay server's URL and a key."""
    from e2b import E2B
    for name in ("E2B_API_KEY", "E2B_API_URL", "E2B_SANDBOX_URL"):
        monkeypatch.delenv(name)
    client = E2B(api_key=e2b_server.admin_key, api_url=e2b_server.base_url, sandbox_url=e2b_server.base_url)
    sandbox = client.Sandbox.create()
    try:
        assert sandbox.commands.run("echo bound").stdout == "bound\n"
    finally:
        sandbox.kill()
