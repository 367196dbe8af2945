"""Every desktop op, for envd's handler table (see desktop.py for the desktop itself)."""
import desktop
import desktop_apps
import desktop_input
import desktop_windows
import vnc

HANDLERS = {**desktop_input.HANDLERS, **desktop_windows.HANDLERS, **desktop_apps.HANDLERS,
            **vnc.HANDLERS}
autostart = desktop.autostart
