"""Downstream flow started once two upstream flows have finished, inside a project."""

from metaflow import FlowSpec, project, step, trigger_on_finish


@project(name="corpus_lifecycle")
@trigger_on_finish(flows=["IngestOrdersFlow", "IngestUsersFlow"])
class JoinTablesFlow(FlowSpec):
    """Join the freshly ingested tables."""

    @step
    def start(self):
        self.tables = ["orders", "users"]
        self.next(self.end)

    @step
    def end(self):
        print("JoinTablesFlow done:", "+".join(self.tables))


if __name__ == "__main__":
    JoinTablesFlow()
