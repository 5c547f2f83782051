"""Excel worksheet functions (xlwings): `from excel_addin import udfs`."""
