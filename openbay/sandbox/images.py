"""The image catalog: what each image id adds to the base sandbox."""
from dataclasses import dataclass


@dataclass(frozen=True)
class Image:
    image_id: str
    description: str
    # host /etc entries the image needs besides the base set
    extra_etc: tuple[str, ...] = ()
    shm_size: int = 64 * 1024 * 1024
    # environment every process of the sandbox gets (envd reads OPENBAY_DESKTOP to start X)
    env: tuple[tuple[str, str], ...] = ()
    # other host paths it sees read-only (the font cache: without it every Chromium
    # process scans all fonts at start, about a second per browser launch)
    extra_ro: tuple[str, ...] = ()


IMAGES: dict[str, Image] = {
    img.image_id: img for img in (
        Image("linux", "a Linux shell: Debian userland, bash, python3"),
        Image("code", "linux plus Python 3 (numpy, pandas, matplotlib) and Node.js",
              ("matplotlibrc",)),
        Image("browser", "linux plus Chromium, reachable over CDP", ("chromium", "chromium.d"),
              shm_size=512 * 1024 * 1024, extra_ro=("/var/cache/fontconfig",),
              env=(("OPENBAY_BROWSER_AUTOSTART", "1"),)),
        Image("computer", "a desktop: Xvfb, a window manager, terminal, editor, Chromium",
              ("chromium", "chromium.d", "X11", "xdg", "gtk-3.0"), shm_size=512 * 1024 * 1024,
              env=(("DISPLAY", ":1"), ("OPENBAY_DESKTOP", "1280x800x24"))),
        Image("mobile", "an Android device reached through adb"),
    )
}
