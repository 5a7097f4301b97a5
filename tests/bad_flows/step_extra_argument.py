# expect: FLC107 line 11 col 29
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @step
    def train(self, inputs, extra):
        self.next(self.end)

    @step
    def end(self):
        pass
