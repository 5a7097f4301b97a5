# expect: FLC114 line 7
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.status = "again"
        self.next(self.check)

    @step
    def check(self):
        self.next({"again": self.start, "done": self.end}, condition="status")

    @step
    def end(self):
        pass
