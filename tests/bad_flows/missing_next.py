# expect: FLC108 line 11
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @step
    def train(self):
        self.model = "fitted"

    @step
    def end(self):
        pass
