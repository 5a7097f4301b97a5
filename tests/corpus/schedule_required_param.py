"""A scheduled flow with a required parameter and no default: no scheduled run can
supply it, so every target must refuse it at compile time (as Metaflow's deployers do)."""

from metaflow import FlowSpec, Parameter, schedule, step


@schedule(daily=True)
class NightlyExportFlow(FlowSpec):
    """Export yesterday's table to the bucket given at run time."""

    bucket = Parameter("bucket", required=True, help="Where to export")

    @step
    def start(self):
        self.target = f"s3://{self.bucket}/exports/"
        self.next(self.end)

    @step
    def end(self):
        print("exported to", self.target)


if __name__ == "__main__":
    NightlyExportFlow()
