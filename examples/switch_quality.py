"""Route a batch by its data quality: retrain on good data, alert on bad."""

from flowc import FlowSpec, Parameter, step


class SwitchQualityFlow(FlowSpec):
    """A switch picks exactly one path; the paths meet again before the end."""

    missing_rate = Parameter("missing_rate", default=0.02, help="Share of missing values in the batch.")

    @step
    def start(self):
        self.batch = [None if i < int(100 * self.missing_rate) else i for i in range(100)]
        self.next(self.assess)

    @step
    def assess(self):
        missing = sum(v is None for v in self.batch) / len(self.batch)
        self.quality = "good" if missing < 0.05 else "bad"
        self.next({"good": self.retrain, "bad": self.alert}, condition="quality")

    @step
    def retrain(self):
        values = [v for v in self.batch if v is not None]
        self.model = {"mean": sum(values) / len(values)}
        self.action = "retrained"
        self.next(self.report)

    @step
    def alert(self):
        self.model = None
        self.action = "alerted data owners"
        self.next(self.report)

    @step
    def report(self):
        self.message = f"batch quality {self.quality}: {self.action}"
        self.next(self.end)

    @step
    def end(self):
        print(self.message)


if __name__ == "__main__":
    SwitchQualityFlow()
