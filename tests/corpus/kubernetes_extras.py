"""@kubernetes with the cluster-side options production flows set."""

from metaflow import FlowSpec, kubernetes, resources, step


class ClusterOptionsFlow(FlowSpec):
    """A step with secrets, a service account, labels, a volume, shared memory and disk."""

    @kubernetes(
        image="registry.example.com/ml/torch:2.3",
        secrets=["s3-credentials", "wandb-token"],
        service_account="trainer",
        labels={"team": "ml", "cost-center": "r-and-d"},
        annotations={"owner": "ml-platform"},
        persistent_volume_claims={"dataset-cache": "/mnt/cache"},
        shared_memory=1024,
        disk=20480,
    )
    @resources(cpu=8, memory=32768, gpu=2)
    @step
    def start(self):
        self.device = "cuda"
        self.next(self.end)

    @kubernetes
    @step
    def end(self):
        print("trained on", self.device)


if __name__ == "__main__":
    ClusterOptionsFlow()
