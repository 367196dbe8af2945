"""`run_code(envs=...)`: environment variables for one execution in a kernel that lives on.
A hidden cell before the user's sets them and keeps what they were; one after puts that back
(kept in a module of its own or a global the user's code does not name)."""
from __future__ import annotations

import json

_PYTHON_SET = (
    "def __openbay_e2b_envs(given):\n"
    "    import os, sys, types\n"
    "    kept = sys.modules.setdefault('_openbay_e2b_envs', types.ModuleType('_openbay_e2b_envs'))\n"
    "    kept.saved = {k: os.environ.get(k) for k in given}\n"
    "    os.environ.update(given)\n"
    "__openbay_e2b_envs({envs})\n"
    "del __openbay_e2b_envs\n")
_PYTHON_RESTORE = (
    "def __openbay_e2b_envs():\n"
    "    import os, sys\n"
    "    for k, v in sys.modules['_openbay_e2b_envs'].saved.items():\n"
    "        if v is None:\n"
    "            os.environ.pop(k, None)\n"
    "        else:\n"
    "            os.environ[k] = v\n"
    "__openbay_e2b_envs()\n"
    "del __openbay_e2b_envs\n")
_JS_SET = ("globalThis.__openbayE2bEnvs = Object.fromEntries(Object.keys({envs}).map(k => [k, process.env[k]]));"
           " Object.assign(process.env, {envs}); undefined")
_JS_RESTORE = ("for (const [k, v] of Object.entries(globalThis.__openbayE2bEnvs || {})) {"
               " if (v === undefined) delete process.env[k]; else process.env[k] = v; }"
               " delete globalThis.__openbayE2bEnvs; undefined")


def valid(envs) -> bool:
    return isinstance(envs, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in envs.items())


def cells(language: str, envs: dict[str, str]) -> tuple[str, str]:
    """The hidden cells that set `envs` and put back what was there. JSON is a literal of both
    languages (an object of strings), so the values go in as they are, escaped."""
    literal = json.dumps(envs)
    if language == "python":
        return _PYTHON_SET.replace("{envs}", literal), _PYTHON_RESTORE
    return _JS_SET.replace("{envs}", literal), _JS_RESTORE
