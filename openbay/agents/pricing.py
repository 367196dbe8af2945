"""What model calls cost: a price table per model, in US dollars per million tokens, that
the admin sets (OPENBAY_LLM_PRICES), e.g.

    {"qwen-plus": {"input": 0.4, "output": 1.2}, "*": {"input": 1, "output": 2}}

"*" prices every model not named; a model with no price costs 0 (and is counted in tokens).
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass


class BadPrices(ValueError):
    """OPENBAY_LLM_PRICES is not a table of prices."""


@dataclass(frozen=True)
class Price:
    input: float  # per million prompt tokens
    output: float  # per million completion tokens


class PriceTable:
    def __init__(self, prices: dict[str, Price] | None = None):
        self.prices = dict(prices or {})

    @classmethod
    def parse(cls, raw: str) -> PriceTable:
        if not raw.strip():
            return cls()
        try:
            table = json.loads(raw)
            if not isinstance(table, dict):
                raise TypeError
            return cls({str(model): Price(*(_rate(p[k]) for k in ("input", "output")))
                        for model, p in table.items()})
        except (ValueError, TypeError, KeyError):
            raise BadPrices('OPENBAY_LLM_PRICES must be JSON like {"model": {"input": 0.4, "output": 1.2}} '
                            "(US dollars per million tokens)") from None

    def cost(self, model: str, usage: dict) -> float:
        """The cost of `usage` (prompt_tokens, completion_tokens) on `model`, in US dollars."""
        price = self.prices.get(model) or self.prices.get("*")
        if price is None:
            return 0.0
        return round((usage.get("prompt_tokens", 0) * price.input
                      + usage.get("completion_tokens", 0) * price.output) / 1e6, 8)

    def priced(self, model: str, usage: dict) -> dict:
        """The usage with its cost_usd."""
        return {**usage, "cost_usd": self.cost(model, usage)}


def _rate(value) -> float:
    rate = float(value)
    if not math.isfinite(rate) or rate < 0:
        raise ValueError
    return rate
