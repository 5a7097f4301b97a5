"""Cross-validate a moving-average forecaster over regions and folds (nested foreach)."""

from flowc import FlowSpec, Parameter, retry, step


class NestedForeachFlow(FlowSpec):
    """For each region, for each fold: fit and score; then aggregate twice."""

    folds = Parameter("folds", default=3, help="Number of folds per region.")

    @step
    def start(self):
        self.regions = ["north", "south"]
        self.next(self.prepare, foreach="regions")

    @step
    def prepare(self):
        self.region = self.input
        base = 10 if self.region == "north" else 20
        self.series = [base + (i % 5) for i in range(20)]
        self.fold_ids = list(range(self.folds))
        self.next(self.evaluate, foreach="fold_ids")

    @retry(times=1)
    @step
    def evaluate(self):
        fold = self.input
        window = 2 + fold
        history, actual = self.series[:-1], self.series[-1]
        forecast = sum(history[-window:]) / window
        self.error = abs(forecast - actual)
        self.next(self.region_summary)

    @step
    def region_summary(self, inputs):
        self.region = inputs[0].region
        self.mean_error = sum(i.error for i in inputs) / len(inputs)
        self.next(self.overall)

    @step
    def overall(self, inputs):
        self.errors = {i.region: i.mean_error for i in inputs}
        self.next(self.end)

    @step
    def end(self):
        print(self.errors)


if __name__ == "__main__":
    NestedForeachFlow()
