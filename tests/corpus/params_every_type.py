"""Parameters written the ways real flows write them: inferred types, explicit
types, flags, JSON, separators, required values, hyphenated names, None defaults."""

import json

from metaflow import FlowSpec, JSONType, Parameter, step


class ParamsEveryTypeFlow(FlowSpec):
    """Echo every parameter and derive a few values from them."""

    label = Parameter("label", help="A text label", default="baseline")
    epochs = Parameter("epochs", help="Inferred int", default=3)
    rate = Parameter("rate", help="Inferred float", default=0.25)
    verbose = Parameter("verbose", help="A boolean flag", default=False, type=bool)
    batch = Parameter("batch", help="Explicit int type", type=int, default=16)
    threshold = Parameter(
        "accuracy-threshold",
        help=(
            "Minimum accuracy needed to publish the model; "
            "runs below it stop before the publish step."
        ),
        default=0.7,
    )
    grid = Parameter(
        "grid",
        help="JSON search space",
        type=JSONType,
        default='{"depth": [2, 4], "lr": [0.1, 0.01]}',
    )
    regions = Parameter("regions", help="Comma separated regions", default="eu,us,apac", separator=",")
    owner = Parameter("owner", help="Who runs it", required=True)
    backfill_date = Parameter("backfill_date", help="Optional date override", default=None)

    @step
    def start(self):
        """Derive values from the parameters."""
        self.total = self.epochs * self.batch
        self.depths = list(self.grid["depth"])
        self.region_count = len(self.regions)
        self.publish = self.rate < 1 and self.threshold > 0.5
        if self.verbose:
            print(json.dumps(self.grid, sort_keys=True))
        self.next(self.end)

    @step
    def end(self):
        """Report."""
        print(
            f"{self.label} by {self.owner}: total={self.total} depths={self.depths} "
            f"regions={self.regions} backfill={self.backfill_date} publish={self.publish}"
        )


if __name__ == "__main__":
    ParamsEveryTypeFlow()
