"""A static branch inside one case of a switch; the other case skips to end
(the shape of Metaflow's test/core graph ``branch_in_switch``)."""

from metaflow import FlowSpec, Parameter, step


class RefreshOrSkipFlow(FlowSpec):
    """Refresh two feature tables in parallel, or skip when nothing changed."""

    changed = Parameter("changed", default=True, type=bool, help="Did the source data change?")

    @step
    def start(self):
        self.mode = "refresh" if self.changed else "skip"
        self.next({"refresh": self.refresh, "skip": self.skip}, condition="mode")

    @step
    def refresh(self):
        self.base = 10
        self.next(self.users, self.items)

    @step
    def users(self):
        self.rows = self.base * 3
        self.next(self.merge)

    @step
    def items(self):
        self.rows = self.base * 5
        self.next(self.merge)

    @step
    def merge(self, inputs):
        self.summary = "refreshed %d rows" % sum(i.rows for i in inputs)
        self.next(self.end)

    @step
    def skip(self):
        self.summary = "nothing to refresh"
        self.next(self.end)

    @step
    def end(self):
        print("outcome:", self.summary)


if __name__ == "__main__":
    RefreshOrSkipFlow()
