"""A step that loops on itself inside a foreach body (Metaflow's test/core
graph ``recursive_switch_inside_foreach``): each item retries until done."""

from metaflow import FlowSpec, step


class PollEachJobFlow(FlowSpec):
    """Poll every job until it reports done, then gather the attempt counts."""

    @step
    def start(self):
        self.jobs = [1, 3, 2]
        self.next(self.begin, foreach="jobs")

    @step
    def begin(self):
        self.needed = self.input
        self.attempts = 0
        self.next(self.poll)

    @step
    def poll(self):
        self.attempts += 1
        self.state = "done" if self.attempts >= self.needed else "waiting"
        self.next({"waiting": self.poll, "done": self.finished}, condition="state")

    @step
    def finished(self):
        self.report = "job needing %d took %d polls" % (self.needed, self.attempts)
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.reports = [i.report for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        print("; ".join(self.reports))


if __name__ == "__main__":
    PollEachJobFlow()
