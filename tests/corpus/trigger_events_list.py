"""@trigger on several events (all must arrive) and the bare string form."""

from metaflow import FlowSpec, Parameter, step, trigger


@trigger(events=["features_ready", "labels_ready"])
class WaitForInputsFlow(FlowSpec):
    """Train once features and labels are both ready."""

    version = Parameter("version", default="v1")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        print("training", self.version)


if __name__ == "__main__":
    WaitForInputsFlow()
