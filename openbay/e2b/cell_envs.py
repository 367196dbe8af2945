"""`run_code(envs=...)` and a context's `cwd`: the environment and working directory of one
execution in a kernel that lives on. A hidden cell before the user's sets them and keeps what
they were; one after puts that back (kept in a module of its own, or a global the user's code
does not name)."""
from __future__ import annotations

import json

_PYTHON_SET = (
    "def __openbay_e2b_envs(given, cwd):\n"
    "    import os, sys, types\n"
    "    kept = sys.modules.setdefault('_openbay_e2b_envs', types.ModuleType('_openbay_e2b_envs'))\n"
    "    kept.saved, kept.cwd = {k: os.environ.get(k) for k in given}, os.getcwd()\n"
    "    os.environ.update(given)\n"
    "    if cwd:\n"
    "        os.chdir(cwd)\n"
    "__openbay_e2b_envs({envs}, {cwd})\n"
    "del __openbay_e2b_envs\n")
_PYTHON_RESTORE = (
    "def __openbay_e2b_envs():\n"
    "    import os, sys\n"
    "    kept = sys.modules['_openbay_e2b_envs']\n"
    "    for k, v in kept.saved.items():\n"
    "        if v is None:\n"
    "            os.environ.pop(k, None)\n"
    "        else:\n"
    "            os.environ[k] = v\n"
    "    os.chdir(kept.cwd)\n"
    "__openbay_e2b_envs()\n"
    "del __openbay_e2b_envs\n")
_JS_SET = ("globalThis.__openbayE2bEnvs = [Object.fromEntries(Object.keys({envs}).map(k => [k, process.env[k]])),"
           " process.cwd()]; Object.assign(process.env, {envs}); if ({cwd}) process.chdir({cwd}); undefined")
_JS_RESTORE = ("for (const [k, v] of Object.entries(globalThis.__openbayE2bEnvs[0])) {"
               " if (v === undefined) delete process.env[k]; else process.env[k] = v; }"
               " process.chdir(globalThis.__openbayE2bEnvs[1]); delete globalThis.__openbayE2bEnvs; undefined")


# R keeps what it saved in an option (not a variable the user's ls() would show); the JSON
# arrives as an R string literal (json.dumps of the JSON: its escapes are R's too)
_R_SET = ("local({ given <- jsonlite::fromJSON({envs}); cwd <- {cwd}; "
          "saved <- if (length(given)) Sys.getenv(names(given), unset = NA, names = TRUE) else character(); "
          "options(openbay.e2b = list(saved = saved, cwd = getwd())); "
          "if (length(given)) do.call(Sys.setenv, given); if (nzchar(cwd)) setwd(cwd); invisible() })")
_R_RESTORE = ("local({ kept <- getOption('openbay.e2b'); for (k in names(kept$saved)) "
              "if (is.na(kept$saved[[k]])) Sys.unsetenv(k) "
              "else do.call(Sys.setenv, stats::setNames(list(kept$saved[[k]]), k)); "
              "setwd(kept$cwd); options(openbay.e2b = NULL); invisible() })")
# a JVM's environment cannot change once it runs, nor can its working folder
UNSUPPORTED = {"java": "Java's kernel takes no env_vars and no context cwd (a running JVM cannot change them)"}


def valid(envs) -> bool:
    return isinstance(envs, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in envs.items())


def cells(language: str, envs: dict[str, str], cwd: str = "") -> tuple[str, str]:
    """The hidden cells that set `envs` and `cwd` and put back what was there. JSON is a literal
    of Python and JavaScript (strings, an object of strings), so the values go in as they are,
    escaped; a JSON string is an R string literal too."""
    envs_literal, cwd_literal = json.dumps(envs), json.dumps(cwd)
    if language == "python":
        return _PYTHON_SET.replace("{envs}", envs_literal).replace("{cwd}", cwd_literal), _PYTHON_RESTORE
    if language == "r":
        return (_R_SET.replace("{envs}", json.dumps(envs_literal)).replace("{cwd}", cwd_literal), _R_RESTORE)
    return _JS_SET.replace("{envs}", envs_literal).replace("{cwd}", cwd_literal), _JS_RESTORE
