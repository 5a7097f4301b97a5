"""Grid-search a nearest-centroid classifier's distance weighting with foreach."""

import csv
import io
import math

from flowc import FlowSpec, IncludeFile, Parameter, project, resources, schedule, step


@project(name="iris")
@schedule(cron="0 3 * * *", timezone="Europe/Berlin")
class ForeachTuningFlow(FlowSpec):
    """Fan out over candidate weights, score each in two steps, keep the best."""

    table = IncludeFile("table", default="data/iris_sample.csv", help="Training data as CSV.")
    weights = Parameter("weights", default="0.5,1.0,2.0", help="Comma-separated petal weights.")

    @step
    def start(self):
        rows = list(csv.DictReader(io.StringIO(self.table)))
        self.rows = [
            ([float(r["sepal_length"]), float(r["petal_length"])], r["species"]) for r in rows
        ]
        self.candidates = [float(w) for w in self.weights.split(",")]
        self.next(self.fit, foreach="candidates")

    @resources(cpu=1, memory=2048)
    @step
    def fit(self):
        """Compute one centroid per species."""
        self.weight = self.input
        sums = {}
        for features, label in self.rows:
            total = sums.setdefault(label, [0.0, 0.0, 0])
            total[0] += features[0]
            total[1] += features[1]
            total[2] += 1
        self.centroids = {k: (v[0] / v[2], v[1] / v[2]) for k, v in sums.items()}
        self.next(self.score)

    @step
    def score(self):
        """Training accuracy with the weighted distance."""

        def predict(features):
            return min(
                self.centroids,
                key=lambda k: math.hypot(
                    features[0] - self.centroids[k][0],
                    self.weight * (features[1] - self.centroids[k][1]),
                ),
            )

        hits = sum(predict(f) == label for f, label in self.rows)
        self.accuracy = hits / len(self.rows)
        self.next(self.pick)

    @step
    def pick(self, inputs):
        """Keep the most accurate weight (ties: the smallest)."""
        best = max(inputs, key=lambda i: (i.accuracy, -i.weight))
        self.best_weight, self.best_accuracy = best.weight, best.accuracy
        self.all_scores = sorted((i.weight, i.accuracy) for i in inputs)
        self.next(self.end)

    @step
    def end(self):
        print(f"best weight {self.best_weight}: accuracy {self.best_accuracy:.2f}")


if __name__ == "__main__":
    ForeachTuningFlow()
