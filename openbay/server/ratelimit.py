"""Per-key token buckets: a burst, then a steady rate."""
import time


class RateLimiter:
    def __init__(self, per_second: float, burst: int):
        self.rate, self.burst = per_second, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def check(self, key: str) -> float:
        """0 when allowed; otherwise the seconds to wait before trying again."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate
        self._buckets[key] = (tokens - 1, now)
        return 0.0


class AuthThrottle:
    """Failed sign-ins and bad API keys: after a small burst of failures from one client
    address, or against one key prefix (the first characters of the key tried), every attempt
    from there waits (429 with Retry-After), right or wrong, until the bucket refills. Only
    failures take from the buckets, so a client that signs in right is never slowed."""

    PREFIX_CHARS = 11  # "ob_" and 8 more: enough to tell keys apart, too little to matter if logged

    def __init__(self, burst: int = 10, per_minute: float = 6.0):
        self._limiter = RateLimiter(per_minute / 60.0, burst)
        self.burst = burst

    def _keys(self, client: str, secret: str) -> list[str]:
        keys = [f"addr:{client}"] if client else []
        return keys + ([f"key:{secret[:self.PREFIX_CHARS]}"] if secret else [])

    def wait(self, client: str, secret: str = "") -> float:
        """Seconds to wait before this client may try (this key) again; 0: go ahead."""
        now = time.monotonic()
        waits = []
        for key in self._keys(client, secret):
            tokens, last = self._limiter._buckets.get(key, (float(self.burst), now))
            tokens = min(self.burst, tokens + (now - last) * self._limiter.rate)
            if tokens < 1:
                waits.append((1 - tokens) / self._limiter.rate)
        return max(waits, default=0.0)

    def failed(self, client: str, secret: str = "") -> None:
        for key in self._keys(client, secret):
            self._limiter.check(key)
        if len(self._limiter._buckets) > 100_000:  # a flood of addresses: forget the oldest half
            for key in list(self._limiter._buckets)[:50_000]:
                del self._limiter._buckets[key]
