"""A plain mixin (not a FlowSpec) contributes an IncludeFile, a Parameter and helper
methods; the flow class lists it after FlowSpec."""

import csv
import io

from metaflow import FlowSpec, IncludeFile, Parameter, project, step


class DatasetMixin:
    """Shared by several flows of the project."""

    dataset = IncludeFile(
        "dataset",
        is_text=True,
        help="Local copy of the dataset, used in development.",
        default="data/cities.csv",
    )
    sample = Parameter("sample", default=3, help="Rows to keep")

    def load_dataset(self):
        """The included CSV as a list of dicts, first ``sample`` rows."""
        rows = list(csv.DictReader(io.StringIO(self.dataset)))
        return rows[: self.sample]


@project(name="corpus_cities")
class MixinDatasetFlow(FlowSpec, DatasetMixin):
    """Load through the mixin, summarise."""

    @step
    def start(self):
        self.data = self.load_dataset()
        self.next(self.end)

    @step
    def end(self):
        print("loaded", len(self.data), "rows:", ",".join(r["city"] for r in self.data))


if __name__ == "__main__":
    MixinDatasetFlow()
