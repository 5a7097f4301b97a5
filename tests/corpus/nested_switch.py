"""A switch whose case is another switch (Metaflow >= 2.18), conditions from artifacts."""

from metaflow import FlowSpec, Parameter, step


class TriageFlow(FlowSpec):
    """Route a ticket by severity, then by team."""

    severity = Parameter("severity", default="high")
    team = Parameter("team", default="data")

    @step
    def start(self):
        self.level = "urgent" if self.severity == "high" else "normal"
        self.next({"urgent": self.urgent, "normal": self.queue}, condition="level")

    @step
    def urgent(self):
        self.owner = self.team
        self.next({"data": self.page_data, "infra": self.page_infra}, condition="owner")

    @step
    def page_data(self):
        self.action = "paged data on-call"
        self.next(self.end)

    @step
    def page_infra(self):
        self.action = "paged infra on-call"
        self.next(self.end)

    @step
    def queue(self):
        self.action = "queued"
        self.next(self.end)

    @step
    def end(self):
        print("action:", self.action)


if __name__ == "__main__":
    TriageFlow()
