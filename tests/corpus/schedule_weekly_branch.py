"""A weekly job deployed on a named @project branch."""

from metaflow import FlowSpec, project, schedule, step


@schedule(weekly=True)
@project(name="corpus_reporting", branch="staging")
class WeeklyDigestFlow(FlowSpec):
    """Summarise the week."""

    @step
    def start(self):
        self.days = 7
        self.next(self.end)

    @step
    def end(self):
        print("digest over", self.days, "days")


if __name__ == "__main__":
    WeeklyDigestFlow()
