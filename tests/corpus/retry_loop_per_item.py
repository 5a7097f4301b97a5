"""Per-item polling loops: a recursive switch inside a foreach body."""

from metaflow import FlowSpec, step


class ItemLoopsFlow(FlowSpec):
    """Each item polls until its own budget is spent."""

    @step
    def start(self):
        self.items = [1, 3, 2]
        self.next(self.start_loop_for_item, foreach="items")

    @step
    def start_loop_for_item(self):
        self.budget = self.input
        self.polls = 0
        self.next(self.loop_body)

    @step
    def loop_body(self):
        self.polls += 1
        self.should_continue = self.polls < self.budget
        self.next({True: self.loop_body, False: self.exit_item_loop}, condition="should_continue")

    @step
    def exit_item_loop(self):
        self.done = (self.budget, self.polls)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.polled = sorted(i.done for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("polled:", self.polled)


if __name__ == "__main__":
    ItemLoopsFlow()
