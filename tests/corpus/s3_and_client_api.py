"""Steps that read an upstream flow's latest run with the Client API and write with S3,
as downstream reporting flows do."""

from metaflow import S3, Flow, FlowSpec, step, trigger_on_finish


@trigger_on_finish(flow="GenreStatsFlow")
class UpstreamReaderFlow(FlowSpec):
    """Copy the upstream flow's stats to a report bucket."""

    @step
    def start(self):
        run = Flow("GenreStatsFlow").latest_successful_run
        self.stats = run.data.stats
        self.next(self.end)

    @step
    def end(self):
        with S3(s3root="s3://corpus-reports/genres/") as s3:
            s3.put("stats.txt", repr(self.stats))


if __name__ == "__main__":
    UpstreamReaderFlow()
