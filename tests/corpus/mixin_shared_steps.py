"""Steps shared through a plain mixin class: the project's common reporting tail."""

from metaflow import FlowSpec, JSONType, Parameter, step


class ReportingSteps:
    """The last two steps of every flow in the project (no FlowSpec base)."""

    @step
    def report(self):
        self.summary = f"{len(self.rows)} rows, lr={self.hparams['lr']}, layers={self.hparams['layers']}"
        self.next(self.end)

    @step
    def end(self):
        print("summary:", self.summary, "tags:", self.labels)


class SharedTailFlow(FlowSpec, ReportingSteps):
    """Produce rows, then hand over to the shared tail."""

    hparams = Parameter("hparams", type=JSONType, default={"lr": 0.1, "layers": [64, 32]})
    labels = Parameter("labels", type=JSONType, default=["nightly", "eu"])

    @step
    def start(self):
        self.rows = [1, 2, 3]
        self.next(self.report)


if __name__ == "__main__":
    SharedTailFlow()
