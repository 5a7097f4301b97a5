# expect: FLC110 line 8
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next()

    @step
    def end(self):
        pass
