"""Gang-scheduled training with @parallel and num_parallel (distributed training shape)."""

from metaflow import FlowSpec, current, parallel, step


class GangTrainingFlow(FlowSpec):
    """Three workers, one result per rank."""

    @step
    def start(self):
        self.next(self.train, num_parallel=3)

    @parallel
    @step
    def train(self):
        self.rank = current.parallel.node_index
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.ranks = sorted(i.rank for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("ranks", self.ranks)


if __name__ == "__main__":
    GangTrainingFlow()
