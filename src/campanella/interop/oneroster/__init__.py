"""OneRoster 1.2 (1EdTech) for the interop app: the mapping of Campanella's roster and grade book
onto OneRoster records (`mapping`), the CSV binding's files and columns (`columns`) and the CSV
bundle (`bundle`). See docs/oneroster.md."""
