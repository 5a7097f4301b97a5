"""Publish a report whenever the tuning flow finishes."""

from flowc import FlowSpec, Parameter, card, step, trigger_on_finish


# The upstream has @project(name="iris"): name its project and branch, as a
# bare name would mean a ForeachTuningFlow without @project.
@trigger_on_finish(flow="iris.main.ForeachTuningFlow")
class TriggeredReportFlow(FlowSpec):
    """Runs after ForeachTuningFlow succeeds; a single-purpose downstream flow."""

    audience = Parameter("audience", default="ml-team", help="Who receives the report.")

    @step
    def start(self):
        self.lines = ["weights tuned", "accuracy recorded"]
        self.next(self.end)

    @card(type="default")
    @step
    def end(self):
        self.report = f"for {self.audience}: " + "; ".join(self.lines)
        print(self.report)


if __name__ == "__main__":
    TriggeredReportFlow()
