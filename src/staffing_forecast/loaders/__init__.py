"""Loaders: read files and databases into validated frames with the library's fixed column names."""

from .panels import load_csv, load_excel, load_parquet, load_sql, to_panel

__all__ = ["load_csv", "load_excel", "load_parquet", "load_sql", "to_panel"]
