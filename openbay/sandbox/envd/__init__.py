"""envd: the daemon that runs inside each sandbox and is the only door into it.

`daemon.py` and `wire.py` use the standard library only: they run under the
sandbox's own /usr/bin/python3, not the server's environment.
"""
