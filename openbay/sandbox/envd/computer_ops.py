"""Every computer op, for envd's handler table (see computer.py for the screen itself). The ops keep
their wire names (`desktop_input`, `desktop_windows`, ...): envd's commands do not change."""
import computer
import computer_apps
import computer_input
import computer_windows
import vnc

HANDLERS = {**computer_input.HANDLERS, **computer_windows.HANDLERS, **computer_apps.HANDLERS,
            **vnc.HANDLERS}
autostart = computer.autostart
