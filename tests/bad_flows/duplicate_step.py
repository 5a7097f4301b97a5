# expect: FLC104 line 16
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.train)

    @step
    def train(self):
        self.model = 1
        self.next(self.end)

    @step
    def train(self):
        self.model = 2
        self.next(self.end)

    @step
    def end(self):
        pass
