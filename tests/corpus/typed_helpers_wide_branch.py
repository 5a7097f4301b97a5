"""Typed step methods, static/class/plain helper methods and properties on the flow, nested helper
functions, a four-way static branch, and parameters written with keywords."""

import json

from metaflow import FlowSpec, JSONType, Parameter, step


class TypedHelpersFlow(FlowSpec):
    """Compute four summary statistics in parallel and combine them."""

    SCALE: float = 2.0

    values = Parameter(name="values", type=JSONType, default=json.dumps([4, 8, 15, 16, 23, 42]))
    budget = Parameter(name="budget", help="Seconds per step", default=60 * 5)

    @staticmethod
    def mean(numbers: list[float]) -> float:
        return sum(numbers) / len(numbers)

    @classmethod
    def label(cls) -> str:
        return cls.__name__.removesuffix("Flow").lower()

    def scaled(self, value: float) -> float:
        return value * self.SCALE

    @property
    def numbers(self) -> list[float]:
        return [float(v) for v in self.values]

    @step
    def start(self) -> None:
        """Fan out to four statistics."""
        self.next(
            self.stat_mean,
            self.stat_min,
            self.stat_max,
            self.stat_spread,  # trailing comma, comment
        )

    @step
    def stat_mean(self) -> None:
        self.stat = ("mean", self.scaled(self.mean(self.numbers)))
        self.next(self.combine)

    @step
    def stat_min(self) -> None:
        self.stat = ("min", min(self.numbers))
        self.next(self.combine)

    @step
    def stat_max(self) -> None:
        self.stat = ("max", max(self.numbers))
        self.next(self.combine)

    @step
    def stat_spread(self) -> None:
        def spread(numbers):
            centre = sum(numbers) / len(numbers)
            return max(abs(n - centre) for n in numbers)

        self.stat = ("spread", spread(self.numbers))
        self.next(self.combine)

    @step
    def combine(self, inputs) -> None:
        self.stats = dict(sorted(i.stat for i in inputs))
        self.next(self.end)

    @step
    def end(self) -> None:
        print(self.label(), "stats:", self.stats, "budget:", self.budget)


if __name__ == "__main__":
    TypedHelpersFlow()
