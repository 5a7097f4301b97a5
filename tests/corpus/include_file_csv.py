"""IncludeFile with a CSV default next to the flow, parsed with the csv module."""

import csv
import io

from metaflow import FlowSpec, IncludeFile, Parameter, step


def parse_rows(text):
    """Rows of the CSV text as dictionaries."""
    return list(csv.DictReader(io.StringIO(text)))


class IncludeCsvFlow(FlowSpec):
    """Load a small table, compute densities, keep the densest."""

    table = IncludeFile(
        "table",
        is_text=True,
        help="Cities with population and area",
        default="data/cities.csv",
    )
    top = Parameter("top", help="How many cities to keep", default=2)

    @step
    def start(self):
        """Parse the included file."""
        self.rows = parse_rows(self.table)
        print("read %d rows" % len(self.rows))
        self.next(self.density)

    @step
    def density(self):
        """People per square kilometre."""
        self.densities = {
            row["city"]: int(row["population"]) / int(row["area"]) for row in self.rows
        }
        self.next(self.end)

    @step
    def end(self):
        """Keep the top cities."""
        ranked = sorted(self.densities, key=self.densities.get, reverse=True)
        self.densest = ranked[: self.top]
        print("densest:", ", ".join(self.densest))


if __name__ == "__main__":
    IncludeCsvFlow()
