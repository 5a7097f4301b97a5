"""A switch that either processes items (a foreach, or a branch) or skips straight to
the end, as batch jobs that may have nothing to do are written."""

from metaflow import FlowSpec, Parameter, step


class SkipOrProcessFlow(FlowSpec):
    """Process new files one per task, compare two strategies, or skip."""

    mode = Parameter("mode", default="process", help="process, compare or skip")

    @step
    def start(self):
        self.files = ["f1.csv", "f2.csv", "f3.csv"]
        self.next(
            {"process": self.process_items, "compare": self.compare, "skip": self.skip_processing},
            condition="mode",
        )

    @step
    def process_items(self):
        self.next(self.do_work, foreach="files")

    @step
    def do_work(self):
        self.rows = len(self.input) * 10
        self.next(self.join_work)

    @step
    def join_work(self, inputs):
        self.summary = f"processed {sum(i.rows for i in inputs)} rows"
        self.next(self.end)

    @step
    def compare(self):
        self.next(self.strategy_a, self.strategy_b)

    @step
    def strategy_a(self):
        self.cost = 3
        self.next(self.compare_join)

    @step
    def strategy_b(self):
        self.cost = 2
        self.next(self.compare_join)

    @step
    def compare_join(self, inputs):
        self.summary = f"cheapest costs {min(i.cost for i in inputs)}"
        self.next(self.end)

    @step
    def skip_processing(self):
        self.summary = "nothing to do"
        self.next(self.end)

    @step
    def end(self):
        print("summary:", self.summary)


if __name__ == "__main__":
    SkipOrProcessFlow()
