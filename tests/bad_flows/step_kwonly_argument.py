# expect: FLC107 line 7 col 24
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self, *, fast=True):
        self.next(self.end)

    @step
    def end(self):
        pass
