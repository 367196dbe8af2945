"""Android devices over adb, and their UI trees (uiautomator)."""
