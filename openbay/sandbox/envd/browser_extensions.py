"""Chromium extensions from a folder of the session: .zip files (as AgentBay's extension
service uploads them) unpacked under /tmp, and folders that hold a manifest.json.
Standard library only (runs inside the sandbox; the files are the session's own)."""
import os
import shutil
import zipfile

UNPACKED = "/tmp/openbay-extensions"
# Chromium 137 and later honour --load-extension only with this feature off
SWITCH_FEATURE = "DisableLoadExtensionCommandLineSwitch"


def _root_of(folder: str) -> str | None:
    """The folder with the manifest: the unpacked folder itself, or its one top folder."""
    if os.path.isfile(os.path.join(folder, "manifest.json")):
        return folder
    inner = [os.path.join(folder, n) for n in os.listdir(folder)]
    inner = [p for p in inner if os.path.isdir(p)]
    if len(inner) == 1 and os.path.isfile(os.path.join(inner[0], "manifest.json")):
        return inner[0]
    return None


def extension_folders(directory: str) -> list[str]:
    """The unpacked extensions of `directory`, sorted by name; [] when it has none."""
    if not directory or not os.path.isdir(directory):
        return []
    found = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if os.path.isdir(path):
            root = _root_of(path)
        elif name.lower().endswith(".zip") and zipfile.is_zipfile(path):
            target = os.path.join(UNPACKED, name[:-4])
            shutil.rmtree(target, ignore_errors=True)
            os.makedirs(target)
            with zipfile.ZipFile(path) as z:
                z.extractall(target)  # zipfile keeps every name inside target
            root = _root_of(target)
        else:
            root = None
        if root is not None and "," not in root:  # Chromium's list is comma-separated
            found.append(root)
    return found


def extension_args(args: list[str], folders: list[str]) -> list[str]:
    """Chromium's argv loading `folders` (extensions on) instead of starting without any."""
    if not folders:
        return args
    out = [a for a in args if a != "--disable-extensions"]
    out = [f"{a},{SWITCH_FEATURE}" if a.startswith("--disable-features=") else a for a in out]
    listed = ",".join(folders)
    return [*out, f"--load-extension={listed}", f"--disable-extensions-except={listed}"]
