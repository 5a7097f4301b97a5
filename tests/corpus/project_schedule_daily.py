"""A nightly job: @project namespacing and a daily schedule, parameters with defaults only."""

from metaflow import FlowSpec, Parameter, project, schedule, step


@project(name="corpus_reporting")
@schedule(daily=True)
class NightlyReportFlow(FlowSpec):
    """Aggregate yesterday's numbers."""

    num = Parameter("num", help="Give a number", default=1)

    @step
    def start(self):
        print("The number defined as a parameter is", self.num)
        self.doubled = self.num * 2
        self.next(self.end)

    @step
    def end(self):
        print("doubled:", self.doubled)


if __name__ == "__main__":
    NightlyReportFlow()
