# expect: FLC125 line 12
from flowc import FlowSpec, parallel, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @parallel
    @step
    def train(self):
        self.next(self.end)

    @step
    def end(self):
        pass
