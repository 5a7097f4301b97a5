# expect: FLC201 line 6
from flowc import FlowSpec, Parameter, step


class BadFlow(FlowSpec):
    tag_list = Parameter("tags", default="x")

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
