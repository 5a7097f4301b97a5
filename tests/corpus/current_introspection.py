"""Steps that read ``current`` for naming outputs, logging and retry-aware behaviour."""

from metaflow import FlowSpec, current, retry, step


class CurrentIntrospectionFlow(FlowSpec):
    """Record where each task ran."""

    @step
    def start(self):
        self.origin = f"{current.flow_name}/{current.run_id}"
        self.tags_seen = sorted(current.tags)
        self.items = ["a", "b"]
        self.next(self.work, foreach="items")

    @retry(times=1)
    @step
    def work(self):
        if current.retry_count == 0 and self.input == "b":
            raise RuntimeError("transient failure, retried")
        self.where = (current.step_name, current.task_id, current.retry_count)
        self.path = current.pathspec
        self.next(self.join)

    @step
    def join(self, inputs):
        self.places = sorted(i.where for i in inputs)
        self.origin = inputs[0].origin
        self.running = current.is_running_flow
        self.next(self.end)

    @step
    def end(self):
        print("origin ok:", self.origin.startswith("CurrentIntrospectionFlow/"))
        print("places:", self.places, "running:", self.running)


if __name__ == "__main__":
    CurrentIntrospectionFlow()
