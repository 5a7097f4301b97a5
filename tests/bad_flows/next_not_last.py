# expect: FLC109 line 10 col 13
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.ready = True
        if self.ready:
            self.next(self.end)
        print("done")

    @step
    def end(self):
        pass
