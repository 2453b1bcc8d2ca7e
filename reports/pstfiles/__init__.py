"""The files field officers write by hand: PST files and observations files, read safely and checked.

In the reports layer so that the renderers (reports.pst_view, reports.observations_view) take the
real schema types, and the commands (portrait.pst, portrait.observations) only parse and print.
From bottom to top: yamlreader (the hardened reader and its one-line errors), fields (the field
types), commune_files (one file per commune), observations, pst (a PST directory, observations included).
"""

__all__ = ["commune_files", "fields", "observations", "pst", "yamlreader"]
