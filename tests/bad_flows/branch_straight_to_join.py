# expect: FLC120 line 8
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.join)

    @step
    def a(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
