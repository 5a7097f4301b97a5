"""Production-style flow with a decorator stack on every step, as deployed on Kubernetes."""

from metaflow import (
    FlowSpec,
    Parameter,
    card,
    catch,
    environment,
    kubernetes,
    pypi,
    resources,
    retry,
    secrets,
    step,
    timeout,
)

IMAGE = "registry.example.com/ml/trainer:1.4.2"


class DecoratedPipelineFlow(FlowSpec):
    """Extract, train (GPU, retried, time-boxed), score with a caught failure, publish."""

    table = Parameter("table", default="events", help="Source table")

    @secrets(sources=["warehouse-credentials"])
    @environment(vars={"WAREHOUSE_REGION": "eu-west-1", "LOG_LEVEL": "info"})
    @retry(times=3, minutes_between_retries=1)
    @step
    def start(self):
        self.rows = [{"id": i, "value": i * 0.5} for i in range(10)]
        self.next(self.train)

    @kubernetes(
        image=IMAGE,
        cpu=4,
        memory=16384,
        gpu=1,
        node_selector={"node.kubernetes.io/instance-type": "g5.xlarge"},
        tolerations=[{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
    )
    @timeout(hours=2)
    @retry(times=2)
    @pypi(packages={"scikit-learn": "1.5.2"}, python="3.11")
    @card(type="blank", id="training")
    @step
    def train(self):
        from sklearn.linear_model import LinearRegression  # noqa: F401

        self.model = {"slope": 0.5}
        self.next(self.score)

    @catch(var="scoring_error", print_exception=True)
    @resources(cpu=2, memory=8192)
    @timeout(minutes=30, seconds=30)
    @step
    def score(self):
        self.scores = [row["value"] * self.model["slope"] for row in self.rows]
        self.next(self.end)

    @card
    @step
    def end(self):
        if self.scoring_error:
            print("scoring failed:", self.scoring_error)
        print("scored", len(self.scores))


if __name__ == "__main__":
    DecoratedPipelineFlow()
