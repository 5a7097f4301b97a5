"""Clean a small sales table and fit a least-squares trend line."""

import statistics

from flowc import (
    FlowSpec,
    JSONType,
    Parameter,
    card,
    environment,
    resources,
    retry,
    step,
    timeout,
)


class LinearEtlFlow(FlowSpec):
    """Load daily sales, drop outliers, fit a trend and report it."""

    alpha = Parameter("alpha", default=0.5, type=float, help="Smoothing factor for the moving average.")
    days = Parameter("days", default=30, help="Days of history to generate.")
    region = Parameter("region", default="emea", help="Sales region label.")
    verbose = Parameter("verbose", default=False, type=bool, help="Print every cleaned row.")
    thresholds = Parameter(
        "thresholds", type=JSONType, default='{"low": 5, "high": 500}', help="Outlier bounds as JSON."
    )

    @card
    @step
    def start(self):
        """Generate a deterministic sales series."""
        self.sales = [100 + (day * 7) % 23 + (400 if day == 13 else 0) for day in range(self.days)]
        self.next(self.clean)

    @retry(times=2, minutes_between_retries=1)
    @environment(vars={"SALES_CURRENCY": "EUR"})
    @step
    def clean(self):
        """Drop values outside the configured bounds and smooth the rest."""
        low, high = self.thresholds["low"], self.thresholds["high"]
        kept = [v for v in self.sales if low <= v <= high]
        smoothed, level = [], kept[0]
        for value in kept:
            level = self.alpha * value + (1 - self.alpha) * level
            smoothed.append(round(level, 3))
        self.cleaned = smoothed
        if self.verbose:
            print(self.cleaned)
        self.next(self.fit)

    @resources(cpu=2, memory=4096)
    @timeout(minutes=10)
    @step
    def fit(self):
        """Fit y = a + b*x by ordinary least squares."""
        xs = list(range(len(self.cleaned)))
        slope, intercept = statistics.linear_regression(xs, self.cleaned)
        self.trend = {"slope": round(slope, 4), "intercept": round(intercept, 4)}
        self.next(self.end)

    @step
    def end(self):
        """Report the trend."""
        self.summary = f"{self.region}: slope {self.trend['slope']} per day"
        print(self.summary)


if __name__ == "__main__":
    LinearEtlFlow()
