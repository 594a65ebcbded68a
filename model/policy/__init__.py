"""The policy: 晋发〔2021〕67号 as levers (levers/*.yaml, format in SCHEMA.md, text in document/),
scenario files, and levers turned into the rates in force month by month.

May import `model.world` and the foundation modules, never `model.experiments`.
"""
