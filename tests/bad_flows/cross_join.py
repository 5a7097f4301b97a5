# expect: FLC118 line 31
from flowc import FlowSpec, step


class BadFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.a, self.b)

    @step
    def a(self):
        self.next(self.a1, self.a2)

    @step
    def a1(self):
        self.next(self.join_a)

    @step
    def a2(self):
        self.next(self.join_all)

    @step
    def join_a(self, inputs):
        self.next(self.join_all)

    @step
    def b(self):
        self.next(self.join_all)

    @step
    def join_all(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
