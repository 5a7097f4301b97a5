"""AWS Batch flow (Step Functions deployments): @batch with queue, image and resources."""

from metaflow import FlowSpec, Parameter, batch, retry, step


class BatchComputeFlow(FlowSpec):
    """Fan out simulations on AWS Batch."""

    runs = Parameter("runs", default=3, help="Number of simulations")

    @step
    def start(self):
        self.seeds = list(range(self.runs))
        self.next(self.simulate, foreach="seeds")

    @retry(times=2)
    @batch(cpu=2, memory=8000, queue="corpus-spot-queue", image="python:3.11-slim")
    @step
    def simulate(self):
        self.value = (self.input * 7919) % 101
        self.next(self.collect)

    @batch(cpu=1, memory=2048)
    @step
    def collect(self, inputs):
        self.total = sum(i.value for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print("total", self.total)


if __name__ == "__main__":
    BatchComputeFlow()
