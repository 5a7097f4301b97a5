# expect: FLC002 line 5
from somewhere import FlowSpec, step


class LooksLikeAFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
