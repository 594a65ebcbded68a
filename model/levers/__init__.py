"""The lever catalogue: the 48 articles of 晋发〔2021〕67号 as data (see SCHEMA.md)."""
