"""Crossed indicators in the portraits: fragility index, typology, quadrants and similar communes.

Computed once per département (CrossedAnalysis), then shown for each commune and
on the département's synthesis ("Synthèse départementale").
"""

import numpy as np

from indicators.fragility import fragility_index, load_components
from indicators.quadrants import QUADRANTS, load_pairs, quadrant
from indicators.similar import similar_communes
from indicators.typology import typology
from reports.formatting import format_number, format_rank, format_row, format_value, is_missing
from reports.french import of, plural
from reports.model import Chart

__all__ = ["MIN_COMMUNES", "TYPE_COLOURS", "CrossedAnalysis"]

TYPE_COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]


MIN_COMMUNES = 3


class CrossedAnalysis:
    """Raises ValueError when too few communes have the indicators to cross (a small or partial département)."""

    def __init__(self, territory):
        self.territory = territory
        self._indexed = {}
        catalogue = territory.catalogue
        self.components = load_components(catalogue)
        self.fragility = fragility_index(territory).set_index("code")
        scored = int(self.fragility["score"].notna().sum())
        if scored < MIN_COMMUNES:
            raise ValueError(
                f"{scored} commune(s) with the fragility index's components, at least {MIN_COMMUNES} needed"
            )
        self.typology = typology(territory)
        self.types = self.typology.types.set_index("type")
        self.assignments = self.typology.assignments.set_index("code")
        self.quadrants = {pid: quadrant(territory, pid) for pid in load_pairs(catalogue)}

    def _label(self, indicator):
        return self.territory.catalogue[indicator].label

    def _shown(self, ref, code, value):
        """A commune's value of an operand {indicator, vintage}, with the decimals its source publishes."""
        row = self._rows_at(ref.indicator, ref.vintage).get(code)
        unit = self.territory.catalogue[ref.indicator].unit
        return format_row(row, unit) if row is not None else format_value(value, unit)

    def _rows_at(self, indicator, vintage):
        """{code: tidy row} of one indicator at one vintage, indexed once: a quadrant's table prints
        every commune twice, and filtering the table for each would cost half a second a portrait."""
        key = (indicator, vintage)
        if key not in self._indexed:
            rows = self.territory.rows_for(indicator)
            rows = rows[rows["vintage"] == vintage]
            self._indexed[key] = {
                code: row for code, row in zip(rows["code"], rows.to_dict("records"))
            }
        return self._indexed[key]

    def contributions_chart(self, code: str) -> Chart | None:
        row = self.fragility.loc[code]
        if is_missing(row["score"]):
            return None
        items = [
            (self._label(c.indicator), row[c.indicator])
            for c in self.components
            if not is_missing(row[c.indicator])
        ]
        items.sort(key=lambda item: -item[1])
        name = self.territory.name_of(code)
        up = [label.lower() for label, value in items if value > 0][:2]
        down = [label.lower() for label, value in items if value < 0][-2:]
        alt = (
            f"Barres horizontales : contribution de chaque composante à l'indice de fragilité {of(name)} "
            f"({format_number(row['score'], 2)}). Tirent l'indice vers le haut : {', '.join(up) or 'aucune'} ; "
            f"vers le bas : {', '.join(down) or 'aucune'}."
        )
        return Chart(
            "fragilite-contributions",
            "contributions",
            "Ce qui fait l'indice de fragilité",
            alt,
            "calcul à partir des indicateurs du portrait (écarts réduits à la moyenne des communes)",
            ["Composante", "Contribution"],
            [[label, format_number(value, 2)] for label, value in items],
            {"labels": [label for label, _ in items], "values": [float(v) for _, v in items]},
        )

    def quadrant_chart(
        self, pair_id: str, code: str | None = None, closest: tuple[str, ...] = ()
    ) -> Chart | None:
        q = self.quadrants[pair_id]
        if q.points.empty:
            return None
        x_ind, y_ind = (
            self.territory.catalogue[q.pair.x.indicator],
            self.territory.catalogue[q.pair.y.indicator],
        )
        xlabel, ylabel = (
            f"{x_ind.label} ({q.pair.x.vintage})",
            f"{y_ind.label} ({q.pair.y.vintage})",
        )
        points = q.points
        own = points[points["code"] == code] if code else points.iloc[:0]
        where = ""
        if len(own):
            row = own.iloc[0]
            where = f" {row['name']} : {self._shown(q.pair.x, code, row['x'])} et {self._shown(q.pair.y, code, row['y'])} ({row['words']})."
        alt = (
            f"Nuage de points : les {len(points)} communes du département selon {xlabel.lower()} et {ylabel.lower()}, "
            f"avec des lignes aux valeurs du département.{where}"
        )
        return Chart(
            f"quadrant-{pair_id}",
            "quadrant",
            f"{x_ind.label} × {y_ind.label}",
            alt,
            "indicateurs du portrait ; lignes : valeurs du département",
            ["Commune", xlabel, ylabel, "Position"],
            [
                [
                    r["name"],
                    self._shown(q.pair.x, r["code"], r["x"]),
                    self._shown(q.pair.y, r["code"], r["y"]),
                    r["words"],
                ]
                for _, r in points.iterrows()
            ],
            {
                "x": points["x"].tolist(),
                "y": points["y"].tolist(),
                "names": points["name"].tolist(),
                "codes": points["code"].tolist(),
                "x0": None if np.isnan(q.x0) else float(q.x0),
                "y0": None if np.isnan(q.y0) else float(q.y0),
                "xlabel": xlabel,
                "ylabel": ylabel,
                "highlight": code,
                "corners": {corner: q.pair.corner(*sides) for sides, corner in QUADRANTS.items()},
                "labelled": [*closest, *self._extremes(points)] if code else [],
            },
        )

    @staticmethod
    def _extremes(points):
        """The communes at the ends of each axis, named so that the scale reads."""
        return list(
            dict.fromkeys(
                points.loc[
                    [
                        points["x"].idxmax(),
                        points["x"].idxmin(),
                        points["y"].idxmax(),
                        points["y"].idxmin(),
                    ],
                    "code",
                ]
            )
        )

    def commune_view(self, code: str) -> dict:
        """What a commune's portrait shows in its "Indicateurs croisés" section."""
        territory = self.territory
        row = self.fragility.loc[code] if code in self.fragility.index else None
        score = (
            None
            if row is None or is_missing(row["score"])
            else {
                "value": format_number(row["score"], 2),
                "rank": format_rank(row["rank"], self.fragility["score"].notna().sum()),
                "missing": [self._label(i) for i in row["missing"]],
            }
        )
        assigned = self.assignments.loc[code] if code in self.assignments.index else None
        kind = (
            None
            if assigned is None
            else {
                "label": assigned["label"],
                "size": int(self.types.loc[assigned["type"], "size"]),
                "type": int(assigned["type"]),
            }
        )
        similar = similar_communes(territory.table, code, n=5, catalogue=territory.catalogue)
        return {
            "score": score,
            "type": kind,
            "similar": [
                {
                    "name": r["name"],
                    "distance": format_number(r["distance"], 2),
                    "explanation": r["explanation"],
                }
                for _, r in similar.iterrows()
            ],
            "charts": [
                c
                for c in [
                    self.contributions_chart(code),
                    *(self.quadrant_chart(p, code, tuple(similar["code"])) for p in self.quadrants),
                ]
                if c
            ],
        }

    def synthesis(self) -> dict:
        """The département's synthesis: types, fragility ranking, quadrants."""
        territory = self.territory
        ranked = self.fragility.dropna(subset=["score"]).sort_values("score", ascending=False)
        ranking = Chart(
            "fragilite-classement",
            "ranking",
            "Indice de fragilité des communes",
            f"Barres horizontales : indice de fragilité des {len(ranked)} communes, de la plus fragile "
            f"({ranked['name'].iloc[0]}) à la moins fragile ({ranked['name'].iloc[-1]}).",
            "calcul à partir des indicateurs des portraits",
            ["Rang", "Commune", "Indice"],
            [
                [int(r["rank"]), r["name"], format_number(r["score"], 2)]
                for _, r in ranked.iterrows()
            ],
            {"labels": ranked["name"].tolist(), "values": ranked["score"].tolist()},
        )
        colours = {t: TYPE_COLOURS[(t - 1) % len(TYPE_COLOURS)] for t in self.types.index}
        types_map = Chart(
            "carte-types",
            "types",
            "Typologie des communes",
            "Carte des communes colorées selon leur type : "
            + " ; ".join(
                f"type {t} ({r['size']} {plural(r['size'], 'commune')}) : {r['label'].lower()}"
                for t, r in self.types.iterrows()
            )
            + ".",
            "classification des communes sur les indicateurs des portraits ; IGN, Admin Express",
            [],
            [],
            {
                "values": {c: int(t) for c, t in self.assignments["type"].items()},
                "colours": colours,
                "labels": {int(t): f"{t}. {r['label']}" for t, r in self.types.iterrows()},
            },
        )
        profiles = []
        for t, r in self.types.iterrows():
            rows = self.typology.profiles[self.typology.profiles["type"] == t]
            members = self.assignments[self.assignments["type"] == t]["name"].tolist()
            profiles.append(
                {
                    "type": int(t),
                    "label": r["label"],
                    "size": int(r["size"]),
                    "colour": colours[t],
                    "members": members,
                    "rows": [
                        {
                            "label": self._label(p["indicator"]),
                            "vintage": int(p["vintage"]),
                            "mean": format_value(
                                p["mean"], territory.catalogue[p["indicator"]].unit
                            ),
                            "departement": format_value(
                                p["departement_value"], territory.catalogue[p["indicator"]].unit
                            ),
                            "z": format_number(p["mean_z"], 2, signed=True),
                        }
                        for _, p in rows.iterrows()
                    ],
                }
            )
        silhouettes = ", ".join(
            f"{k} types : {format_number(v, 2)}"
            for k, v in sorted(self.typology.silhouettes.items())
        )
        return {
            "ranking": ranking,
            "types_map": types_map,
            "profiles": profiles,
            "k": self.typology.k,
            "silhouettes": silhouettes,
            "typology_indicators": [
                self._label(i) for i in self.typology.profiles["indicator"].drop_duplicates()
            ],
            "quadrants": [c for c in (self.quadrant_chart(p) for p in self.quadrants) if c],
            "components": [
                (
                    self._label(c.indicator),
                    c.vintage,
                    format_number(c.weight, 0),
                    "+" if c.sign > 0 else "−",
                )
                for c in self.components
            ],
        }
