"""The Kubernetes backend: sessions as pods, and the objects it creates."""
