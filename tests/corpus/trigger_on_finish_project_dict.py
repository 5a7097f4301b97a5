"""@trigger_on_finish naming an upstream flow of a project branch with the dict form."""

from metaflow import FlowSpec, project, step, trigger_on_finish


@project(name="corpus_reporting")
@trigger_on_finish(flow={"name": "NightlyReportFlow", "project": "corpus_reporting", "project_branch": "prod"})
class AfterNightlyFlow(FlowSpec):
    """Publish after the production nightly report."""

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        print("published")


if __name__ == "__main__":
    AfterNightlyFlow()
