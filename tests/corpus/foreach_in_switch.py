"""A foreach inside one case of a switch (Metaflow's test/core graph
``foreach_in_switch``): score each shard, or take a cached score."""

from metaflow import FlowSpec, Parameter, step


class ShardScoringFlow(FlowSpec):
    """Score shards in parallel unless a cached score is usable."""

    use_cache = Parameter("use_cache", default=False, type=bool)

    @step
    def start(self):
        self.shards = ["a", "bb", "ccc"]
        self.route = "cached" if self.use_cache else "score"
        self.next({"score": self.fan_out, "cached": self.from_cache}, condition="route")

    @step
    def fan_out(self):
        self.next(self.score_shard, foreach="shards")

    @step
    def score_shard(self):
        self.score = len(self.input) * 7
        self.next(self.collect)

    @step
    def collect(self, inputs):
        self.total = sum(i.score for i in inputs)
        self.next(self.end)

    @step
    def from_cache(self):
        self.total = -1
        self.next(self.end)

    @step
    def end(self):
        print("total score:", self.total)


if __name__ == "__main__":
    ShardScoringFlow()
