"""The local backend: sessions as runc containers on this host, with their network, ids, disks and mounts."""
