# expect: FLC110 line 8 col 19
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next("end")

    @step
    def end(self):
        pass
