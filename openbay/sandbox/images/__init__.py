"""Images: the store of layers and manifests, the built-in recipes and their builds, OCI imports."""
